"""A real headless browser for the report's tests: Debian's chromium through chromedriver (selenium).

`headless_chromium(tmp_path)` yields a selenium driver (skip with the reason when chromium,
chromedriver or selenium is absent); `network_requests(driver)` lists every URL the page asked
for, from Chrome's performance log; `console_errors(driver)` the console's errors.
"""
import contextlib
import json
import os
import shutil

import pytest

CHROMIUM = os.environ.get("WIREFEED_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("WIREFEED_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--disable-extensions", "--disable-default-apps", "--hide-scrollbars")


def browser_missing():
    """Why the browser tests cannot run here, or None."""
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        return f"chromium is not installed ({CHROMIUM}; apt-get install chromium chromium-driver)"
    if not os.path.exists(CHROMEDRIVER) and not shutil.which("chromedriver"):
        return f"chromedriver is not installed ({CHROMEDRIVER}; apt-get install chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


@contextlib.contextmanager
def headless_chromium(profile_dir, width=1280, height=900):
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile_dir}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(CHROMEDRIVER if os.path.exists(CHROMEDRIVER) else shutil.which("chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    try:
        yield driver
    finally:
        driver.quit()


def network_requests(driver, document_url=None):
    """Every URL requested (Network.requestWillBeSent) since the last call, in order; with
    `document_url`, those requested by that document (itself included), not by the browser's own
    pages (chrome://new-tab-page …)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            params = message["params"]
            if document_url is None or params.get("documentURL") == document_url:
                urls.append(params["request"]["url"])
    return urls


def console_errors(driver):
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
