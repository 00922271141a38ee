"""Versions on generated sequences of runs: version chains found and stale reprints flagged.

    .venv/bin/python -m benchmarks.versions_eval [--seeds 1,2,3] [--items 8] [--mode batch|stream|both]

Per seed, a wire feed of `--items` items and four outlets go through three runs whose edits the
generator knows (benchmarks never import tests, so the feeds are files, not a server):
- run 1: every item's first version; outlet 1 reprints each of them;
- run 2: each item changes by its kind — `edit` (a number in its lead corrected, same guid),
  `edit2` (the same, then again in run 3), `update` (a new guid titled "UPDATE 1-…": a number
  corrected and a sentence added), `corrected` ("CORRECTED-…", new guid), `refile` ("REFILE-…",
  new guid, a word fixed), `rerender` (same guid and content: other spacing, curly quotes,
  tracking parameters, the summary cut with "…" — must make no version), `none`; outlet 2
  reprints each new version, outlet 3 the first version of every item (stale when the item has
  a newer version);
- run 3: the `edit2` items get a third version; outlet 4 reprints their second version (stale
  now), outlet 2 the third.
Reprints add an outlet line before and after the text and one in three drops the last sentence.

It reports, per seed and mode, the chains found (every expected new version with the expected
`version` and `previous_story_id`) out of the expected ones, versions made where none was due
(re-renders), and the stale flags: true positives of the stale reprints, false positives among
the fresh ones. `batch` runs the real pipeline (pipeline.main.run, DirectRunner) three times on
one output; `stream` replays the same polls through the streaming decision path
(stream.identity_step, fingerprint_step, shards.ShardedReplay, clusters.ClusterReplay), as
StreamDedupe runs it (Identity, Fingerprint, the sharded index and Decide, Clusters).
"""
from __future__ import annotations

import argparse
import collections
import datetime as _dt
import email.utils
import html
import os
import random
import re
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

UTC = _dt.timezone.utc
KINDS = ("edit", "edit2", "update", "corrected", "refile", "rerender", "none", "update")
PLACES = ["Marenna", "Ostrava", "Belmar", "Castel", "Verona", "Lindholm", "Porto Alto", "Kessel", "Ardena",
          "Valmont", "Tessaly", "Norburg"]
NAMES = ["Anna Weber", "Luis Ortega", "Mira Kovac", "John Hale", "Sara Lind", "Omar Haddad", "Eva Marsh",
         "Tomas Berg"]
BODIES = ["the health ministry", "the port authority", "the central bank", "the rail operator", "police",
          "the fire service", "the statistics office", "the energy regulator"]
TEMPLATES = [
    "{p} officials said {n} people were affected by the {thing} on {day}, according to {b}.",
    "{name} told reporters in {p} that the {thing} would cost about {n} million euros.",
    "The {thing} began after {n} days of talks between {b} and unions in {p}.",
    "{b} said {n} teams had been sent to {p} to assess the damage from the {thing}.",
    "Residents of {p} described long queues and {n} closed schools during the {thing}.",
    "{name}, a spokesperson for {b}, said a full report would follow within {n} weeks.",
    "Analysts in {p} expect the {thing} to weigh on growth for at least {n} months.",
    "Earlier this year {b} had warned that {n} districts around {p} were at risk.",
]
THINGS = ["flood", "strike", "power cut", "storm", "rate decision", "budget vote", "rail closure", "harvest"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
EXTRA = "{name} said on {day} that {n} more crews would arrive in {p} before the weekend."


def sentence(rng: random.Random, template: str) -> str:
    return template.format(p=rng.choice(PLACES), n=rng.randint(2, 900), thing=rng.choice(THINGS),
                           day=rng.choice(DAYS), b=rng.choice(BODIES), name=rng.choice(NAMES))


def change_number(rng: random.Random, s: str) -> str:
    nums = re.findall(r"\d+", s)
    old = rng.choice(nums)
    return s.replace(old, str(int(old) + rng.randint(1, 9)), 1)


@dataclass
class Entry:
    """One feed item of one run, with what the generator knows of it."""
    feed: str
    url: str
    guid: str
    title: str
    sentences: List[str]
    minutes_ago: int
    item: int                           # the wire item it is (a version of) or reprints
    version: int                        # the item's version it carries
    role: str                           # "wire" | "reprint"
    rerender: bool = False
    cut_last: bool = False
    prefix: str = ""
    suffix: str = ""

    def text(self) -> str:
        body = self.sentences[:-1] if self.cut_last else self.sentences
        return " ".join(([self.prefix] if self.prefix else []) + body + ([self.suffix] if self.suffix else []))


@dataclass
class Truth:
    chains: List[Tuple[str, int, int]] = field(default_factory=list)   # (url, item, expected version)
    stale: Dict[str, bool] = field(default_factory=dict)               # reprint url -> stale
    rerender_urls: List[str] = field(default_factory=list)


def generate(seed: int, n_items: int = 8) -> Tuple[List[List[Entry]], Truth, Dict[int, dict]]:
    """(entries per run, truth, item -> {version -> (url, sentences)})."""
    rng = random.Random(seed)
    kinds = list(KINDS * (n_items // len(KINDS) + 1))[:n_items]
    rng.shuffle(kinds)
    truth = Truth()
    versions: Dict[int, dict] = {}
    runs: List[List[Entry]] = [[], [], []]
    wire = "wire"
    for i, kind in enumerate(kinds):
        templates = rng.sample(TEMPLATES, 6)
        v1 = [sentence(rng, t) for t in templates]
        title = f"{rng.choice(THINGS).title()} in {rng.choice(PLACES)}: {rng.choice(NAMES)} speaks ({i})"
        url = f"http://wire.example/{seed}/item-{i}"
        versions[i] = {1: (url, v1, title)}
        runs[0].append(Entry(wire, url, url, title, v1, 600, i, 1, "wire"))
        current = [(url, v1, title, 1)]               # the wire's items in run 2
        if kind in ("edit", "edit2"):
            v2 = list(v1)
            k = rng.randrange(3)
            v2[k] = change_number(rng, v2[k])
            versions[i][2] = (url, v2, title)
            current = [(url, v2, title, 2)]
            truth.chains.append((url, i, 2))
        elif kind in ("update", "corrected", "refile"):
            v2 = list(v1)
            k = rng.randrange(3)
            if kind == "refile":
                v2[k] = v2[k].replace(" said ", " stated ", 1) if " said " in v2[k] else change_number(rng, v2[k])
            else:
                v2[k] = change_number(rng, v2[k])
            if kind == "update":
                v2.append(sentence(rng, EXTRA))
            slug = {"update": "UPDATE 1-", "corrected": "CORRECTED-", "refile": "REFILE-"}[kind]
            url2 = f"http://wire.example/{seed}/item-{i}-{kind}"
            versions[i][2] = (url2, v2, slug + title)
            current = [(url, v1, title, 1), (url2, v2, slug + title, 2)]
            truth.chains.append((url2, i, 2))
        elif kind == "rerender":
            truth.rerender_urls.append(url)
        for u, s, t, v in current:
            e = Entry(wire, u, u, t, s, 300 if u != url else 600, i, v, "wire")
            if kind == "rerender":
                e.url = url + "?utm_source=rss&utm_medium=feed"
                e.rerender = True
            runs[1].append(e)
        runs[2] += [Entry(wire, u, u, t, s, 300 if u != url else 600, i, v, "wire") for u, s, t, v in current]
        if kind == "edit2":
            v3 = list(versions[i][2][1])
            k = 3 + rng.randrange(2)                      # another sentence than run 2's edit
            v3[k] = change_number(rng, v3[k])
            versions[i][3] = (url, v3, title)
            runs[2] = [e for e in runs[2] if e.item != i]
            runs[2].append(Entry(wire, url, url, title, v3, 600, i, 3, "wire"))
            truth.chains.append((url, i, 3))
        newest_run2 = max(v for v in versions[i] if v <= 2)

        def reprint(run, outlet, version, minutes, stale):
            r_url = f"http://{outlet}.example/{seed}/{i}-v{version}-r{run}"
            s = versions[i][version][1]
            e = Entry(outlet, r_url, r_url, f"{outlet.title()}: {rng.choice(THINGS)} latest ({i})", s, minutes, i,
                      version, "reprint", cut_last=rng.random() < 1 / 3,
                      prefix=f"By {outlet.title()} staff and wire services.",
                      suffix=f"Follow {outlet.title()} for more news from the region.")
            runs[run].append(e)
            truth.stale[r_url] = stale

        reprint(0, "outlet1", 1, 500, False)
        if newest_run2 > 1:
            reprint(1, "outlet2", newest_run2, 200, False)
        reprint(1, "outlet3", 1, 150, newest_run2 > 1)
        if kind == "edit2":
            reprint(2, "outlet4", 2, 100, True)
            reprint(2, "outlet2", 3, 90, False)
    return runs, truth, versions


def feed_text(e: Entry) -> str:
    """The item's description as its feed carries it."""
    text = e.text()
    if e.rerender:               # the same item, rendered otherwise and cut by the feed
        text = "  " + text.replace(". ", ".\n\n ").replace("'", "\u2019")
        text = text[: max(40, int(len(text) * 0.8))].rsplit(" ", 1)[0] + " \u2026"
    return text


def render(entries: List[Entry], now: _dt.datetime) -> Dict[str, bytes]:
    """feed name -> RSS bytes."""
    feeds: Dict[str, List[str]] = collections.defaultdict(list)
    for e in entries:
        text = feed_text(e)
        when = email.utils.format_datetime(now - _dt.timedelta(minutes=e.minutes_ago))
        feeds[e.feed].append(f"<item><title>{html.escape(e.title)}</title><link>{html.escape(e.url)}</link>"
                             f"<guid>{html.escape(e.guid)}</guid><pubDate>{when}</pubDate>"
                             f"<description>{html.escape(text)}</description></item>")
    return {name: (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>'
                   f'<link>http://{name}.example/</link>' + "".join(items) + "</channel></rss>").encode()
            for name, items in feeds.items()}


# ---------------------------------------------------------------- scoring

def score(rows: List[dict], truth: Truth) -> dict:
    """Chains found, versions where none was due, stale TP/FN/FP/TN, from written rows."""
    by_url: Dict[str, List[dict]] = collections.defaultdict(list)
    for r in rows:
        by_url[r["url"].split("?")[0]].append(r)
    ids = {r["story_id"]: r for r in rows}
    found = 0
    missed = []
    for url, item, version in truth.chains:
        ok = False
        for r in by_url.get(url, ()):
            prev = ids.get(r["previous_story_id"] or "")
            if r["version"] == version and prev is not None and prev["version"] == version - 1:
                # the previous row is the item's (wire) row: same URL, or the item's first URL
                ok = prev["url"].startswith(f"{url.rsplit('/item-', 1)[0]}/item-{item}")
        found += ok
        if not ok:
            missed.append((url, version))
    expected_versioned = {u for u, _, _ in truth.chains}
    spurious = sum(1 for r in rows if r["version"] > 1 and r["url"].split("?")[0] not in expected_versioned)
    c = collections.Counter()
    for url, stale in truth.stale.items():
        got = [r["stale"] for r in by_url.get(url, ())]
        flag = bool(got and got[0])
        c[("tp" if flag else "fn") if stale else ("fp" if flag else "tn")] += 1
        if not got:
            c["missing"] += 1
    return {"chains": found, "chains_expected": len(truth.chains), "missed": missed, "spurious_versions": spurious,
            "stale_tp": c["tp"], "stale_expected": c["tp"] + c["fn"], "stale_fp": c["fp"],
            "fresh": c["fp"] + c["tn"], "missing_rows": c["missing"]}


# ---------------------------------------------------------------- the two modes

def _read_rows(out: str) -> List[dict]:
    import glob

    import pyarrow.parquet as pq
    rows = []
    for table in ("stories", "duplicates"):
        for f in sorted(glob.glob(os.path.join(out, table, "date=*", "lang=*", "*.parquet"))):
            rows += pq.read_table(f).to_pylist()
    return rows


def batch_mode(seed: int, n_items: int, folder: str) -> dict:
    from pipeline.main import run
    runs, truth, _ = generate(seed, n_items)
    now = _dt.datetime.now(UTC).replace(microsecond=0)
    out = os.path.join(folder, f"out-{seed}")
    for r, entries in enumerate(runs, 1):
        run_dir = os.path.join(folder, f"seed{seed}-run{r}")
        os.makedirs(run_dir, exist_ok=True)
        paths = []
        for name, body in render(entries, now).items():
            path = os.path.join(run_dir, f"{name}.xml")
            with open(path, "wb") as f:
                f.write(body)
            paths.append(path)
        listing = os.path.join(run_dir, "feeds.txt")
        with open(listing, "w") as f:
            f.write("\n".join(paths) + "\n")
        rc = run(["--feeds", listing, "--output", out, "--run-id", f"s{seed}-r{r}", "--no-progress"])
        if rc != 0:
            raise SystemExit(f"run {r} of seed {seed} failed with exit code {rc}")
    return score(_read_rows(out), truth)


def stream_mode(seed: int, n_items: int) -> dict:
    """The same polls through the streaming decision path, in one process."""
    from transforms.clean.stories import clean_story
    from transforms.dedupe.clusters import ClusterReplay
    from transforms.dedupe.shards import ShardedReplay
    from transforms.dedupe.stream import DAY, epoch, fingerprint_step, identity_step
    from transforms.records import ALREADY_SEEN, Story
    runs, truth, _ = generate(seed, n_items)
    start = _dt.datetime.now(UTC).replace(microsecond=0)
    window = 7 * DAY
    replay, clusters = ShardedReplay(window_s=window, threshold=0.5), ClusterReplay(window_s=window)
    recent, entries, written = {}, {}, {}

    def settle(decided):
        for story, probe, _ in decided:
            clusters.settle(story, probe.exact_of, probe.first)
            written[story.story_id] = {"story_id": story.story_id, "url": story.url, "version": story.version,
                                       "previous_story_id": story.previous_story_id, "stale": story.stale}
    for r, run_entries in enumerate(runs):
        now = start + _dt.timedelta(minutes=10 * r)
        # a poll: the wire first, then the outlets (as their feeds are listed)
        for e in sorted(run_entries, key=lambda e: (e.role != "wire", e.feed)):
            story = Story(feed_url=f"http://{e.feed}.example/feed.xml", url=e.url, guid=e.guid,
                          title_html=html.escape(e.title), summary_html=html.escape(feed_text(e)),
                          published=now - _dt.timedelta(minutes=e.minutes_ago), fetched_at=now, language="en")
            story = clean_story(story, _dt.timedelta(hours=24))
            story.word_count = len(story.text.split())
            sid = story.story_id
            entry, story, exact_of, _ = identity_step(entries.get(sid), story, window)
            entries[sid] = entry
            if story.disposition == ALREADY_SEEN:
                continue
            ordered = fingerprint_step(recent.setdefault(story.feed_url, collections.OrderedDict()), story)
            settle(replay.arrive(story, exact_of, ordered, epoch(story.fetched_at)))
    settle(replay.finish())
    return score(list(written.values()), truth)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--items", type=int, default=8)
    parser.add_argument("--mode", choices=("batch", "stream", "both"), default="both")
    args = parser.parse_args(argv)
    print("| seed | mode | chains found | versions not due | stale flagged | fresh flagged |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for seed in (int(s) for s in args.seeds.split(",")):
            for mode in (("stream", "batch") if args.mode == "both" else (args.mode,)):
                s = stream_mode(seed, args.items) if mode == "stream" else batch_mode(seed, args.items, folder)
                print(f"| {seed} | {mode} | {s['chains']}/{s['chains_expected']} | {s['spurious_versions']} | "
                      f"{s['stale_tp']}/{s['stale_expected']} | {s['stale_fp']}/{s['fresh']} |"
                      + (f" missed {s['missed']}" if s["missed"] else "")
                      + (f" missing rows {s['missing_rows']}" if s["missing_rows"] else ""), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
