"""Neutralising hostile XML before feedparser sees it.

feedparser (expat without external entities, then its loose SGML parser) leaves two holes: its
loose parser expands the "safe" literal entities it keeps without limit (one 100 kB entity
referenced 20,000 times took 57 s and made a 2 GB title: quadratic blowup), and it finds the
DOCTYPE with line-anchored regexes, so a one-line DOCTYPE reaches expat untouched.
`neutralise_doctype` reads the prolog properly, in the document's encoding, and rewrites the
DOCTYPE so that only short literal general entities survive, while all references to them add
at most `ENTITY_BUDGET` characters; every other declaration (parameter, external, nested, DTD
references) is dropped and "&x;" stays literal text. Billion laughs, quadratic blowup, XXE and
external DTDs neither expand nor leak; ``&amp;``, ``&#8217;`` and HTML entities are untouched.
"""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

from transforms.parse.charset import xml_codec

ENTITY_BUDGET = 1 << 20      # characters all references to declared entities may add, in total
_MAX_ENTITY_VALUE = 256      # characters of one declared entity's replacement text
_MAX_ENTITIES = 64           # more declarations than this: keep none (each costs a scan of the body)
_NAME = re.compile(r"[A-Za-z_:][\w.:-]*")
_WS = re.compile(r"\s*")
_ENTITY_DECL = re.compile(r"<!ENTITY\s+(%\s+)?([A-Za-z_:][\w.:-]*)\s+(?:\"([^\"]*)\"|'([^']*)'|(.*))\s*>\Z",
                          re.S)
_CHAR_REF = re.compile(r"&#(?:[0-9]+|x[0-9A-Fa-f]+);\Z")
_NETSCAPE = ' PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" ""'


def _decl_end(text: str, pos: int) -> int:
    """Index just past the '>' closing a markup declaration, quotes respected; -1 if none."""
    n = len(text)
    while pos < n:
        c = text[pos]
        if c in "\"'":
            close = text.find(c, pos + 1)
            if close < 0:
                return -1
            pos = close + 1
        elif c == ">":
            return pos + 1
        else:
            pos += 1
    return -1


def _scan_doctype(text: str, start: int):
    """(end, name, external id text, [entity declarations]) of the DOCTYPE at ``start``."""
    n = len(text)
    pos = _WS.match(text, start + 9).end()
    m = _NAME.match(text, pos)
    name = m.group(0) if m else "rss"
    pos = m.end() if m else pos
    external, entities = [], []
    while pos < n and text[pos] not in "[>":          # the external id: PUBLIC "…" "…" / SYSTEM "…"
        if text[pos] in "\"'":
            close = text.find(text[pos], pos + 1)
            if close < 0:
                break
            external.append(text[pos:close + 1])
            pos = close + 1
        else:
            external.append(text[pos])
            pos += 1
    if pos < n and text[pos] == "[":                   # the internal subset
        pos += 1
        while pos < n and text[pos] != "]":
            if text.startswith("<!--", pos):
                close = text.find("-->", pos + 4)
                pos = close + 3 if close >= 0 else n
            elif text.startswith("<?", pos):
                close = text.find("?>", pos + 2)
                pos = close + 2 if close >= 0 else n
            elif text.startswith("<!", pos):
                close = _decl_end(text, pos + 2)
                if close < 0:
                    pos = n
                    break
                if text.startswith("<!ENTITY", pos):
                    entities.append(text[pos:close])
                pos = close
            else:                                      # whitespace, %pe; references, junk
                pos += 1
        pos += 1
    close = text.find(">", pos) if pos < n else -1
    if close < 0:                                      # unterminated: cut at "]>", else the first ">"
        close = text.find("]>", start)
        close = close + 1 if close >= 0 else text.find(">", start)
        if close < 0:
            close = n - 1
    return close + 1, name, "".join(external), entities


def _safe_entities(declarations: List[str], text: str, end: int) -> Tuple[List[Tuple[str, str]], int]:
    """The declarations worth keeping, as (name, value), and how many were dropped. ``text[end:]``
    is the document after the DOCTYPE, where the references are counted."""
    safe, expansion = [], 0
    for decl in declarations:
        m = _ENTITY_DECL.match(decl)
        if not m or m.group(1) or m.group(5) is not None:
            continue                                   # malformed, parameter or external entity
        value = m.group(3) if m.group(3) is not None else m.group(4)
        if len(value) > _MAX_ENTITY_VALUE or '"' in value or "<" in value or "%" in value:
            continue
        if "&" in value and not _CHAR_REF.match(value):
            continue                                   # nested references: billion laughs
        safe.append((m.group(2), value))
        if len(safe) <= _MAX_ENTITIES and expansion <= ENTITY_BUDGET:
            expansion += text.count("&" + m.group(2) + ";", end) * len(value)
    if expansion > ENTITY_BUDGET or len(safe) > _MAX_ENTITIES:
        safe = []                                      # quadratic blowup: expand none of them
    return safe, len(declarations) - len(safe)


def _rewrite_prolog(text: str) -> Tuple[str, bool, Optional[str]]:
    """(text, changed, what was removed): every DOCTYPE before the root element rewritten to
    its safe form, stray markup declarations there removed."""
    pos, n, kept, notes, changed = 0, len(text), [], [], False
    while pos < n:
        ws = _WS.match(text, pos)
        if ws.end() > pos:
            kept.append(ws.group(0))
            pos = ws.end()
        elif text.startswith("\ufeff", pos) or text.startswith("\xef\xbb\xbf", pos):   # a BOM
            size = 1 if text[pos] == "\ufeff" else 3
            kept.append(text[pos:pos + size])
            pos += size
        elif text.startswith("<?", pos) or text.startswith("<!--", pos):
            marker = "?>" if text[pos + 1] == "?" else "-->"
            close = text.find(marker, pos + 2)
            if close < 0:
                break
            kept.append(text[pos:close + len(marker)])
            pos = close + len(marker)
        elif text[pos:pos + 9].upper() == "<!DOCTYPE":
            end, name, external, declarations = _scan_doctype(text, pos)
            safe, dropped = _safe_entities(declarations, text, end)
            netscape = "netscape" in external.lower()
            if external.strip() and not netscape:
                notes.append("an external DTD reference")
            if dropped:
                notes.append(f"{dropped} entity declaration{'s' if dropped > 1 else ''}")
            subset = "".join(f'\n<!ENTITY {k} "{v}">' for k, v in safe)
            kept.append(f"\n<!DOCTYPE {name}{_NETSCAPE if netscape else ''}"
                        + (f" [{subset}\n]" if subset else "") + ">\n")
            pos, changed = end, True
        elif text.startswith("<!", pos):               # a stray declaration before the root
            close = _decl_end(text, pos + 2)
            notes.append("a markup declaration outside the DOCTYPE")
            pos, changed = (close if close > 0 else n), True
        else:
            break
    if not changed:
        return text, False, None
    return "".join(kept) + text[pos:], True, ("removed " + " and ".join(notes)) if notes else None


_HOSTILE_HINT = re.compile(rb"<!(?:doctype|entity|element|attlist|notation)", re.I)


def neutralise_doctype(body: bytes) -> Tuple[bytes, Optional[str]]:
    """``body`` with a DOCTYPE that can neither expand entities without bound nor reach outside
    the document (the same bytes object when there is no DOCTYPE), and what was removed from
    it, or None. Works in the document's encoding: latin-1 for every ASCII-compatible one (bytes
    map 1:1, so everything outside the DOCTYPE is unchanged), UTF-16/32 when a BOM or the
    first bytes say so."""
    codec, bom = xml_codec(body)
    if codec == "latin-1" and not _HOSTILE_HINT.search(body):
        return body, None
    text = body[bom:].decode(codec, "replace")
    rewritten, changed, note = _rewrite_prolog(text)
    if not changed:
        return body, None
    return body[:bom] + rewritten.encode(codec, "replace"), note
