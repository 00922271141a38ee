"""Agency attribution: precision, recall and credit position on a labelled set; credits on real feeds.

    .venv/bin/python -m benchmarks.agency_eval                    # the labelled set (tune and holdout)
    .venv/bin/python -m benchmarks.agency_eval --errors tune      # every wrong line of one split
    .venv/bin/python -m benchmarks.agency_eval --real-feeds       # + every credit on the 47 real feeds
    .venv/bin/python -m benchmarks.agency_eval --speed            # + attribute() time on real-feed texts

The labelled set (benchmarks/data/agency_credits.tsv) has one story fragment per line, paragraphs
written as a literal backslash-n: `split` (tune/holdout; the split is per template, so holdout
lines come from templates never seen while tuning), `language`, `group`, `template`, `text`,
`expected_agencies` (canonical names, `|`-separated, empty for none) and `expected_position`
(`Attribution.position`, empty for none).

Precision and recall are micro-averaged over (line, agency) decisions: a found agency not expected
is a false positive, an expected one not found a false negative. Position accuracy is the share of
lines with an expected credit whose `position` is exactly the expected one.

--real-feeds and --speed read ../shared/data/real-feeds/feeds/*.xml through the pipeline's own
functions (parse_document, clean_story, enrich_story) and are skipped with a message when
../shared is absent.
"""
from __future__ import annotations

import argparse
import collections
import csv
import datetime as _dt
import glob
import os
import sys
import time
from typing import Dict, Iterable, List, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "benchmarks", "data", "agency_credits.tsv")
FEEDS = os.path.join(os.path.dirname(ROOT), "shared", "data", "real-feeds", "feeds")


def load(path: str = DATA) -> List[Dict[str, str]]:
    """The labelled lines, texts with real newlines."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    for r in rows:
        r["text"] = r["text"].replace("\\n", "\n")
    return rows


class Tally:
    """True/false positives and negatives over (line, agency) decisions, and position hits."""

    def __init__(self):
        self.tp = self.fp = self.fn = self.lines = self.pos_total = self.pos_ok = 0

    def add(self, expected: Iterable[str], found: Iterable[str], want_pos: str, got_pos: str) -> None:
        expected, found = set(expected), set(found)
        self.lines += 1
        self.tp += len(expected & found)
        self.fp += len(found - expected)
        self.fn += len(expected - found)
        if expected:
            self.pos_total += 1
            self.pos_ok += want_pos == got_pos

    def row(self, name: str) -> str:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        pa = self.pos_ok / self.pos_total if self.pos_total else 1.0
        return f"| {name} | {self.lines} | {self.tp} | {self.fp} | {self.fn} | {p:.3f} | {r:.3f} | {pa:.3f} |"


HEADER = ("| {} | lines | TP | FP | FN | precision | recall | position accuracy |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|")


def evaluate(rows, errors_split: str = "") -> Dict[str, Dict[str, Tally]]:
    from transforms.enrich.agencies import attribute

    tables: Dict[str, Dict[str, Tally]] = {k: collections.defaultdict(Tally)
                                           for k in ("overall", "split", "group", "language")}
    for r in rows:
        a = attribute("", r["text"])
        expected = [x for x in r["expected_agencies"].split("|") if x]
        got_pos = a.position or ""
        for table, key in (("overall", "all"), ("split", r["split"]), ("group", r["group"]),
                           ("language", r["language"])):
            tables[table][key].add(expected, a.agencies, r["expected_position"], got_pos)
        if r["split"] == errors_split and (set(expected) != set(a.agencies)
                                           or (expected and r["expected_position"] != got_pos)):
            print(f"{r['language']} {r['group']} {r['template']}: expected {expected} "
                  f"{r['expected_position']!r}, got {list(a.agencies)} {got_pos!r} credit={a.credit!r}\n"
                  f"    {r['text']!r}")
    return tables


def print_tables(tables) -> None:
    for name in ("overall", "split", "group", "language"):
        print(HEADER.format(name))
        for key in sorted(tables[name]):
            print(tables[name][key].row(key))
        print()


def real_stories():
    """(feed file, title, text) of every entry of the real feeds, parsed and cleaned as the pipeline does."""
    from transforms.clean.stories import clean_story
    from transforms.fetch.feeds import read_path
    from transforms.parse.feeds import parse_document
    from transforms.read import expand_feed_arg
    from transforms.records import UTC, FeedDocument

    for path in sorted(glob.glob(os.path.join(FEEDS, "*.xml"))):
        for source in expand_feed_arg(path):
            doc = FeedDocument(source=source, body=read_path(source.location, 20_000_000),
                               fetched_at=_dt.datetime.now(UTC), final_url=source.location)
            _, stories, _ = parse_document(doc)
            for s in stories:
                yield os.path.basename(path), clean_story(s, _dt.timedelta(hours=24))


def real_feeds() -> None:
    """Every credit enrich_story finds on the real feeds, with its position (a Markdown table)."""
    from transforms.enrich.language import LanguageDetector
    from transforms.enrich.stories import enrich_story

    detector = LanguageDetector(seed=0)
    n = credited = 0
    counts: Dict[Tuple[str, str, str, str], int] = collections.Counter()
    for feed, story in real_stories():
        enrich_story(story, detector)
        n += 1
        if story.agencies:
            credited += 1
            counts[(feed.replace("feedreader__", "").replace(".xml", ""), ", ".join(story.agencies),
                    story.credit_position or "", (story.credit or "").replace("|", "\\|")[:70])] += 1
    print(f"{n} stories from {len(glob.glob(os.path.join(FEEDS, '*.xml')))} feeds; {credited} with a credit\n")
    print("| feed | agencies | position | credit | stories |\n|---|---|---|---|---:|")
    for (feed, agencies, position, credit), k in sorted(counts.items()):
        print(f"| {feed} | {agencies} | {position} | `{credit}` | {k} |")


def speed(repeats: int = 5) -> None:
    """CPU time of attribute() on every real-feed text, and on long texts (25 texts joined)."""
    from transforms.enrich.agencies import attribution

    texts = [(s.title, s.text or s.summary) for _feed, s in real_stories()]
    longs = [("", "\n\n".join(t for _title, t in texts[i:i + 25])) for i in range(0, len(texts), 25)]
    for name, items in (("real-feed stories", texts), ("long texts (25 stories joined)", longs)):
        best = float("inf")
        for _ in range(repeats):
            attribution.clear_cache()
            t = time.process_time()
            for title, text in items:
                attribution.attribute(title, text)
            best = min(best, time.process_time() - t)
        chars = sum(len(a) + len(b) for a, b in items)
        print(f"attribute() on {len(items)} {name} ({chars:,} characters): {best * 1000:.1f} ms CPU (best of {repeats})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--errors", default="", metavar="SPLIT", help="print the wrong lines of this split")
    ap.add_argument("--real-feeds", action="store_true", help="list every credit found on the 47 real feeds")
    ap.add_argument("--speed", action="store_true", help="time attribute() on the real feeds' texts")
    args = ap.parse_args(argv)
    sys.path.insert(0, ROOT)
    print_tables(evaluate(load(args.data), args.errors))
    if args.real_feeds or args.speed:
        if not os.path.isdir(FEEDS):
            print(f"skipped: the real feeds are not there ({FEEDS}); they come with ../shared")
            return 0
        if args.real_feeds:
            real_feeds()
        if args.speed:
            speed()
    return 0


if __name__ == "__main__":
    sys.exit(main())
