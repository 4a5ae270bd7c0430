"""The Content-Security-Policy as Chromium enforces it (issue 12.8): the pages that run scripts
(print buttons, Swagger UI) still work, and no page reports a blocked script or style; the
receipt's QR link opens the dossier with its token alone (issue 12.7)."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_journeys import login
from tests.dossier_helpers import make_dossier

pytestmark = pytest.mark.django_db(transaction=True)


def watch_csp(page):
    """The console's CSP violation reports and the page errors, as they come."""
    seen = []
    page.on("console", lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


def test_scripts_run_under_the_csp_and_nothing_is_blocked(page, shot):
    dossier = make_dossier("accepted")
    violations = watch_csp(page)
    page.add_init_script("window.print = function () { document.body.dataset.printed = 'yes'; };")

    page.goto(page.base + f"/tra-cuu/?code={dossier.code}&token={dossier.tracking_token}")
    expect(page.get_by_text("Đã tiếp nhận").first).to_be_visible()
    expect(page.get_by_text("Quá trình giải quyết")).to_be_visible()
    shot(page, "tracking-by-token")

    login(page, dossier.citizen, f"/ho-so/{dossier.code}/in/giay-tiep-nhan/")
    page.locator("[data-print]").first.click()
    expect(page.locator("body")).to_have_attribute("data-printed", "yes")
    shot(page, "receipt")

    page.goto(page.base + "/api/docs/")
    # Swagger UI builds the page from /api/schema/, generated on request: seconds on a loaded 2-core machine.
    expect(page.locator(".swagger-ui .information-container")).to_be_visible(timeout=30_000)
    shot(page, "api-docs")

    assert violations == []
