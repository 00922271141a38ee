"""ReadFeedList: OPML, URL lists, files, folders and globs -> FeedSources."""
import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from tests.support import FIXTURES
from transforms.read import ReadFeedList, expand_feed_arg, sniff_kind

FEEDS = FIXTURES / "feeds"


def test_opml_nested_outlines_titles_and_agency(tmp_path):
    (tmp_path / "sub").mkdir()
    opml = tmp_path / "list.opml"
    opml.write_text("""<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>
<outline text="Wires"><outline text="Wire A" title="Wire A" type="rss" xmlUrl="sub/a.xml" category="/agency/Xinhua"/>
  <outline text="Deeper"><outline text="Outlet B" title="Outlet B" type="rss" xmlUrl="https://b.example/rss"/></outline></outline>
</body></opml>""")
    got = sorted(expand_feed_arg(str(opml)), key=lambda s: s.location)
    assert [(s.location, s.source_name, s.agency) for s in got] == [
        (str(tmp_path / "sub" / "a.xml"), "Wire A", "Xinhua"),
        ("https://b.example/rss", "Outlet B", None)]


def test_text_list_comments_blank_lines_relative_paths(tmp_path):
    lst = tmp_path / "feeds.txt"
    lst.write_text("# my feeds\n\nhttps://a.example/feed.xml\n  local/one.xml  # trailing comment\n")
    got = [s.location for s in expand_feed_arg(str(lst))]
    assert got == ["https://a.example/feed.xml", str(tmp_path / "local" / "one.xml")]


def test_glob_folder_and_single_feed_file():
    glob_got = sorted(s.location for s in expand_feed_arg(str(FEEDS / "*.xml")))
    assert glob_got == sorted(str(p) for p in FEEDS.glob("*.xml"))
    folder_got = sorted(s.location for s in expand_feed_arg(str(FEEDS)))
    assert folder_got == sorted(str(p) for p in FEEDS.iterdir())
    single = list(expand_feed_arg(str(FEEDS / "coastal-rss.xml")))
    assert [s.location for s in single] == [str(FEEDS / "coastal-rss.xml")]


def test_sniff_kind():
    assert sniff_kind(b"<?xml version='1.0'?><opml version='2.0'>") == "opml"
    assert sniff_kind(b"<?xml version='1.0'?>\n<rss version='2.0'>") == "feed"
    assert sniff_kind(b"<feed xmlns='http://www.w3.org/2005/Atom'>") == "feed"
    assert sniff_kind(b"https://a.example/rss\n") == "list"


def test_transform_dedupes_and_dead_letters_missing_list(tmp_path):
    lst = tmp_path / "feeds.txt"
    lst.write_text("https://a.example/feed.xml\nhttps://a.example/feed.xml\n")
    with TestPipeline() as p:
        out = p | ReadFeedList([str(lst), "https://a.example/feed.xml", str(tmp_path / "missing.txt")])
        assert_that(out["sources"] | beam.Map(lambda s: s.location),
                    equal_to(["https://a.example/feed.xml"]), label="sources")
        assert_that(out["dead_letter"] | "dl" >> beam.Map(lambda d: (d.stage, d.error.split(":")[0])),
                    equal_to([("read", "FileNotFoundError")]), label="dead")
