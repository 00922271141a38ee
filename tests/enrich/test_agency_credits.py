"""Agency credits a desk editor would sign (issue 14): credit lists, generic credits, mentions that are
not credits, links that are never credits, and where each credit stood (credit_position)."""
from __future__ import annotations

import pytest

from transforms.enrich.agencies.attribution import attribute, credit_spans, strip_credits

# --------------------------------------------------------------------------------------------
# Lists: every agency of a credit list counts, in every supported language.
# --------------------------------------------------------------------------------------------
LISTS = [
    ("(Additional reporting by AFP and AP)", ("AFP", "AP")),
    ("(Additional reporting by Reuters, AFP and Kyodo)", ("Reuters", "AFP", "Kyodo")),
    ("This story was compiled from AFP and Reuters dispatches.", ("AFP", "Reuters")),
    ("Material from Reuters, the Associated Press and AFP was used in this report.", ("Reuters", "AP", "AFP")),
    ("With inputs from PTI, IANS and ANI", ("PTI", "IANS", "ANI")),
    ("Mit Material von dpa, AFP und Reuters", ("dpa", "AFP", "Reuters")),
    ("Quellen: dpa, Reuters", ("dpa", "Reuters")),
    ("(Avec AFP et Reuters)", ("AFP", "Reuters")),
    ("Fuente: EFE y Europa Press", ("EFE", "Europa Press")),
    ("Com informações da Lusa e da Reuters", ("Lusa", "Reuters")),
    ("Fonte: ANSA, AFP", ("ANSA", "AFP")),
    ("По материалам ТАСС и РИА Новости", ("TASS", "RIA Novosti")),
    ("综合新华社、路透社报道", ("Xinhua", "Reuters")),
    ("Kaynak: AA, Reuters", ("Anadolu", "Reuters")),
    ("（共同通信・ロイター）", ("Kyodo", "Reuters")),
    ("출처: 연합뉴스, 로이터통신", ("Yonhap", "Reuters")),
]


@pytest.mark.parametrize("text,agencies", LISTS)
def test_every_agency_of_a_credit_list_counts(text, agencies):
    assert attribute("", text).agencies == agencies


# --------------------------------------------------------------------------------------------
# Generic credits -> "Agencies".
# --------------------------------------------------------------------------------------------
GENERIC = [
    "This article was compiled from wire services.",
    "Produced with agency reports.",
    "Agencias",
    "Agências",
    "Agenzie",
    "Agenturen",
    "Quelle: Agenturen",
    "Fuente: agencias",
    "Source : agences",
    "Источник: агентства",
    "Kaynak: Ajanslar",
    "来源：综合外电",
]


@pytest.mark.parametrize("text", GENERIC)
def test_generic_credits(text):
    assert attribute("", text).agencies == ("Agencies",)


# --------------------------------------------------------------------------------------------
# Mentions are not credits.
# --------------------------------------------------------------------------------------------
MENTIONS = [
    "She worked as an AFP correspondent in Cairo for a decade.",
    "He is a former Reuters correspondent who now teaches journalism.",
    "Editors check spellings against the AP Stylebook.",
    "According to the Reuters Handbook of Journalism, sources must be named.",
    "The film follows an Associated Press photographer through the siege.",
    "Agence France-Presse is suing the platform over payments for news.",
    "Thomson Reuters shares rose 3 percent after the results.",
    "The new Bloomberg Terminal app was launched on Tuesday.",
    "Er arbeitete jahrelang als Korrespondent für Reuters.",
    "Trabajó como corresponsal de AFP en Lima.",
]


@pytest.mark.parametrize("text", MENTIONS)
def test_mentions_are_not_credits(text):
    a = attribute("", text)
    assert (a.agencies, a.credit) == ((), None)


# --------------------------------------------------------------------------------------------
# Links, image sources, paths and e-mail addresses are not text.
# --------------------------------------------------------------------------------------------
URLS = [
    "Read more at https://example.com/feeds/Reuters/2024/05/07/story.html today.",
    "Archive: example.org/AP/2024/05/vote-count",
    "…/feeds/Reuters/2024/05/07/story.html",
    "Image: https://cdn.example.net/img/AFP/2024/flood.jpg",
    "Contact the desk at AFP@example.org for corrections.",
    "See www.example.com/Xinhua/world/ for more.",
    "Pictures are stored under /srv/media/AFP/2024/ on the server.",
]


@pytest.mark.parametrize("text", URLS)
def test_links_are_never_credits(text):
    a = attribute("", text)
    assert (a.agencies, a.credit) == ((), None)
    assert strip_credits(text) == text


def test_strip_credits_leaves_urls_byte_identical():
    url = "https://example.com/feeds/Reuters/2024/05/07/story.html"
    text = f"MOSCOW, Oct 7 (Reuters) - The talks resumed.\n\nFull story: {url}\n\n(Reporting by Jane Doe)"
    stripped = strip_credits(text)
    assert url in stripped
    assert all(not (a < text.index(url) + len(url) and text.index(url) < b) for a, b in credit_spans(text))
    assert attribute("", text).agencies == ("Reuters",)


# --------------------------------------------------------------------------------------------
# Where the credit stood: credit_position.
# --------------------------------------------------------------------------------------------
POSITIONS = [
    ("MOSCOW, Oct 7 (Reuters) - Russia said on Friday it would extend the deal.", "dateline"),
    ("MOSCOW, March 1. /TASS/. The ministry summoned the ambassador.", "dateline"),
    ("The talks stalled, Reuters reported on Friday.\n\nOfficials declined to comment.", "lead"),
    ("Officials met on Monday.\n\nThe talks stalled, Reuters reported.\n\nMore talks are planned.", "body"),
    ("Officials met on Monday.\n\nMore talks are planned.\n\n(With inputs from Reuters and AFP)", "closing"),
    ("Officials met on Monday.\n\nDelegates arrive at the venue. (Photo: AFP)\n\nMore talks are planned.", "photo"),
    ("PARIS (AFP) - Talks resumed.\n\nDelegates arrive. (Photo: Reuters)", "dateline,photo"),
    ("Officials met on Monday.", None),
]


@pytest.mark.parametrize("text,position", POSITIONS)
def test_credit_position(text, position):
    assert attribute("", text).position == position
