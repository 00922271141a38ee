"""`make screenshots`: the run report of examples/ at phone and desktop widths -> docs/img/*.png.

Runs wirefeed on examples/feeds.opml into a temporary folder (fixed --as-of and --run-id), opens
OUTPUT/reports/RUN_ID.html in headless Debian chromium (selenium + chromedriver) and saves
docs/img/report-phone.png (390 px wide) and docs/img/report-desktop.png (1280 px wide), the
top of the page only (height capped) so that each stays under 150 KB.

    .venv/bin/python docs/screenshots.py [--chromium /usr/bin/chromium] [--chromedriver /usr/bin/chromedriver]
"""
import argparse
import base64
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHOTS = {"report-phone.png": (390, 1500), "report-desktop.png": (1280, 1000)}   # width, height kept
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--hide-scrollbars")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    ap.add_argument("--out", default=str(ROOT / "docs" / "img"))
    args = ap.parse_args(argv)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "out"
        done = subprocess.run([sys.executable, "-m", "pipeline.main", "--feeds", str(ROOT / "examples" / "feeds.opml"),
                               "--output", str(out), "--as-of", "2026-11-28T06:00:00Z", "--run-id", "examples",
                               "--no-progress"], cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        page = out / "reports" / "examples.html"
        for name, (width, height) in SHOTS.items():
            options = webdriver.ChromeOptions()
            options.binary_location = args.chromium
            for flag in FLAGS:
                options.add_argument(flag)
            options.add_argument(f"--user-data-dir={tmp}/profile-{width}")
            options.add_argument(f"--window-size={width},{height}")
            driver = webdriver.Chrome(service=Service(args.chromedriver), options=options)
            try:
                driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                    "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
                driver.get(page.as_uri())
                shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
                    "format": "png", "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
            finally:
                driver.quit()
            target = pathlib.Path(args.out) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(base64.b64decode(shot["data"]))
            print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: {target.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
