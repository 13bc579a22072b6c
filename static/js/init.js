// Starts every GOV.UK Frontend component on the page (error summary focus, skip link, etc.).
// A module, so browsers too old for GOV.UK Frontend 5 never run it. The relative path keeps
// working when STATIC_URL changes or collectstatic hashes this file's name.
import { initAll } from '../govuk/govuk-frontend.min.js';

initAll();
