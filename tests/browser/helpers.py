"""What every journey does: sign in, scan with axe, check error handling, keep a screenshot.

Waiting, not sleeping: a click that submits a form or follows a link only *starts* a
navigation, so reading the page straight after it races the new page (the old page may still
be there, or be torn down mid-read: "Execution context was destroyed"). Every such click goes
through `follow`, which waits for the new page to load, and what is read afterwards is read
with Playwright's auto-retrying `expect` assertions.
"""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_axe = Axe()


def follow(target, **kwargs):
    """Click a link or a submit button and wait until the page it leads to has loaded.

    The listener is set up before the click, so a navigation that starts and ends quickly is
    not missed; a form that answers at its own address (errors) counts too. Returns the main
    resource's response (after redirects).
    """
    with target.page.expect_navigation(**kwargs) as navigation:
        target.click()
    return navigation.value


def assert_accessible(page, *, clock_paused: bool = False) -> None:
    """Fail on any axe-core violation at WCAG 2.2 AA on the current page, once it has loaded.

    clock_paused: the test has paused the page's clock (`page.clock.pause_at`) to stop a page
    that refreshes itself on a timer from reloading mid-scan; axe's own timers are then
    stepped along here.
    """
    page.wait_for_load_state("load")
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}}
    if clock_paused:
        violations = _axe_violations_with_paused_clock(page, options)
    else:
        violations = _axe.run(page, options=options).response["violations"]
    details = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in violations
    ]
    assert not violations, f"axe violations on {page.url}:\n" + "\n".join(details)


_AXE_STEP_LIMIT_MS = 1_000


def _axe_violations_with_paused_clock(page, options: dict) -> list:
    """Run axe while the page's fake clock is paused, advancing it 1 ms at a time for axe.

    axe resolves its result from a setTimeout, so it never finishes on a paused clock. Its
    work is synchronous or promise-driven, so it needs a step or two; at most
    `_AXE_STEP_LIMIT_MS` of fake time pass, short of the page's own timers (2 s and more).
    """
    page.evaluate(_axe.axe_script)
    page.evaluate(
        """(options) => {
            window.__axeResults = undefined;
            axe.run(document, options).then(
                (results) => { window.__axeResults = results; },
                (error) => { window.__axeResults = {error: String(error)}; },
            );
        }""",
        options,
    )
    for _ in range(_AXE_STEP_LIMIT_MS):
        results = page.evaluate("window.__axeResults")
        if results is not None:
            break
        page.clock.run_for(1)
    else:
        raise AssertionError(f"axe did not finish within {_AXE_STEP_LIMIT_MS} ms of page time")
    assert "error" not in results, f"axe failed on {page.url}: {results['error']}"
    return results["violations"]


def visit(page, path: str) -> None:
    """Go to a page and check it with axe."""
    response = page.goto(path)  # waits for the load event
    assert response is not None and response.status < 400, f"{path} answered {response.status}"
    assert_accessible(page)


def sign_in(page, email: str, password: str) -> None:
    page.goto("/accounts/sign-in/")
    assert_accessible(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    follow(page.get_by_role("button", name="Sign in"))
    expect(page, f"signing in as {email} failed").not_to_have_title(re.compile(r"^Error: "))


def assert_error_handling(page) -> None:
    """After a failed submit: 'Error: ' title, focus on the summary, each link focuses its field."""
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    page.wait_for_function(
        "document.activeElement && document.activeElement.closest('.govuk-error-summary')"
    )
    assert_accessible(page)
    links = summary.locator("a")
    for index in range(links.count()):
        link = links.nth(index)
        target = link.get_attribute("href")
        assert target and target.startswith("#"), f"error summary link {target!r}"
        link.click()
        field = page.locator(f"[id='{target[1:]}']")
        expect(field, f"{target} did not take the focus").to_be_focused()


def screenshot(page, name: str) -> None:
    page.wait_for_load_state("load")
    ARTIFACTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^a-z0-9_-]+", "-", name.lower())
    page.screenshot(path=str(ARTIFACTS / f"{safe}.png"), full_page=True)
