"""transforms/clean/urls.py: canonical story URLs and the http(s) check."""
import pytest

from transforms.clean.urls import TRACKING_PARAMS, canonical_url, is_http_url, is_tracking_param

BASE = "https://news.example.com/story/ministers-meet"

# Every tracking parameter named in the brief, plus a sample of the rest of the list.
TRACKING = [
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id",
    "UTM_Source", "Utm_Medium", "utm_whatever",
    "fbclid", "FBCLID", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "_ga",
    "yclid", "at_medium", "at_campaign", "cmpid", "ocid", "ncid", "ref_src",
    "gbraid", "wbraid", "twclid", "ttclid", "_hsenc", "_hsmi", "mkt_tok", "xtor", "CMP",
    "INTCMP", "smid", "ns_source", "ns_mchannel", "pk_campaign", "mtm_source", "wt.mc_id",
    "at_custom1", "guccounter", "__twitter_impression", "ref_url", "igsh", "_gl",
]


@pytest.mark.parametrize("param", TRACKING)
def test_tracking_param_dropped(param):
    url = f"{BASE}?id=42&{param}=abc"
    assert canonical_url(url) == f"{BASE}?id=42"


@pytest.mark.parametrize("param", TRACKING)
def test_tracking_param_alone_leaves_no_question_mark(param):
    assert canonical_url(f"{BASE}?{param}=abc") == BASE


KEPT = ["id", "page", "ref", "source", "from", "partner", "cid", "q", "lang", "amp", "p",
        "article", "utmost", "at", "camp"]


@pytest.mark.parametrize("param", KEPT)
def test_non_tracking_param_survives(param):
    assert canonical_url(f"{BASE}?{param}=7&utm_source=rss") == f"{BASE}?{param}=7"


CASES = [
    # (id, url, base, expected)
    ("fragment-dropped", f"{BASE}#comments", None, BASE),
    ("fragment-hashbang-dropped", f"{BASE}#!/photo/3", None, BASE),
    ("http-default-port", "http://news.example.com:80/a", None, "http://news.example.com/a"),
    ("https-default-port", "https://news.example.com:443/a", None, "https://news.example.com/a"),
    ("non-default-port-kept", "https://news.example.com:8443/a", None,
     "https://news.example.com:8443/a"),
    ("https-port-on-http-kept", "http://news.example.com:443/a", None,
     "http://news.example.com:443/a"),
    ("scheme-and-host-lowercased", "HTTPS://News.EXAMPLE.Com/World/Story-ABC", None,
     "https://news.example.com/World/Story-ABC"),
    ("empty-path", "https://news.example.com", None, "https://news.example.com/"),
    ("empty-query", "https://news.example.com/a?", None, "https://news.example.com/a"),
    ("host-trailing-dot", "https://news.example.com./a", None, "https://news.example.com/a"),
    ("whitespace-stripped", "  \t https://news.example.com/a \n", None,
     "https://news.example.com/a"),
    ("relative-path-with-base", "/world/2019/03/convoy.html", "https://News.Example.com/rss.xml",
     "https://news.example.com/world/2019/03/convoy.html"),
    ("relative-file-with-base", "convoy.html?utm_source=rss", "https://news.example.com/world/",
     "https://news.example.com/world/convoy.html"),
    ("relative-dotdot-with-base", "../sport/final", "https://news.example.com/world/europe/",
     "https://news.example.com/world/sport/final"),
    ("protocol-relative-with-base", "//cdn.example.net/a", "http://news.example.com/",
     "http://cdn.example.net/a"),
    ("protocol-relative-without-base", "//cdn.example.net/a", None, "https://cdn.example.net/a"),
    ("absolute-ignores-base", "https://other.example.org/x", BASE, "https://other.example.org/x"),
    ("idn-host", "https://b\u00fccher.example/Seite", None, "https://xn--bcher-kva.example/Seite"),
    ("idn-host-uppercase", "https://M\u00dcNCHEN.example/", None,
     "https://xn--mnchen-3ya.example/"),
    ("idn-host-idna2008", "https://fa\u00df.example/", None, "https://xn--fa-hia.example/"),
    ("idn-host-cyrillic", "https://\u043d\u043e\u0432\u043e\u0441\u0442\u0438.example/", None,
     "https://xn--b1amnebsh.example/"),
    ("punycode-host-unchanged", "https://xn--bcher-kva.example/", None,
     "https://xn--bcher-kva.example/"),
    ("non-ascii-path-encoded", "https://news.example.com/r\u00e9sum\u00e9", None,
     "https://news.example.com/r%C3%A9sum%C3%A9"),
    ("percent-escape-case", "https://news.example.com/a%2fb%e2%82%ac", None,
     "https://news.example.com/a%2Fb%E2%82%AC"),
    ("unreserved-escape-decoded", "https://news.example.com/%7Eeditor/%41", None,
     "https://news.example.com/~editor/A"),
    ("space-encoded", "https://news.example.com/a b", None, "https://news.example.com/a%20b"),
    ("dot-segments", "https://news.example.com/a/./b/../c", None, "https://news.example.com/a/c"),
    ("path-case-kept", "https://news.example.com/World/ABC123", None,
     "https://news.example.com/World/ABC123"),
    ("query-sorted", "https://news.example.com/a?z=1&b=2&m=3", None,
     "https://news.example.com/a?b=2&m=3&z=1"),
    ("query-repeated-key-sorted", "https://news.example.com/a?t=2&t=1", None,
     "https://news.example.com/a?t=1&t=2"),
    ("query-blank-value-kept", "https://news.example.com/a?amp", None,
     "https://news.example.com/a?amp="),
    ("query-encoded-tracking-name", "https://news.example.com/a?%75tm_source=x&id=1", None,
     "https://news.example.com/a?id=1"),
    ("query-plus-space", "https://news.example.com/search?q=grain corridor", None,
     "https://news.example.com/search?q=grain+corridor"),
    ("userinfo-case-kept", "https://Editor:Pw@News.example.com/", None,
     "https://Editor:Pw@news.example.com/"),
    ("ipv6-default-port", "http://[2001:DB8::1]:80/a", None, "http://[2001:db8::1]/a"),
    ("ipv4", "http://192.0.2.10:8080/a", None, "http://192.0.2.10:8080/a"),
    ("bytes-input", b"https://news.example.com/a#x", None, "https://news.example.com/a"),
    # garbage and non-http: returned stripped, unchanged
    ("none", None, None, ""),
    ("empty", "", None, ""),
    ("blank", "   ", None, ""),
    ("not-a-url", "  not a url  ", None, "not a url"),
    ("scheme-only", "http://", None, "http://"),
    ("bad-port", "http://news.example.com:abc/a", None, "http://news.example.com:abc/a"),
    ("port-out-of-range", "http://news.example.com:99999/", None, "http://news.example.com:99999/"),
    ("broken-ipv6", "http://[::1/a", None, "http://[::1/a"),
    ("space-in-host", "https://news example.com/", None, "https://news example.com/"),
    ("mailto", "mailto:desk@news.example.com", None, "mailto:desk@news.example.com"),
    ("javascript", "javascript:void(0)", None, "javascript:void(0)"),
    ("ftp", "ftp://files.example.com/a#x", None, "ftp://files.example.com/a#x"),
    ("relative-without-base", "/world/story?utm_source=x", None, "/world/story?utm_source=x"),
    ("relative-with-garbage-base", "/world/story", "not a base", "/world/story"),
    ("number", 12345, None, "12345"),
]


@pytest.mark.parametrize("url,base,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_canonical_url(url, base, expected):
    assert canonical_url(url, base) == expected


def test_query_order_is_stable():
    variants = [
        "https://news.example.com/a?b=2&a=1&c=3",
        "https://news.example.com/a?c=3&b=2&a=1&utm_medium=social",
        "https://NEWS.example.com:443/a?a=1&fbclid=XYZ&c=3&b=2#top",
    ]
    results = {canonical_url(v) for v in variants}
    assert results == {"https://news.example.com/a?a=1&b=2&c=3"}


def test_idempotent():
    for _, url, base, _expected in CASES:
        once = canonical_url(url, base)
        assert canonical_url(once) == once


def test_share_links_of_one_story_agree():
    links = [
        "https://news.example.com/world/convoy-leaves-port",
        "https://news.example.com/world/convoy-leaves-port?utm_source=twitter&utm_medium=social",
        "https://news.example.com/world/convoy-leaves-port?fbclid=IwAR0abc#comments",
        "http://news.example.com/world/convoy-leaves-port",  # scheme differs: stays distinct
    ]
    out = [canonical_url(u) for u in links]
    assert out[0] == out[1] == out[2]
    assert out[3] != out[0]


@pytest.mark.parametrize("name", sorted(TRACKING_PARAMS))
def test_every_listed_param_is_tracking(name):
    assert is_tracking_param(name)
    assert is_tracking_param(name.upper())


@pytest.mark.parametrize(
    "url,expected",
    [
        ("https://news.example.com/a", True),
        ("http://news.example.com", True),
        ("HTTPS://NEWS.EXAMPLE.COM/", True),
        ("  https://news.example.com/a  ", True),
        ("http://[::1]:8080/", True),
        ("https://b\u00fccher.example/", True),
        ("ftp://files.example.com/", False),
        ("mailto:desk@news.example.com", False),
        ("/relative/path", False),
        ("//cdn.example.net/a", False),
        ("news.example.com/a", False),
        ("http://", False),
        ("http://news.example.com:abc/", False),
        ("https://news example.com/", False),
        ("", False),
        (None, False),
        (12345, False),
    ],
)
def test_is_http_url(url, expected):
    assert is_http_url(url) is expected
