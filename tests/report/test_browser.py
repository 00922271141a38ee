"""The report in a real headless browser (Debian chromium + chromedriver, selenium): no console
errors, no network request, the summary's numbers on the page, the plots drawn, readable at
phone width. Skipped, with the reason, where chromium is absent."""
import http.server
import threading

import pytest

from tests.report.conftest import RUN_ID
from tests.report.test_html import summary_value
from tests.support import read_summary
from tests.support.browser import browser_missing, console_errors, headless_chromium, network_requests

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))

MARKED = """return Array.from(document.querySelectorAll('[data-key]')).map(
    e => [JSON.parse(e.dataset.key), e.textContent, e.dataset.value === undefined ? null : e.dataset.value]);"""


def _check_page(driver, summary):
    assert console_errors(driver) == []
    assert driver.execute_script("return document.title") == f"wirefeed run {RUN_ID}"
    marked = driver.execute_script(MARKED)
    assert len(marked) > 60
    for path, text, value in marked:
        want = summary_value(summary, path)
        if path[-1] == "share":
            assert float(value) == want and text == f"{want:.0%}", (path, text)
        elif path[-1] in ("verbatim_share", "median_lag_seconds"):     # measured: may be missing
            assert (None if value == "" else float(value)) == want, (path, value, want)
            assert (text == "") == (want is None), (path, text)
        elif path[-1] == "outcome":
            assert text.replace(" ", "_") == want
        else:
            assert int(text.replace(",", "")) == want, (path, text, want)
    plots = driver.execute_script(
        "return Array.from(document.querySelectorAll('svg.plot')).map(s => [s.getBoundingClientRect().width,"
        " s.getBoundingClientRect().height, s.querySelectorAll('path').length, s.querySelectorAll('text').length]);")
    assert len(plots) == 5
    assert all(w > 200 and h > 50 and paths >= 3 and texts >= 3 for w, h, paths, texts in plots), plots


def test_report_in_chromium_from_a_file(example_output, tmp_path):
    page = example_output / "reports" / f"{RUN_ID}.html"
    summary = read_summary(example_output)
    with headless_chromium(tmp_path / "profile") as driver:
        network_requests(driver)                                # the browser's own start-up
        driver.get(page.as_uri())
        _check_page(driver, summary)
        requests = network_requests(driver, page.as_uri())
        assert requests == [page.as_uri()], requests           # the page itself, nothing else


def test_report_served_on_loopback_at_phone_width(example_output, tmp_path):
    folder = str(example_output / "reports")
    seen = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=folder, **k)

        def log_message(self, fmt, *args):
            seen.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{RUN_ID}.html"
    try:
        with headless_chromium(tmp_path / "profile", width=390, height=844) as driver:
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
            network_requests(driver)
            driver.get(url)
            _check_page(driver, read_summary(example_output))
            assert network_requests(driver, url) == [url]
            # nothing wider than the phone but the tables' own scrolling boxes
            widths = driver.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert widths[0] <= widths[1], widths
            scrolls = driver.execute_script(
                "return Array.from(document.querySelectorAll('.scroll')).filter("
                "d => d.scrollWidth > d.clientWidth).length")
            assert scrolls >= 1                                  # the feed table scrolls sideways
    finally:
        server.shutdown()
    assert [p for p in seen if p != f"/{RUN_ID}.html"] == []
