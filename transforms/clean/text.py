"""HTML -> plain text, site-chrome removal and text normalisation for content hashes.

Pure Python (lxml only), no Beam: the Clean transform calls these per story.

Output shape of `html_to_text` / `clean_html`: paragraphs separated by exactly one blank line
("\\n\\n"), whitespace inside a paragraph collapsed to single spaces, no leading/trailing space.

Every public function here accepts None or garbage and never raises; all regular expressions are
linear in their input (no nested unbounded quantifiers on unbounded text), so a 10 MB entry costs
time proportional to its size.
"""
from __future__ import annotations

import html as _html
import re
import threading
import unicodedata
from functools import lru_cache
from typing import List, Optional

from lxml import etree as _etree

from transforms.clean.chars import coerce, normalise_newlines
from transforms.clean.chrome import strip_chrome

__all__ = ["html_to_text", "strip_chrome", "clean_html", "normalize_for_hash"]

# --------------------------------------------------------------------------------------------
# Character-level cleaning
# --------------------------------------------------------------------------------------------

# C1 controls (U+0080..U+009F) never occur in real text; in feeds they are windows-1252 bytes
# decoded as latin-1 (\x92 for ', \x96 for -, \x85 for ...). Map them to what cp1252 meant,
# drop the five undefined ones.
_C1_MAP = {}
for _b in range(0x80, 0xA0):
    try:
        _C1_MAP[chr(_b)] = bytes([_b]).decode("cp1252")
    except UnicodeDecodeError:
        _C1_MAP[chr(_b)] = ""

# Characters removed outright: NUL and C0 controls except \t \n \r (\v and \f become spaces),
# DEL, lone surrogates, non-characters, and invisible zero-width characters (zero-width space,
# word joiner, BOM / zero-width no-break space, soft hyphen, Mongolian vowel separator).
# ZWJ/ZWNJ (U+200C/D) and bidi marks are kept: they are meaningful in Persian, Indic scripts,
# emoji sequences and RTL text.
_REMOVE_CHARS_RE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff\u200b\u2060\ufeff\u00ad\u180e]+"
)
_MAP_CHARS_RE = re.compile("[\x0b\x0c\x80-\x9f]")
_MAP_TABLE = str.maketrans({**_C1_MAP, "\x0b": " ", "\x0c": " "})


def _clean_chars(s: str) -> str:
    s = _REMOVE_CHARS_RE.sub("", s)
    if _MAP_CHARS_RE.search(s):
        s = s.translate(_MAP_TABLE)
    return s


# Python's \s is Unicode-aware: it covers NBSP, the U+2000 spaces, U+202F, U+3000, U+2028/9 ...
# Marks that are invisible on their own: a paragraph made only of these is empty.
_VISIBLE_RE = re.compile("[^\u200c\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\\s]")
# A blank line inside text: newline, optional horizontal space, newline.
_BLANK_LINE_RE = re.compile(r"\n[^\S\n]*\n")


def _finish_paragraph(raw: str) -> str:
    """Clean one paragraph: bad chars removed, whitespace collapsed; "" if nothing visible."""
    # str.split() and the regex \s agree on what whitespace is (str.isspace)
    p = " ".join(_clean_chars(raw).split())
    if not p or not _VISIBLE_RE.search(p):
        return ""
    return p


# --------------------------------------------------------------------------------------------
# HTML -> text
# --------------------------------------------------------------------------------------------

# Paragraph-level elements: their start and end are paragraph breaks.
_BLOCK_TAGS = frozenset(
    """p div li h1 h2 h3 h4 h5 h6 blockquote figure figcaption tr section article pre
    ul ol dl dt dd table thead tbody tfoot caption header main address hr details summary
    center fieldset legend dialog hgroup menu body html""".split()
)
# Elements whose whole content is dropped (their tail text is kept).
_DROP_TAGS = frozenset(
    """script style noscript iframe form button nav footer aside head title template svg math
    object embed applet canvas video audio select textarea input map frameset frame noframes
    datalist meta link base""".split()
)
# Dropped elements that never have content or an end tag.
_VOID_TAGS = frozenset(("input", "meta", "link", "base", "frame", "embed"))
# Table cells: a space between neighbours so "<td>a</td><td>b</td>" is "a b", not "ab".
_CELL_TAGS = frozenset(("td", "th"))

# Known HTML element names: decides whether an input is markup or plain text, so that plain
# text such as "a < b", "<3" or "Contact <press@agency.example>" is never fed to the parser.
_HTML_NAMES = frozenset(
    """a abbr acronym address article aside audio b base bdi bdo big blockquote body br button
    canvas caption center cite code col colgroup data dd del details dfn dialog div dl dt em
    embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head
    header hgroup hr html i iframe img input ins kbd label legend li link main map mark math
    menu meta meter nav noscript object ol optgroup option output p param picture pre q rp rt
    ruby s samp script section select small source span strike strong style sub summary sup
    svg table tbody td template textarea tfoot th thead time title tr track tt u ul var video
    wbr""".split()
)
# Markup that carries paragraph structure. Without any, blank lines in the text are paragraph
# breaks (feeds often send "para one\n\npara two <a href=..>link</a>").
_STRUCTURE_NAMES = frozenset(
    """p div li h1 h2 h3 h4 h5 h6 blockquote figure figcaption tr section article pre table ul
    ol dl dt dd hr header main address""".split()
)
# Anything tag-like; the name is checked against the sets above in Python (a regex alternation
# of 120 names is slow on inputs made of "<" characters).
_TAGLIKE_RE = re.compile(r"<(?:/?([A-Za-z][A-Za-z0-9]{0,10})(?=[\s/>])|!--|![Dd][Oo][Cc][Tt])")


def _scan_markup(s: str) -> "tuple[bool, bool]":
    """(is it HTML at all, does it have paragraph-level elements). One linear pass at most."""
    markup = False
    for m in _TAGLIKE_RE.finditer(s):
        name = m.group(1)
        if name is None:
            markup = True
            continue
        name = name.lower()
        if name in _HTML_NAMES:
            markup = True
            if name in _STRUCTURE_NAMES:
                return True, True
    return markup, False


# libxml2 drops everything after "</html>"; CDATA markers in an HTML fragment hide their content.
_END_DOC_RE = re.compile(r"</\s*(?:html|body)\s*>", re.IGNORECASE)

_parsers = threading.local()  # lxml parsers must not be shared between threads


def _parser() -> _etree.HTMLParser:
    """lxml's (libxml2's) HTML parser, one per thread. lxml.etree's rather than lxml.html's
    subclass: the same parser without the per-element class lookup, which costs ~20%."""
    p = getattr(_parsers, "parser", None)
    if p is None:
        p = _etree.HTMLParser(
            encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True,
            no_network=True, recover=True, default_doctype=False,
        )
        _parsers.parser = p
    return p


class _Builder:
    """Collects text pieces into paragraphs; handles <br> runs."""

    __slots__ = ("paras", "parts", "pending_br", "blank_lines_split")

    def __init__(self, blank_lines_split: bool) -> None:
        self.paras: List[str] = []
        self.parts: List[str] = []
        self.pending_br = 0
        self.blank_lines_split = blank_lines_split

    def text(self, s: Optional[str]) -> None:
        if not s:
            return
        if self.blank_lines_split and "\n" in s:
            pieces = _BLANK_LINE_RE.split(s)
            for i, piece in enumerate(pieces):
                if i:
                    self.para()
                self._piece(piece)
        else:
            self._piece(s)

    def _piece(self, s: str) -> None:
        if not s:
            return
        if self.pending_br:
            if s.isspace():
                return  # whitespace between two <br>s does not separate them
            if self.pending_br >= 2:
                self.para()
            else:
                self.parts.append(" ")
            self.pending_br = 0
        self.parts.append(s)

    def space(self) -> None:
        self.parts.append(" ")

    def br(self) -> None:
        self.pending_br += 1

    def para(self) -> None:
        self.pending_br = 0
        if self.parts:
            p = _finish_paragraph("".join(self.parts))
            self.parts = []
            if p:
                self.paras.append(p)

    def result(self) -> str:
        self.para()
        return "\n\n".join(self.paras)


def _walk(root: "_etree._Element", b: _Builder) -> None:
    """Depth-first walk with lxml's iterwalk (C-level, no recursion: deep nesting is fine).

    Comments and processing instructions are removed by the parser, so every node is an
    element; a dropped element's subtree is skipped but its tail text is kept.
    """
    walker = _etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if not isinstance(tag, str):  # pragma: no cover - comments/PIs are removed at parse
            continue
        if event == "start":
            if tag in _DROP_TAGS:
                walker.skip_subtree()
            elif tag == "br":
                b.br()
            elif tag in _BLOCK_TAGS:
                b.para()
                b.text(el.text)
            else:
                if tag in _CELL_TAGS:
                    b.space()
                b.text(el.text)
        else:
            if tag in _BLOCK_TAGS:
                b.para()
            elif tag in _CELL_TAGS:
                b.space()
            b.text(el.tail)


# Fallback for what libxml2 refuses (nesting deeper than 2048, internal errors): a linear
# tag-stripping scan. Less faithful than the tree walk, but it never loses the text.
_FALLBACK_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)[^<>]*>|<![^<>]*>")


def _fallback_text(s: str, blank_lines_split: bool) -> str:
    b = _Builder(blank_lines_split)
    pos = 0
    drop_depth = 0
    for m in _FALLBACK_TAG_RE.finditer(s):
        if not drop_depth:
            b.text(_html.unescape(s[pos:m.start()]))
        pos = m.end()
        name = (m.group(2) or "").lower()
        closing = m.group(1) == "/"
        if not name:
            continue  # comment
        if name in _DROP_TAGS and name not in _VOID_TAGS and not m.group(0).endswith("/>"):
            drop_depth = max(0, drop_depth - 1) if closing else drop_depth + 1
            continue
        if drop_depth:
            continue
        if name == "br":
            b.br()
        elif name in _BLOCK_TAGS:
            b.para()
        elif name in _CELL_TAGS:
            b.space()
    if not drop_depth:
        b.text(_html.unescape(s[pos:]))
    return b.result()


def _plain_text(s: str) -> str:
    b = _Builder(blank_lines_split=True)
    b.text(_html.unescape(s) if "&" in s else s)
    return b.result()


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment (or of plain text), using lxml's HTML parser (libxml2).

    Paragraph-level elements (p, div, li, h1-h6, blockquote, figure, figcaption, tr, section,
    article, pre, lists, tables, ...) and runs of two or more <br> become paragraphs separated
    by exactly one blank line; a single <br> is a space. The contents of script, style,
    noscript, iframe, form, button, nav, footer, aside (and head, title, template, svg, media
    and form controls) are dropped. Entities are decoded, whitespace (NBSP and other Unicode
    spaces included) collapsed, zero-width characters, NUL bytes and control characters
    removed, windows-1252 C1 mojibake (\\x92, \\x96 ...) mapped to the intended punctuation.

    Input without any known HTML tag is plain text: entities are decoded, "<" is kept, and a
    blank line is a paragraph break. The same holds for markup that has no paragraph-level
    element at all (only inline tags and <br>).

    Never raises; None and "" give "". Time is linear in the input size.
    """
    try:
        s = coerce(html)
        if not s:
            return ""
        s = normalise_newlines(_clean_chars(s))
        if not s.strip():
            return ""
        is_markup, has_structure = _scan_markup(s) if "<" in s else (False, False)
        if not is_markup:
            return _plain_text(s)
        s = s.replace("<![CDATA[", "").replace("]]>", "")
        s = _END_DOC_RE.sub(" ", s)
        blank_lines_split = not has_structure
        try:
            parser = _parser()
            root = _etree.fromstring(s.encode("utf-8", "replace"), parser)
            fatal = any(e.level_name == "FATAL" for e in parser.error_log)
        except Exception:
            root, fatal = None, True
        if fatal:
            return _fallback_text(s, blank_lines_split)
        if root is None:
            return ""
        b = _Builder(blank_lines_split)
        _walk(root, b)
        return b.result()
    except Exception:  # pragma: no cover - last resort: the contract is "never raises"
        try:
            return _finish_paragraph(coerce(html))
        except Exception:
            return ""


# Chrome removal lives in transforms/clean/chrome.py, which uses the character helpers above.


def clean_html(html: str) -> str:
    """strip_chrome(html_to_text(html))."""
    return strip_chrome(html_to_text(html))


# --------------------------------------------------------------------------------------------
# Normalisation for exact-duplicate hashes
# --------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _hash_table() -> dict:
    """str.translate table: punctuation, modifier symbols and controls -> space; format
    characters (zero-width, bidi marks, soft hyphen) and variation selectors -> removed.
    Built once per process (~0.3 s)."""
    import sys

    table = {}
    for cp in range(sys.maxunicode + 1):
        cat = unicodedata.category(chr(cp))
        if cat[0] == "P" or cat in ("Sk", "Cc", "Zl", "Zp"):
            table[cp] = " "
        elif cat in ("Cf", "Cs"):
            table[cp] = None
    # variation selectors and the combining grapheme joiner only change presentation
    for cp in [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0), 0x034F]:
        table[cp] = None
    return table


def normalize_for_hash(text: str) -> str:
    """Text folded for exact-duplicate content hashes.

    NFKC, case-folded (a stronger lower-case: "Straße" == "STRASSE"), every punctuation mark
    (quotes, apostrophes, dashes, brackets, ...) and accent-like modifier symbol replaced by a
    space, invisible format characters removed, whitespace collapsed to single spaces. So the
    same text with different spacing, curly vs straight quotes or hyphen vs en dash gives the
    same string. Letters, digits, currency/math symbols and emoji are kept. Never raises.
    """
    try:
        s = coerce(text)
        if not s:
            return ""
        s = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", s).casefold())
        s = s.translate(_hash_table())
        return " ".join(s.split())
    except Exception:  # pragma: no cover
        return ""
