"""One check as a cron job does it: a fresh Python, Playwright's driver and a browser, one page.

Usage: script_per_check.py URL CHROMIUM [FLAG ...]. It imports nothing of scraper, so it pays only
what such a script pays."""

import sys

from playwright.sync_api import sync_playwright

url, executable, flags = sys.argv[1], sys.argv[2], sys.argv[3:]
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=executable, args=flags)
    page = browser.new_page()
    page.route("**/*.png", lambda route: route.abort())
    page.goto(url)
    page.wait_for_function("document.querySelector('li.comment')", polling="raf")  # contenders.READY_JS
    html = page.content()
    browser.close()
print(len(html))
