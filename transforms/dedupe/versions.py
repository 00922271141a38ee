"""Story versions: new versions of an item, desk slugs, stale reprints (plain Python, no Beam).

The batch Dedupe (batch.py) and the streaming StreamDedupe (stream.py) call these functions and
nothing else decides; the columns they set are `version`, `previous_story_id` and `stale`.

Content, not bytes. A version's content is its text as a sequence of sentence hashes
(`sentence_hashes`): credit lines removed (`(Reuters) -`, `/TASS/` …), each sentence folded by
`normalize_for_hash` (case, punctuation, quotes, dashes, whitespace), sentences under
MIN_SENTENCE_WORDS words ignored. A text cut by its feed (ending in `…`, `...`, `[…]`,
"Read more", "Continue reading") loses its last, cut sentence and carries a TRUNCATED mark. Two
texts have the same content (`same_content`) when their sentence sequences are equal, or when a
truncated one is a prefix of the other. So a feed that re-renders an item (whitespace, markup,
quotes, tracking parameters — the URL is canonical already — or another truncation of the same
summary) makes no version; a corrected number, an edited or added sentence does. A headline
change alone is not a new content (the slug rule below covers re-headlined updates).

1. Identity (`identity_version`): the item's identity (clean.stories.identity: canonical URL,
   else guid, else title + date) is known — this run or an earlier one — with other content:
   a new version, version = newest + 1, previous_story_id = the newest version's id, and its own
   id `version_id(identity id, content)` = stable_id(the id the identity gives,  "version",
   its sentence hashes): the same edit gets the same id on every run and runner. The same
   content again is already_seen (no row). State rows of such versions carry `identity_id`, so
   a later run looks up every version of an identity under that id.
2. Desk slugs (`parse_slug`): a title starting with UPDATE n, WRAPUP n, REFILE, RPT,
   CORRECTED, CORRECTION (several may chain: "CORRECTED-UPDATE 2-"), or a title or text that
   starts or ends with "(Adds …)", "(Corrects …)", "(Updates …)", "(Recasts …)", "(Refiles …)",
   "(Repeats …)". A new slugged item that dedupe put in a cluster with an earlier item of the
   same feed (or, from another feed, with the same slug-stripped headline and a smaller slug
   number) is the next version of that item's chain. The slug number orders the versions
   (UPDATE 1 before UPDATE 2; unnumbered slugs by publication). Likewise an item of a feed
   whose guid an earlier item of that feed (remembered, or written earlier in the stream) had
   under another URL, with other content, in one cluster with it: its URL changed, its guid
   stayed (`_guid_predecessor`).
3. Stale (`is_stale`): a reprint (a member of a cluster that is no version of its chain) whose
   sentences match an older version better than the newest: it carries more sentences that only
   the older version has (edited or removed since) than sentences that only the newest has.
   Rows are written once: a reprint written before a newer version was known keeps
   stale = false; the flag is set on rows written from then on. The newer version's own row
   (cluster_id, version, previous_story_id, fetched_at) tells a reader which earlier reprints
   of the cluster predate it (README, "Versions").

Limits: a version that only adds sentences (an "(Adds …)" update that edits nothing) leaves a
reprint of the older one indistinguishable from a cut reprint of the newer: not stale. Versions
are detected on the copy of an identity that dedupe keeps (the first feed in canonical order).
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Sequence, Tuple

from transforms.clean.stories import stable_id
from transforms.clean.text import normalize_for_hash
from transforms.dedupe.rules import VERSION as VERSION_RULE
from transforms.enrich.agencies.attribution import strip_credits
from transforms.records import redact_url

__all__ = ["Slug", "VersionInfo", "parse_slug", "headline_key", "sentence_hashes", "same_content",
           "version_id", "identity_version", "resolve_cluster", "is_stale", "info_of_story",
           "info_of_row", "state_columns", "chains_by_identity", "TRUNCATED", "VERSION_RULE"]

TRUNCATED = 0                     # mark ending the sentence hashes of a text cut by its feed
MIN_SENTENCE_WORDS = 3
MAX_SENTENCES = 200

# ---------------------------------------------------------------- slugs

_SLUG_WORDS = r"UPDATE|WRAPUP|WRAP\s?UP|REFILE|RPT|REPEAT|CORRECTED|CORRECTION|CORRECTS"
_LEADING = re.compile(r"\s*(?P<kind>" + _SLUG_WORDS + r")(?:\s+(?P<n>\d{1,3}))?(?:\s*\([^)]{0,40}\))?"
                      r"\s*(?:-|:|\u2013|\u2014|\|)\s*", re.I)
_PAREN = re.compile(r"\(\s*(?P<kind>Adds|Corrects|Updates|Recasts|Refiles|Repeats|Changes|Fixes|Removes|"
                    r"Rewrites|Writes through)\b[^()]{0,200}\)", re.I)
_TRUNCATION = re.compile(r"(?:\u2026|\.\.\.|\[\s*(?:\u2026|\.\.\.)\s*\]|\[\+\d+ chars\]|read more|"
                         r"continue reading|weiterlesen|lire la suite|leer m[aá]s)\W*\Z", re.I)
# a sentence end (its punctuation goes with it: folding drops punctuation anyway) or a line break
_SENTENCE = re.compile(r"[.!?\u2026\u3002\uff01\uff1f][\"'\u201d\u2019)\]]*\s+|\n+")


@dataclass(frozen=True)
class Slug:
    kinds: Tuple[str, ...]           # UPDATE, CORRECTED, ADDS … in the order they appear
    number: Optional[int] = None     # UPDATE 2 -> 2

    def order(self) -> float:
        """Sort position of a slugged version in its chain (unnumbered slugs after numbered
        ones of the same run; ties are broken by publication)."""
        return float(self.number) if self.number is not None else 1e9


def parse_slug(title: str, text: str = "") -> Tuple[str, Optional[Slug]]:
    """(the title without its desk slugs, the Slug or None). Leading slugs ("UPDATE 2-",
    "CORRECTED-UPDATE 1-", "REFILE:"), and "(Adds …)"-style notes at the start or end of the
    title or at the start of the text, are recognised."""
    title = title or ""
    kinds: List[str] = []
    number = None
    pos = 0
    while True:
        m = _LEADING.match(title, pos)
        if m is None or m.end() >= len(title):
            break
        kinds.append(re.sub(r"\s", "", m.group("kind")).upper().replace("CORRECTS", "CORRECTION"))
        if m.group("n") and number is None:
            number = int(m.group("n"))
        pos = m.end()
    stripped = title[pos:]
    for m in list(_PAREN.finditer(stripped)):
        if m.start() == 0 or not stripped[m.end():].strip():
            kinds.append(m.group("kind").upper())
            stripped = (stripped[:m.start()] + stripped[m.end():])
    head = (text or "").lstrip()[:240]
    m = _PAREN.match(head)
    if m is not None:
        kinds.append(m.group("kind").upper())
    stripped = " ".join(stripped.split())
    return stripped, (Slug(tuple(kinds), number) if kinds else None)


def headline_key(title: str) -> str:
    """The headline without desk slugs, folded for comparison."""
    return normalize_for_hash(parse_slug(title)[0])


# ---------------------------------------------------------------- content

_BREAK = " zqxsentencebreakzqx "            # survives normalize_for_hash: one call per text


def content_text(story) -> str:
    """The text a version's content is taken from: what the feed delivered (`feed_text` when
    --fetch-articles replaced the text with the article page's, else `text`), so a later run that
    does not fetch the page again (the story is known) compares like with like."""
    return getattr(story, "feed_text", "") or story.text


def sentence_hashes(text: str) -> Tuple[int, ...]:
    """The content of a text: CRC32s of its folded sentences (credits removed, sentences of
    fewer than MIN_SENTENCE_WORDS words skipped), ending with TRUNCATED when the feed cut it (its
    cut last sentence dropped)."""
    text = (text or "").strip()
    tail = max(0, len(text) - 40)
    cut = _TRUNCATION.search(text, tail)
    if cut is not None:
        text = text[:cut.start()]
    sentences = [s for s in _SENTENCE.split(text) if s and s.strip()]
    if cut is not None and sentences:
        sentences = sentences[:-1]
    for i in {0, len(sentences) - 2, len(sentences) - 1}:      # where credit lines stand
        if 0 <= i < len(sentences):
            sentences[i] = strip_credits(sentences[i])
    folded = normalize_for_hash(_BREAK.join(sentences[:MAX_SENTENCES])).split(_BREAK.strip())
    out = []
    for sentence in folded:
        sentence = sentence.strip()
        if len(sentence.split()) >= MIN_SENTENCE_WORDS:
            out.append(zlib.crc32(sentence.encode("utf-8")) or 1)
    if cut is not None:
        out.append(TRUNCATED)
    return tuple(out)


def _core(hashes: Sequence[int]) -> Tuple[Tuple[int, ...], bool]:
    hashes = tuple(hashes or ())
    if hashes and hashes[-1] == TRUNCATED:
        return hashes[:-1], True
    return hashes, False


def same_content(a: Optional[Sequence[int]], b: Optional[Sequence[int]]) -> bool:
    """Whether two sentence-hash sequences are the same content: equal, or a truncated one is a
    prefix of the other. Unknown content (None: a state row written before versions) matches."""
    if a is None or b is None:
        return True
    ca, ta = _core(a)
    cb, tb = _core(b)
    if ca == cb:
        return True
    if ta and len(ca) < len(cb) and cb[:len(ca)] == ca:
        return True
    if tb and len(cb) < len(ca) and ca[:len(cb)] == cb:
        return True
    return False


def version_id(identity_id: str, hashes: Sequence[int]) -> str:
    """The id of a new version of an identity: from the id the identity gives and the content."""
    return stable_id(identity_id, "version", ",".join(str(h) for h in _core(hashes)[0]))


# ---------------------------------------------------------------- what is known of a version

@dataclass
class VersionInfo:
    """What the version rules need of a story (new, or remembered in the state)."""
    story_id: str
    feed: Optional[str] = None
    version: int = 1
    version_of: Optional[str] = None        # the chain's first version (None: itself)
    previous: Optional[str] = None
    title: str = ""                          # the title as published (slugs kept)
    sentences: Optional[Tuple[int, ...]] = None
    published: float = 0.0                   # epoch seconds
    new: bool = False
    stale: bool = False
    slug: Optional[Slug] = field(default=None, compare=False)
    guid: Optional[str] = None               # redacted (records.redact_url), as the state holds it

    @property
    def head(self) -> str:
        return self.version_of or self.story_id


def _epoch(when) -> float:
    return when.timestamp() if when is not None else 0.0


def info_of_story(story) -> VersionInfo:
    return VersionInfo(story_id=story.story_id, feed=redact_url(story.feed_url), version=story.version or 1,
                       version_of=story.version_of, previous=story.previous_story_id, title=story.title or "",
                       sentences=sentence_hashes(content_text(story)), published=_epoch(story.published), new=True,
                       stale=bool(story.stale), slug=parse_slug(story.title, story.text)[1],
                       guid=redact_url(story.guid) or None)


def info_of_row(row: dict) -> VersionInfo:
    """A state row's version information (rows of older generations: version 1, content unknown)."""
    sentences = row.get("version_sentences")
    title = row.get("version_title") or ""
    return VersionInfo(story_id=row["story_id"], feed=row.get("version_feed"), version=int(row.get("version") or 1),
                       version_of=row.get("version_of"), previous=None, title=title,
                       sentences=tuple(sentences) if sentences is not None else None,
                       published=_epoch(row.get("version_published")), new=False,
                       slug=parse_slug(title)[1] if title else None, guid=row.get("guid") or None)


def state_columns(story, sentences: Optional[Tuple[int, ...]] = None) -> dict:
    """The state row columns a story's versions need later (STATE_SCHEMA's version columns),
    URLs redacted (records.redact_url); `sentences`: its sentence_hashes when known already."""
    return {"guid": redact_url(story.guid), "canonical_url": redact_url(story.canonical_url) or None,
            "version": int(story.version or 1), "version_of": story.version_of, "version_title": story.title or "",
            "version_feed": redact_url(story.feed_url), "version_published": story.published,
            "version_sentences": list(sentence_hashes(content_text(story)) if sentences is None else sentences),
            "identity_id": story.identity_id}


def chains_by_identity(rows: Iterable[dict]) -> dict:
    """identity id -> the state rows of its versions (a row without identity_id is its identity's
    first version)."""
    out: dict = {}
    for row in rows:
        out.setdefault(row.get("identity_id") or row["story_id"], []).append(row)
    return out


# ---------------------------------------------------------------- 1. identity

def identity_version(story, known: Sequence[VersionInfo]) -> Optional[VersionInfo]:
    """`story` (carrying its identity's id) against the known versions of that identity.

    Returns the known version it matches (same content: already seen), or None after turning
    `story` into a new version (story_id = version_id(identity id, content), version,
    previous_story_id, version_of, identity_id set); with no known version it is left as the
    first and None is returned too."""
    if not known:
        return None
    sentences = sentence_hashes(content_text(story))
    for info in sorted(known, key=lambda i: -i.version):
        if same_content(sentences, info.sentences):
            return info
    newest = max(known, key=lambda i: (i.version, i.published, i.story_id))
    story.version_of = newest.head
    story.version = newest.version + 1
    story.previous_story_id = newest.story_id
    story.identity_id = story.story_id
    story.story_id = version_id(story.story_id, sentences)
    return None


# ---------------------------------------------------------------- 2. slugs, 3. stale

def _guid_predecessor(me: VersionInfo, members: Sequence[VersionInfo]) -> Optional[VersionInfo]:
    """The chain tail of an earlier item of the same feed with the same guid under another
    identity (its URL changed), when the content differs."""
    if not me.guid or not me.feed:
        return None
    same = [m for m in members if m.story_id != me.story_id and m.guid == me.guid and m.feed == me.feed
            and not m.new]
    if not same or any(same_content(me.sentences, m.sentences) for m in same):
        return None
    heads = {m.head for m in same}
    return max((m for m in members if m.head in heads and m.story_id != me.story_id),
               key=lambda m: (m.version, m.published, m.story_id))


def _slug_predecessor(me: VersionInfo, members: Sequence[VersionInfo]) -> Optional[VersionInfo]:
    key = headline_key(me.title)
    same_feed = [m for m in members if m.story_id != me.story_id and me.feed and m.feed == me.feed]
    if not same_feed and key:
        mine = me.slug.order() if me.slug else 1e9
        same_feed = [m for m in members if m.story_id != me.story_id and headline_key(m.title) == key
                     and (m.slug.order() if m.slug else -1.0) < mine]
    if not same_feed:
        return None
    heads = {m.head for m in same_feed}
    chain = [m for m in members if m.head in heads and m.story_id != me.story_id]
    return max(chain, key=lambda m: (m.version, m.published, m.story_id))


def is_stale(sentences: Optional[Sequence[int]], chain: Sequence[VersionInfo]) -> bool:
    """A reprint against the versions of its origin (any order): whether it carries more
    sentences of an older version that the newest changed or removed than sentences that only
    the newest has."""
    known = [v for v in chain if v.sentences is not None]
    if sentences is None or len(known) < 2:
        return False
    mine = set(_core(sentences)[0])
    newest = max(known, key=lambda v: (v.version, v.published, v.story_id))
    new_set = set(_core(newest.sentences)[0])
    for v in known:
        if v is newest:
            continue
        old_set = set(_core(v.sentences)[0])
        only_old, only_new = len(mine & (old_set - new_set)), len(mine & (new_set - old_set))
        if only_old > only_new:
            return True
    return False


def resolve_cluster(stories: Sequence, known: Sequence[VersionInfo]) -> dict:
    """Slug versions and stale flags of a cluster's new stories (`stories`: Story records whose
    identity versions are set already), given the versions of its remembered members (`known`).
    Sets version, previous_story_id, version_of and stale on the stories; returns their
    VersionInfo by story_id (the slug and guid versions it made have version > 1 and new)."""
    infos = {s.story_id: info_of_story(s) for s in stories}
    members = list(known) + list(infos.values())
    order = sorted((s for s in stories if infos[s.story_id].slug is not None and (s.version or 1) == 1),
                   key=lambda s: (infos[s.story_id].slug.order(), infos[s.story_id].published, s.story_id))
    for story in stories:                   # the guid kept, the URL changed: a new identity
        me = infos[story.story_id]
        if (story.version or 1) == 1 and me.slug is None:
            prev = _guid_predecessor(me, members)
            if prev is not None:
                story.version, story.previous_story_id, story.version_of = prev.version + 1, prev.story_id, prev.head
                me.version, me.previous, me.version_of = story.version, story.previous_story_id, story.version_of
    for story in order:
        me = infos[story.story_id]
        prev = _slug_predecessor(me, [m for m in members if m.story_id != me.story_id
                                      and not (m.new and m.slug is not None and m.version == 1
                                               and m.slug.order() > me.slug.order())])
        if prev is None:
            continue
        story.version, story.previous_story_id, story.version_of = prev.version + 1, prev.story_id, prev.head
        me.version, me.previous, me.version_of = story.version, story.previous_story_id, story.version_of
    chains: dict = {}
    for m in members:
        chains.setdefault(m.head, []).append(m)
    versioned = {h: c for h, c in chains.items() if len(c) > 1 and any(m.version > 1 for m in c)}
    for story in stories:
        me = infos[story.story_id]
        if me.head in versioned:             # a version itself
            story.stale = False
            continue
        story.stale = any(is_stale(me.sentences, chain) for chain in versioned.values()
                          if not any(m.feed and m.feed == me.feed for m in chain))
    return infos
