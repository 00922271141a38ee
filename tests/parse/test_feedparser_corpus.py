"""feedparser's own test corpus (../shared/data/feedparser-tests, 2,126 files) through our stages.

Every document goes through our fetch stage (files: `transforms.fetch.feeds.read_path`, as FetchFeeds
reads paths; files with ``Header:`` lines: served by the fault server with those headers and
fetched with `HttpFetcher`), then `parse_document` and `clean_story`. None may crash, and each
yields stories, a dead letter, or is a valid feed without entries.

Where a document's ``Expect:`` line checks a field a Story carries, the line is evaluated against
our Story instead of feedparser's result:

    feed['title']                         -> source_name
    entries[i]['title'] / title_detail.value -> title
    entries[i]['link']                    -> url
    entries[i]['id'] / ['guid']           -> guid
    entries[i]['published' | 'updated' | 'created']          -> published_raw
    entries[i]['published_parsed' | 'updated_parsed' | ...]  -> published (UTC)
    feed['language'], *_detail['language'] -> declared_language
    bozo                                  -> the feed status' bozo

Titles are compared as plain text (our columns are HTML-stripped, whitespace-collapsed text), and
a Story keeps one date (published, else updated, else created). A line that touches anything
else is "not applicable". `pytest -s` prints the agreement rate and every disagreement with its
reason; the test asserts no crash and a floor slightly below the measured agreement.
"""
import collections
import datetime
import json
import re
import time

import pytest

from tests.support import SHARED, assert_conserved, read_dead_letters, read_summary, read_table
from transforms.clean.stories import DATE_MISSING, clean_story
from transforms.fetch.feeds import read_path
from transforms.parse.feeds import parse_document_notes
from transforms.records import UTC, FeedDocument, FeedSource
from transforms.clean.text import html_to_text

from tests.support.faultserver import FaultServer, Reply

CORPUS = SHARED / "data" / "feedparser-tests"
pytestmark = [pytest.mark.timeout(300),
              pytest.mark.skipif(not CORPUS.exists(), reason=f"feedparser's corpus is absent ({CORPUS}): "
                                 "it runs only in a checkout with ../shared beside it")]
HEADER = re.compile(r"Description:\s*(.*?)\s*Expect:\s*(.*?)\s*-->", re.S)
NOW = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
MAX_FUTURE = datetime.timedelta(hours=24)
FEEDPARSER_PORT = 8097        # feedparser's own test server; its Expect lines name it
AGREEMENT_FLOOR = 0.95        # measured 252/261 = 96.6%; a drop below means a regression
KNOWN_FAILS = "KNOWN_FAILS_feedparser-6.0.14-pypi.json"


class NotCarried(Exception):
    """The Expect line needs a field a Story does not carry."""


def _plain(value):
    return " ".join(html_to_text(value).split()) if isinstance(value, str) else value


class PlainText(str):
    """A title as our column holds it: equal to anything with the same plain text."""

    def __eq__(self, other):
        return isinstance(other, str) and _plain(str(self)) == _plain(other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__


class View(dict):
    """A dict of carried fields; any other key (or attribute) raises NotCarried."""

    def __getitem__(self, key):
        if key in self.keys():
            return dict.__getitem__(self, key)
        raise NotCarried(key)

    def __getattr__(self, key):
        if key.startswith("__"):
            raise AttributeError(key)
        return self[key]

    def get(self, key, default=None):
        return self[key]

    def __contains__(self, key):
        return self[key] is not None


class Names(View):
    """The locals an Expect line is evaluated in: builtins fall through, others NotCarried."""

    def __getitem__(self, key):
        if key in self.keys():
            return dict.__getitem__(self, key)
        if key in dir(__builtins__) or key in ("datetime", "time"):
            raise KeyError(key)
        raise NotCarried(key)


def story_view(story):
    detail = View(language=story.declared_language, value=PlainText(story.title))
    dated = story.published is not None and DATE_MISSING not in story.flags
    parsed = story.published.astimezone(UTC).utctimetuple() if dated else None
    v = View(title=PlainText(story.title), title_detail=detail, link=story.url, id=story.guid,
             guid=story.guid, language=story.declared_language)
    for name in ("published", "updated", "created"):
        v[name], v[name + "_parsed"] = story.published_raw, parsed
    v["summary_detail"] = View(language=story.declared_language)
    return v


def names_for(status, stories):
    feed = View()
    if stories:
        feed["title"] = PlainText(stories[0].source_name)
        feed["title_detail"] = View(value=feed["title"], language=stories[0].declared_language)
        feed["language"] = stories[0].declared_language
    # a dead letter ("not a feed") is our strongest way of saying bozo
    return Names(bozo=bool(status.bozo) or status.outcome == "failed", entries=[story_view(s) for s in stories],
                 feed=feed)


def evaluate(expect, names):
    """True/False, or None when the line needs a field we do not carry."""
    try:
        return bool(eval(expect, {"datetime": datetime, "time": time}, names))
    except NotCarried:
        return None
    except (IndexError, KeyError, TypeError, AttributeError, ValueError):
        return False


def read_header(path):
    text = path.read_bytes()[:4000].decode("utf-8", "replace")
    m = HEADER.search(text)
    description, expect = (m.group(1), m.group(2).strip()) if m else ("", None)
    headers = {}
    for line in re.findall(r"^Header:\s*(.*)$", text, re.M):
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    skip = re.search(r"^SkipUnless:\s*(.*)$", text, re.M)
    return description, expect, headers, skip.group(1).strip() if skip else None


def needs_http(path) -> bool:
    """Files with Header: lines, and those whose Expect names the test server (document-URI tests)."""
    _, expect, headers, _ = read_header(path)
    return bool(headers) or f"127.0.0.1:{FEEDPARSER_PORT}" in (expect or "")


def corpus_files():
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".xml", ".json")
                  and p.parent != CORPUS)


def fetch_http(files):
    """{path: FeedDocument} for the files with Header: lines, served with those headers."""
    from transforms.fetch.http import FetchSettings, HttpFetcher
    try:
        srv = FaultServer(port=FEEDPARSER_PORT)
    except OSError:
        srv = FaultServer()
    docs, urls = {}, {}
    with srv:
        for path in files:
            _, _, headers, _ = read_header(path)
            rel = "/tests/" + str(path.relative_to(CORPUS))
            srv.route(rel, Reply(200, path.read_bytes(), headers))
            urls[srv.url(rel)] = path
        settings = FetchSettings(total_timeout=5, connect_timeout=2, max_retries=0, allow_private=True)
        with HttpFetcher(settings) as fetcher:
            for url, result in fetcher.fetch_many(list(urls)):
                assert not isinstance(result, Exception), result
                docs[urls[url]] = FeedDocument(source=FeedSource(url), body=result.body,
                                               headers=dict(result.headers), status=result.status,
                                               final_url=result.final_url, fetched_at=NOW)
    return docs, srv.port


def reason_for(path, expect, status, stories, notes, names, raw_ok, raw_bozo):
    """Why our Story disagrees with an Expect line that feedparser's own result satisfies (or not)."""
    if raw_ok is False:
        return "feedparser 6.0.14 itself fails this line (the corpus is ahead of the release)"
    strict = dict(names)
    strict["entries"] = []
    for s, v in zip(stories, names["entries"]):
        w = View(v)
        w["title"] = s.title_html
        strict["entries"].append(w)
    if evaluate(expect, Names(strict)):
        return "title: our column is plain text (feedparser keeps markup / entities)"
    if any("mojibake_repaired" in s.flags for s in stories):
        return "mojibake repair changed the text"
    if "doctype" in notes:
        return f"DOCTYPE neutralised ({notes['doctype']})"
    if "charset" in notes:
        return f"charset corrected ({notes['charset']})"
    if "language" in expect:
        return "one declared language per story (content, summary, title xml:lang, item, then feed)"
    if re.search(r"(updated|created)(_parsed)?'?\]", expect) and stories:
        return "one date per story: published is preferred to updated/created"
    if any(DATE_MISSING in s.flags for s in stories) and "_parsed" in expect:
        return "date: feedparser parsed none, the story carries the fetch time"
    if re.search(r"\bbozo\b", expect) and bool(names["bozo"]) != bool(raw_bozo):
        return f"bozo differs from feedparser's ({'we' if names['bozo'] else 'feedparser'} flag it)"
    return "other"


def test_feedparser_corpus_through_our_stages():
    import feedparser
    files = corpus_files()
    assert len(files) > 2000
    known_fails = set(json.loads((CORPUS / KNOWN_FAILS).read_text())["wellformed"])
    http_files = [p for p in files if needs_http(p)]
    started = time.monotonic()
    http_docs, port = fetch_http(http_files)
    outcomes = collections.Counter()
    verdicts = collections.Counter()
    crashes, disagreements, skipped, dead_letters = [], [], 0, []
    for path in files:
        rel = str(path.relative_to(CORPUS))
        description, expect, headers, skip_unless = read_header(path)
        if skip_unless:
            try:
                eval(skip_unless, {"feedparser": feedparser})
            except Exception:
                skipped += 1
                continue
        try:
            doc = http_docs.get(path) or FeedDocument(
                source=FeedSource(str(path)), body=read_path(str(path), 20 << 20), fetched_at=NOW,
                final_url=str(path))
            status, stories, dead, notes = parse_document_notes(doc)
            stories = [clean_story(s, MAX_FUTURE) for s in stories]
        except Exception as e:  # noqa: BLE001 - a crash is what this test looks for
            crashes.append(f"{rel}: {type(e).__name__}: {e}")
            continue
        outcomes["stories" if stories else "dead letter" if dead else "valid feed, no entries"] += 1
        dead_letters += [f"{rel}: {d.error}" for d in dead]
        assert stories or dead or (status.outcome == "ok" and status.entries == 0), rel
        if not expect:
            continue
        if port != FEEDPARSER_PORT:
            expect = expect.replace(f"127.0.0.1:{FEEDPARSER_PORT}", f"127.0.0.1:{port}")
        names = names_for(status, stories)
        ours = evaluate(expect, names)
        if ours is None:
            verdicts["not applicable"] += 1
            continue
        verdicts["agree" if ours else "disagree"] += 1
        if not ours:
            raw = feedparser.parse(doc.body, response_headers={k.lower(): v for k, v in doc.headers.items()} or None,
                                   **({"href": doc.final_url} if doc.headers else {}))
            try:
                raw_ok = bool(eval(expect, {"datetime": datetime, "time": time}, raw))
            except Exception:
                raw_ok = False
            if rel in known_fails:
                raw_ok = False
            disagreements.append((rel, expect, reason_for(rel, expect, status, stories, notes, names, raw_ok,
                                                          raw.get("bozo"))))
    took = time.monotonic() - started
    applicable = verdicts["agree"] + verdicts["disagree"]
    rate = verdicts["agree"] / applicable
    by_reason = collections.Counter(r for _, _, r in disagreements)
    print(f"\nfeedparser corpus: {len(files)} documents ({len(http_files)} served over HTTP with their headers), "
          f"{skipped} skipped by SkipUnless, {len(crashes)} crashes, {took:.1f} s")
    print(f"  outcomes: {dict(outcomes)}")
    print(f"  Expect lines on fields we carry: {applicable} (not applicable: {verdicts['not applicable']}); "
          f"agreement {verdicts['agree']}/{applicable} = {rate:.1%}")
    print("  dead letters:\n" + "\n".join("    " + d for d in dead_letters))
    print("  disagreements by reason:")
    for reason, n in by_reason.most_common():
        print(f"    {n:4}  {reason}")
    print("  each disagreement:")
    for rel, expect, reason in disagreements:
        print(f"    {rel}\n        Expect: {expect[:150]}\n        reason: {reason}")
    assert crashes == []
    assert rate >= AGREEMENT_FLOOR
    assert by_reason["other"] == 0
    assert len(dead_letters) <= 15 and all(": NotAFeed: not a feed: " in d for d in dead_letters)


def test_pipeline_run_over_a_corpus_sample(tmp_path):
    """One real pipeline run: every 25th document plus the HTTP-header cases over the fault server."""
    files = corpus_files()
    sample = files[::25]
    http_files = [p for p in files if needs_http(p)][::3]
    with FaultServer() as srv:
        urls = []
        for path in http_files:
            rel = "/tests/" + str(path.relative_to(CORPUS))
            urls.append(srv.route(rel, Reply(200, path.read_bytes(), read_header(path)[2])))
        listfile = tmp_path / "feeds.txt"
        listfile.write_text("\n".join([str(p) for p in sample] + urls) + "\n")
        out = tmp_path / "out"
        from pipeline.main import run
        started = time.monotonic()
        code = run(["--feeds", str(listfile), "--output", str(out), "--allow-private-networks",
                    "--fetch-timeout", "5", "--max-retries", "0", "--format", "parquet,jsonl"])
        took = time.monotonic() - started
    summary = read_summary(out)
    assert_conserved(summary)
    c = summary["counts"]
    print(f"\ncorpus sample run: {len(sample)} files + {len(urls)} URLs in {took:.1f} s: {c}")
    assert code == 0 and c["feeds_total"] == len(sample) + len(urls)
    dead = read_dead_letters(out)
    assert all(d["stage"] == "parse" and d["error"].startswith("NotAFeed: not a feed") for d in dead), dead
    written = {r["feed_url"] for r in read_table(out, "stories") + read_table(out, "duplicates")}
    assert written and written <= {str(p) for p in sample} | set(urls)
