"""Character references XML forbids: one bad entry must not cost the feed.

XML allows references only to #x9, #xA, #xD, #x20-#xD7FF, #xE000-#xFFFD and #x10000-#x10FFFF.
Publishers still write `&#xD800;` (half of a UTF-16 surrogate pair, often a mis-encoded emoji),
`&#x0;`, `&#xFFFE;` or `&#1114112;`. expat refuses them, and feedparser's fallback parser then
either raises (surrogates, numbers beyond U+10FFFF: the whole feed was lost) or keeps NUL and
noncharacters in the text.

`mark_bad_references(body)` rewrites each such reference into a reference to a *marker*: a
Unicode noncharacter (U+FDD0 ... U+FDEF, reserved for a program's internal use) that the document
does not contain. The document then parses with every entry, and `BadReferences.replace_in(story)`
turns the markers of a story into U+FFFD (the replacement character, as an HTML parser would
show the reference) and says whether there were any: that story carries the flag
`INVALID_CHARACTER_REFERENCE`, tallied under ``quality`` in the run summary. One broken character
(typically half of a mis-encoded emoji) costs neither the feed nor the story, and never reaches
the output as NUL, a surrogate or a noncharacter. References inside CDATA sections and comments
are text, not references, and are left alone.

The bytes are rewritten in the document's own encoding: ASCII-compatible documents are read as
latin-1 (which maps bytes 1:1, so the rewrite is lossless, and every ASCII-compatible encoding
spells a reference in the same bytes); UTF-16/32 documents (BOM or appendix-F pattern) are
decoded, rewritten and encoded again.
"""
from __future__ import annotations

import re
from typing import Dict, Optional, Tuple

from transforms.parse.charset import xml_codec

_REFERENCE = re.compile(r"&#(?:[xX]([0-9A-Fa-f]+)|([0-9]+));")
# References that may name a forbidden character (a superset: why_forbidden decides), so that the
# usual &#8217; or &#xE9; cost one C-level scan: (reference, hex digits, decimal digits).
_CANDIDATE = re.compile(r"(&#(?:[xX](0*(?:[0-9A-Fa-f]{1,2}|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF]|"
                        r"[0-9A-Fa-f]{6,}))|(0*(?:[0-9]{1,2}|5[5-7][0-9]{3}|6553[45]|[0-9]{7,})));)")
# CDATA sections and comments are matched (and kept) so that what they hold is not rewritten;
# an unclosed one runs to the end (one pass, never a rescan per "<!--" of a hostile document).
_REFERENCE_OR_TEXT = re.compile(r"<!\[CDATA\[.*?(?:\]\]>|\Z)|<!--.*?(?:-->|\Z)|" + _REFERENCE.pattern, re.S)
_MARKERS = range(0xFDD0, 0xFDF0)
REPLACEMENT = "\ufffd"
INVALID_CHARACTER_REFERENCE = "invalid_character_reference"     # the Story flag


def why_forbidden(hex_digits: Optional[str], dec_digits: Optional[str]) -> Optional[str]:
    """Why XML forbids the character a reference names ("a UTF-16 surrogate"), else None."""
    digits = (hex_digits or dec_digits or "").lstrip("0") or "0"
    if len(digits) > 8:
        return "beyond Unicode"
    code = int(digits, 16 if hex_digits else 10)
    if code == 0:
        return "NUL"
    if code < 0x20 and code not in (0x9, 0xA, 0xD):
        return "a control character"
    if 0xD800 <= code <= 0xDFFF:
        return "a UTF-16 surrogate"
    if code in (0xFFFE, 0xFFFF):
        return "a noncharacter"
    if code > 0x10FFFF:
        return "beyond Unicode"
    return None


class BadReferences:
    """The forbidden references of one document and the marker that replaced them."""

    def __init__(self, refs: Dict[str, str], marker: str):
        self.refs = refs            # reference as written -> why XML forbids it
        self._marker = marker

    def clean(self, text):
        """`text` with the marker as U+FFFD (anything but a str unchanged)."""
        return text.replace(self._marker, REPLACEMENT) if isinstance(text, str) else text

    def replace_in(self, record) -> bool:
        """The marker -> U+FFFD in every text field (str, or list of str) of `record`; True if any."""
        changed = False
        for name, value in vars(record).items():
            fixed = [self.clean(v) for v in value] if isinstance(value, list) else self.clean(value)
            if fixed != value:
                setattr(record, name, fixed)
                changed = True
        return changed

    def describe(self) -> str:
        """The references, for a person: "&#xD800; (a UTF-16 surrogate), &#x0; (NUL)"."""
        return ", ".join(f"{ref} ({why})" for ref, why in self.refs.items())


def mark_bad_references(body: bytes) -> Tuple[bytes, Optional[BadReferences]]:
    """(body with each forbidden reference pointing at the marker, the references) or
    (body, None) when the document has none (or cannot be read to look)."""
    codec, bom = xml_codec(body)
    if codec == "latin-1" and b"&#" not in body:
        return body, None
    try:
        text = body[bom:].decode(codec)
    except UnicodeDecodeError:
        return body, None
    refs = {ref: why_forbidden(hex_digits, dec_digits)
            for ref, hex_digits, dec_digits in set(_CANDIDATE.findall(text))}
    refs = dict(sorted(((ref, why) for ref, why in refs.items() if why),
                       key=lambda item: text.index(item[0])))     # in document order
    if not refs:
        return body, None

    def present(code: int) -> bool:   # as a character (UTF-8 bytes read as latin-1) or a reference
        literal = chr(code).encode("utf-8").decode("latin-1") if codec == "latin-1" else chr(code)
        return literal in text or re.search(f"&#(?:[xX]0*{code:x}|0*{code});", text, re.I) is not None

    marker = next((chr(c) for c in _MARKERS if not present(c)), REPLACEMENT)
    found = {}

    def mark(m):
        ref = m.group(0)
        if ref not in refs:             # CDATA, a comment, or an allowed reference
            return ref
        found[ref] = refs[ref]
        return f"&#x{ord(marker):X};"

    text = _REFERENCE_OR_TEXT.sub(mark, text)
    if not found:                       # every one was inside CDATA or a comment
        return body, None
    return body[:bom] + text.encode(codec), BadReferences(found, marker)
