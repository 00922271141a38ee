"""Articles as the generator holds them (`Story`: paragraphs as lists of sentences) and synthetic
ones written by the grammar (`synthetic_story`, and `synthetic_articles` as plain dicts)."""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import List, Optional, Sequence

from .grammar import Grammar, Topic, choice, make_topic, randint

_SENT_SPLIT = re.compile(r"(?<=[.!?\u201d\"])\s+(?=[A-Z\u201c\"])")


def sentences(text: str) -> List[str]:
    """The sentences of one paragraph of plain text (split after . ! ? or a closing quote)."""
    return [s for s in _SENT_SPLIT.split(text) if s]


@dataclass
class Story:
    """An article as the generator edits it: paragraphs as lists of sentences."""
    title: str
    paras: List[List[str]]
    teaser: str               # the agency's summary (first sentence or first paragraph, no dateline)
    topic: Topic
    quotes: List[str]         # quote texts (no marks)
    origin: str               # "synthetic" | "real"


def synthetic_story(r: random.Random, topic: Optional[Topic] = None, n_paras=(4, 8),
                    kp: float = 0.2, quotes: Sequence[str] = (), n_quotes=None) -> Story:
    """A synthetic article of `n_paras` (lo, hi) paragraphs about `topic` (a new one if None),
    with `quotes` and `n_quotes` fresh quotes (None: 0-2) set into its paragraphs."""
    t = topic or make_topic(r)
    g = Grammar(r, t, kp)
    paras = [g.paragraph() for _ in range(randint(r, *n_paras))]
    if n_quotes is None:
        n_quotes = choice(r, (0, 1, 1, 1, 2, 2))
    qs = list(quotes) + [g.quote_text() for _ in range(n_quotes)]
    for q in qs:
        if len(paras) < 2:
            paras.append(g.paragraph())
        i = randint(r, 1, len(paras) - 1)
        paras[i].insert(randint(r, 0, len(paras[i])), g.quote_sentence(q))
    teaser = paras[0][0] if r.random() < 0.6 else " ".join(paras[0])
    return Story(title=g.headline(), paras=paras, teaser=teaser, topic=t, quotes=qs,
                 origin="synthetic")


def synthetic_articles(n: int, seed: int = 0) -> List[dict]:
    """`n` multi-paragraph articles (4-8 paragraphs of 2-4 sentences), deterministic in `seed`.

    Each dict: title, paragraphs (list of str), summary, quotes (15-25 word quote texts used in
    the paragraphs), topic (dict of people/places/numbers/phrases), origin="synthetic".
    """
    r = random.Random(f"synthetic-articles:{seed}")
    out = []
    for _ in range(n):
        s = synthetic_story(r)
        out.append({"title": s.title, "paragraphs": [" ".join(p) for p in s.paras],
                    "summary": s.teaser, "quotes": list(s.quotes),
                    "topic": dict(s.topic.__dict__), "origin": "synthetic"})
    return out
