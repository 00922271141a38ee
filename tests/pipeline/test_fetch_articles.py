"""--fetch-articles end to end: a summary-only feed whose article pages hold the full text, on a
real local HTTP server, through the command line's `run` (README "Inputs", full text)."""
import pytest

from pipeline.main import run
from tests.support import assert_conserved, read_dead_letters, read_summary, read_table
from tests.support.faultserver import FaultServer

HTML = {"Content-Type": "text/html; charset=utf-8"}
PARAS = ("Dock workers at the northern harbour walked out on Monday morning after talks over pay "
         "and shift patterns collapsed late on Sunday night, the union said in a statement.",
         "The port authority said container traffic would be diverted to the southern terminals "
         "for as long as the strike lasts, and that ferries would keep their timetable.",
         "Negotiations are expected to resume on Thursday, according to a mediator appointed "
         "by the regional government, who asked both sides to keep the talks confidential.")
LONG = ("The city council approved the new budget on Tuesday evening after a debate that lasted "
        "more than six hours, with money for schools, buses and the harbour promenade.")
ITEMS = (("strike", "/news/strike", "Port strike halts traffic", "Dock workers walked out."),
         ("secret", "/private/secret", "Council closes library", "The library shuts in May."),
         ("gone", "/news/gone", "Ferry timetable changes", "New ferry times from June."),
         ("bomb", "/news/bomb", "Harbour festival returns", "The festival is back this summer."),
         ("budget", "/news/budget", "Council passes budget", LONG))


def article_page(title, paras):
    return (f"<!DOCTYPE html><html><head><title>{title}</title></head><body><nav>Home | World</nav>"
            f"<article><h1>{title}</h1>" + "".join(f"<p>{p}</p>" for p in paras)
            + "</article><footer>Copyright Harbour Times</footer></body></html>").encode()


def feed(base):
    items = "".join(
        f"<item><title>{title}</title><link>{base}{path}</link><guid isPermaLink='false'>{key}</guid>"
        f"<description>{summary}</description><pubDate>Fri, 27 Nov 2026 0{i}:00:00 GMT</pubDate></item>"
        for i, (key, path, title, summary) in enumerate(ITEMS))
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Harbour Times</title>"
            f"<link>{base}/</link><language>en</language>{items}</channel></rss>").encode()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("articles")
    with FaultServer() as srv:
        base = srv.url("/").rstrip("/")
        url = srv.static("/feed.xml", feed(base))
        srv.static("/robots.txt", b"User-agent: *\nDisallow: /private/\n", headers={"Content-Type": "text/plain"})
        srv.static("/news/strike", article_page("Port strike halts traffic", PARAS), headers=HTML)
        srv.static("/private/secret", article_page("Council closes library", PARAS), headers=HTML)
        srv.static("/news/gone", b"not here", status=404, headers=HTML)
        srv.gzip_bomb("/news/bomb")
        srv.static("/news/budget", article_page("Council passes budget", PARAS), headers=HTML)
        common = ["--feeds", url, "--allow-private-networks", "--max-retries", "0",
                  "--max-feed-bytes", "1000000"]
        plain = tmp / "plain"
        assert run(common + ["--output", str(plain)]) == 0
        plain_hits = dict(srv.hits)
        full = tmp / "full"
        assert run(common + ["--output", str(full), "--fetch-articles", "20"]) == 0
        hits = {k: v - plain_hits.get(k, 0) for k, v in srv.hits.items()}
    return plain, plain_hits, full, hits, base


def rows_by_guid(out):
    return {r["guid"].rsplit("/", 1)[-1]: r for r in read_table(out, "stories") + read_table(out, "duplicates")}


def test_article_text_replaces_summary(runs):
    _, _, full, hits, _ = runs
    rows = rows_by_guid(full)
    strike = rows["strike"]
    assert strike["text"] == "\n\n".join(PARAS) and strike["text_source"] == "article"
    assert strike["word_count"] == len(" ".join(PARAS).split())
    assert strike["language"] == "en" and strike["summary"] == "Dock workers walked out."
    assert hits["/robots.txt"] == 1 and hits["/news/strike"] == 1


def test_failures_keep_feed_text_and_are_article_dead_letters(runs):
    _, _, full, hits, base = runs
    rows = rows_by_guid(full)
    for key, _, _, summary in ITEMS[1:4]:
        assert rows[key]["text"] == summary and rows[key]["text_source"] == "feed", key
    assert hits.get("/private/secret", 0) == 0                 # robots.txt forbids: never requested
    assert hits.get("/news/budget", 0) == 0                    # above the threshold: not fetched
    assert rows["budget"]["text"] == LONG and rows["budget"]["text_source"] == "feed"
    dead = {d["entry"]: d for d in read_dead_letters(full)}
    assert set(dead) == {base + "/private/secret", base + "/news/gone", base + "/news/bomb"}
    assert {d["stage"] for d in dead.values()} == {"article"}
    assert dead[base + "/private/secret"]["error"].startswith("RobotsForbidden:")
    assert "404" in dead[base + "/news/gone"]["error"]
    assert "FetchError" in dead[base + "/news/bomb"]["error"]


def test_conservation_and_counts(runs):
    _, _, full, _, _ = runs
    summary = read_summary(full)
    assert_conserved(summary)
    c = summary["counts"]
    assert (c["entries_total"], c["stories"], c["dead_letters"], c["entry_dead_letters"]) == (5, 5, 3, 0), c
    assert summary["quality"].get("article_text") == 1
    assert summary["options"].get("fetch_articles") == 20


def test_without_the_flag_nothing_changes(runs):
    plain, plain_hits, full, _, _ = runs
    assert set(plain_hits) == {"/feed.xml"}                    # no page, no robots.txt
    assert read_dead_letters(plain) == []
    assert_conserved(read_summary(plain))
    before, after = rows_by_guid(plain), rows_by_guid(full)
    assert {r["text_source"] for r in before.values()} == {"feed"}
    assert {k: r["story_id"] for k, r in before.items()} == {k: r["story_id"] for k, r in after.items()}
    skip = {"fetched_at"}
    for key in ("secret", "gone", "bomb", "budget"):           # unchanged stories: identical rows
        assert {k: v for k, v in before[key].items() if k not in skip} == \
               {k: v for k, v in after[key].items() if k not in skip}, key
    assert before["strike"]["text"] == "Dock workers walked out."


# -- once per dedupe window: a story the state remembers is not fetched again (README "Inputs")

CACHE_ITEMS = (("strike", "/news/strike", "Port strike halts traffic", "Dock workers walked out."),
               ("ferry", "/news/ferry", "Ferry timetable changes", "New ferry times from June."),
               ("budget", "/news/budget", "Council passes budget", LONG))
NEW_ITEM = ("festival", "/news/festival", "Harbour festival returns", "The festival is back.")
FESTIVAL = ("The harbour festival returns this summer with three days of music, food stalls and "
            "boat races along the quay, the organisers announced on Wednesday afternoon.",
            "Tickets go on sale next month and children under twelve will enter free of charge, "
            "while the evening concerts will move to the old fish market because of the crowds.")


def cache_feed(base, items):
    body = "".join(
        f"<item><title>{title}</title><link>{base}{path}</link><guid isPermaLink='false'>{key}</guid>"
        f"<description>{summary}</description><pubDate>Fri, 27 Nov 2026 0{i}:00:00 GMT</pubDate></item>"
        for i, (key, path, title, summary) in enumerate(items))
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Harbour Times</title>"
            f"<link>{base}/</link><language>en</language>{body}</channel></rss>").encode()


@pytest.fixture(scope="module")
def cached_runs(tmp_path_factory):
    """Three runs into one output, --as-of fixed: the same feed twice, then with one new item."""
    out = tmp_path_factory.mktemp("articles-cache") / "out"
    runs = []
    with FaultServer() as srv:
        base = srv.url("/").rstrip("/")
        url = srv.static("/feed.xml", cache_feed(base, CACHE_ITEMS))
        srv.static("/robots.txt", b"User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})
        srv.static("/news/strike", article_page("Port strike halts traffic", PARAS), headers=HTML)
        srv.static("/news/ferry", article_page("Ferry timetable changes", PARAS[1:]), headers=HTML)
        srv.static("/news/budget", article_page("Council passes budget", PARAS), headers=HTML)
        srv.static("/news/festival", article_page("Harbour festival returns", FESTIVAL), headers=HTML)
        args = ["--feeds", url, "--output", str(out), "--allow-private-networks", "--max-retries", "0",
                "--fetch-articles", "20", "--as-of", "2026-11-28T06:00:00Z"]
        for n in (1, 2, 3):
            if n == 3:
                srv.static("/feed.xml", cache_feed(base, CACHE_ITEMS + (NEW_ITEM,)))
            srv.reset_stats()
            assert run(args + ["--run-id", f"run{n}"]) == 0
            runs.append((read_summary(out), [r.path for r in srv.requests],
                         {r["guid"]: r for r in read_table(out, "stories") + read_table(out, "duplicates")}))
    return runs


def test_first_run_fetches_the_short_stories(cached_runs):
    summary, paths, rows = cached_runs[0]
    assert sorted(p for p in paths if p.startswith("/news/")) == ["/news/ferry", "/news/strike"]
    assert {rows[k]["text_source"] for k in ("strike", "ferry")} == {"article"}
    assert summary["quality"].get("article_text") == 2
    assert_conserved(summary)


def test_second_run_requests_no_article_page(cached_runs):
    summary, paths, rows = cached_runs[1]
    assert paths == ["/feed.xml"]                  # no page, no robots.txt: every story is known
    c = summary["counts"]
    assert (c["entries_total"], c["already_seen"], c["stories"], c["duplicates"]) == (3, 3, 0, 0), c
    assert not summary["quality"].get("article_text")
    assert_conserved(summary)
    assert rows == cached_runs[0][2]               # nothing written again


def test_third_run_fetches_only_the_new_story(cached_runs):
    summary, paths, rows = cached_runs[2]
    assert sorted(p for p in paths if p != "/feed.xml") == ["/news/festival", "/robots.txt"]
    c = summary["counts"]
    assert (c["entries_total"], c["already_seen"], c["stories"]) == (4, 3, 1), c
    assert summary["quality"].get("article_text") == 1
    assert rows["festival"]["text"] == "\n\n".join(FESTIVAL) and rows["festival"]["text_source"] == "article"
    assert_conserved(summary)
