"""Which kind of file a --feeds argument is (issue 19, bug 5): an XML file is a feed or an OPML
list however long its prolog and in whatever encoding; it is never read as a URL list, whose
lines would be fetched or read as paths. A URL list's line that is neither a URL nor a path is
a dead letter."""
import codecs

import pytest

from tests.read.expect import assert_read
from tests.support import FIXTURES
from transforms.read import expand_feed_arg, sniff_kind

RSS = (FIXTURES / "feeds" / "coastal-rss.xml").read_text(encoding="utf-8")
BODY = RSS[RSS.index("<rss"):]          # the document without its XML declaration
OPML = ('<opml version="2.0"><body><outline text="A" type="rss" xmlUrl="https://a.example/rss"/>'
        '<outline text="B" type="rss" xmlUrl="https://b.example/rss"/></body></opml>')
LONG_COMMENT = "<!--\n" + "This feed is published under the terms of ... https://x.example/terms\n" * 200 + "-->\n"
DOCTYPE = ('<!DOCTYPE rss [\n' + "".join(f'<!ENTITY e{i} "entity {i} > with a bracket">\n' for i in range(120))
           + "]>\n")
PROLOGS = {
    "comment over 4 KB": '<?xml version="1.0" encoding="utf-8"?>\n' + LONG_COMMENT,
    "processing instructions": '<?xml version="1.0"?>\n' + '<?xml-stylesheet href="s.xsl" type="text/xsl"?>\n' * 120,
    "internal DOCTYPE subset": '<?xml version="1.0"?>\n' + DOCTYPE,
    "blank lines and spaces": "\n" * 3000 + "   \t\n" * 400,
    "everything": '<?xml version="1.0"?>\n' + LONG_COMMENT + DOCTYPE + "<?pi x?>\n" + LONG_COMMENT,
}
ENCODINGS = {
    "utf-8 BOM": ("utf-8-sig", ""), "utf-16 BOM": ("utf-16", ""),
    "utf-16-le, no BOM": ("utf-16-le", ""), "utf-16-be, no BOM": ("utf-16-be", ""),
    "utf-32 BOM": ("utf-32", ""), "utf-32-be, no BOM": ("utf-32-be", ""),
    "utf-16-le, no BOM, no declaration": ("utf-16-le", None),
}


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return str(path)


@pytest.mark.parametrize("prolog", sorted(PROLOGS))
def test_feed_after_a_long_prolog_is_one_feed(tmp_path, prolog):
    assert len(PROLOGS[prolog]) > 4096
    feed = _write(tmp_path / "feed.xml", PROLOGS[prolog] + BODY)
    assert [s.location for s in expand_feed_arg(feed)] == [feed]


def test_opml_after_a_long_prolog_is_read_as_a_list(tmp_path):
    listed = _write(tmp_path / "feeds.opml", PROLOGS["everything"] + OPML)
    assert [s.location for s in expand_feed_arg(listed)] == ["https://a.example/rss", "https://b.example/rss"]


@pytest.mark.parametrize("name", sorted(ENCODINGS))
def test_utf16_and_utf32_files_are_feeds_or_lists(tmp_path, name):
    codec, decl = ENCODINGS[name]
    if decl is not None:
        decl = f'<?xml version="1.0" encoding="{codec.removesuffix("-sig").upper()}"?>\n'
    feed = _write(tmp_path / "feed.xml", (decl or "") + LONG_COMMENT + BODY, codec)
    assert [s.location for s in expand_feed_arg(feed)] == [feed]
    listed = _write(tmp_path / "feeds.opml", (decl or "") + OPML, codec)
    assert [s.location for s in expand_feed_arg(listed)] == ["https://a.example/rss", "https://b.example/rss"]


def test_sniff_kind_reads_the_first_element_however_far():
    assert sniff_kind(b"<?xml version='1.0'?><opml version='2.0'>") == "opml"
    assert sniff_kind(b"<?xml version='1.0'?>\n<rss version='2.0'>") == "feed"
    assert sniff_kind(b"<feed xmlns='http://www.w3.org/2005/Atom'>") == "feed"
    assert sniff_kind(b"https://a.example/rss\n") == "list"
    assert sniff_kind(b"\xef\xbb\xbf\n  https://a.example/rss\n") == "list"
    big = ("<!--" + "x" * 900_000 + "-->\n<opml version='2.0'>").encode()
    assert sniff_kind(big) == "opml"
    assert sniff_kind(("<!--" + "-" * 2_000_000).encode()) == "feed"        # unfinished prolog: XML
    assert sniff_kind("<?xml version='1.0'?><opml>".encode("utf-16")) == "opml"
    assert sniff_kind("<opml>".encode("utf-16-be")) == "opml"
    assert sniff_kind("\n<opml>".encode("utf-32-le")) == "opml"
    assert sniff_kind(codecs.BOM_UTF16_LE + "<rss>".encode("utf-16-le")) == "feed"


@pytest.mark.parametrize("text", [
    "<html><head><title>Not found</title></head></html>",    # an HTML page: parse says what it is
    "<?xml version='1.0'?>\n<urlset xmlns='http://www.sitemaps.org/'>\n<url>https://a.example/</url>",
    "\n\n  <rss",                                             # cut short: still XML
    "<!DOCTYPE html>\n<p>https://a.example/rss\n/etc/passwd\n",
])
def test_a_file_starting_with_markup_is_never_a_url_list(tmp_path, text):
    path = _write(tmp_path / "thing.xml", text)
    assert [s.location for s in expand_feed_arg(path)] == [path]


def test_url_list_lines_that_are_neither_urls_nor_paths_are_dead_letters(tmp_path):
    listed = tmp_path / "feeds.txt"
    lines = ["https://a.example/rss", "feeds/b.xml", "My Feeds/c d.xml", "",
             "Breaking news: the minister said that", "<title>Latest</title>",
             "https://", "http://exa mple/rss", 'feeds/"quoted".xml', "ftp://files.example/x.xml"]
    listed.write_text("\n".join(lines) + "\n")
    where = str(listed)

    def refused(number, line):
        return ("read", where, None, f"FeedListEntryRefused: line {number} of {where} is neither an "
                                     f"http(s) URL nor a path: {line!r}")

    assert_read([where],
                ["https://a.example/rss", str(tmp_path / "feeds" / "b.xml"), str(tmp_path / "My Feeds" / "c d.xml")],
                [refused(number, lines[number - 1]) for number in range(5, 11)])
