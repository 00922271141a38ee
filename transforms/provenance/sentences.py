"""Sentences of a story: splitting, normalising, hashing and the token sets alignment compares.

Plain Python, no Beam (called by the batch and the streaming provenance alike).

Splitting. A paragraph break always ends a sentence. Inside a paragraph a sentence ends at
`.`, `!`, `?` or `…` (with any closing quotes or brackets after it) followed by white space and
a capital, a digit or an opening quote; not after an abbreviation ("Mr.", "Gen.", "Jan.",
"U.S.", "e.g."), an initial ("J. Smith") or inside a number ("3.5", "No. 4"). A leading
dateline ("LONDON, Oct 7 (Reuters) -") belongs to no sentence: it is cut off the paragraph it
opens, since outlets add and remove it (see `strip_dateline`).

Normalising. NFKC, lower case, curly quotes and dashes folded, everything but letters and
digits dropped, white space collapsed. Two sentences are the same when their normalised texts
are; the hash is the first 8 bytes of BLAKE2b of that text, as a signed int64 (a Parquet int64).
The tokens are the CRC-32 of the normalised words, for the near-match (alignment.py).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from typing import NamedTuple

__all__ = [
    "ABBREVIATIONS",
    "Sentence",
    "normalise",
    "sentence_hash",
    "sentence_tokens",
    "split_paragraphs",
    "split_sentences",
    "strip_dateline",
]

ABBREVIATIONS = frozenset(["mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "lt", "col", "maj", "capt", "cpt", "sgt", "adm", "cmdr", "rev", "fr", "st", "sr", "jr", "hon", "pres", "supt", "insp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "no", "nos", "vol", "vols", "fig", "figs", "p", "pp", "ch", "art", "sec", "para", "approx", "est", "inc", "ltd", "co", "corp", "bros", "dept", "univ", "assn", "ave", "blvd", "rd", "mt", "ft", "vs", "etc", "al", "cf", "ie", "eg", "viz", "ca"])

_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«(["
_BOUNDARY = re.compile(r"([.!?…]+)([" + re.escape(_CLOSERS) + r"]*)(\s+)(?=[" + re.escape(_OPENERS)
                       + r"]?[^\W_a-z])", re.UNICODE)
# A dateline opening a paragraph: capitals (a place), an optional date, an optional "(Agency)"
# or "/Agency/", then a dash: "LONDON (Reuters) -", "BEIJING, Dec. 2 (Xinhua) --", "PARIS, 7 oct (AFP) —".
_DATELINE = re.compile(r"^\s*[A-Z][A-Z .'’/-]{1,40}(?:,[^()\n\-–—]{1,30})?\s*(?:\([^)\n]{1,40}\)|/[^/\n]{1,30}/)?"
                       r"\s*(?:-{1,2}|–|—)\s+")
_PARAGRAPHS = re.compile(r"\n\s*\n|\r\n\s*\r\n")
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
_NON_WORD = re.compile(r"[^\w]+|_", re.UNICODE)


class Sentence(NamedTuple):
    """One sentence: its text as written, its hash, its token set and its paragraph."""
    text: str
    hash: int
    tokens: frozenset[int]
    paragraph: int


def split_paragraphs(text: str) -> list[str]:
    return [p.strip() for p in _PARAGRAPHS.split(text or "") if p.strip()]


def strip_dateline(paragraph: str) -> str:
    """`paragraph` without a leading dateline ("LONDON (Reuters) - The ..." -> "The ...").
    Only when what remains starts like a sentence, so "US - China talks" stays."""
    m = _DATELINE.match(paragraph)
    if not m:
        return paragraph
    rest = paragraph[m.end():]
    return rest if rest[:1].isupper() or rest[:1].isdigit() or rest[:1] in _OPENERS else paragraph


def _is_abbreviation(before: str, stops: str) -> bool:
    """True when the period(s) `stops` after `before` do not end a sentence."""
    if stops != ".":
        return False
    word = before.rstrip(".").strip(_OPENERS)
    low = word.lower()
    if not word:
        return False
    if low in ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha() and word.isupper():      # an initial: "J. Smith"
        return True
    return "." in word and all(len(part) <= 2 for part in word.split("."))   # U.S, e.g, a.m


def _word_before(paragraph: str, start: int, end: int) -> str:
    """The run of characters before `end` (from `start`) up to the last white space or opening
    quote or bracket: the word a stop follows ('' when none)."""
    if end <= start or paragraph[end - 1].isspace():
        return ""
    tail = paragraph[max(start, end - 80):end].rsplit(None, 1)
    word = tail[-1] if tail else ""
    if word and (end - start > 80 and len(word) == min(80, end - start)):
        word = paragraph[start:end].rsplit(None, 1)[-1]      # a word longer than the look-back
    cut = max(word.rfind(c) for c in _OPENERS)
    return word[cut + 1:] if cut >= 0 else word


def split_sentences(paragraph: str) -> list[str]:
    """The sentences of one paragraph (see the module docstring)."""
    out, start = [], 0
    for m in _BOUNDARY.finditer(paragraph):
        before = _word_before(paragraph, start, m.start())
        if before and _is_abbreviation(before, m.group(1)):
            continue
        if before and m.group(1) == "." and before[-1:].isdigit() and paragraph[m.end():m.end() + 1].isdigit():
            continue
        piece = paragraph[start:m.end(2)].strip()
        if piece:
            out.append(piece)
        start = m.end()
    tail = paragraph[start:].strip()
    if tail:
        out.append(tail)
    return out


def normalise(sentence: str) -> str:
    text = unicodedata.normalize("NFKC", sentence).translate(_FOLD).lower()
    return " ".join(_NON_WORD.sub(" ", text).split())


def sentence_hash(normalised: str) -> int:
    return int.from_bytes(hashlib.blake2b(normalised.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


def sentence_tokens(normalised: str) -> frozenset[int]:
    return frozenset(zlib.crc32(w.encode("utf-8")) for w in normalised.split())
