"""The baseline: the least a script can do to get the same page's comments with Playwright."""

import sys

from playwright.sync_api import sync_playwright

from scraper.browser.discovery import QUIET_FLAGS

url, executable = sys.argv[1], sys.argv[2]
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=executable, args=list(QUIET_FLAGS))
    page = browser.new_page()
    page.goto(url)
    page.wait_for_function("window.commentsLoaded === true")
    html = page.content()
    browser.close()
print(len(html))
