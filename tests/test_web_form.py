"""The add/edit form in groups (issue 26), in a real browser: the page, schedule and reports open,
fetching and advanced folded (opened when they hold an error), human labels without flags or
metavars, "one a line" on the repeatable fields, the profile a choice list that takes a file too."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from scraper.demo.site import DemoSite
from tests.fixtures.web import Dashboard

pytestmark = pytest.mark.browser


def test_the_form_is_grouped_with_human_labels(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.base_url + "/watches/new")
    expect(page.locator("details.group > summary")).to_have_text(
        ["The page", "Schedule", "Reports", "Fetching the page", "Advanced"])
    for group, is_open in (("page", True), ("schedule", True), ("reports", True), ("fetch", False),
                           ("advanced", False)):
        assert page.locator(f"#group-{group}").evaluate("d => d.open") is is_open, group
    labels = page.locator(".watch-form label").all_inner_texts()
    assert not [label for label in labels if "--" in label or "|" in label or "WIDTHx" in label]
    expect(page.locator("#group-schedule label[for=in-every]")).to_have_text("Check every")
    expect(page.locator("#in-viewport")).to_have_attribute("placeholder", "1280x800")
    expect(page.locator("#field-ignore .help")).to_contain_text("One a line.")
    options = page.locator("#profile-names option").evaluate_all("os => os.map(o => o.value)")
    assert {"wordpress", "drupal", "isso", "generic"} <= set(options)
    expect(page.locator("#in-profile")).to_have_attribute("list", "profile-names")

    page.fill("#in-url", "https://example.org/post")
    page.locator("#group-advanced > summary").click()
    page.fill("#in-keep", "5 minutes")  # refused: the folded group opens on its error
    page.locator("#group-advanced > summary").click()
    page.click("#save")
    expect(page.locator("#field-keep .error")).to_contain_text("give a number and a unit")
    assert page.locator("#group-advanced").evaluate("d => d.open") is True
    assert page.locator("#group-fetch").evaluate("d => d.open") is False
    page.fill("#in-keep", "90d")
    page.fill("#in-alert_on", "truce\ncease-?fire")
    page.click("#save")
    expect(page.locator("h1")).to_contain_text("post")


def test_take_an_evidence_capture_from_the_dashboard(page: Page, dashboard: Dashboard,
                                                    demo_site: DemoSite) -> None:
    page.goto(dashboard.base_url + "/captures")
    page.locator("#take-capture > summary").click()
    page.fill("#cap-url", "ftp://example.org/x")
    page.click("#take")
    expect(page.locator("#take-capture .error")).to_contain_text("http:// or https://")
    page.fill("#cap-url", demo_site.article_url)
    page.fill("#cap-case", "acme <v> example")
    page.fill("#cap-note", "taken from the dashboard")
    page.click("#take")
    row = page.locator(".capture-row").first
    expect(row).to_contain_text("acme <v> example", timeout=120_000)
    expect(row).to_contain_text("taken from the dashboard")
    expect(row.locator("td").nth(4)).to_contain_text("verified", timeout=60_000)


def test_the_api_docs_page_is_served_from_this_host(page: Page, dashboard: Dashboard) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    response = page.goto(dashboard.base_url + "/api/v1/docs")
    assert response is not None and response.ok
    assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("scraper", timeout=30_000)
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert hosts == {dashboard.base_url.split("/")[2]}  # nothing from another host
    assert not [e for e in errors if "Content Security Policy" in e], errors
