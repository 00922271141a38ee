"""Who publishes: the outlets (fixed for every seed, each with its boilerplate: About paragraph,
share line, "Follow us on:" line), the agencies' datelines and feed URLs, and the outlets'
date line."""
from __future__ import annotations

import datetime as _dt
import random
import re
from dataclasses import dataclass
from typing import List

from .grammar import Topic, choice, randint
from .vocabulary import AGENCIES, CITY_COUNTRY, MONTH_ABBR, MONTH_ABBR_DOT, MONTHS, OUTLET_NAMES


@dataclass
class Outlet:
    """A news outlet that reprints agency stories, with its own boilerplate."""
    name: str
    domain: str
    feed_url: str
    about: str
    share: str
    follow: str
    section: str


def _make_outlets() -> List[Outlet]:
    r = random.Random("wirefeed-outlets-v1")  # fixed: outlets are the same for every seed
    out = []
    for name in OUTLET_NAMES:
        base = name[4:] if name.startswith("The ") else name
        domain = "www." + re.sub(r"[^a-z]", "", base.lower()) + ".example"
        city, country = choice(r, CITY_COUNTRY)
        topics = r.sample(["politics", "business", "culture", "sport", "science", "technology",
                           "health", "the environment", "education", "local government",
                           "agriculture", "transport", "crime", "the arts"], 3)
        year = randint(r, 1852, 2015)
        owner = choice(r, ("independent", "employee-owned", "reader-funded", "family-owned"))
        freq = choice(r, ("daily", "digital", "weekly", "regional"))
        reach = choice(r, ("the wider region", "the world", "neighbouring countries"))
        about = [f"About {name}: founded in {year} in {city}, {name} is an {owner} {freq} "
                 f"newspaper covering {topics[0]}, {topics[1]} and {topics[2]} across "
                 f"{country} and {reach}."]
        if r.random() < 0.5:
            about.append(f"Our {choice(r, ('reporters', 'correspondents', 'journalists'))} follow "
                         f"the {choice(r, ('editorial code', 'press charter'))} of the "
                         f"{choice(r, ('National', 'Regional', 'Independent'))} Press Council.")
        about.append(f"Tips and corrections: {choice(r, ('newsroom', 'desk', 'editors', 'tips'))}"
                     f"@{domain[4:]}, {randint(r, 100, 999)} {randint(r, 1000, 9999)} {randint(r, 100, 999)}.")
        about = " ".join(about)
        share = choice(r, (
            "Share this article: Facebook | X | WhatsApp | Email | Copy link",
            "Share this article",
            "Share on Facebook Share on X Share on LinkedIn Share via Email Print this article",
            "SHARE THIS ARTICLE Facebook Twitter Telegram WhatsApp",
            "Share: Facebook Twitter Reddit Email"))
        follow = choice(r, ("Follow us on:", "Follow us on:", "Follow us on: Facebook, X, Instagram",
                           "Follow us on: Telegram | WhatsApp | Google News"))
        out.append(Outlet(name=name, domain=domain, feed_url=f"https://{domain}/rss",
                          about=about, share=share, follow=follow,
                          section=choice(r, ("world", "news", "international", "latest"))))
    return out


OUTLETS = _make_outlets()
OUTLET_BY_NAME = {o.name: o for o in OUTLETS}  # name -> Outlet


# dateline style (AGENCIES) -> its dateline and credit prefix; CITY is the city upper-cased
_DATELINES = {
    "reuters": "{CITY}, {abbr} {day} (Reuters) - ",
    "ap": "{CITY} (AP) \u2014 ",
    "afp": "{city} (AFP) - ",
    "xinhua": "{CITY}, {abbr_dot} {day} (Xinhua) -- ",
    "tass": "{CITY}, {month} {day}. /TASS/. ",
    "dpa": "{city} (dpa) - ",
    "efe": "{city}, {abbr} {day} (EFE).- ",
    "ansa": "{CITY}, {month} {day} (ANSA) - ",
    "yonhap": "{CITY}, {abbr_dot} {day} (Yonhap) -- ",
    "pti": "{city}, {abbr} {day} (PTI) ",
    "anadolu": "{CITY} (AA) - ",
    "kyodo": "{CITY}, {abbr_dot} {day} (Kyodo) -- ",
}


def agency_dateline(agency: str, city: str, when: _dt.datetime) -> str:
    """The agency's dateline and credit prefix in its own style ("MOSCOW, Oct 7 (Reuters) - ")."""
    m = when.month - 1
    return _DATELINES[AGENCIES[agency][2]].format(city=city, CITY=city.upper(), day=when.day, month=MONTHS[m],
                                                  abbr=MONTH_ABBR[m], abbr_dot=MONTH_ABBR_DOT[m])


def agency_feed_url(agency: str, section: str) -> str:
    """The URL of the agency's feed for `section`."""
    return f"https://www.{AGENCIES[agency][0]}/rss/{section}"


def section_of(topic: Topic) -> str:
    """The feed section an agency files a story on `topic` under."""
    return {"world": "world", "politics": "world", "business": "business", "science": "science",
            "health": "health", "environment": "science"}.get(topic.domain, "world")


def outlet_date_line(when: _dt.datetime) -> str:
    """An outlet's date line for `when`: "October 7, 2026, 5:16 pm"."""
    h = when.hour % 12 or 12
    return f"{MONTHS[when.month - 1]} {when.day}, {when.year}, {h}:{when.minute:02d} {'am' if when.hour < 12 else 'pm'}"
