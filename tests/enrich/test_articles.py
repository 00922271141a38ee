"""FetchArticles (--fetch-articles): article pages over a real local HTTP server (robots.txt,
size caps, 404s), main text with trafilatura, feed text kept on every failure."""
import pathlib
import pickle
import tempfile
import uuid

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from tests.support.faultserver import FaultServer, Reply
from transforms.clean import content_hash
from transforms.enrich import FetchArticles
from transforms.enrich.articles import (ArticleFetcher, decode_html, extract_text, needs_article,
                                       robots_url, with_article_text)
from transforms.fetch.http import FetchSettings
from transforms.records import DeadLetter, Story

SETTINGS = FetchSettings(total_timeout=3, connect_timeout=2, backoff_base=0.01, max_retries=1,
                         allow_private=True, max_bytes=1 << 20)
HTML = {"Content-Type": "text/html; charset=utf-8"}
PARAS = ("Dock workers at the northern harbour walked out on Monday morning after talks over pay "
         "and shift patterns collapsed late on Sunday night, the union said in a statement.",
         "The port authority said container traffic would be diverted to the southern terminals "
         "for as long as the strike lasts, and that ferries would keep their timetable.",
         "Negotiations are expected to resume on Thursday, according to a mediator appointed "
         "by the regional government, who asked both sides to keep the talks confidential.")


def article_page(title, paras=PARAS):
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f"<!DOCTYPE html><html><head><title>{title} | Harbour Times</title></head><body>"
            f"<nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
            f"<article><h1>{title}</h1>{body}</article>"
            f"<footer>Copyright Harbour Times. All rights reserved.</footer></body></html>").encode()


def story(url, text="Dock workers walked out.", title="Port strike", n=0):
    return Story(story_id=f"id{n}", feed_url="http://feeds.example/f.xml", url=url, canonical_url=url,
                 title=title, summary=text, text=text, entry_index=n,
                 content_hash=content_hash(title, text))


def test_helpers():
    assert robots_url("http://u:p@Host.example:8080/a/b?x=1") == "http://Host.example:8080/robots.txt"
    assert robots_url("ftp://host/x") is None
    assert needs_article(story("https://h.example/a"), 10)
    assert not needs_article(story("https://h.example/a", text=" ".join(["w"] * 10)), 10)
    assert not needs_article(story("/local/path"), 10)
    page = "<html><head><meta charset='iso-8859-1'></head><body>caf\xe9</body></html>".encode("latin-1")
    assert "café" in decode_html(page, {})
    assert "café" in decode_html("café".encode("utf-8"), {"content-type": "text/html; charset=UTF-8"})


def test_extract_text_drops_title_and_chrome():
    text = extract_text(article_page("Port strike").decode(), "http://h.example/a", "Port strike")
    assert text.split("\n\n") == list(PARAS)
    assert "Copyright" not in text and "Home" not in text


def test_with_article_text_keeps_story_id_and_rehashes():
    s = story("http://h.example/a")
    out = with_article_text(s, "\n\n".join(PARAS))
    assert out.story_id == s.story_id == "id0"
    assert out.text_source == "article" and s.text_source == "feed"
    assert out.content_hash == content_hash("Port strike", "\n\n".join(PARAS)) != s.content_hash
    assert "article_text" in out.flags


def test_article_dead_letters_are_not_entry_level():
    dead = DeadLetter.make("article", "http://feeds.example/f.xml", "FetchError: HTTP 404", entry="http://h/a")
    assert not dead.is_entry_level
    assert DeadLetter.make("parse", "f", "x", entry="e").is_entry_level


def _spill(record, folder):
    (pathlib.Path(folder) / uuid.uuid4().hex).write_bytes(pickle.dumps(record))


def run_transform(stories, min_words=20, known=None):
    """Runs FetchArticles; (stories by url, dead letters), collected through files."""
    with tempfile.TemporaryDirectory() as tmp:
        kept, dead = pathlib.Path(tmp, "stories"), pathlib.Path(tmp, "dead")
        kept.mkdir()
        dead.mkdir()
        with TestPipeline() as p:
            known_ids = None if known is None else p | "known" >> beam.Create(known)
            out = p | beam.Create(stories) | FetchArticles(SETTINGS, min_words, known_ids=known_ids)
            assert_that(out["stories"] | "s" >> beam.Map(lambda s: s.story_id), equal_to(
                [s.story_id for s in stories]), label="every story once")
            out["stories"] | "keep" >> beam.Map(_spill, str(kept))
            out["dead_letter"] | "keepd" >> beam.Map(_spill, str(dead))
        load = lambda folder: [pickle.loads(f.read_bytes()) for f in sorted(folder.iterdir())]
        return {s.url: s for s in load(kept)}, load(dead)


def test_fetch_articles_robots_caps_and_failures():
    long_text = " ".join(["word"] * 30)
    with FaultServer() as srv:
        srv.static("/robots.txt", b"User-agent: *\nDisallow: /private/\n", headers={"Content-Type": "text/plain"})
        full = srv.static("/news/strike", article_page("Port strike"), headers=HTML)
        private = srv.static("/private/secret", article_page("Port strike"), headers=HTML)
        bomb = srv.gzip_bomb("/news/bomb")
        big = srv.oversized("/news/big", size=5 << 20)
        missing = srv.url("/news/missing")
        empty = srv.static("/news/empty", b"<html><head><title>x</title></head><body><script>1</script></body></html>", headers=HTML)
        pdf = srv.static("/news/report.pdf", b"%PDF-1.4 ...", headers={"Content-Type": "application/pdf"})
        longer = srv.static("/news/long", article_page("Port strike"), headers=HTML)
        stories = [story(u, n=i) for i, u in enumerate((full, private, bomb, big, missing, empty, pdf))]
        stories.append(story(longer, text=long_text, n=99))
        by_url, dead = run_transform(stories)
        assert srv.hits["/robots.txt"] == 1                     # once per host, not per story
        assert srv.hits.get("/private/secret", 0) == 0          # forbidden: never requested
        assert srv.hits.get("/news/long", 0) == 0               # above the threshold: not fetched
    assert by_url[full].text == "\n\n".join(PARAS) and by_url[full].text_source == "article"
    assert by_url[full].story_id == "id0"
    for url in (private, bomb, big, missing, empty, pdf):
        assert by_url[url].text == "Dock workers walked out." and by_url[url].text_source == "feed", url
        assert by_url[url].content_hash == content_hash("Port strike", "Dock workers walked out.")
    assert by_url[longer].text == long_text and by_url[longer].text_source == "feed"
    reasons = {d.entry: d.error for d in dead}
    assert set(reasons) == {private, bomb, big, missing, empty, pdf}
    assert all(d.stage == "article" and d.source == "http://feeds.example/f.xml" and not d.is_entry_level
               for d in dead)
    assert reasons[private].startswith("RobotsForbidden:") and "/private/secret" in reasons[private]
    assert reasons[missing].startswith("FetchError:") and "404" in reasons[missing]
    assert reasons[bomb].startswith("FetchError:") and reasons[big].startswith("FetchError:")
    assert reasons[empty] == "ArticleUnusable: no main text found in the page"
    assert reasons[pdf] == "ArticleUnusable: not an HTML page (application/pdf)"


def test_missing_robots_allows_and_unreachable_robots_forbids():
    with FaultServer() as srv:    # no /robots.txt route: 404, everything allowed
        page = srv.static("/a", article_page("Port strike"), headers=HTML)
        by_url, dead = run_transform([story(page)])
        assert by_url[page].text_source == "article" and not dead
    with FaultServer() as srv:    # robots.txt answers 500 (RFC 9309: unreachable, nothing allowed)
        srv.sequence("/robots.txt", [Reply(500), Reply(500), Reply(500)])
        page = srv.static("/a", article_page("Port strike"), headers=HTML)
        by_url, dead = run_transform([story(page)])
        assert srv.hits.get("/a", 0) == 0
        assert by_url[page].text_source == "feed"
        assert [d.error.split(":")[0] for d in dead] == ["RobotsForbidden"]


def test_robots_for_wirefeed_agent_and_cache_per_worker():
    with FaultServer() as srv:
        srv.static("/robots.txt", b"User-agent: wirefeed\nDisallow: /\n\nUser-agent: *\nAllow: /\n",
                   headers={"Content-Type": "text/plain"})
        page = srv.static("/a", article_page("Port strike"), headers=HTML)
        fetcher = ArticleFetcher(SETTINGS)
        try:
            for _ in range(2):
                out = list(fetcher.fetch([story(page)]))
                assert [type(o).__name__ for o in out] == ["TaggedOutput", "Story"]
        finally:
            fetcher.close()
        assert srv.hits["/robots.txt"] == 1 and srv.hits.get("/a", 0) == 0


def test_known_stories_are_not_fetched():
    """A story alone with an id the state remembers is not fetched; copies of a known id (several
    feeds) are, since a copy's derived id follows its content hash; unknown ids are."""
    with FaultServer() as srv:
        known = srv.static("/news/known", article_page("Port strike"), headers=HTML)
        copied = srv.static("/news/copied", article_page("Port strike"), headers=HTML)
        new = srv.static("/news/new", article_page("Port strike"), headers=HTML)
        stories = [story(known, n=1), story(copied, n=2), story(copied, n=3), story(new, n=4)]
        stories[2].story_id = stories[1].story_id = "copied"
        stories[2].feed_url = "http://other.example/f.xml"
        by_url, dead = run_transform(stories, known=["id1", "copied", "id9"])
        assert srv.hits.get("/news/known", 0) == 0
        assert srv.hits["/news/copied"] == 1 and srv.hits["/news/new"] == 1
    assert by_url[known].text == "Dock workers walked out." and by_url[known].text_source == "feed"
    assert by_url[new].text_source == "article" and by_url[copied].text_source == "article"
    assert not dead
