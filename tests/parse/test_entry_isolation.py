"""One entry's bad character reference costs neither the feed nor the entry (issue 19, bug 7).

`&#xD800;` (a surrogate), `&#1114112;` (beyond Unicode) and huge numbers made feedparser raise, so
the whole feed was one dead letter; `&#x0;`, `&#x1F;`, `&#xFFFE;` made it keep NUL and
noncharacters in the text. Now every such reference becomes U+FFFD, the feed's clean entries are
stories as they were, and the entry that held one is a story too, flagged
`invalid_character_reference` (tallied under `quality` in the run summary):
entries_total = stories + duplicates + already_seen + entry_dead_letters still holds."""
import datetime as dt
import time

import pytest

from tests.support import assert_conserved, read_dead_letters, read_summary, read_table
from tests.support.faultserver import FaultServer
from transforms.parse.feeds import parse_document, parse_document_notes
from transforms.records import FeedDocument, FeedSource

pytestmark = pytest.mark.timeout(120)
FLAG = "invalid_character_reference"
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.timezone.utc)
WHY = {"&#xD800;": "a UTF-16 surrogate", "&#55296;": "a UTF-16 surrogate", "&#xdfff;": "a UTF-16 surrogate", "&#xDC00;": "a UTF-16 surrogate",
       "&#x0;": "NUL", "&#0000;": "NUL", "&#x1F;": "a control character", "&#xFFFE;": "a noncharacter",
       "&#1114112;": "beyond Unicode", "&#x110000;": "beyond Unicode",
       "&#99999999999999999999999;": "beyond Unicode"}


def rss(bad, where="title", channel="Coastal"):
    items = []
    for i in (1, 2, 3):
        title, desc = f"Story {i}", f"Text of story {i}"
        if i == 2 and where == "title":
            title = f"Story 2 {bad} broken"
        if i == 2 and where == "description":
            desc = f"Text {bad} of story 2"
        items.append(f"<item><title>{title}</title><link>https://coast.example/{i}</link>"
                     f"<guid>urn:coast:{i}</guid><description>{desc}</description></item>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{channel}</title><link>https://coast.example/</link>{''.join(items)}</channel></rss>")


def atom(bad):
    entries = "".join(
        f'<entry><title>Entry {i}</title><id>urn:harbour:{i}</id><link href="https://harbour.example/{i}"/>'
        f"<updated>2026-11-2{i}T08:00:00Z</updated>"
        f"<summary>{'Summary ' + bad + ' two' if i == 2 else f'Summary {i}'}</summary></entry>"
        for i in (1, 2, 3))
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>Harbour</title><id>urn:harbour</id><updated>2026-11-28T00:00:00Z</updated>"
            f"{entries}</feed>")


def parse(text, encoding="utf-8", headers=None, location="https://coast.example/feed.xml"):
    doc = FeedDocument(source=FeedSource(location), body=text.encode(encoding), headers=headers or {},
                       fetched_at=NOW)
    return parse_document(doc)


def flagged(stories):
    return [s.guid for s in stories if FLAG in s.flags]


@pytest.mark.parametrize("bad", sorted(WHY))
def test_rss_entry_with_a_bad_reference_keeps_every_entry(bad):
    status, stories, dead = parse(rss(bad))
    assert (status.outcome, status.entries, status.bozo, dead) == ("ok", 3, True, [])
    assert [(s.guid, s.title_html) for s in stories] == [
        ("urn:coast:1", "Story 1"), ("urn:coast:2", "Story 2 \ufffd broken"), ("urn:coast:3", "Story 3")]
    assert flagged(stories) == ["urn:coast:2"]


@pytest.mark.parametrize("bad", ["&#xD800;", "&#x0;", "&#xFFFE;", "&#1114112;"])
def test_atom_entry_with_a_bad_reference_keeps_every_entry(bad):
    status, stories, dead = parse(atom(bad))
    assert (status.outcome, status.entries, dead) == ("ok", 3, [])
    assert [(s.guid, s.summary_html) for s in stories] == [
        ("urn:harbour:1", "Summary 1"), ("urn:harbour:2", "Summary \ufffd two"), ("urn:harbour:3", "Summary 3")]
    assert flagged(stories) == ["urn:harbour:2"]


def test_several_bad_references_in_one_entry_and_in_an_attribute():
    text = rss("&#xD800;&#xDC00; and &#x0;", where="description").replace(
        "https://coast.example/3<", "https://coast.example/&#xFFFE;3<")
    status, stories, dead, notes = parse_document_notes(FeedDocument(
        source=FeedSource("https://coast.example/feed.xml"), body=text.encode(), fetched_at=NOW))
    assert dead == [] and status.entries == len(stories) == 3
    assert [s.summary_html for s in stories][1] == "Text \ufffd\ufffd and \ufffd of story 2"
    assert [s.url for s in stories][2] == "https://coast.example/\ufffd3"
    assert flagged(stories) == ["urn:coast:2", "urn:coast:3"]
    assert notes == {"charrefs": "&#xD800; (a UTF-16 surrogate), &#xDC00; (a UTF-16 surrogate), "
                                 "&#x0; (NUL), &#xFFFE; (a noncharacter)"}


def test_bad_reference_in_the_channel_title():
    status, stories, dead = parse(rss("", where=None, channel="Coastal &#xD800; News"))
    assert dead == [] and status.entries == 3
    assert [s.source_name for s in stories] == ["Coastal \ufffd News"] * 3


def test_a_marker_character_already_in_the_document_is_not_taken_for_a_bad_reference():
    status, stories, dead = parse(rss("&#xD800;").replace("Story 1", "Story \ufdd0 &#xFDD1; one"))
    assert stories[0].title_html == "Story \ufdd0 \ufdd1 one" and flagged(stories) == ["urn:coast:2"]


def test_references_in_cdata_and_comments_are_text_not_references():
    text = rss("", where=None).replace("<title>Story 2</title>",
                                       "<title><![CDATA[Story 2 &#xD800; literal]]></title><!-- &#x0; -->")
    status, stories, dead = parse(text)
    assert dead == [] and [s.title_html for s in stories][1] == "Story 2 &#xd800; literal"   # as HTML text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "windows-1252", "shift_jis"])
def test_recovery_in_other_encodings(encoding):
    text = rss("&#xD800;").replace('encoding="utf-8"', f'encoding="{encoding}"').replace(
        "Story 1", "Café ☕" if encoding == "utf-16" else "Story 1")
    if encoding == "windows-1252":
        text = text.replace("Story 1", "Café")
    if encoding == "shift_jis":
        text = text.replace("Story 1", "東京ニュース")
    status, stories, dead = parse(text, encoding)
    first = {"utf-16": "Café ☕", "windows-1252": "Café", "shift_jis": "東京ニュース"}.get(encoding, "Story 1")
    assert [s.title_html for s in stories] == [first, "Story 2 \ufffd broken", "Story 3"]
    assert dead == [] and flagged(stories) == ["urn:coast:2"]


def test_a_clean_feed_is_untouched():
    status, stories, dead = parse(rss("&#xD7FF; &#xE000; &#x1F600; &#9; &#169;"))
    assert dead == [] and not status.bozo and flagged(stories) == []
    assert stories[1].title_html == "Story 2 \ud7ff \ue000 \U0001f600 \t \u00a9 broken"


def test_whole_run_keeps_the_clean_entries_and_conserves(tmp_path):
    """RSS and Atom feeds over HTTP, each with one &#xD800; entry: 6 stories, 2 of them flagged."""
    from pipeline.main import run
    with FaultServer() as srv:
        feeds = [srv.static("/coast.xml", rss("&#xD800;").encode(),
                            headers={"Content-Type": "application/rss+xml; charset=utf-8"}),
                 srv.static("/harbour.xml", atom("&#xD800;").encode(),
                            headers={"Content-Type": "application/atom+xml"})]
        listed = tmp_path / "feeds.txt"
        listed.write_text("\n".join(feeds) + "\n")
        out = tmp_path / "out"
        started = time.monotonic()
        code = run(["--feeds", str(listed), "--output", str(out), "--allow-private-networks",
                    "--max-retries", "0", "--as-of", "2026-11-28T12:00:00Z"])
    assert code == 0 and time.monotonic() - started < 60
    summary = read_summary(out)
    assert_conserved(summary)
    c = summary["counts"]
    assert (c["feeds_ok"], c["entries_total"], c["stories"] + c["duplicates"], c["dead_letters"]) == (2, 6, 6, 0)
    assert summary["quality"][FLAG] == 2
    rows = read_table(out, "stories") + read_table(out, "duplicates")
    assert sorted((r["title"], r["summary"]) for r in rows) == [
        ("Entry 1", "Summary 1"), ("Entry 2", "Summary \ufffd two"), ("Entry 3", "Summary 3"),
        ("Story 1", "Text of story 1"), ("Story 2 \ufffd broken", "Text of story 2"),
        ("Story 3", "Text of story 3")]
    assert read_dead_letters(out) == []
