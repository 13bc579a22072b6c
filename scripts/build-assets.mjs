// Build the GOV.UK Frontend assets into static/govuk/ (run with `npm run build`).
//
// - compiles assets/scss/application.scss to static/govuk/govuk-frontend.min.css (compressed)
// - copies GOV.UK Frontend's JavaScript bundle to static/govuk/govuk-frontend.min.js
//   (without its source map comment, as the map is not shipped)
// - copies only the images the compiled CSS refers to into static/govuk/assets/images/
// - refuses to write CSS that uses GOV.UK's reserved typeface, fonts, crown or crest
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const frontend = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const outDir = join(root, "static", "govuk");
const imagesUrl = "/static/govuk/assets/images/";

const { css } = sass.compile(join(root, "assets", "scss", "application.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  sourceMap: false,
  // GOV.UK Frontend 5 is written with @import and global Sass functions; its
  // deprecation warnings are not ours to fix.
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin"],
});

const forbidden = ["GDS Transport", "/assets/fonts", "govuk-crest", "govuk-crown", "@font-face"];
for (const text of forbidden) {
  if (css.includes(text)) {
    throw new Error(`Compiled CSS contains "${text}", which is reserved for GOV.UK.`);
  }
}

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "govuk-frontend.min.css"), `${css}\n`);
// Drop the source map comment: the map is not shipped, so it would only cause 404s.
const js = readFileSync(join(frontend, "govuk-frontend.min.js"), "utf8");
writeFileSync(
  join(outDir, "govuk-frontend.min.js"),
  `${js.replace(/\/\/# sourceMappingURL=\S+\s*$/, "").trimEnd()}\n`,
);

// Ship an image only if the CSS points at it.
const images = new Set();
for (const match of css.matchAll(/url\(["']?([^"')]+)["']?\)/g)) {
  if (match[1].startsWith(imagesUrl)) {
    images.add(match[1].slice(imagesUrl.length));
  }
}
rmSync(join(outDir, "assets"), { recursive: true, force: true });
for (const image of images) {
  const target = join(outDir, "assets", "images", image);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(frontend, "assets", "images", image), target);
}

console.log(
  `Built static/govuk/govuk-frontend.min.css (${css.length} bytes), ` +
    `govuk-frontend.min.js and ${images.size} image(s).`,
);
