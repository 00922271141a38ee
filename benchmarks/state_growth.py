"""Cross-run state size over simulated daily runs: it must stop growing once the window is full.

    .venv/bin/python -m benchmarks.state_growth [--days 30] [--per-day 200] [--window 7]

Day d's feed holds the stories published on days d-1 and d (so half of each run is already
seen), each run is measured from --as-of day d, and the state is read back after every run.
Prints rows and bytes of the state per day, and the ratio of the last day's size to the size
when the window first filled (1.0 = bounded).
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import email.utils
import glob
import io
import json
import os
import sys
import tempfile
from xml.sax.saxutils import escape

from benchmarks.reprints import synthetic_articles
from pipeline.main import run

START = _dt.datetime(2026, 10, 1, 6, 0, tzinfo=_dt.timezone.utc)


def write_feed(path: str, articles, day: int, per_day: int) -> None:
    items = []
    for d in (day - 1, day):
        if d < 0:
            continue
        for i in range(per_day):
            a = articles[d * per_day + i]
            when = START + _dt.timedelta(days=d, minutes=i)
            body = "".join(f"<p>{escape(p)}</p>" for p in a["paragraphs"])
            items.append(f"<item><title>{escape(a['title'])}</title>"
                         f"<link>https://daily.example/{d}/{i}</link>"
                         f"<pubDate>{email.utils.format_datetime(when)}</pubDate>"
                         f"<description>{escape(body)}</description></item>")
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Daily</title>'
                + "".join(items) + "</channel></rss>")


def state_size(output: str):
    gen = open(os.path.join(output, "state", "CURRENT")).read().strip()
    files = glob.glob(os.path.join(output, "state", gen, "*"))
    import pyarrow.parquet as pq
    rows = sum(pq.read_metadata(f).num_rows for f in files if f.endswith(".parquet"))
    return rows, sum(os.path.getsize(f) for f in files)


def simulate(days: int, per_day: int, window: float, folder: str, quiet: bool = False):
    articles = synthetic_articles(per_day * days, seed=3)
    feed, out = os.path.join(folder, "daily.xml"), os.path.join(folder, "out")
    sizes = []
    for day in range(days):
        write_feed(feed, articles, day, per_day)
        as_of = (START + _dt.timedelta(days=day, hours=12)).isoformat()
        with contextlib.redirect_stdout(io.StringIO()):
            code = run(["--feeds", feed, "--output", out, "--as-of", as_of, "--dedupe-window-days", str(window),
                        "--run-id", f"day{day:02d}"])
        assert code == 0, f"day {day}: exit {code}"
        counts = json.load(open(os.path.join(out, "runs", f"day{day:02d}.json")))["counts"]
        rows, size = state_size(out)
        sizes.append((rows, size))
        if not quiet:
            print(f"day {day + 1:2d}: stories {counts['stories']:4d}  already seen {counts['already_seen']:4d}  "
                  f"state {rows:5d} rows {size / 1024:8.1f} KiB", flush=True)
    return sizes


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--per-day", type=int, default=200)
    ap.add_argument("--window", type=float, default=7)
    a = ap.parse_args(argv)
    import logging
    logging.getLogger().setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        sizes = simulate(a.days, a.per_day, a.window, folder)
    full = sizes[int(a.window) + 1]
    print(f"state after {a.days} days: {sizes[-1][0]} rows, {sizes[-1][1] / 1024:.0f} KiB; "
          f"last/when-window-filled = {sizes[-1][1] / full[1]:.2f} (rows {sizes[-1][0] / full[0]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
