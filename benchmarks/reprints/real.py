"""Real originals: titles and descriptions from the rumca feed archive under ../shared, kept as
single-paragraph items (`load_articles`), and turned into a `Story` with a topic drawn from their
own names, places and numbers (`real_story`). Absent data (CI) gives no real articles."""
from __future__ import annotations

import html
import json
import os
import pathlib
import random
import re
from typing import Dict, List, Optional

from .articles import Story, sentences
from .grammar import Topic, choice, make_topic
from .vocabulary import ROLES, STOPWORDS, WORD

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_REAL_PATH = (ROOT.parent / "shared" / "data" / "real-feeds" / "parsed-entries"
                     / "rumca-2022-01to08.jsonl")

_TAG = re.compile(r"<[^>]+>")
_WS = re.compile(r"\s+")
_REAL_CACHE: Dict[str, List[dict]] = {}


def _clean_html(s: str) -> str:
    s = re.split(r"</p\s*>", s, maxsplit=1, flags=re.I)[0]  # first paragraph only
    s = html.unescape(_TAG.sub(" ", s))
    s = re.sub(r"\s*(Continue reading|Read more)\s*(\.\.\.|\u2026)?\s*$", "", s.strip())
    return _WS.sub(" ", s).strip()


def _shingles(text: str, k: int = 8) -> set:
    w = WORD.findall(text.lower())
    return {" ".join(w[i:i + k]) for i in range(len(w) - k + 1)}


def load_articles(path_or_none=None, limit: Optional[int] = None) -> List[dict]:
    """Real single-paragraph articles from the rumca archive (JSON lines), or [] if absent.

    Kept: English entries whose description, with HTML removed (first paragraph only), has
    10-120 words. Dropped: repeated titles, and any entry sharing an 8-word run with an entry
    already kept (republished or updated descriptions would be unlabelled duplicates).
    Each dict: title, paragraphs ([description]), summary (= description), source, link,
    published (ISO string), language, origin="real". File order; `limit` keeps the first ones.
    """
    path = str(path_or_none or DEFAULT_REAL_PATH)
    if path not in _REAL_CACHE:
        if not os.path.exists(path):
            return []
        kept: List[dict] = []
        seen_titles, seen_grams = set(), set()
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                if not str(row.get("language") or "").lower().startswith("en"):
                    continue
                desc = _clean_html(row.get("description") or "")
                title = _WS.sub(" ", html.unescape(_TAG.sub(" ", row.get("title") or ""))).strip()
                nw = len(desc.split())
                if not title or nw < 10 or nw > 120:
                    continue
                tkey = title.lower()
                grams = _shingles(desc) | _shingles(title, 6)
                if tkey in seen_titles or grams & seen_grams:
                    continue
                seen_titles.add(tkey)
                seen_grams |= grams
                kept.append({"title": title, "paragraphs": [desc], "summary": desc,
                             "source": row.get("source"), "link": row.get("link"),
                             "published": row.get("date_published"),
                             "language": row.get("language"), "origin": "real"})
        _REAL_CACHE[path] = kept
    rows = _REAL_CACHE[path]
    rows = rows if limit is None else rows[:limit]
    return [dict(x, paragraphs=list(x["paragraphs"])) for x in rows]

_ENTITY = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+\b")
_SINGLE_CAP = re.compile(r"(?<=[a-z,;:] )[A-Z][a-z]{2,}\b")
_NUM = re.compile(r"(?<![\w.])[$\u20ac\u00a3]?\d[\d,]*(?:\.\d+)?%?(?![\w])")


def _real_topic(r: random.Random, title: str, text: str) -> Topic:
    """A topic whose names, places and numbers come from a real title/description."""
    t = make_topic(r)
    both = title + ". " + text
    names = list(dict.fromkeys(_ENTITY.findall(both)))
    singles = [s for s in dict.fromkeys(_SINGLE_CAP.findall(both)) if s.lower() not in STOPWORDS]
    nums = [n for n in dict.fromkeys(_NUM.findall(both)) if not re.fullmatch(r"(19|20)\d\d", n)]
    if names:
        t.people = [(n, choice(r, ROLES)) for n in names[:3]]
    if singles:
        t.places = singles[:3]  # t.city stays a real city: it is only used for datelines
    if nums:
        t.numbers = nums[:4] + t.numbers[:2]
    # key phrases: runs of two lowercase content words, title first ("gift ideas")
    pairs: List[str] = []
    for part in (title, text):
        words = re.findall(r"[A-Za-z][\w'-]*|[^\sA-Za-z]+", part)
        pairs += [f"{a} {b}" for a, b in zip(words, words[1:])
                  if a.islower() and b.islower() and a.isalpha() and b.isalpha()
                  and a not in STOPWORDS and b not in STOPWORDS and len(a) > 2 and len(b) > 2]
    pairs = list(dict.fromkeys(pairs))
    if pairs:
        t.phrases = (pairs[::2] + pairs[1::2] + t.phrases)[:3]
    return t


def real_story(r: random.Random, row: dict) -> Story:
    """A one-paragraph `Story` of a `load_articles` row, its topic drawn from its own text."""
    text = row["paragraphs"][0]
    sents = sentences(text)
    topic = _real_topic(r, row["title"], text)
    return Story(title=row["title"], paras=[sents], teaser=text, topic=topic, quotes=[],
                 origin="real")
