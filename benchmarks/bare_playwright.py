"""The baseline: the least a script can do to get the same page's comments with Playwright.

Usage: bare_playwright.py URL CHROMIUM [READY_JS]: launch, go to URL, wait until READY_JS holds
(checked on every animation frame; default: the demo page's `window.commentsLoaded === true`), read
the DOM, exit."""

import sys

from playwright.sync_api import sync_playwright

from scraper.browser.discovery import QUIET_FLAGS

url, executable = sys.argv[1], sys.argv[2]
ready = sys.argv[3] if len(sys.argv) > 3 else "window.commentsLoaded === true"
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=executable, args=list(QUIET_FLAGS))
    page = browser.new_page()
    page.goto(url)
    page.wait_for_function(ready, polling="raf")
    html = page.content()
    browser.close()
print(len(html))
