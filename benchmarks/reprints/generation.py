"""Generation: agency originals, outlet reprints and hard negatives, deterministic in the seed.

Evaluation data for a near-duplicate (MinHash/LSH) clusterer of news stories. Agencies publish
originals on their own wires; outlets reprint them with edits; the gold label (`Item.cluster`)
groups an original with all its reprints. Hard negatives look alike on the surface but are
different stories, each in its own gold cluster.

Originals
  * synthetic (`synthetic_articles`): 4-8 paragraphs of 2-4 sentences from a templated grammar
    over large word lists (people, places, organisations, numbers, nouns, verbs, adjectives), so
    unrelated articles do not share long word runs; each article has a `Topic` (names, places,
    numbers, key phrases) and usually one or two 15-25 word quotes.
  * real (`load_articles`): titles and descriptions from the rumca feed archive under
    ../shared, used only as single-paragraph items (never concatenated into fake long
    articles). Absent data (CI) -> synthetic only.
  An original is published by an agency feed (`is_agency_feed=True`), 70% of them with the
  agency's dateline ("MOSCOW, Oct 7 (Reuters) - ").

Reprint transforms (per reprint, seeded; `Item.kind` = "reprint:" + "+".join(tokens)). The
first token is the content mode, the rest in this order when applied:
  full            the whole (edited) text; summary = the first sentence or the first paragraph
  truncate1/2/3   abridged to the first 1-3 paragraphs; text == summary (plus any boilerplate)
  summary-only    only the original's teaser sentence(s); text == summary
  headline        a new headline from a different template, sharing as few words as possible
  drop-para       one middle paragraph removed (full text with >= 3 paragraphs)
  insert-para     one new outlet paragraph of fresh sentences on the same topic
  follow-us       a "Follow us on:" line on top
  date-line       the outlet's "October 7, 2026, 5:16 pm" line on top
  photo-caption   a fresh caption ending in "[Agency]", printed twice, on top
  inputs-credit   a closing "The <Outlet> with inputs from Agencies" (or "(With inputs from X)")
  about-para      the outlet's ~40-word (32-48) "About <Outlet> ..." paragraph at the bottom
  share-line      the outlet's share line ("Share this article: ...") at the bottom
  title-suffix    " | <Outlet>" appended to the headline
  dateline-add    the agency dateline+credit prefix added (when the original had none)
  dateline-remove the dateline+credit prefix removed (when the original had one)
  word-edits      1-3% of the words replaced by a synonym or a typo
  sentence-swap   two adjacent sentences of one paragraph swapped
  number-change   one figure changed (e.g. 275,000 -> 281,000)
A reprint with no token but "full" is a verbatim copy. Single-paragraph (real) originals are
always "full" and take no paragraph-structure transforms.

Hard negatives (each item its own gold cluster; `Item.kind` = "negative:<type>"; `Item.near`
= the id of the item it was built to resemble):
  outlet-boilerplate  a different, short (1-3 paragraph) story of an outlet carrying the
                      outlet's full boilerplate ("Follow us on:", About paragraph, share line)
                      also found on that outlet's reprints
  same-topic          a different story on the same topic: same names, places, numbers and
                      key phrases, but freshly generated sentences (outlet or other agency)
  agency-versions     a second agency's own version of the same event: shares 1-2 of the
                      original's quotes (15-25 words) verbatim, otherwise different text
  short               title-only or one-sentence items from generic templates ("Live updates:
                      ...", "Weather forecast for Monday") in groups that share the wording
Everything is deterministic from `seed` (random.Random instances only, no global RNG).
"""
from __future__ import annotations

import datetime as _dt
import math
import random
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from .articles import Story, sentences, synthetic_story
from .edits import change_number, headline_unlike, word_edits
from .grammar import Grammar, cap, choice, make_topic, randint
from .outlets import (OUTLET_BY_NAME, OUTLETS, Outlet, agency_dateline, agency_feed_url,
                      outlet_date_line, section_of)
from .real import load_articles, real_story
from .vocabulary import (AGENCIES, AGENCY_NAMES, AGENCY_WEIGHTS, CITY_COUNTRY, CO_KINDS, CO_SYLLABLES_A,
                         CO_SYLLABLES_B, FIRST_NAMES, GROUPS, LAST_NAMES, MONTHS, NOUNS, WEEKDAYS)

UTC = _dt.timezone.utc
BASE_TIME = _dt.datetime(2026, 1, 5, 0, 0, tzinfo=UTC)

REPRINT_TRANSFORMS = (
    "full", "truncate1", "truncate2", "truncate3", "summary-only", "headline", "drop-para",
    "insert-para", "follow-us", "date-line", "photo-caption", "inputs-credit", "about-para",
    "share-line", "title-suffix", "dateline-add", "dateline-remove", "word-edits",
    "sentence-swap", "number-change")
NEGATIVE_TYPES = ("outlet-boilerplate", "same-topic", "agency-versions", "short")
NEW_NEGATIVE_TYPES = ("template",)     # skew_and_updates=True


@dataclass
class Item:
    id: str                 # unique
    cluster: str            # gold label: items with the same underlying text share it
    source_name: str        # outlet or agency name
    feed_url: str           # e.g. "https://www.harbourtimes.example/rss"
    is_agency_feed: bool    # True for an agency's own item
    agency: Optional[str]   # the agency of the original (agency feeds; gold for reprints)
    title: str
    summary: str            # plain text, paragraphs separated by "\n\n"
    text: str               # plain text, paragraphs separated by "\n\n"
    published: _dt.datetime  # UTC; reprints later than their original
    url: str                # distinct per item
    kind: str               # "original", "reprint:<tokens>", "negative:<type>"
    near: Optional[str] = None  # negatives: id of the item they were built to resemble
    # Reprints made by _make_reprint: what the edits did to the original (provenance truth):
    # {"origin_sentences", "kept", "kept_share", "lead_only", "headline_changed"}; None otherwise.
    truth: Optional[dict] = None


@dataclass
class _Draft:
    cluster: str
    source_name: str
    feed_url: str
    is_agency_feed: bool
    agency: Optional[str]
    title: str
    summary: str
    text: str
    published: _dt.datetime
    kind: str
    domain: str
    section: str
    near: Optional[int] = None        # index of the draft it resembles
    # generation-only state
    story: Optional[Story] = None
    dateline: str = ""
    outlet: Optional[str] = None
    has_about: bool = False
    truth: Optional[dict] = None


def _slug(s: str, max_words: int = 9) -> str:
    words = re.findall(r"[a-z0-9]+", s.lower())
    return "-".join(words[:max_words]) or "item"


def _join(paras: List[List[str]]) -> List[str]:
    return [" ".join(p) for p in paras if p]


def _render_original(st: Story, dateline: str) -> Tuple[str, str]:
    paras = _join(st.paras)
    if dateline:
        paras[0] = dateline + paras[0]
    return st.teaser, "\n\n".join(paras)


def _make_reprint(r: random.Random, orig: _Draft, outlet: Outlet, cluster: str) -> _Draft:
    st = orig.story
    paras = [list(p) for p in st.paras]
    # Truth: each sentence's index among the original's sentences (None: not the original's),
    # kept in step with `paras` through every edit below.
    flat_orig = [s for p in st.paras for s in p]
    ids, k = [], 0
    for p in st.paras:
        ids.append(list(range(k, k + len(p))))
        k += len(p)
    multi = len(paras) >= 2
    tokens: List[str] = []
    g = Grammar(r, st.topic)
    # content mode
    mode = "full"
    if multi:
        k = r.random()
        if k < 0.3:
            n = choice(r, (1, 2, 3))
            if n < len(paras):
                mode = f"truncate{n}"
                paras = paras[:n]
                ids = ids[:n]
        elif k < 0.42:
            mode = "summary-only"
    tokens.append(mode)
    if mode == "summary-only":
        paras = [sentences(st.teaser)]
        ids = [[flat_orig.index(x) if x in flat_orig else None for x in paras[0]]]
    title = st.title
    if r.random() < 0.4:
        title = headline_unlike(r, g, st.title)
        tokens.append("headline")
    if mode == "full" and len(paras) >= 3 and r.random() < 0.3:
        gone = randint(r, 1, len(paras) - 2)
        del paras[gone]
        del ids[gone]
        tokens.append("drop-para")
    if mode != "summary-only" and r.random() < 0.25:
        at = randint(r, 1, len(paras))
        paras.insert(at, g.paragraph(1, 3))
        ids.insert(at, [None] * len(paras[at]))
        tokens.append("insert-para")
    # boilerplate
    top: List[str] = []
    bottom: List[str] = []
    has_about = False
    if mode != "summary-only":
        if r.random() < 0.2:
            top.append(outlet.follow)
            tokens.append("follow-us")
        if r.random() < 0.15:
            top.append(outlet_date_line(orig.published))
            tokens.append("date-line")
        if r.random() < 0.15:
            act = choice(r, ("speaks during", "arrives for", "leaves after", "gestures during"))
            caption = f"{g.titled().rstrip(',')} {act} {g.np()} in {g.place()} [{orig.agency}]"
            top += [cap(caption), cap(caption)]
            tokens.append("photo-caption")
        if r.random() < 0.2:
            bottom.append(choice(r, (f"{outlet.name} with inputs from Agencies",
                                    f"{outlet.name} with inputs from Agencies",
                                    f"(With inputs from {orig.agency})")))
            tokens.append("inputs-credit")
        if r.random() < 0.15:
            bottom.append(outlet.about)
            has_about = True
            tokens.append("about-para")
        if r.random() < 0.2:
            bottom.append(outlet.share)
            tokens.append("share-line")
    if r.random() < 0.12:
        title = f"{title} | {outlet.name}"
        tokens.append("title-suffix")
    dateline = orig.dateline
    if mode != "summary-only":
        if dateline and r.random() < 0.3:
            dateline = ""
            tokens.append("dateline-remove")
        elif not dateline and r.random() < 0.3:
            dateline = agency_dateline(orig.agency, st.topic.city, orig.published)
            tokens.append("dateline-add")
    else:
        dateline = ""
    # light edits
    if r.random() < 0.35 and word_edits(r, paras):
        tokens.append("word-edits")
    if r.random() < 0.2:
        cands = [p for p in paras if len(p) >= 2]
        if cands:
            p = choice(r, cands)
            i = randint(r, 0, len(p) - 2)
            p[i], p[i + 1] = p[i + 1], p[i]
            q = ids[next(n for n, x in enumerate(paras) if x is p)]
            q[i], q[i + 1] = q[i + 1], q[i]
            tokens.append("sentence-swap")
    if r.random() < 0.2 and change_number(r, paras):
        tokens.append("number-change")
    body = _join(paras)
    if dateline:
        body[0] = dateline + body[0]
    text = "\n\n".join(top + body + bottom)
    if mode == "full":
        lede = " ".join(paras[0])
        summary = paras[0][0] if (r.random() < 0.5 and len(paras[0]) > 1) else lede
    else:
        summary = text
    delay = _dt.timedelta(minutes=2 + min(int(r.expovariate(1 / 240)), 4 * 24 * 60))
    kept = sorted({i for q in ids for i in q if i is not None})
    lead = len(st.paras[0])
    truth = {"origin_sentences": len(flat_orig), "kept": len(kept),
             "kept_share": len(kept) / len(flat_orig) if flat_orig else 1.0,
             "lead_only": bool(kept) and len(st.paras) >= 2 and kept[-1] < lead and len(kept) < len(flat_orig),
             "headline_changed": "headline" in tokens}
    return _Draft(cluster=cluster, source_name=outlet.name, feed_url=outlet.feed_url,
                  is_agency_feed=False, agency=orig.agency, title=title, summary=summary,
                  text=text, published=orig.published + delay, kind="reprint:" + "+".join(tokens),
                  domain=outlet.domain, section=outlet.section, outlet=outlet.name,
                  has_about=has_about, truth=truth)


def _pick_agency(r: random.Random, exclude: Optional[str] = None) -> str:
    while True:
        a = r.choices(AGENCY_NAMES, AGENCY_WEIGHTS)[0]
        if a != exclude:
            return a


def _agency_draft(r: random.Random, st: Story, agency: str, when: _dt.datetime, cluster: str,
                  kind: str, dateline_p: float = 0.7) -> _Draft:
    dateline = agency_dateline(agency, st.topic.city, when) if r.random() < dateline_p else ""
    summary, text = _render_original(st, dateline)
    section = section_of(st.topic)
    return _Draft(cluster=cluster, source_name=agency, feed_url=agency_feed_url(agency, section),
                  is_agency_feed=True, agency=agency, title=st.title, summary=summary, text=text,
                  published=when, kind=kind, domain="www." + AGENCIES[agency][0],
                  section=section, story=st, dateline=dateline)


def _outlet_draft(st: Story, outlet: Outlet, when: _dt.datetime, cluster: str, kind: str,
                  top=(), bottom=()) -> _Draft:
    body = _join(st.paras)
    text = "\n\n".join(list(top) + body + list(bottom))
    return _Draft(cluster=cluster, source_name=outlet.name, feed_url=outlet.feed_url,
                  is_agency_feed=False, agency=None, title=st.title, summary=st.teaser,
                  text=text, published=when, kind=kind, domain=outlet.domain,
                  section=outlet.section, story=st, outlet=outlet.name)


_SHORT_TEMPLATES = (
    # (title template, sentence template or None for title-only)
    ("Live updates: {phrase} in {place}",
     "Follow our live coverage of the {phrase} in {place} as it happens."),
    ("Weather forecast for {day}", "Expect {adj} skies over {place} on {day} with highs of {deg} degrees."),
    ("Weather forecast for {day}", None),
    ("Markets wrap: stocks {move} as investors watch {noun} data",
     "Stocks {move} on {day} as investors weighed the latest {noun} figures."),
    ("Watch: {group} in {place}", None),
    ("In pictures: {noun} in {place}", "A selection of photographs of the {noun} in {place}."),
    ("Traffic update for {day}", "Drivers should expect delays near {place} on {day} because of {noun} works."),
    ("Lottery results for {day}", "Here are the winning numbers for the {day} draw."),
    ("Morning briefing: what you need to know", "Good morning, here is what you need to know on {day}."),
    ("Today's headlines", None),
    ("Live updates: {noun} talks", "Follow our live coverage of the {noun} talks as it happens."),
    ("Breaking news", "More to follow."),
)


def _short_items(r: random.Random, when: _dt.datetime, cluster_base: str) -> List[_Draft]:
    tt, st_tmpl = choice(r, _SHORT_TEMPLATES)
    outs = r.sample(OUTLETS, randint(r, 2, 4))
    day = choice(r, WEEKDAYS)
    drafts = []
    for j, o in enumerate(outs):
        t = make_topic(r)
        vals = {"phrase": choice(r, t.phrases), "place": choice(r, t.places), "day": day,
                "adj": choice(r, ("cloudy", "clear", "sunny", "overcast", "grey")),
                "deg": randint(r, -5, 38), "move": choice(r, ("rise", "fall", "edge higher", "slip")),
                "noun": choice(r, NOUNS), "group": cap(choice(r, GROUPS))}
        title = cap(tt.format(**vals))
        sent = cap(st_tmpl.format(**vals)) if st_tmpl else ""
        drafts.append(_Draft(cluster=f"{cluster_base}-{j}", source_name=o.name,
                             feed_url=o.feed_url, is_agency_feed=False, agency=None, title=title,
                             summary=sent, text=sent,
                             published=when + _dt.timedelta(minutes=randint(r, 0, 600)),
                             kind="negative:short", domain=o.domain, section=o.section,
                             outlet=o.name))
    return drafts


def generate(n_originals: int, seed: int = 0, reprints_per_original=(0, 6),
             source: str = "synthetic", negatives: bool = True,
             negative_rate: float = 0.25, real_path=None, n_paras=(4, 8),
             skew_and_updates: bool = False) -> List[Item]:
    """Originals, their reprints and hard negatives; deterministic in all arguments.

    n_originals: agency originals (gold clusters with reprints). reprints_per_original:
    inclusive (lo, hi) range of reprints per original, each by a distinct outlet.
    source: "synthetic" (templated multi-paragraph articles), "real" (single-paragraph items
    from the real feed archive; synthetic fill-in when there are fewer real ones or the data is
    absent) or "mixed" (each original real with probability 0.5 when available).
    negatives: add about negative_rate * n_originals hard-negative items.
    n_paras: inclusive (lo, hi) paragraphs of a synthetic original and of a same-topic negative.
    skew_and_updates: add length-skewed copies, same-outlet updates and templated items (see
    "skew and updates" below), from their own random stream.
    Items are returned sorted by publication time with ids "i0000000"...; `gold_labels(items)`
    gives id -> cluster.
    """
    if source not in ("synthetic", "real", "mixed"):
        raise ValueError(f"source must be synthetic, real or mixed, not {source!r}")
    lo, hi = reprints_per_original
    hi = min(hi, len(OUTLETS))
    r = random.Random(f"reprints:{seed}")
    real_rows: List[dict] = []
    if source != "synthetic":
        real_rows = load_articles(real_path)
        random.Random(f"real-order:{seed}").shuffle(real_rows)
    real_iter = iter(real_rows)
    span_minutes = max(7, math.ceil(n_originals / 400)) * 24 * 60
    drafts: List[_Draft] = []
    originals: List[int] = []
    for i in range(n_originals):
        row = None
        if source == "real" or (source == "mixed" and r.random() < 0.5):
            row = next(real_iter, None)
        st = real_story(r, row) if row is not None else synthetic_story(r, n_paras=n_paras)
        when = BASE_TIME + _dt.timedelta(minutes=r.randrange(span_minutes))
        orig = _agency_draft(r, st, _pick_agency(r), when, f"c{i:07d}", "original")
        originals.append(len(drafts))
        drafts.append(orig)
        for outlet in r.sample(OUTLETS, randint(r, lo, hi)):
            drafts.append(_make_reprint(r, orig, outlet, orig.cluster))

    if negatives and n_originals:
        _add_negatives(r, drafts, originals, real_iter,
                       target=round(negative_rate * n_originals), span_minutes=span_minutes,
                       n_paras=n_paras)
    if skew_and_updates and n_originals:
        _add_skew_and_updates(random.Random(f"skew-updates:{seed}"), drafts, originals,
                              span_minutes, n_originals, n_paras=n_paras)

    order = sorted(range(len(drafts)), key=lambda j: (drafts[j].published, j))
    ids = {j: f"i{k:07d}" for k, j in enumerate(order)}
    items = []
    for j in order:
        d = drafts[j]
        iid = ids[j]
        day = d.published
        if d.is_agency_feed:
            url = f"https://{d.domain}/{d.section}/{_slug(d.title)}-{day:%Y-%m-%d}-{iid[1:]}/"
        else:
            url = f"https://{d.domain}/{d.section}/{day:%Y/%m/%d}/{_slug(d.title)}-{iid[1:]}"
        items.append(Item(id=iid, cluster=d.cluster, source_name=d.source_name,
                          feed_url=d.feed_url, is_agency_feed=d.is_agency_feed, agency=d.agency,
                          title=d.title, summary=d.summary, text=d.text, published=d.published,
                          url=url, kind=d.kind,
                          near=ids[d.near] if d.near is not None else None, truth=d.truth))
    return items


def _add_negatives(r: random.Random, drafts: List[_Draft], originals: List[int], real_iter,
                   target: int, span_minutes: int, n_paras=(4, 8)) -> None:
    synth_origs = [j for j in originals if drafts[j].story.origin == "synthetic"]
    quoted = [j for j in synth_origs if drafts[j].story.quotes]
    about_by_outlet: Dict[str, List[int]] = {}
    for j, d in enumerate(drafts):
        if d.has_about:
            about_by_outlet.setdefault(d.outlet, []).append(j)
    per_type = {t: 0 for t in NEGATIVE_TYPES}  # items made; the type furthest behind goes next
    unit = 0
    while sum(per_type.values()) < target:
        typ = min(NEGATIVE_TYPES, key=lambda t: per_type[t])
        before = len(drafts)
        base = f"n{unit:07d}"
        unit += 1
        when = BASE_TIME + _dt.timedelta(minutes=r.randrange(span_minutes))
        if typ == "outlet-boilerplate":
            outlets_with = sorted(about_by_outlet)
            if outlets_with and r.random() < 0.85:
                o = OUTLET_BY_NAME[choice(r, outlets_with)]
                anchor = choice(r, about_by_outlet[o.name])
                when = drafts[anchor].published + _dt.timedelta(minutes=randint(r, -600, 600))
                n_new = 1
            else:
                o, anchor, n_new = choice(r, OUTLETS), None, 2
            first = len(drafts)
            for k in range(n_new):
                row = next(real_iter, None) if r.random() < 0.5 else None
                st = real_story(r, row) if row else synthetic_story(r, n_paras=(1, 3), n_quotes=0)
                top = [o.follow] + ([outlet_date_line(when)] if r.random() < 0.3 else [])
                bottom = ([f"{o.name} with inputs from Agencies"] if r.random() < 0.3 else [])
                bottom += [o.about, o.share]
                d = _outlet_draft(st, o, when + _dt.timedelta(minutes=7 * k), f"{base}-{k}",
                                  "negative:outlet-boilerplate", top, bottom)
                d.near = anchor if anchor is not None else (first + 1 - k)
                drafts.append(d)
        elif typ == "same-topic":
            anchor = choice(r, originals)
            a = drafts[anchor]
            st = synthetic_story(r, topic=a.story.topic, n_paras=n_paras, kp=0.45, n_quotes=1)
            when = a.published + _dt.timedelta(minutes=randint(r, 60, 5 * 24 * 60))
            if r.random() < 0.4:
                d = _agency_draft(r, st, _pick_agency(r, a.agency), when, base,
                                  "negative:same-topic")
            else:
                d = _outlet_draft(st, choice(r, OUTLETS), when, base, "negative:same-topic")
            d.near = anchor
            drafts.append(d)
        elif typ == "agency-versions":
            if quoted:
                anchor = choice(r, quoted)
                a = drafts[anchor]
                shared = r.sample(a.story.quotes, min(len(a.story.quotes), randint(r, 1, 2)))
                st = synthetic_story(r, topic=a.story.topic, n_paras=(3, 6), quotes=shared,
                                      n_quotes=0)
                when = a.published + _dt.timedelta(minutes=randint(r, -120, 120))
                d = _agency_draft(r, st, _pick_agency(r, a.agency), when, base,
                                  "negative:agency-versions")
                d.near = anchor
                drafts.append(d)
            else:  # no synthetic original with quotes (source="real"): a fresh pair
                t = make_topic(r)
                g = Grammar(r, t)
                shared = [g.quote_text() for _ in range(randint(r, 1, 2))]
                first = len(drafts)
                ag = None
                for k in range(2):
                    st = synthetic_story(r, topic=t, n_paras=(3, 6), quotes=shared, n_quotes=0)
                    ag = _pick_agency(r, ag)
                    d = _agency_draft(r, st, ag, when + _dt.timedelta(minutes=randint(r, 0, 90)),
                                      f"{base}-{k}", "negative:agency-versions")
                    d.near = first + 1 - k
                    drafts.append(d)
        else:
            group = _short_items(r, when, base)
            first = len(drafts)
            for k, d in enumerate(group):
                d.near = first + 1 if k == 0 else first
                drafts.append(d)
        per_type[typ] += len(drafts) - before


def gold_labels(items: Sequence[Item]) -> Dict[str, str]:
    """id -> gold cluster, the input `benchmarks.cluster_metrics.pairwise_scores` expects."""
    return {it.id: it.cluster for it in items}


# --------------------------------------------------------------------------- skew and updates
# Two kinds of pairs the first generator left out (issue 13), drawn from their own random stream
# (`random.Random(f"skew-updates:{seed}")`), so the items above are the same with and without them.
#
# Length-skewed copies (`Item.kind` = "reprint:feature..." / "reprint:brief..."):
#   feature   an outlet's long feature embedding an agency original (whole, maybe lightly
#             edited) among 2-4x as many words of its own paragraphs on the same topic
#   brief     an outlet's short brief keeping the lead 2-3 paragraphs of a long (10-16
#             paragraph) agency story, often lightly edited or with a sentence cut
# Updates (`Item.kind` = "update:<tokens>", the first version "original:outlet"): an outlet's own
# story and the same outlet's later version of it, same feed and a new URL, with
#   para-added      a paragraph of new sentences (new facts on the update's side only)
#   para-dropped    the last paragraph cut
#   reworded        2-9% of the words replaced by synonyms or typos
#   number-fixed    one figure corrected (the other numbers stay)
#   new-headline    an "UPDATE 1-" prefix or a new headline
# Templated items (`Item.kind` = "negative:template"): 3-5 items of one outlet from one template
# (analyst note, weather, results) in that outlet's own wording (filler sentences fixed per outlet
# and template), the same words around different facts: hard negatives for the same-feed rule,
# each its own gold cluster.
SKEW_KINDS = ("feature", "brief")
UPDATE_TOKENS = ("para-added", "para-dropped", "reworded", "number-fixed", "new-headline")

_TEMPLATES = {
    "analyst": (
        "{firm} analysts kept their Market Perform rating on {company} on {day} and {move} their "
        "price target to ${p1} from ${p0}, according to a research note sent to clients. "
        "The analysts, led by {analyst}, said the company's revenue of ${rev} million in the latest "
        "quarter was broadly in line with their expectations and that the outlook for the rest of "
        "the year remained balanced. Shares of {company} closed at ${close} in {city} trading, "
        "giving the company a market value of about ${cap} billion. A Market Perform rating means "
        "the analysts expect the stock to perform in line with the broader market over the next "
        "twelve months."),
    "weather": (
        "{city} weather for {day}: {sky} with a high of {hi} degrees and a low of {lo} degrees. "
        "Winds will blow from the {wind} at {kmh} kilometres per hour, and the chance of rain is "
        "{rain} percent in the afternoon. Sunrise is at {sunrise} and sunset at {sunset}. "
        "Forecasters at the {city} weather office said the conditions were typical for the time of "
        "year and advised residents to check the forecast again before travelling."),
    "results": (
        "{company} reported a net profit of ${p1} million for the quarter to {month}, compared with "
        "${p0} million a year earlier, the company said in a statement on {day}. Revenue rose {pct} "
        "percent to ${rev} million. Chief executive {analyst} said the company expected demand to "
        "remain steady in the coming months and that it would continue to invest in its core "
        "business. The board declared a dividend of {cents} cents a share, payable to shareholders "
        "on the register at the end of the month."),
}

def _template_values(r: random.Random) -> dict:
    p0 = randint(r, 12, 380)
    return {"firm": choice(r, LAST_NAMES) + " " + choice(r, ("Securities", "Capital", "Partners", "Research")),
            "company": choice(r, CO_SYLLABLES_A) + choice(r, CO_SYLLABLES_B) + " " + choice(r, CO_KINDS), "day": choice(r, WEEKDAYS), "move": choice(r, ("raised", "cut")),
            "p0": p0, "p1": p0 + choice(r, (-1, 1)) * randint(r, 1, 30),
            "analyst": choice(r, FIRST_NAMES) + " " + choice(r, LAST_NAMES),
            "rev": randint(r, 40, 9000), "close": f"{randint(r, 5, 400)}.{randint(r, 10, 99)}",
            "cap": f"{randint(r, 1, 90)}.{randint(r, 1, 9)}", "city": choice(r, CITY_COUNTRY)[0],
            "sky": choice(r, ("Cloudy", "Sunny", "Overcast", "Clear", "Showers")),
            "hi": randint(r, 10, 38), "lo": randint(r, -5, 9),
            "wind": choice(r, ("north", "south", "east", "west", "northwest", "southeast")),
            "kmh": randint(r, 5, 60), "rain": randint(r, 0, 90),
            "sunrise": f"{randint(r, 5, 7)}:{randint(r, 10, 59)}", "sunset": f"{randint(r, 17, 20)}:{randint(r, 10, 59)}",
            "month": choice(r, MONTHS), "pct": randint(r, 1, 25), "cents": randint(r, 2, 95)}


def _reword(r: random.Random, paras: List[List[str]], times: int) -> bool:
    changed = False
    for _ in range(times):
        changed = word_edits(r, paras) or changed
    return changed


def _add_skew_and_updates(r: random.Random, drafts: List[_Draft], originals: List[int],
                          span_minutes: int, n_originals: int, n_paras=(4, 8)) -> None:
    # features: an original embedded in an outlet's long feature
    carried: Dict[str, set] = {}
    for d in drafts:
        if d.outlet:
            carried.setdefault(d.cluster, set()).add(d.outlet)
    for j in r.sample(originals, min(len(originals), round(0.08 * n_originals))):
        orig = drafts[j]
        st = orig.story
        # an outlet that did not also run the wire copy (its feed would repeat the wire text)
        outlet = choice(r, [o for o in OUTLETS if o.name not in carried.get(orig.cluster, ())] or OUTLETS)
        g = Grammar(r, st.topic)
        wire = [list(p) for p in st.paras]
        tokens = ["feature"]
        if r.random() < 0.3 and word_edits(r, wire):
            tokens.append("word-edits")
        wire_words = sum(len(s.split()) for p in wire for s in p)
        own_target = wire_words * r.uniform(2.0, 4.0)
        own: List[List[str]] = []
        while sum(len(s.split()) for p in own for s in p) < own_target:
            own.append(g.paragraph(2, 4))
        cut = randint(r, 1, max(1, len(own) - 1))
        body = own[:cut] + wire + own[cut:]
        drafts.append(_Draft(cluster=orig.cluster, source_name=outlet.name, feed_url=outlet.feed_url,
                             is_agency_feed=False, agency=orig.agency, title=headline_unlike(r, g, st.title),
                             summary=" ".join(own[0]), text="\n\n".join(_join(body)),
                             published=orig.published + _dt.timedelta(minutes=randint(r, 60, 3 * 24 * 60)),
                             kind="reprint:" + "+".join(tokens), domain=outlet.domain, section=outlet.section,
                             outlet=outlet.name))
    # briefs: a long agency story and an outlet's brief of its lead
    for i in range(round(0.06 * n_originals)):
        st = synthetic_story(r, n_paras=(10, 16))
        when = BASE_TIME + _dt.timedelta(minutes=r.randrange(span_minutes))
        orig = _agency_draft(r, st, _pick_agency(r), when, f"b{i:07d}", "original")
        originals.append(len(drafts))
        drafts.append(orig)
        outlet = choice(r, OUTLETS)
        kept = [list(p) for p in st.paras[:randint(r, 2, 3)]]
        tokens = ["brief"]
        if r.random() < 0.4 and word_edits(r, kept):
            tokens.append("word-edits")
        if r.random() < 0.3:
            p = choice(r, [p for p in kept if len(p) >= 2] or kept)
            if len(p) >= 2:
                del p[randint(r, 0, len(p) - 1)]
                tokens.append("sentence-cut")
        body = _join(kept)
        if orig.dateline and r.random() < 0.5:
            body[0] = orig.dateline + body[0]
        drafts.append(_Draft(cluster=orig.cluster, source_name=outlet.name, feed_url=outlet.feed_url,
                             is_agency_feed=False, agency=orig.agency, title=st.title, summary=body[0],
                             text="\n\n".join(body),
                             published=when + _dt.timedelta(minutes=randint(r, 10, 24 * 60)),
                             kind="reprint:" + "+".join(tokens), domain=outlet.domain,
                             section=outlet.section, outlet=outlet.name))
    # updates: an outlet's own story carried twice
    for i in range(round(0.10 * n_originals)):
        st = synthetic_story(r, n_paras=(3, 7))
        outlet = choice(r, OUTLETS)
        when = BASE_TIME + _dt.timedelta(minutes=r.randrange(span_minutes))
        first = _outlet_draft(st, outlet, when, f"u{i:07d}", "original:outlet")
        drafts.append(first)
        g = Grammar(r, st.topic)
        paras = [list(p) for p in st.paras]
        tokens = []
        if r.random() < 0.6:
            paras.insert(randint(r, 1, len(paras)), g.paragraph(1, 3))
            tokens.append("para-added")
        if len(paras) >= 4 and r.random() < 0.2:
            del paras[-1]
            tokens.append("para-dropped")
        if r.random() < 0.7 and _reword(r, paras, randint(r, 1, 3)):
            tokens.append("reworded")
        if r.random() < 0.25 and change_number(r, paras):
            tokens.append("number-fixed")
        title = st.title
        if r.random() < 0.4:
            title = ("UPDATE 1-" + title) if r.random() < 0.5 else headline_unlike(r, g, st.title)
            tokens.append("new-headline")
        if not tokens:                      # an update changes something
            _reword(r, paras, 1)
            tokens.append("reworded")
        drafts.append(_Draft(cluster=first.cluster, source_name=outlet.name, feed_url=outlet.feed_url,
                             is_agency_feed=False, agency=None, title=title, summary=" ".join(paras[0]),
                             text="\n\n".join(_join(paras)),
                             published=when + _dt.timedelta(minutes=randint(r, 20, 30 * 60)),
                             kind="update:" + "+".join(tokens), domain=outlet.domain,
                             section=outlet.section, outlet=outlet.name))
    # templated items of one outlet: same words, different facts
    for i in range(round(0.03 * n_originals)):
        name = choice(r, sorted(_TEMPLATES))
        outlet = choice(r, OUTLETS)
        # the outlet's own wording around the template's facts (fixed per outlet and template)
        o = random.Random(f"template:{outlet.name}:{name}")
        filler = Grammar(o, make_topic(o))
        words = [filler.sentence() for _ in range(5)]
        when = BASE_TIME + _dt.timedelta(minutes=r.randrange(span_minutes))
        tail = (" " + words[4]) if r.random() < 0.5 else ""      # the outlet's fixed last sentence
        first = len(drafts)
        for k in range(randint(r, 3, 5)):
            v = _template_values(r)
            slots = sentences(_TEMPLATES[name].format(**v))
            text = " ".join([slots[0], words[0], words[1]] + slots[1:3] + [words[2], words[3]] + slots[3:]) + tail
            title = {"analyst": f"{v['company']} Market Perform at {v['firm']}",
                     "weather": f"{v['city']} weather for {v['day']}",
                     "results": f"{v['company']} quarterly profit ${v['p1']} million"}[name]
            drafts.append(_Draft(cluster=f"t{i:07d}-{k}", source_name=outlet.name, feed_url=outlet.feed_url,
                                 is_agency_feed=False, agency=None, title=title, summary=text, text=text,
                                 published=when + _dt.timedelta(minutes=randint(r, 0, 3 * 24 * 60)),
                                 kind="negative:template", domain=outlet.domain, section=outlet.section,
                                 outlet=outlet.name, near=first if k else first + 1))
