"""transforms/clean/text.py: HTML -> text, site chrome, hash normalisation.

The story texts below are invented for these tests, written in the shape of agency copy as
outlets republish it (site chrome, a captioned photo printed twice with an agency credit, a
closing "with inputs from Agencies" credit).
"""
import time

import pytest

from transforms.clean.text import clean_html, html_to_text, normalize_for_hash, strip_chrome

# ------------------------------------------------------------------------------------------
# html_to_text
# ------------------------------------------------------------------------------------------

HTML_CASES = [
    # (id, input, expected)
    ("paragraphs", "<p>First paragraph.</p><p>Second paragraph.</p>",
     "First paragraph.\n\nSecond paragraph."),
    ("block-mix",
     "<h2>Heading</h2><div>A div.</div><blockquote>A quote.</blockquote>"
     "<section><article><p>Deep.</p></article></section>",
     "Heading\n\nA div.\n\nA quote.\n\nDeep."),
    ("list-items", "<ul><li>one</li><li>two</li></ul><ol><li>three</li></ol>",
     "one\n\ntwo\n\nthree"),
    ("figure-figcaption",
     "<figure><img src='a.jpg'><figcaption>Crowds gather at the quay [Xinhua]</figcaption>"
     "</figure><p>Body.</p>",
     "Crowds gather at the quay [Xinhua]\n\nBody."),
    ("single-br-is-space", "<p>Line one<br>line two</p>", "Line one line two"),
    ("br-br-is-paragraph", "Line one<br><br>Line two<br/><br />Line three",
     "Line one\n\nLine two\n\nLine three"),
    ("br-br-with-whitespace-between", "<p>a<br>\n   <br>b</p>", "a\n\nb"),
    ("table-rows-and-cells", "<table><tr><td>a</td><td>b</td></tr><tr><th>c</th></tr></table>",
     "a b\n\nc"),
    ("pre", "<pre>code   line\n  two</pre><p>after</p>", "code line two\n\nafter"),
    ("inline-tags-no-space", "<p>Tele<b>vision</b> <i>and</i> <a href='/x'>radio</a>.</p>",
     "Television and radio."),
    ("script-style-dropped",
     "<script>var s = '<p>not text</p>';</script><style>p {color: red}</style><p>Kept.</p>",
     "Kept."),
    ("chrome-elements-dropped-tails-kept",
     "<nav>Home | World</nav><p>Story.</p><aside>Most read</aside><form><input>"
     "<button>Go</button></form><iframe>x</iframe><noscript>Enable JS</noscript>"
     "<footer>About us</footer>tail text",
     "Story.\n\ntail text"),
    ("entities", "<p>R&amp;D &lt;up&gt; &quot;q&quot; &#39;s&#39; caf&eacute; &#x263A; &euro;5</p>",
     "R&D <up> \"q\" 's' café ☺ €5"),
    ("nbsp-collapsed", "<p>a&nbsp;&nbsp;&nbsp;b\u00a0\u00a0c\u2009d\u3000e</p>", "a b c d e"),
    ("zero-width-removed", "<p>\u200bzero&#8203;width\ufeff soft\u00adhyphen</p>",
     "zerowidth softhyphen"),
    ("nul-bytes-removed-html", "<p>ab\x00cd</p>\x00", "abcd"),
    ("nul-bytes-removed-plain", "plain\x00 text\x00", "plain text"),
    ("control-chars-removed", "<p>a\x01b\x07c\x1bd\x7fe</p>", "abcde"),
    ("vertical-tab-formfeed-are-space", "a\x0bb\x0cc", "a b c"),
    ("cp1252-mojibake-punctuation", "<p>\x93Quoted\x94 \x96 it\x92s done\x85</p>",
     "\u201cQuoted\u201d \u2013 it\u2019s done\u2026"),
    ("malformed-unclosed", "<div><p>open <b>bold <i>italic<p>next</div></span>",
     "open bold italic\n\nnext"),
    ("malformed-stray-close", "</p></div>only text<p>", "only text"),
    ("content-after-html-end", "<html><body><p>a</p></body></html><p>after</p>", "a\n\nafter"),
    ("cdata-markers", "<![CDATA[<p>inside cdata</p>]]>", "inside cdata"),
    ("comments-dropped", "<p>x</p><!-- hidden -->z<p>y</p>", "x\n\nz\n\ny"),
    ("full-document-head-dropped",
     "<!DOCTYPE html><html><head><title>Page title</title><meta charset='utf-8'></head>"
     "<body><p>Body.</p></body></html>",
     "Body."),
    ("xml-declaration", "<?xml version='1.0' encoding='utf-8'?><p>hi</p>", "hi"),
    ("plain-lt", "a < b", "a < b"),
    ("plain-lt-gt", "3 < 4 and 5 > 2", "3 < 4 and 5 > 2"),
    ("plain-heart", "we <3 wire copy", "we <3 wire copy"),
    ("plain-angle-email", "Contact <desk@agency.example> for details",
     "Contact <desk@agency.example> for details"),
    ("plain-entities", "R&amp;D spending &gt; forecast", "R&D spending > forecast"),
    ("plain-ampersand", "AT&T and Procter & Gamble", "AT&T and Procter & Gamble"),
    ("plain-paragraphs",
     "First para\nwraps here.\n\n\n  Second para.\r\n\r\nThird.",
     "First para wraps here.\n\nSecond para.\n\nThird."),
    ("inline-markup-blank-lines",
     "Port reopens.\n\nOfficials said <b>Tuesday</b> it <a href='/x'>would</a> reopen.",
     "Port reopens.\n\nOfficials said Tuesday it would reopen."),
    ("structured-markup-newlines-are-space", "<p>one\n\ntwo</p><p>three</p>",
     "one two\n\nthree"),
    ("rtl-arabic", "<p>\u0642\u0627\u0644 \u0627\u0644\u0648\u0632\u064a\u0631 \u0627\u0644\u064a\u0648\u0645</p>",
     "\u0642\u0627\u0644 \u0627\u0644\u0648\u0632\u064a\u0631 \u0627\u0644\u064a\u0648\u0645"),
    ("rtl-hebrew-with-marks", "<p>\u05e9\u05dc\u05d5\u05dd \u200f(AP)\u200f</p><p>\u200f</p>",
     "\u05e9\u05dc\u05d5\u05dd \u200f(AP)\u200f"),
    ("emoji-zwj-kept", "<p>Family \U0001F468\u200d\U0001F469\u200d\U0001F467 and \U0001F30D</p>",
     "Family \U0001F468\u200d\U0001F469\u200d\U0001F467 and \U0001F30D"),
    ("persian-zwnj-kept", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
     "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"),
    ("cjk", "<p>\u65b0\u534e\u793e\u5317\u4eac\u7535</p>", "\u65b0\u534e\u793e\u5317\u4eac\u7535"),
    ("empty-string", "", ""),
    ("none", None, ""),
    ("whitespace-only", "  \n\t \u00a0 ", ""),
    ("empty-elements-only", "<p></p><div> </div><br><br>", ""),
    ("bytes-input", "<p>caf\u00e9</p>".encode("utf-8"), "caf\u00e9"),
]


@pytest.mark.parametrize("html,expected", [c[1:] for c in HTML_CASES],
                         ids=[c[0] for c in HTML_CASES])
def test_html_to_text(html, expected):
    assert html_to_text(html) == expected


def test_deep_nesting_beyond_parser_limit_keeps_text():
    html = "<div>" * 5000 + "deep text" + "</div>" * 5000 + "<p>after</p>"
    assert html_to_text(html) == "deep text\n\nafter"


GARBAGE = [
    "<", "<<<>>>", "</p>", "<!--", "<!-- never closed <p>x", "<![CDATA[", "]]>", "&", "&#",
    "&#xFFFFFFFF;", "&#0;", "<p\x00>x</p>", "\ud800lone surrogate", "<a href='", "<p>" * 3000,
    "\x00" * 100, "<script>", "<svg><svg><svg>", "<table><td><td><tr>", "<b><i></b></i>",
    "\U0010ffff", "<p>\ufffe\uffff</p>", b"\xff\xfe<p>bad utf8</p>", 12345,
]


@pytest.mark.parametrize("value", GARBAGE, ids=[f"garbage{i}" for i in range(len(GARBAGE))])
def test_never_raises_and_shape_holds(value):
    out = clean_html(value)
    assert isinstance(out, str)
    assert "\x00" not in out
    assert "\n\n\n" not in out
    assert out == out.strip()


def test_paragraph_separator_is_exactly_one_blank_line():
    html = "<div><p>a</p>\n\n\n<p>b</p></div><br><br><br><br>c<h1>\n</h1><li>d</li>"
    out = html_to_text(html)
    assert out == "a\n\nb\n\nc\n\nd"


def _big_html(target_bytes):
    parts, size, i = [], 0, 0
    while size < target_bytes:
        p = (f"<p>Paragraph {i}: the ministry said on <b>day {i % 7}</b> that convoy "
             f"{i} &amp; escorts <a href='/s/{i}'>left</a> the port.</p>\n")
        parts.append(p)
        size += len(p)
        i += 1
    return "".join(parts), i


def test_five_megabyte_html_in_bounded_time():
    html, n = _big_html(5_000_000)
    start = time.perf_counter()
    out = clean_html(html)
    elapsed = time.perf_counter() - start
    assert elapsed < 10.0, f"5 MB took {elapsed:.1f}s"
    paras = out.split("\n\n")
    assert len(paras) == n
    assert paras[0] == "Paragraph 0: the ministry said on day 0 that convoy 0 & escorts left the port."


@pytest.mark.parametrize(
    "name,text",
    [
        ("plain", "word " * 1_000_000),
        ("lt-only", "<" * 5_000_000),
        ("unclosed-p-open", "<p" * 2_500_000),
        ("ampersands", "&" * 5_000_000),
        ("inline-tags", "<b>x" * 1_250_000),
        ("c1-mojibake", "\x92" * 5_000_000),
    ],
)
def test_five_megabyte_pathological_inputs_in_bounded_time(name, text):
    start = time.perf_counter()
    out = html_to_text(text)
    elapsed = time.perf_counter() - start
    assert isinstance(out, str)
    assert elapsed < 10.0, f"{name}: {elapsed:.1f}s"


# ------------------------------------------------------------------------------------------
# strip_chrome
# ------------------------------------------------------------------------------------------

CHROME_LINES = [
    "Follow us on:",
    "Follow us on:   ",
    "Follow us on Twitter",
    "FOLLOW US ON FACEBOOK AND INSTAGRAM",
    "Share this:",
    "Share",
    "Share on Facebook",
    "Share this article",
    "Facebook Twitter WhatsApp Email",
    "Facebook | Twitter | LinkedIn",
    "Print",
    "Subscribe to our newsletter",
    "Subscribe",
    "Click here to subscribe",
    "Sign up for our morning briefing",
    "Sign up",
    "Download our app",
    "Download the free News Today app for iOS and Android",
    "Read more:",
    "Read more",
    "Read More \u00bb",
    "Read more: Port workers end two-week strike",
    "Also read: Grain prices climb on export fears",
    "Related:",
    "Related articles",
    "Advertisement",
    "ADVERTISEMENT",
    "- Advertisement -",
    "Story continues below advertisement",
    "Continue reading",
    "We use cookies to improve your experience. By continuing to browse you agree to our use of cookies.",
    "Accept all cookies",
    "The post Ministers meet on grain deal appeared first on The Daily Ledger.",
    # German
    "Teilen",
    "Teilen auf Facebook",
    "Folgen Sie uns auf Twitter",
    "Lesen Sie auch: Hafenarbeiter beenden Streik",
    "Anzeige",
    "Wir verwenden Cookies, um Ihnen das beste Nutzererlebnis zu bieten.",
    # French
    "Partager",
    "Partager sur Facebook",
    "Suivez-nous sur Instagram",
    "Lire aussi\u00a0: Les dockers mettent fin \u00e0 la gr\u00e8ve",
    "Publicit\u00e9",
    # Spanish
    "Compartir",
    "Compartir en WhatsApp",
    "S\u00edguenos en:",
    "S\u00edguenos en Twitter",
    "Lee tambi\u00e9n: Los estibadores ponen fin a la huelga",
    "Publicidad",
    # Italian, Portuguese, Dutch, Russian
    "Condividi",
    "Leggi anche: Fine dello sciopero al porto",
    "Compartilhar",
    "Leia tamb\u00e9m: Estivadores encerram greve",
    "Delen",
    "\u041f\u043e\u0434\u0435\u043b\u0438\u0442\u044c\u0441\u044f",
    "\u0427\u0438\u0442\u0430\u0439\u0442\u0435 \u0442\u0430\u043a\u0436\u0435: \u0414\u043e\u043a\u0435\u0440\u044b \u0437\u0430\u0432\u0435\u0440\u0448\u0438\u043b\u0438 \u0437\u0430\u0431\u0430\u0441\u0442\u043e\u0432\u043a\u0443",
    "\u0420\u0435\u043a\u043b\u0430\u043c\u0430",
]

BEFORE = "The ministry said the first convoy would leave at dawn."
AFTER = "Officials expect the corridor to stay open for at least a month."


@pytest.mark.parametrize("line", CHROME_LINES)
def test_chrome_paragraph_removed(line):
    assert strip_chrome(f"{BEFORE}\n\n{line}\n\n{AFTER}") == f"{BEFORE}\n\n{AFTER}"


@pytest.mark.parametrize("line", CHROME_LINES[:12])
def test_chrome_line_inside_paragraph_removed(line):
    assert strip_chrome(f"{line}\n{BEFORE}") == BEFORE


KEPT_LINES = [
    # long paragraphs that merely mention share/follow/subscribe
    "Shares in shipping companies rose sharply after the announcement, and analysts said they "
    "expected the rally to share its gains with the wider market.",
    "Follow us on the road to the border, the driver shouted to reporters as the first trucks "
    "left the yard on Tuesday.",
    "Subscribers to the state broadcaster's service rose by a fifth in the quarter.",
    "Advertisement revenue at regional newspapers fell for the third straight year.",
    # short lines that are content, not chrome
    "Shares fell 3%.",
    "Follow-up talks are planned for next week.",
    "Related party transactions were disclosed in the filing.",
    "More than 200 people attended.",
    "Print media revenue fell.",
    # captions and credits stay
    "(Photo: Reuters)",
    "Trucks queue at the border crossing near the port city [Xinhua]",
    "The Daily Ledger with inputs from Agencies",
    "\u00a9 2016 Reuters",
    "MOSCOW, Oct 7 (Reuters) -",
    # the author's separators
    "* * *",
]


@pytest.mark.parametrize("line", KEPT_LINES)
def test_content_paragraph_kept(line):
    text = f"{BEFORE}\n\n{line}\n\n{AFTER}"
    assert strip_chrome(text) == text


STORY = """Follow us on:   

Ministers welcome plan to reopen grain corridor
March 3, 2019, 9:12 am

Trucks queue at the border crossing near the port city of Odessa [Xinhua]

Trucks queue at the border crossing near the port city of Odessa [Xinhua]


The ministry said on Tuesday that the first convoy would leave at dawn and that monitors would travel with it.

Share this:

Shares in shipping companies rose sharply after the announcement, with analysts saying the rally could share its gains with the wider market.

Advertisement

"We expect the corridor to stay open for at least a month," a spokesman told reporters, according to the state news agency.

The Daily Ledger with inputs from Agencies"""

STORY_CLEAN = """Ministers welcome plan to reopen grain corridor
March 3, 2019, 9:12 am

Trucks queue at the border crossing near the port city of Odessa [Xinhua]

The ministry said on Tuesday that the first convoy would leave at dawn and that monitors would travel with it.

Shares in shipping companies rose sharply after the announcement, with analysts saying the rally could share its gains with the wider market.

"We expect the corridor to stay open for at least a month," a spokesman told reporters, according to the state news agency.

The Daily Ledger with inputs from Agencies"""


def test_agency_story_chrome_and_double_caption():
    assert strip_chrome(STORY) == STORY_CLEAN


CAPTION = "Trucks queue at the border crossing [Xinhua]"

DEDUPE_CASES = [
    ("caption-twice", f"{CAPTION}\n\n{CAPTION}\n\n{AFTER}", f"{CAPTION}\n\n{AFTER}"),
    ("caption-three-times", f"{CAPTION}\n\n{CAPTION}\n\n{CAPTION}", CAPTION),
    ("caption-twice-around-chrome", f"{CAPTION}\n\nShare this:\n\nAdvertisement\n\n{CAPTION}\n\n{AFTER}",
     f"{CAPTION}\n\n{AFTER}"),
    ("caption-twice-spacing-differs", f"{CAPTION}\n\n  {CAPTION.replace(' ', '  ')} ", CAPTION),
    ("caption-twice-as-lines", f"{CAPTION}\n{CAPTION}\n{AFTER}", f"{CAPTION}\n{AFTER}"),
    ("repeat-separated-by-content-kept", f"{CAPTION}\n\n{BEFORE}\n\n{CAPTION}",
     f"{CAPTION}\n\n{BEFORE}\n\n{CAPTION}"),
    ("near-repeat-kept", f"{CAPTION}\n\n{CAPTION} (file photo)", f"{CAPTION}\n\n{CAPTION} (file photo)"),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in DEDUPE_CASES],
                         ids=[c[0] for c in DEDUPE_CASES])
def test_repeated_paragraphs_collapsed(text, expected):
    assert strip_chrome(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        (None, ""),
        ("", ""),
        ("   \n\n  ", ""),
        ("Share this:\n\nAdvertisement", ""),
        (f"{BEFORE}\n\n\n\n{AFTER}", f"{BEFORE}\n\n{AFTER}"),
        (f"{BEFORE}\r\n\r\n{AFTER}", f"{BEFORE}\n\n{AFTER}"),
        (f"  {BEFORE}  \n \n{AFTER}\n", f"{BEFORE}\n\n{AFTER}"),
    ],
)
def test_strip_chrome_edges(text, expected):
    assert strip_chrome(text) == expected


# ------------------------------------------------------------------------------------------
# clean_html
# ------------------------------------------------------------------------------------------

STORY_HTML = """
<div class="social">Follow us on: <a href="https://x.example/">X</a></div>
<h1>Ministers welcome plan to reopen grain corridor</h1>
<div class="date">March 3, 2019, 9:12 am</div>
<figure><img src="/trucks.jpg"><figcaption>Trucks queue at the border crossing [Xinhua]</figcaption></figure>
<p>Trucks queue at the border crossing [Xinhua]</p>
<p>The ministry said on&nbsp;Tuesday that the first convoy would leave at dawn.<br>
Monitors would travel with it.</p>
<div class="share">Share this:</div>
<ul class="share"><li><a>Facebook</a></li><li><a>Twitter</a></li></ul>
<script>window.ads = [];</script>
<p>&ldquo;We expect the corridor to stay open,&rdquo; a spokesman said.</p>
<p><em>Advertisement</em></p>
<p>The Daily Ledger with inputs from Agencies</p>
<footer>&copy; The Daily Ledger. <a>Privacy</a></footer>
"""

STORY_HTML_CLEAN = (
    "Ministers welcome plan to reopen grain corridor\n\n"
    "March 3, 2019, 9:12 am\n\n"
    "Trucks queue at the border crossing [Xinhua]\n\n"
    "The ministry said on Tuesday that the first convoy would leave at dawn. "
    "Monitors would travel with it.\n\n"
    "\u201cWe expect the corridor to stay open,\u201d a spokesman said.\n\n"
    "The Daily Ledger with inputs from Agencies"
)


def test_clean_html_agency_story():
    assert clean_html(STORY_HTML) == STORY_HTML_CLEAN


def test_clean_html_is_strip_chrome_of_html_to_text():
    assert clean_html(STORY_HTML) == strip_chrome(html_to_text(STORY_HTML))


def test_clean_html_long_share_paragraph_kept():
    para = ("Investors were keen to share in the gains, and shares of the three largest "
            "operators closed at record highs on Friday.")
    assert clean_html(f"<p>Share</p><p>{para}</p>") == para


# ------------------------------------------------------------------------------------------
# normalize_for_hash
# ------------------------------------------------------------------------------------------

HASH_EQUAL = [
    ("quotes", "\u201cDon\u2019t go,\u201d he said.", '"Don\'t go," he said.'),
    ("dashes", "well\u2013known \u2014 really", "well-known - really"),
    ("spacing", "  The  convoy\tleft\n\nat dawn. ", "The convoy left at dawn."),
    ("case", "MOSCOW (Reuters) - The Convoy", "moscow (reuters) the convoy"),
    ("nbsp-and-zero-width", "the\u00a0con\u200bvoy", "the convoy"),
    ("nfkc-fullwidth-and-ligature", "\uff21\uff22\uff23 \ufb01nal", "abc final"),
    ("eszett", "STRASSE", "Stra\u00dfe"),
    ("ellipsis", "wait\u2026", "wait..."),
    ("guillemets", "\u00abNon\u00bb, dit-il", '"Non", dit-il'),
]


@pytest.mark.parametrize("a,b", [c[1:] for c in HASH_EQUAL], ids=[c[0] for c in HASH_EQUAL])
def test_normalize_for_hash_equal(a, b):
    assert normalize_for_hash(a) == normalize_for_hash(b)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("\u201cDon\u2019t go,\u201d he said.", "don t go he said"),
        ("Price: $5 \u2013 \u20ac4", "price $5 \u20ac4"),
        ("\u0645\u0631\u062d\u0628\u0627\u060c \u0639\u0627\u0644\u0645!", "\u0645\u0631\u062d\u0628\u0627 \u0639\u0627\u0644\u0645"),
        ("Peace \U0001F54A\uFE0F now", "peace \U0001F54A now"),
        (None, ""),
        ("", ""),
        ("...", ""),
    ],
)
def test_normalize_for_hash_values(text, expected):
    assert normalize_for_hash(text) == expected


@pytest.mark.parametrize(
    "a,b",
    [
        ("The convoy left.", "The convoy stayed."),
        ("$5", "\u20ac5"),
        ("well known", "wellknown"),
    ],
)
def test_normalize_for_hash_keeps_differences(a, b):
    assert normalize_for_hash(a) != normalize_for_hash(b)
