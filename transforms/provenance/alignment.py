"""What a reprint kept, cut and added of its origin: sentence alignment and the reprint row.

Plain Python, no Beam. Both the batch graph (batch.py) and the streaming cluster
step (transforms/dedupe/clusters.py) call `measure` and nothing else decides.

A story becomes a `Copy`: its content sentences (sentences.py; credit lines removed by the
agency attribution's `strip_credits`, boilerplate sentences set apart by `is_boilerplate`),
as (hash, token set) pairs, the size of its lead (the first paragraph's sentences), its title,
publication time, credit and agencies. A copy remembered from an earlier run is rebuilt from its
state row (the `sentences`, `sentence_tokens`, `lead_sentences`, ... columns of
transforms/dedupe/state.py), so a reprint of an earlier run's story is measured the same way.

Alignment (`align`): one-to-one, order-free (an outlet may swap two sentences). First every
origin sentence whose normalised text the reprint carries is matched to it; then the remaining
pairs whose token Jaccard reaches NEAR_MATCH are matched greedily, best first. An origin sentence
matched either way is kept. NEAR_MATCH = 0.5 was chosen on seed 1 of the reprint generator
(`python -m benchmarks.provenance_eval --tune --originals 400`, source mixed): kept-share error
0.0029 at 0.5, 0.0028 at 0.4, 0.0035 at 0.6, 0.0039 at 0.7; lead_only precision 0.992 at 0.4-0.5
against 0.983 at 0.6-0.7. A word edit or a changed figure leaves most of a sentence's words; an
outlet's own sentence on the same story shares fewer.
"""
from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Sequence

import numpy as np
from typing import (
    NamedTuple,
)

from transforms.enrich.agencies.attribution import strip_credits
from transforms.provenance.sentences import (
    Sentence,
    normalise,
    sentence_hash,
    sentence_tokens,
    split_paragraphs,
    split_sentences,
    strip_dateline,
)

__all__ = [
    "NEAR_MATCH",
    "VERBATIM",
    "Alignment",
    "Copy",
    "align",
    "choose_origin",
    "cluster_row",
    "copy_of_row",
    "copy_of_story",
    "pack_token_arrays",
    "pack_tokens",
    "unpack_tokens",
    "credit_change",
    "headline_counts",
    "is_boilerplate",
    "measure",
    "normalise_title",
    "origin_key",
    "state_columns",
]

NEAR_MATCH = 0.5          # token Jaccard from which two sentences are one sentence edited
VERBATIM = 0.8            # a reprint keeping this share of its origin is verbatim (run summary)
MAX_ADDED_CHARS = 500     # first_added_sentence is cut to this length

_BOILERPLATE_START = re.compile(      # matched at a sentence's start only (one anchored try, not a scan)
    r"(?:follow us\b|share (?:this|on|via)\b|share:|subscribe\b|sign up\b|read (?:more|also|next)\b|"
    r"click here\b|related\b:?|advertisement$|tips and corrections\b|about [^:]{2,60}:|"
    r"(?:published|updated|posted|last updated)\b[: ]|copyright\b|©|\(c\) |"
    r"reporting by\b|additional reporting\b|editing by\b|writing by\b|compiled by\b|our standards\b|"
    r"(?:photo|image|video|file photo)\s*:|watch:|listen:)"
    r"|(?:january|february|march|april|may|june|july|august|september|october|november|december)"
    r" \d{1,2}, \d{4}(?:,? \d{1,2}:\d{2}(?: ?[ap]\.?m\.?)?)?$"
    r"|our (?:reporters|correspondents|journalists) follow\b",
    re.IGNORECASE)
_CAPTION_CREDIT = re.compile(r"\[[^\]]{2,40}\]$")       # "… on Friday [Xinhua]"


def is_boilerplate(sentence: str) -> bool:
    """An outlet's or agency's packaging rather than the story: follow/share lines, date lines,
    about paragraphs, copyright and "Reporting by" footers, photo captions credited "[Agency]"."""
    s = sentence.strip()
    return bool(_BOILERPLATE_START.match(s) or "all rights reserved" in s.lower()
                or (s.endswith("]") and _CAPTION_CREDIT.search(s)))


class Copy(NamedTuple):
    """One member of a cluster as provenance sees it."""
    story_id: str
    title: str
    published: _dt.datetime | None
    source_name: str
    feed_url: str
    language: str
    agencies: tuple[str, ...]              # credited (written and inferred) agencies
    credit: str | None
    feed_agency: str | None             # the feed is this agency's own wire
    sentences: tuple[tuple[int, frozenset[int]], ...]    # content sentences: (hash, token set)
    lead: int                              # sentences of the first paragraph
    boilerplate: tuple[int, ...]           # hashes of its boilerplate sentences
    texts: tuple[str, ...] = ()            # the content sentences as written (new stories only)
    remembered: bool = False               # rebuilt from an earlier run's state row
    disposition: str = ""


def _sentences(text: str) -> tuple[list[Sentence], list[int]]:
    content, boiler = [], []
    paragraph_no = 0
    for paragraph in split_paragraphs(text or ""):
        whole = is_boilerplate(paragraph)          # judged before its credits go ("Reporting by ...")
        paragraph = strip_dateline(paragraph if whole else strip_credits(paragraph))
        used = False
        for raw in split_sentences(paragraph):
            norm = normalise(raw)
            if not norm:
                continue
            if whole or is_boilerplate(raw):
                boiler.append(sentence_hash(norm))
                continue
            content.append(Sentence(raw, sentence_hash(norm), sentence_tokens(norm), paragraph_no))
            used = True
        paragraph_no += int(used)
    return content, boiler


def copy_of_story(story) -> Copy:
    """The Copy of a Story (transforms/records.py)."""
    content, boiler = _sentences(story.text or story.summary)
    return Copy(story_id=story.story_id, title=story.title or "", published=story.published,
                source_name=story.source_name or "", feed_url=story.feed_url or "",
                language=story.language or "und",
                agencies=tuple(sorted(set(story.agencies or ()) | set(story.agencies_inferred or ()))),
                credit=story.credit, feed_agency=story.feed_agency,
                sentences=tuple((s.hash, s.tokens) for s in content),
                lead=sum(1 for s in content if s.paragraph == 0), boilerplate=tuple(boiler),
                texts=tuple(s.text for s in content), disposition=story.disposition)


def state_columns(story) -> dict:
    """The provenance columns of a story's state row (transforms/dedupe/state.py)."""
    return copy_columns(copy_of_story(story))


def copy_columns(c: Copy) -> dict:
    """The provenance columns of a state row holding `c` (the inverse of copy_of_row)."""
    return {"title": c.title, "published": c.published, "source_name": c.source_name,
            "agencies": list(c.agencies), "credit": c.credit,
            "sentences": [h for h, _ in c.sentences],
            "sentence_tokens": pack_tokens([sorted(t) for _, t in c.sentences]),
            "lead_sentences": c.lead, "boilerplate": list(c.boilerplate)}


def pack_tokens(sentences: Sequence[Sequence[int]]) -> bytes:
    """A state row's `sentence_tokens` (each sentence's word hashes, uint32) as it travels in a
    run: one uint32 array — the number of sentences, each one's token count, then the tokens —
    as raw bytes. A row crosses two shuffles a run and is read back by every run of its window;
    as lists of Python ints it was 40 % of a row's bytes and most of its decoding time
    (benchmarks/state_rows.py). The Parquet column stays list<list<uint32>> (unpack_tokens)."""
    return pack_token_arrays([len(t) for t in sentences], [x for t in sentences for x in t])


def pack_token_arrays(counts, flat) -> bytes:
    """pack_tokens from each sentence's token count and all tokens in order (arrays or lists)."""
    return np.concatenate(([len(counts)], counts, flat)).astype(np.uint32).tobytes()


def unpack_tokens(packed: bytes) -> list[list[int]]:
    """The lists pack_tokens packed."""
    a = np.frombuffer(packed, dtype=np.uint32)
    n = int(a[0]) if a.size else 0
    ends = np.cumsum(a[1:1 + n], dtype=np.int64).tolist()
    tokens = a[1 + n:].tolist()
    return [tokens[start:end] for start, end in zip([0] + ends[:-1], ends)]


def copy_of_row(row: dict) -> Copy | None:
    """The Copy of a remembered state row; None for a row of a generation written before the
    provenance columns (it cannot be measured against)."""
    if row.get("sentences") is None:
        return None
    tokens = row.get("sentence_tokens")
    tokens = unpack_tokens(tokens) if isinstance(tokens, bytes) else tokens or [()] * len(row["sentences"])
    return Copy(story_id=row["story_id"], title=row.get("title") or "", published=row.get("published"),
                source_name=row.get("source_name") or "", feed_url="", language=row.get("language") or "und",
                agencies=tuple(row.get("agencies") or ()), credit=row.get("credit"),
                feed_agency=row.get("feed_agency"),
                sentences=tuple((int(h), frozenset(int(t) for t in (toks or ())))
                                for h, toks in zip(row["sentences"], tokens)),
                lead=int(row.get("lead_sentences") or 0), boilerplate=tuple(row.get("boilerplate") or ()),
                remembered=True)


class Alignment(NamedTuple):
    kept: tuple[int, ...]          # origin sentence indexes kept (sorted)
    matched: dict[int, int]        # reprint sentence index -> origin sentence index
    added: tuple[int, ...]         # reprint sentence indexes matching nothing


def _jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def align(origin: Sequence[tuple[int, frozenset[int]]], reprint: Sequence[tuple[int, frozenset[int]]],
          near: float = NEAR_MATCH) -> Alignment:
    """One-to-one sentence alignment of `reprint` to `origin` (see the module docstring)."""
    matched: dict[int, int] = {}
    free_origin: dict[int, list[int]] = {}
    for i, (h, _) in enumerate(origin):
        free_origin.setdefault(h, []).append(i)
    used_origin = set()
    for j, (h, _) in enumerate(reprint):
        slots = free_origin.get(h)
        if slots:
            i = slots.pop(0)
            matched[j] = i
            used_origin.add(i)
    rest_o = [i for i in range(len(origin)) if i not in used_origin]
    rest_r = [j for j in range(len(reprint)) if j not in matched]
    if rest_o and rest_r:
        pairs = []
        for i in rest_o:
            toks = origin[i][1]
            for j in rest_r:
                score = _jaccard(toks, reprint[j][1])
                if score >= near:
                    pairs.append((-score, i, j))
        pairs.sort()
        for _, i, j in pairs:
            if i not in used_origin and j not in matched:
                matched[j] = i
                used_origin.add(i)
    added = tuple(j for j in range(len(reprint)) if j not in matched)
    return Alignment(tuple(sorted(used_origin)), matched, added)


_TITLE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{2,60}$")


def normalise_title(title: str, source_name: str = "") -> str:
    """A title without the outlet's " | Outlet" / " - Outlet" suffix, normalised."""
    t = (title or "").strip()
    m = _TITLE_SUFFIX.search(t)
    if m and (not source_name or normalise(m.group(0)) == normalise(source_name) or "|" in m.group(0)):
        t = t[:m.start()]
    return normalise(t)


def credit_change(origin: Copy, reprint: Copy) -> str:
    """kept | changed | removed | added | none: the reprint's credit against its origin's.
    The origin's credit is its own agency (an agency's own item) or the agencies it credits."""
    had = set(origin.agencies) | ({origin.feed_agency} if origin.feed_agency else set())
    has = set(reprint.agencies)
    if not had and not origin.credit:
        return "added" if has or reprint.credit else "none"
    if not has and not reprint.credit:
        return "removed"
    if had & has:
        return "kept"
    return "changed"


def _seconds(a: _dt.datetime | None, b: _dt.datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return round((b - a).total_seconds(), 3)


def measure(origin: Copy, reprint: Copy, cluster_id: str, near: float = NEAR_MATCH) -> dict:
    """The reprints/ row of `reprint` against `origin` (README, "Provenance tables")."""
    a = align(origin.sentences, reprint.sentences, near)
    n = len(origin.sentences)
    kept = len(a.kept)
    kept_share = round(kept / n, 4) if n else (1.0 if not reprint.sentences else 0.0)
    lead_only = bool(n and kept and 0 < origin.lead < n and kept < n and a.kept[-1] < origin.lead)
    first_added = None
    if a.added and reprint.texts:
        first_added = reprint.texts[a.added[0]][:MAX_ADDED_CHARS]
    origin_boiler = set(origin.boilerplate)
    return {
        "story_id": reprint.story_id,
        "cluster_id": cluster_id,
        "origin_story_id": origin.story_id,
        "source_name": reprint.source_name,
        "origin_source_name": origin.source_name,
        "published": reprint.published,
        "lag_seconds": _seconds(origin.published, reprint.published),
        "origin_sentences": n,
        "sentences_kept": kept,
        "kept_share": kept_share,
        "lead_only": lead_only,
        "sentences_added": len(a.added),
        "first_added_sentence": first_added,
        "headline_changed": normalise_title(origin.title, origin.source_name) != normalise_title(reprint.title, reprint.source_name),
        "credit_change": credit_change(origin, reprint),
        "boilerplate_removed": bool(origin_boiler) and not (origin_boiler & set(reprint.boilerplate)),
        "disposition": reprint.disposition or None,
    }


def origin_key(copy: Copy) -> tuple:
    """The origin order: an agency's own item first, then the earliest published, then the id."""
    when = copy.published.timestamp() if copy.published is not None else float("inf")
    return (0 if copy.feed_agency else 1, when, copy.story_id)


def choose_origin(copies: Iterable[Copy]) -> Copy:
    return min(copies, key=origin_key)


def headline_counts(copies: Iterable[Copy]) -> list[dict]:
    """Each distinct headline (as written, first spelling of its normalised form) with its count,
    most frequent first."""
    counts: dict[str, list] = {}
    for c in sorted(copies, key=origin_key):
        key = normalise(c.title)
        if not key:
            continue
        entry = counts.setdefault(key, [c.title, 0])
        entry[1] += 1
    return [{"headline": h, "count": n} for h, n in sorted(counts.values(), key=lambda e: (-e[1], e[0]))]


def cluster_row(cluster_id: str, copies: Sequence[Copy], origin: Copy, updated_at: _dt.datetime) -> dict:
    """The clusters/ row of a cluster from the members known (README, "Provenance tables")."""
    times = [c.published for c in copies if c.published is not None]
    return {
        "cluster_id": cluster_id,
        "origin_story_id": origin.story_id,
        "origin_agency": origin.feed_agency or (origin.agencies[0] if len(origin.agencies) == 1 else None),
        "origin_source_name": origin.source_name,
        "first_published": min(times) if times else None,
        "last_published": max(times) if times else None,
        "n_outlets": len({c.source_name or c.feed_url or c.story_id for c in copies}),
        "n_copies": len(copies),
        "languages": sorted({c.language for c in copies if c.language}),
        "headlines": headline_counts(copies),
        "updated_at": updated_at,
    }
