"""The sentence grammar: a `Topic` (people, places, organisations, numbers, key phrases) and a
`Grammar` that writes sentences, quotes, paragraphs and headlines about it, plus the seeded
random helpers (`choice`, `randint`) and small text helpers every other module uses.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import List, Tuple

from .vocabulary import (ADJ_STATEMENT, ADJECTIVES, ADVERBS, CITY_COUNTRY, CO_KINDS, CO_SYLLABLES_A,
                         CO_SYLLABLES_B, DOMAINS, FIRST_NAMES, GROUPS, KP_MODIFIERS, LAST_NAMES, MONTHS,
                         NOUNS, OPENERS, ORG_FIELDS, ORG_HEADS, PLATFORMS, PLURALS_EXTRA, PREPS, ROLES,
                         SAID, STATEMENT, VERB_3RD, VERB_PAST, VERB_PP, VERBS, WEEKDAYS)


@dataclass
class Topic:
    domain: str
    people: List[Tuple[str, str]]   # (full name, role title)
    city: str
    country: str
    places: List[str]
    orgs: List[str]
    numbers: List[str]
    phrases: List[str]              # key phrases ("emergency grain corridor")
    groups: List[str]               # plural nouns of the people involved ("farmers")


def choice(r: random.Random, seq):
    """r.choice, faster (one C call); deterministic in r like everything here."""
    return seq[int(r.random() * len(seq))]


def randint(r: random.Random, a: int, b: int) -> int:
    """r.randint(a, b), faster."""
    return a + int(r.random() * (b - a + 1))


def cap(s: str) -> str:
    """`s` with its first letter upper-cased."""
    return s[:1].upper() + s[1:] if s else s


def _a(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def _poss(s: str) -> str:
    return s + "'" if s.endswith("s") else s + "'s"


def fmt_int(n: int) -> str:
    """An integer with thousands separators: 275,000."""
    return f"{n:,}"


def _number(r: random.Random) -> str:
    k = r.random()
    if k < 0.3:
        return fmt_int(choice(r, (randint(r, 12, 990), randint(r, 1000, 99000),
                                  randint(r, 100, 900) * 1000 + choice(r, (0, 500)))))
    if k < 0.5:
        return f"{randint(r, 1, 89)}.{randint(r, 1, 9)}%"
    if k < 0.75:
        cur = choice(r, ("$", "$", "€", "£"))
        return f"{cur}{randint(r, 1, 99)}.{randint(r, 1, 9)} {choice(r, ('million', 'billion'))}"
    return fmt_int(randint(r, 3, 950))


def _company(r: random.Random) -> str:
    return choice(r, CO_SYLLABLES_A) + choice(r, CO_SYLLABLES_B) + " " + choice(r, CO_KINDS)


def _org(r: random.Random, city: str, country: str) -> str:
    """An organisation name; every form carries a topic-specific or rare word."""
    k = r.random()
    if k < 0.35:
        return f"{_poss(country)} {choice(r, ORG_HEADS)} {choice(r, ORG_FIELDS)}"
    if k < 0.7:
        return _company(r)
    kind = choice(r, ("Agency", "Board", "Council", "Authority", "Office", "Commission"))
    return f"the {city} {choice(r, ORG_FIELDS)} {kind}"


def make_topic(r: random.Random) -> Topic:
    city, country = choice(r, CITY_COUNTRY)
    people = []
    for _ in range(randint(r, 2, 4)):
        people.append((f"{choice(r, FIRST_NAMES)} {choice(r, LAST_NAMES)}", choice(r, ROLES)))
    places = [city] + [c for c, k in r.sample(CITY_COUNTRY, 3)]
    orgs = [_org(r, city, country) for _ in range(randint(r, 2, 3))]
    numbers = [_number(r) for _ in range(randint(r, 4, 6))]
    phrases = []
    for _ in range(3):
        mods = r.sample(KP_MODIFIERS, 2)
        phrases.append(" ".join(mods[:randint(r, 1, 2)]) + " " + choice(r, NOUNS))
    return Topic(domain=choice(r, DOMAINS), people=people, city=city, country=country,
                 places=places, orgs=orgs, numbers=numbers, phrases=phrases,
                 groups=r.sample(GROUPS, 3))


_GENERIC_FIRST = set(GROUPS) | set(ADJECTIVES) | set(PLURALS_EXTRA) | {"the", "at", "a", "an"}


class Grammar:
    """Sentences about one topic. `kp` = how often key phrases/numbers replace random slots."""

    def __init__(self, r: random.Random, t: Topic, kp: float = 0.2):
        self.r, self.t, self.kp = r, t, kp
        self.plural = False

    # ---- slots
    def person(self) -> str:
        return choice(self.r, self.t.people)[0]

    def surname(self) -> str:
        return self.person().split()[-1]

    def titled(self) -> str:
        name, role = choice(self.r, self.t.people)
        if self.r.random() < 0.5:
            return f"{role} {name}"
        return f"{name}, the {choice(self.r, ADJECTIVES)} {role.lower()},"

    def org(self) -> str:
        return choice(self.r, self.t.orgs)

    def place(self) -> str:
        return choice(self.r, self.t.places)

    def num(self) -> str:
        if self.r.random() < 0.6:
            return choice(self.r, self.t.numbers)
        return _number(self.r)

    def count(self) -> str:
        counts = [n for n in self.t.numbers if n[:1].isdigit() and n[-1:].isdigit() and "." not in n]
        if counts and self.r.random() < 0.6:
            return choice(self.r, counts)
        return fmt_int(choice(self.r, (randint(self.r, 3, 990), randint(self.r, 1000, 90000))))

    def money(self) -> str:
        money = [n for n in self.t.numbers if n[:1] in "$\u20ac\u00a3"]
        if money and self.r.random() < 0.6:
            return choice(self.r, money)
        cur = choice(self.r, ("$", "\u20ac", "\u00a3"))
        return f"{cur}{randint(self.r, 1, 99)}.{randint(self.r, 1, 9)} {choice(self.r, ('million', 'billion'))}"

    def said(self) -> str:
        """A speech verb with a varied tail, so no long fixed run follows a name."""
        r = self.r
        k = randint(r, 0, 8)
        if k <= 2:
            return choice(r, SAID)
        if k == 3:
            return f"told {self.group()}"
        if k == 4:
            return f"told reporters in {self.place()}"
        if k == 5:
            return f"said in {_a(choice(r, ADJ_STATEMENT))} {choice(r, STATEMENT)}"
        if k == 6:
            return f"posted on {choice(r, PLATFORMS)}"
        if k == 7:
            return f"told {self.place()} {choice(r, ('radio', 'television', 'officials', 'councillors'))}"
        return f"said on {choice(r, WEEKDAYS)}"

    def group(self) -> str:
        if self.r.random() < 0.6:
            return choice(self.r, self.t.groups)
        return choice(self.r, GROUPS)

    def noun(self) -> str:
        return choice(self.r, NOUNS)

    def adj(self) -> str:
        return choice(self.r, ADJECTIVES)

    def verb(self) -> str:
        return choice(self.r, VERBS)

    def np(self) -> str:
        r = self.r
        if r.random() < self.kp:
            return "the " + choice(r, self.t.phrases)
        k = randint(r, 0, 8)
        if k == 0:
            return f"the {self.adj()} {self.noun()}"
        if k == 1:
            return f"{_a(self.adj())} {self.noun()} {choice(r, PREPS)} {self.noun()}"
        if k == 2:
            return f"{_poss(self.org())} {self.noun()}"
        if k == 3:
            return f"the {self.noun()} {choice(r, PREPS)} {self.place()}"
        if k == 4:
            return f"{self.money()} worth of {self.noun()} {choice(r, ('contracts', 'aid', 'repairs', 'claims'))}"
        if k == 5:
            return f"{choice(r, PLURALS_EXTRA)} by {self.group()}"
        if k == 6:
            return f"the {self.adj()} {choice(r, KP_MODIFIERS)} {self.noun()}"
        if k == 7:
            return f"{self.group()} {choice(r, ('from', 'in', 'around', 'outside'))} {self.place()}"
        return f"{self.adj()} {choice(r, PLURALS_EXTRA)}"

    def subj(self) -> str:
        """A sentence subject; sets self.plural for verb agreement."""
        r = self.r
        k = randint(r, 0, 7)
        self.plural = k in (3, 5)
        if k == 0:
            return self.person()
        if k == 1:
            return self.titled()
        if k == 2:
            return cap(self.org())
        if k == 3:
            return f"{cap(self.group())} in {self.place()}"
        if k == 4:
            return f"The {self.adj()} {self.noun()}"
        if k == 5:
            return f"At least {self.count()} {self.group()}"
        if k == 6:
            word = choice(r, ('office', 'committee', 'board', 'authorities', 'council'))
            self.plural = word == "authorities"
            return f"{_poss(self.place())} {self.noun()} {word}"
        return f"{_poss(self.surname())} {self.adj()} {self.noun()}"

    def adjunct(self) -> str:
        r = self.r
        k = randint(r, 0, 12)
        if k == 0:
            return f" on {choice(r, WEEKDAYS)}"
        if k == 1:
            return f" in {self.place()}"
        if k == 2:
            return f" after {self.np()}"
        if k == 3:
            return f" amid {self.np()}"
        if k == 4:
            return f" despite {self.np()}"
        if k == 5:
            return f", according to {self.org()}"
        if k == 6:
            return f" {choice(r, ('since', 'unlike in', 'as in', 'before'))} {choice(r, MONTHS)} {randint(r, 1961, 2024)}"
        if k == 7:
            return f" ahead of {self.np()}"
        if k == 8:
            return f" following {self.np()}"
        if k == 9:
            return f" by {choice(r, MONTHS)}"
        if k == 10:
            return f" {choice(r, ADVERBS)}"
        return ""

    # ---- sentences
    def sentence(self) -> str:
        r = self.r
        k = randint(r, 0, 11)
        v = self.verb()
        if k == 0:
            s = f"{self.subj()} {VERB_PAST[v]} {self.np()}{self.adjunct()}"
        elif k == 1:
            s = f"{self.subj()} {self.said()} that {self.np()} would {v} {self.np()}{self.adjunct()}"
        elif k == 2:
            sub = self.subj()
            s = f"{sub} {'plan' if self.plural else 'plans'} to {v} {self.np()}{self.adjunct()}"
        elif k == 3:
            s = f"{self.subj()} warned that {self.np()} could {v} {self.np()}"
        elif k == 4:
            sub = self.subj()
            s = f"{sub} {'have' if self.plural else 'has'} yet to {v} {self.np()}, {self.person()} {self.said()}"
        elif k == 5:
            s = (f"{self.count()} {self.group()} were {VERB_PP[v]} {choice(r, PREPS)} "
                 f"{self.place()}{self.adjunct()}, {self.org()} {self.said()}")
        elif k == 6:
            sub = self.subj()
            when = choice(r, ("within weeks", "this year", "next month", "before the vote",
                           f"by {choice(r, MONTHS)} {randint(r, 1, 28)}"))
            s = f"{sub} {'are' if self.plural else 'is'} expected to {v} {self.np()} {when}"
        elif k == 7:
            s = f"{self.subj()} {choice(r, ADVERBS)} {VERB_PAST[v]} {self.np()} and {VERB_PAST[self.verb()]} {self.np()}"
        elif k == 8:
            s = f"{self.np()} {choice(r, ('rose', 'fell', 'climbed', 'dropped', 'jumped', 'slipped'))} to {self.num()}{self.adjunct()}"
        elif k == 9:
            s = f"{self.surname()} called for {self.np()} to be {VERB_PP[v]}{self.adjunct()}"
        elif k == 10:
            s = f"{self.np()} {choice(r, ('has', 'had'))} {VERB_PP[v]} {self.np()} since {randint(r, 1975, 2025)}"
        else:
            s = f"{self.subj()} {VERB_PAST[v]} {self.np()}, while {self.np()} {VERB_PAST[self.verb()]} {self.np()}"
        s = cap(s)
        if r.random() < 0.2:
            if s.split(" ", 1)[0].lower() in _GENERIC_FIRST:
                s = s[:1].lower() + s[1:]
            s = choice(r, OPENERS) + ", " + s
        return s + "."

    def quote_text(self) -> str:
        """A first-person quote of 15-25 words, no surrounding quote marks."""
        r = self.r
        for _ in range(50):
            parts: List[str] = []
            words = 0
            while words < 15:
                k = randint(r, 0, 7)
                v = self.verb()
                if k == 0:
                    c = f"we {VERB_PAST[v]} {self.np()}"
                elif k == 1:
                    c = f"we will {v} {self.np()}{self.adjunct()}"
                elif k == 2:
                    c = f"this is {self.adj()} for {self.group()}"
                elif k == 3:
                    c = f"nobody can {v} {self.np()}"
                elif k == 4:
                    c = f"{self.np()} must {v} {self.np()}"
                elif k == 5:
                    c = f"our {self.noun()} {VERB_PAST[v]} {self.np()}"
                elif k == 6:
                    c = f"I {VERB_PAST[v]} {self.np()} {choice(r, ('myself', 'twice', 'yesterday', 'last year', 'in person'))}"
                else:
                    c = f"it is {self.adj()} and {self.adj()}"
                parts.append(c)
                words += len(c.split())
            joiners = [choice(r, (", and ", ". ", " but ", "; ", ", so ")) for _ in parts[1:]]
            out = parts[0]
            for j, p in zip(joiners, parts[1:]):
                out += j + (cap(p) if j == ". " else p)
            if 15 <= len(out.split()) <= 25:
                return cap(out)
        return cap(out)

    def quote_sentence(self, quote: str) -> str:
        r = self.r
        name, role = choice(r, self.t.people)
        k = randint(r, 0, 3)
        if k == 0:
            return f"\u201c{quote},\u201d {name.split()[-1]} {self.said()}."
        if k == 1:
            return f"\u201c{quote},\u201d said {name}, the {role.lower()}."
        if k == 2:
            return f"\u201c{quote},\u201d {name} {self.said()} {choice(r, ('on ' + choice(r, WEEKDAYS), 'in ' + self.place()))}."
        return f"{name.split()[-1]} {self.said()}: \u201c{quote}.\u201d"

    def paragraph(self, lo: int = 2, hi: int = 4) -> List[str]:
        return [self.sentence() for _ in range(randint(self.r, lo, hi))]

    def headline(self) -> str:
        r = self.r
        v = self.verb()
        k = randint(r, 0, 9)
        if k == 0:
            h = f"{self.surname()} {VERB_3RD[v]} {self.adj()} {self.noun()} {choice(r, PREPS)} {self.place()}"
        elif k == 1:
            h = f"{self.t.country} to {v} {choice(r, self.t.phrases)}"
        elif k == 2:
            react = choice(r, ("protest", "wait", "worry", "push back"))
            org = cap(self.org()).replace("The ", "", 1)
            h = f"{org} {VERB_3RD[v]} {self.noun()} as {self.group()} {react}"
        elif k == 3:
            h = f"{self.count()} {self.group()} hit by {self.adj()} {self.noun()} in {self.place()}"
        elif k == 4:
            h = f"{self.surname()} says {self.t.country} will {v} {self.noun()}"
        elif k == 5:
            h = f"Why {_poss(self.place())} {self.noun()} {VERB_3RD[v]} {self.group()}"
        elif k == 6:
            h = f"{cap(self.adj())} {self.noun()} {VERB_3RD[v]} {self.place()} plans"
        elif k == 7:
            h = f"{self.t.country} {self.noun()}: {self.surname()} {VERB_3RD[v]} {self.adj()} {choice(r, PLURALS_EXTRA)}"
        elif k == 8:
            what = choice(r, ("stalls", "resumes", "faces delay", "wins backing", "draws criticism"))
            h = f"{cap(choice(r, self.t.phrases))} {what} in {self.place()}"
        else:
            react = choice(r, ("brace for", "rally against", "welcome", "question"))
            h = (f"{cap(self.group())} {react} {self.adj()} {self.noun()} {choice(r, PREPS)} "
                 f"{self.place()}")
        return cap(h)
