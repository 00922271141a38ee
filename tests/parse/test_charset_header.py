"""A UTF-16/32 Content-Type charset on a body that is plainly 8-bit (issue 19, bug 11d).

Servers that say `charset=utf-16` for a UTF-8 document (no BOM, `<?xml` in ASCII, no NUL byte)
lost the whole feed: feedparser decoded the bytes as UTF-16 and found no entries. The header is
not trusted then: the XML declaration's encoding (or UTF-8) is used, and the entries parse. A body
that really is UTF-16 or UTF-32 keeps parsing as it did."""
import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from tests.support.faultserver import FaultServer
from transforms.fetch.feeds import FetchFeeds
from transforms.fetch.http import FetchSettings
from transforms.parse.charset import reconcile_charset
from transforms.parse.feeds import ParseFeeds
from transforms.records import FeedSource

SETTINGS = FetchSettings(total_timeout=3, connect_timeout=2, backoff_base=0.01, max_retries=0,
                         allow_private=True, max_bytes=1 << 20)
TITLES = ["Zürich: Café öffnet", "Ελλάδα σήμερα", "Second story"]


def feed(decl='<?xml version="1.0" encoding="utf-8"?>\n', titles=TITLES):
    items = "".join(f"<item><title>{t}</title><link>https://x.example/{i}</link></item>"
                    for i, t in enumerate(titles))
    return f'{decl}<rss version="2.0"><channel><title>Nachrichten</title>{items}</channel></rss>'


SERVED = {   # path: (body, Content-Type)
    "/utf16-header.xml": (feed().encode(), "application/rss+xml; charset=utf-16"),
    "/UTF-16-text-xml.xml": (feed().encode(), "text/xml; charset=UTF-16"),
    "/utf16le-header.xml": (feed().encode(), "application/xml; charset=utf-16le"),
    "/utf32-header.xml": (feed().encode(), "application/xml; charset=UTF-32"),
    "/no-declaration.xml": (feed(decl="").encode(), "application/rss+xml; charset=utf-16"),
    "/latin1-declared.xml": (feed('<?xml version="1.0" encoding="iso-8859-1"?>', ["Zürich: Café öffnet",
                                                                                   "Second story"]
                                  ).encode("iso-8859-1"), "application/rss+xml; charset=utf-16"),
    "/real-utf16-bom.xml": (feed('<?xml version="1.0" encoding="utf-16"?>').encode("utf-16"),
                            "application/xml; charset=utf-16"),
    "/real-utf16le-no-bom.xml": (feed('<?xml version="1.0" encoding="utf-16le"?>').encode("utf-16-le"),
                                 "application/xml; charset=utf-16le"),
}


def test_utf16_header_on_an_8bit_body_over_http():
    with FaultServer() as srv:
        urls = {path: srv.static(path, body, headers={"Content-Type": ctype})
                for path, (body, ctype) in SERVED.items()}
        expected = [(url, title) for path, url in urls.items()
                    for title in (TITLES if "latin1" not in path else ["Zürich: Café öffnet", "Second story"])]
        with TestPipeline() as p:
            fetched = p | beam.Create([FeedSource(u) for u in urls.values()]) | FetchFeeds(SETTINGS)
            parsed = fetched["documents"] | ParseFeeds()
            assert_that(parsed["stories"] | beam.Map(lambda s: (s.feed_url, s.title_html)),
                        equal_to(expected), label="stories")
            assert_that(parsed["dead_letter"] | "dl" >> beam.Map(lambda d: (d.source, d.error)),
                        equal_to([]), label="dead")
            assert_that(parsed["status"] | "st" >> beam.Map(lambda s: (s.location, s.outcome, s.entries)),
                        equal_to([(url, "ok", 2 if "latin1" in path else 3) for path, url in urls.items()]),
                        label="status")


@pytest.mark.parametrize("ctype,body,fixed,why", [
    ("application/rss+xml; charset=utf-16", feed().encode(), "application/rss+xml; charset=utf-8",
     "body is 8-bit (no byte order mark, no NUL bytes) and its XML declaration says utf-8, Content-Type said utf-16"),
    ("text/xml; charset=UCS-2", feed(decl="").encode(), "text/xml; charset=utf-8",
     "body is 8-bit (no byte order mark, no NUL bytes), so utf-8, Content-Type said ucs-2"),
    ("application/xml; charset=utf-32be", feed('<?xml version="1.0" encoding="windows-1252"?>', TITLES[:1]).encode("cp1252"),
     "application/xml; charset=windows-1252",
     "body is 8-bit (no byte order mark, no NUL bytes) and its XML declaration says windows-1252, Content-Type said utf-32be"),
    ("application/xml; charset=utf-16", feed('<?xml version="1.0" encoding="utf-16"?>').encode(),
     "application/xml; charset=utf-8",
     "body is 8-bit (no byte order mark, no NUL bytes), so utf-8, Content-Type said utf-16"),
])
def test_reconcile_charset_distrusts_a_wide_header_on_8bit_bytes(ctype, body, fixed, why):
    assert reconcile_charset(body, {"content-type": ctype}) == ({"content-type": fixed}, why)


@pytest.mark.parametrize("body", [
    feed('<?xml version="1.0" encoding="utf-16le"?>').encode("utf-16-le"),      # appendix-F pattern
    feed("").encode("utf-16-be"),                                               # NUL bytes, no '<?'
    "  \n".encode("utf-16-le") + feed("").encode("utf-16-le"),
])
def test_a_real_utf16_body_keeps_its_header(body):
    headers = {"content-type": "application/xml; charset=utf-16"}
    assert reconcile_charset(body, headers) == (headers, None)
