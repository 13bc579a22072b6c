"""What every journey does: sign in, scan with axe, check error handling, keep a screenshot."""

import re

from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import ARTIFACTS

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_axe = Axe()


def assert_accessible(page) -> None:
    """Fail on any axe-core violation at WCAG 2.2 AA on the current page."""
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = results.response["violations"]
    details = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in violations
    ]
    assert not violations, f"axe violations on {page.url}:\n" + "\n".join(details)


def visit(page, path: str) -> None:
    """Go to a page and check it with axe."""
    response = page.goto(path)
    assert response is not None and response.status < 400, f"{path} answered {response.status}"
    assert_accessible(page)


def sign_in(page, email: str, password: str) -> None:
    page.goto("/accounts/sign-in/")
    assert_accessible(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def assert_error_handling(page) -> None:
    """After a failed submit: 'Error: ' title, focus on the summary, each link focuses its field."""
    assert page.title().startswith("Error: "), page.title()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    page.wait_for_function(
        "document.activeElement && document.activeElement.closest('.govuk-error-summary')"
    )
    assert_accessible(page)
    links = summary.locator("a")
    for index in range(links.count()):
        link = links.nth(index)
        target = link.get_attribute("href")
        link.click()
        focused_id = page.evaluate("document.activeElement && document.activeElement.id")
        assert f"#{focused_id}" == target, f"{target} moved focus to #{focused_id}"


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^a-z0-9_-]+", "-", name.lower())
    page.screenshot(path=str(ARTIFACTS / f"{safe}.png"), full_page=True)
