"""A deterministic generator of agency originals, outlet reprints and hard negatives.

Evaluation data for a near-duplicate (MinHash/LSH) clusterer of news stories. Agencies publish
originals on their own wires; outlets reprint them with edits; the gold label (`Item.cluster`)
groups an original with all its reprints. Hard negatives look alike on the surface but are
different stories, each in its own gold cluster.

    items = generate(2000, seed=7)                  # originals + reprints + negatives
    gold = {it.id: it.cluster for it in items}      # for benchmarks.cluster_metrics
    paths = to_feed_files(items, "/tmp/bench")      # RSS 2.0 files + /tmp/bench/feeds.opml

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

import bisect
import datetime as _dt
import email.utils
import html
import json
import math
import os
import pathlib
import random
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple
from xml.sax.saxutils import escape as _xml_escape
from xml.sax.saxutils import quoteattr as _xml_attr

__all__ = ["Item", "Topic", "load_articles", "synthetic_articles", "generate", "to_feed_files",
           "gold_labels", "REPRINT_TRANSFORMS", "NEGATIVE_TYPES", "DEFAULT_REAL_PATH"]

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_REAL_PATH = (ROOT.parent / "shared" / "data" / "real-feeds" / "parsed-entries"
                     / "rumca-2022-01to08.jsonl")
UTC = _dt.timezone.utc
BASE_TIME = _dt.datetime(2026, 1, 5, 0, 0, tzinfo=UTC)
MAX_ITEMS_PER_FILE = 2000

REPRINT_TRANSFORMS = (
    "full", "truncate1", "truncate2", "truncate3", "summary-only", "headline", "drop-para",
    "insert-para", "follow-us", "date-line", "photo-caption", "inputs-credit", "about-para",
    "share-line", "title-suffix", "dateline-add", "dateline-remove", "word-edits",
    "sentence-swap", "number-change")
NEGATIVE_TYPES = ("outlet-boilerplate", "same-topic", "agency-versions", "short")


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


# ============================================================================================
# Vocabulary. Large lists so that independent draws rarely agree on several slots in a row.
# ============================================================================================

def _w(s: str) -> List[str]:
    return s.split()


def _lines(s: str) -> List[str]:
    return [x.strip() for x in s.strip().split(",") if x.strip()]


FIRST_NAMES = _w("""
Amara Bilal Chiara Dmitri Elif Farid Greta Hamza Ingrid Javier Kavya Lukas Mariam Nikolai Oluwaseun
Priya Quentin Rania Soren Tamar Umar Valentina Wen Ximena Yusuf Zofia Adebayo Beatriz Cyrus Daniela
Emeka Fatima Gustavo Hana Ibrahim Jelena Kenji Leila Mateo Nadia Omar Paulina Rashid Sakura Tobias
Ulrike Viktor Wanjiru Yara Zainab Aleksander Bongani Camila Dario Esther Felipe Gulnara Hiroshi Isabel
Joaquim Kamala Lorenzo Meera Nnamdi Oskar Pilar Ruslan Svetlana Thabo Uzma Vera Wojciech Xavier
Yasmin Zeynep Anders Bianca Cheng Dalia Eduardo Folasade Giorgos Helga Ilya Jana Karim Lucia Malik
Noor Olga Pedro Rosa Samir Teodora Ugo Vanessa Walid Yiannis Zuzana Ahmed Bruna Casimir Divya Emil
Farah Gabriel Henrik Ines Jamal Kaveh Lena Marek Nour Orla Pavel Qasim Renata Sipho Tariq Ursula Vikram
Yasmina Zoltan Agnieszka Boris Carmen Deniz Elena Fernando Grace Hugo Irina Jorge Katarina Layla
Mikhail Naledi Otto Patricia Rahul Selin Tomas Ulla Valeria William Yelena Zara Alejandro Bogdan
Clara Dawit Ewa Florin Gloria Haruto Ivana Julien Kofi Lina Manuel Nikos Oksana Paolo Rosalind Sami
Tatiana Uriel Veronika Wahid Ximo Yuki Zahra Anton Birgit Chidi Dorota Enzo Freya Goran Hoda Imran
""")
LAST_NAMES = _w("""
Abara Bergstrom Castellano Dobrev Eriksen Farouk Gallagher Hakimi Ivanova Jaramillo Kowalczyk
Lindqvist Mbeki Nakamura Okonkwo Petrovic Quintero Rahmani Sandoval Takahashi Uddin Vasquez Wozniak
Xu Yildiz Zielinski Achterberg Baptiste Chaudhry Delacroix Eze Fonseca Gutierrez Haddad Iwu Janssen
Kiptoo Lombardi Moreau Nasser Oyelaran Pellegrini Radovic Sato Tanaka Ugwu Varga Whitfield Yamamoto
Zapata Adeyemi Bianchi Czerny Dimitrov Esposito Fischer Garcia Horvath Ishikawa Jovanovic Kaur
Laszlo Mendoza Novak Oduya Popescu Rossi Salazar Tkachenko Ueda Vukovic Wojcik Yeboah Zhukov Aksoy
Barzani Cardoso Delgado Ekwueme Fournier Grabowski Hernandez Ilunga Jablonski Kariuki Lemaire
Marchetti Nyambura Olsen Pinto Ramirez Szabo Toure Uchenna Valdez Weber Yilmaz Zamora Alvarez Bakker
Conti Demir Engstrom Ferrari Gomez Hoffmann Ilic Jensen Kamau Lopez Mazur Nkosi Ortega Pereira Quinn
Ruiz Schmidt Torres Urbina Vogel Wagner Yoon Zhou Antonov Bauer Chen Dubois Estrada Falk Greco Holm
Ismail Juarez Keller Leclerc Medina Navarro Otieno Park Reyes Silva Tran Ulloa Vargas Walsh Yadav
Zubair Andersson Boateng Cruz Diallo Ekström Franco Gashi Huang Inoue Jung Kozak Lund Mwangi Nowak
Osei Pacheco Rinaldi Sorensen Tembo Uribe Villanueva Wright Yamada Zeller Amadi Brandt Costa Duarte
Elias Figueroa Guerrero Haas Ito Jovic Kruger Lehmann Mutua Nilsson Obi Pham Ricci Santos Tiwari
""")
CITY_COUNTRY = [tuple(x.split("|")) for x in _lines("""
Lima|Peru, Quito|Ecuador, Bogota|Colombia, Caracas|Venezuela, Santiago|Chile, Montevideo|Uruguay,
Asuncion|Paraguay, La Paz|Bolivia, Brasilia|Brazil, Recife|Brazil, Porto Alegre|Brazil,
Buenos Aires|Argentina, Cordoba|Argentina, Mendoza|Argentina, Guadalajara|Mexico, Monterrey|Mexico,
Oaxaca|Mexico, Guatemala City|Guatemala, San Jose|Costa Rica, Panama City|Panama,
Havana|Cuba, Kingston|Jamaica, Santo Domingo|Dominican Republic, Port-au-Prince|Haiti,
Halifax|Canada, Winnipeg|Canada, Calgary|Canada, Denver|United States, Phoenix|United States,
Detroit|United States, Atlanta|United States, Seattle|United States, Anchorage|United States,
Reykjavik|Iceland, Dublin|Ireland, Cork|Ireland, Glasgow|Britain, Cardiff|Britain, Leeds|Britain,
Lisbon|Portugal, Porto|Portugal, Seville|Spain, Valencia|Spain, Bilbao|Spain, Marseille|France,
Lyon|France, Toulouse|France, Antwerp|Belgium, Rotterdam|Netherlands, Utrecht|Netherlands,
Hamburg|Germany, Leipzig|Germany, Stuttgart|Germany, Zurich|Switzerland, Geneva|Switzerland,
Innsbruck|Austria, Graz|Austria, Milan|Italy, Naples|Italy, Turin|Italy, Palermo|Italy,
Ljubljana|Slovenia, Zagreb|Croatia, Split|Croatia, Sarajevo|Bosnia, Belgrade|Serbia,
Skopje|North Macedonia, Tirana|Albania, Thessaloniki|Greece, Sofia|Bulgaria, Plovdiv|Bulgaria,
Bucharest|Romania, Cluj|Romania, Chisinau|Moldova, Odesa|Ukraine, Lviv|Ukraine, Kharkiv|Ukraine,
Minsk|Belarus, Vilnius|Lithuania, Riga|Latvia, Tallinn|Estonia, Gdansk|Poland, Krakow|Poland,
Wroclaw|Poland, Brno|Czech Republic, Bratislava|Slovakia, Debrecen|Hungary, Aarhus|Denmark,
Bergen|Norway, Tromso|Norway, Gothenburg|Sweden, Malmo|Sweden, Tampere|Finland, Oulu|Finland,
Kazan|Russia, Novosibirsk|Russia, Vladivostok|Russia, Yekaterinburg|Russia, Tbilisi|Georgia,
Yerevan|Armenia, Baku|Azerbaijan, Izmir|Turkey, Ankara|Turkey, Antalya|Turkey, Beirut|Lebanon,
Amman|Jordan, Aqaba|Jordan, Haifa|Israel, Ramallah|Palestinian Territories, Erbil|Iraq,
Basra|Iraq, Mosul|Iraq, Isfahan|Iran, Tabriz|Iran, Muscat|Oman, Doha|Qatar, Manama|Bahrain,
Jeddah|Saudi Arabia, Dammam|Saudi Arabia, Sanaa|Yemen, Aden|Yemen, Alexandria|Egypt, Luxor|Egypt,
Benghazi|Libya, Tunis|Tunisia, Sfax|Tunisia, Oran|Algeria, Casablanca|Morocco, Fez|Morocco,
Dakar|Senegal, Bamako|Mali, Niamey|Niger, Ouagadougou|Burkina Faso, Accra|Ghana, Kumasi|Ghana,
Lome|Togo, Cotonou|Benin, Ibadan|Nigeria, Kano|Nigeria, Enugu|Nigeria, Douala|Cameroon,
Libreville|Gabon, Kinshasa|DR Congo, Goma|DR Congo, Kigali|Rwanda, Kampala|Uganda, Mombasa|Kenya,
Kisumu|Kenya, Arusha|Tanzania, Dodoma|Tanzania, Lusaka|Zambia, Harare|Zimbabwe, Bulawayo|Zimbabwe,
Maputo|Mozambique, Beira|Mozambique, Windhoek|Namibia, Gaborone|Botswana, Durban|South Africa,
Gqeberha|South Africa, Antananarivo|Madagascar, Addis Ababa|Ethiopia, Hargeisa|Somaliland,
Khartoum|Sudan, Juba|South Sudan, Karachi|Pakistan, Peshawar|Pakistan, Lahore|Pakistan,
Chennai|India, Pune|India, Kolkata|India, Jaipur|India, Kochi|India, Dhaka|Bangladesh,
Chittagong|Bangladesh, Kathmandu|Nepal, Colombo|Sri Lanka, Male|Maldives, Yangon|Myanmar,
Chiang Mai|Thailand, Phuket|Thailand, Vientiane|Laos, Phnom Penh|Cambodia, Da Nang|Vietnam,
Haiphong|Vietnam, Penang|Malaysia, Kuching|Malaysia, Surabaya|Indonesia, Medan|Indonesia,
Makassar|Indonesia, Davao|Philippines, Cebu|Philippines, Kaohsiung|Taiwan, Busan|South Korea,
Daegu|South Korea, Sapporo|Japan, Fukuoka|Japan, Sendai|Japan, Chengdu|China, Wuhan|China,
Xiamen|China, Harbin|China, Kunming|China, Ulaanbaatar|Mongolia, Almaty|Kazakhstan,
Bishkek|Kyrgyzstan, Dushanbe|Tajikistan, Samarkand|Uzbekistan, Ashgabat|Turkmenistan,
Perth|Australia, Darwin|Australia, Hobart|Australia, Adelaide|Australia, Christchurch|New Zealand,
Dunedin|New Zealand, Suva|Fiji, Apia|Samoa, Nuku'alofa|Tonga, Port Moresby|Papua New Guinea
""")]

ROLES = _lines("""
Foreign Minister, Finance Minister, Health Minister, Interior Minister, Defence Minister,
Energy Minister, Trade Minister, Transport Minister, Education Minister, Agriculture Minister,
Justice Minister, Environment Minister, Labour Minister, Prime Minister, President, Vice President,
Governor, Mayor, Deputy Mayor, Senator, Opposition Leader, Police Chief, Army Chief, Central Bank Governor,
Chief Executive, Chief Financial Officer, Union Leader, Chief Prosecutor, Chief Justice,
Coast Guard Commander, Fire Chief, Chief Medical Officer, Party Chairman, Speaker, Ambassador,
Special Envoy, Regional Administrator, Harbour Master, Civil Aviation Director, Elections Commissioner
""")
ORG_HEADS = _lines("""
Ministry of, Agency for, Council for, Commission on, Institute of, Authority for,
Federation of, Office of, Directorate of, Bureau of, Board of, Association of, Alliance for
""")
ORG_FIELDS = _lines("""
Water Resources, Civil Defence, Public Health, Ports and Shipping, Rural Development, Energy Security,
Financial Stability, Food Safety, Mining Affairs, Disaster Management, Digital Services,
Railway Infrastructure, Fisheries, Forestry, Higher Education, Consumer Protection,
Competition Policy, Nuclear Safety, Maritime Affairs, Urban Planning, Tourism Promotion,
Customs and Excise, Migration, Veterinary Services, Meteorology, Road Safety, Statistics,
Human Rights, Cultural Heritage, Labour Relations, Housing, Telecommunications, Aviation Safety,
Social Security, Pharmaceuticals, Elections, Border Security, Land Registry, Climate Adaptation,
Seismology, Water Supply, Electricity Regulation, Antiquities, Wildlife Protection, Space Research
""")
CO_SYLLABLES_A = _w("""
Vel Nor Ast Cor Del Quan Tek Mar Sol Ver Ald Bre Kas Lum Ori Pax Ryn Sev Tal Ulm Vox Wes Zan Hal
Fen Gal Ist Jor Kel Lin Mon Nex Oct Pol Ros Sar Tor Uva Val Yor
""")
CO_SYLLABLES_B = _w("""
ara ex ica on ora is ent ium ova ant ix el ico orn ada ent eon ia yx ari ens ost umi ado era
""")
CO_KINDS = _w("""
Motors Energy Holdings Pharma Logistics Telecom Mining Airlines Bank Shipping Steel Foods Chemicals
Textiles Robotics Cement Insurance Semiconductors Petroleum Power Railways Fertilisers Media Capital
""")
GROUPS = _w("""
farmers workers residents doctors nurses teachers students miners fishermen drivers pilots
engineers soldiers police officers firefighters volunteers pensioners traders shopkeepers
investors bankers lawyers judges voters protesters refugees migrants passengers tourists
patients scientists researchers journalists activists lawmakers diplomats villagers commuters
dockworkers technicians inspectors auditors midwives paramedics cyclists growers ranchers
herders exporters importers landlords tenants contractors clerks prosecutors negotiators
""")
NOUNS = _w("""
budget ceasefire pipeline vaccine tariff reservoir harbour bridge railway election referendum
subsidy levy pension treaty corridor embargo blockade airstrike offensive convoy shipment cargo
inquiry audit verdict appeal ruling indictment warrant lawsuit settlement merger takeover bid
dividend bond auction deficit surplus inflation forecast outlook slowdown rebound shortage glut
drought flood landslide earthquake wildfire cyclone heatwave outbreak epidemic quarantine clinic
hospital ward ambulance vaccine-maker laboratory trial drug antidote reactor turbine substation
grid outage blackout dam canal levee embankment highway tunnel terminal runway airport seaport
warehouse refinery smelter factory plant mill quarry mine shaft oilfield gasfield wellhead
satellite rocket launch probe telescope observatory archive museum monument shrine cathedral
mosque temple festival tournament championship match fixture stadium league transfer contract
strike walkout protest rally march vigil curfew crackdown amnesty pardon extradition asylum
visa passport census ballot manifesto coalition cabinet reshuffle impeachment motion veto decree
regulation directive guideline framework roadmap blueprint proposal initiative programme scheme
fund grant loan bailout stimulus package rescue overhaul reform privatisation nationalisation
licence permit quota ration stockpile reserve inventory harvest crop yield fertiliser seed
livestock herd fishery catch timber logging deforestation emission pollutant spill leak sewage
landfill recycling plastic battery charger semiconductor chip software update breach hack leak
outage platform app database server cable network tower antenna frequency spectrum broadband
ferry tanker freighter trawler barge submarine frigate destroyer drone missile battery radar
checkpoint crossing border fence wall outpost garrison barracks depot arsenal stockade
negotiation summit dialogue mediation truce accord pact memorandum communique statement
shortfall windfall backlog waiting-list caseload headcount payroll wage bonus overtime
pay-rise price fare toll rent mortgage deposit savings remittance exchange-rate currency
peg devaluation bourse index benchmark stake shareholding listing flotation prospectus
""")
PLURALS_EXTRA = _w("""
talks sanctions elections protests negotiations reforms tariffs subsidies rations repairs
inspections evacuations arrests deportations layoffs closures shortages exports imports
shipments deliveries flights voyages patrols raids airstrikes rescues payouts refunds
""")
ADJECTIVES = _w("""
fragile sweeping controversial landmark unprecedented delayed temporary permanent regional
national municipal provincial federal coastal northern southern eastern western central remote
rural urban informal illegal unpaid overdue outstanding contested disputed fresh renewed revised
tentative preliminary final binding nonbinding voluntary mandatory emergency interim annual
quarterly monthly weekly ambitious modest costly cheap expensive lengthy brief rapid gradual
sharp steep mild severe deadly violent peaceful tense calm chaotic orderly crowded empty flooded
scorched frozen damaged collapsed abandoned restored rebuilt upgraded outdated obsolete modern
digital electric nuclear solar offshore onshore underground overhead cross-border bilateral
multilateral joint secret public private confidential classified leaked unverified official
informal independent state-owned family-run foreign domestic local international long-awaited
long-running short-lived high-profile low-key last-minute record-breaking multi-year
cash-strapped debt-laden drought-hit flood-hit quake-hit war-torn oil-rich landlocked
mountainous low-lying densely-populated sparsely-populated historic ageing crumbling overcrowded
understaffed underfunded overstretched lucrative loss-making profitable bankrupt insolvent
volatile stable resilient sluggish buoyant subdued robust weak strong partial full complete
sudden unexpected anticipated scheduled unscheduled rare frequent recurring seasonal widespread
isolated targeted blanket phased staggered accelerated stalled suspended resumed expanded
""")
VERBS = _w("""
approve reject review extend suspend resume expand restrict tighten ease raise lower boost
trim cut freeze unfreeze delay postpone announce unveil launch scrap cancel block endorse
back oppose criticise defend question probe investigate audit inspect monitor track deploy
withdraw recall dismiss appoint nominate elect sign ratify renew revoke impose lift waive
double halve overhaul restructure reorganise merge acquire sell buy fund finance subsidise
tax fine penalise sue charge arrest detain release free evacuate relocate rebuild repair
restore reopen close shut seal open expose reveal confirm deny dispute challenge overturn
uphold accept decline demand request seek secure win lose miss hit exceed surpass reach
negotiate broker mediate host attend boycott skip chair lead join leave quit abandon
revive stall accelerate speed slow halt stop start complete finish draft publish leak
release report estimate forecast predict project calculate count tally verify
""")
IRREGULAR = {
    "cut": ("cut", "cut"), "freeze": ("froze", "frozen"), "unfreeze": ("unfroze", "unfrozen"),
    "withdraw": ("withdrew", "withdrawn"), "sell": ("sold", "sold"), "buy": ("bought", "bought"),
    "seek": ("sought", "sought"), "win": ("won", "won"), "lose": ("lost", "lost"),
    "hit": ("hit", "hit"), "lead": ("led", "led"), "leave": ("left", "left"),
    "quit": ("quit", "quit"), "shut": ("shut", "shut"), "stop": ("stopped", "stopped"),
    "scrap": ("scrapped", "scrapped"), "cancel": ("cancelled", "cancelled"),
    "trim": ("trimmed", "trimmed"), "speed": ("sped up", "sped up"),
    "slow": ("slowed", "slowed"), "draft": ("drafted", "drafted"),
    "upgrade": ("upgraded", "upgraded"), "skip": ("skipped", "skipped"),
    "uphold": ("upheld", "upheld"),
    "rebuild": ("rebuilt", "rebuilt"), "forecast": ("forecast", "forecast"),
}
ADVERBS = _w("""
sharply quietly abruptly narrowly largely partly fully briefly formally informally publicly
privately jointly separately swiftly slowly repeatedly reluctantly unanimously provisionally
temporarily indefinitely officially tentatively cautiously firmly openly
""")
KP_MODIFIERS = _w("""
emergency grain cross-border coastal flood rail freight power water fuel food medical rescue
transit customs wage pension housing tax debt bond trade export import fishing mining timber
vaccine testing border airport harbour ferry bridge tunnel pipeline grid solar wind nuclear
coal gas oil copper lithium cobalt wheat rice maize cocoa coffee sugar cotton dairy cattle
poultry forest river mountain desert island valley delta lagoon glacier reef wetland
""")
WEEKDAYS = _w("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
MONTHS = _w("January February March April May June July August September October November December")
MONTH_ABBR = ["Jan", "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Oct", "Nov",
              "Dec"]
MONTH_ABBR_DOT = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.",
                  "Oct.", "Nov.", "Dec."]
DOMAINS = ("world", "business", "politics", "science", "health", "environment")

SAID = _lines("""
said, told reporters, told lawmakers, told parliament, said, added, stated, noted, insisted
""")
PLATFORMS = _w("X Telegram Facebook Instagram WhatsApp TikTok LinkedIn YouTube Weibo")
ADJ_STATEMENT = _w("""written brief lengthy joint short terse televised recorded formal signed
separate public private video radio detailed prepared rare""")
STATEMENT = _w("statement briefing interview address speech post message hearing")
OPENERS = _lines("""
Meanwhile, Earlier, Separately, However, By contrast,
Late last year, Since then, In response, Under the plan, For now, Until then, As a result,
On the ground, In the meantime, Elsewhere, Days later, Last week, In recent days
""")
PREPS = _w("for on over in near along across against with without beyond")
SYNONYMS = {
    "said": "stated", "told": "informed", "about": "around", "more": "further",
    "began": "started", "start": "begin", "big": "large", "large": "big", "help": "assist",
    "show": "indicate", "showed": "indicated", "buy": "purchase", "bought": "purchased",
    "need": "require", "needs": "requires", "try": "attempt", "tried": "attempted",
    "end": "conclude", "ended": "concluded", "cut": "reduced", "rise": "increase",
    "rose": "increased", "fall": "decline", "fell": "declined", "plan": "proposal",
    "talks": "negotiations", "deal": "agreement", "officials": "authorities", "people": "persons",
    "after": "following", "before": "prior to", "because": "as", "but": "however,",
    "also": "additionally", "near": "close to", "quickly": "swiftly", "many": "numerous",
    "severe": "serious", "serious": "severe", "fresh": "new", "new": "fresh", "chief": "head",
    "head": "chief", "building": "structure", "country": "nation", "nation": "country",
    "government": "administration", "city": "town", "region": "area", "area": "region",
    "sharply": "steeply", "lawmakers": "legislators", "protest": "demonstration",
    "protests": "demonstrations", "firm": "company", "company": "firm", "warned": "cautioned",
    "expected": "anticipated", "likely": "probable", "damaged": "harmed", "killed": "left dead",
    "rejected": "turned down", "approved": "passed", "suspended": "halted", "halted": "suspended",
    "announced": "declared", "launched": "started", "reviewed": "examined", "week": "weekend",
    "month": "period", "residents": "locals", "workers": "employees", "cost": "price",
    "costs": "expenses", "emergency": "crisis", "plans": "proposals", "the": "this",
}
AGENCIES = {
    # name: (domain, weight, dateline style)
    "Reuters": ("reuters.example", 6, "reuters"),
    "AP": ("apnews.example", 5, "ap"),
    "AFP": ("afp.example", 4, "afp"),
    "Xinhua": ("xinhuanet.example", 3, "xinhua"),
    "TASS": ("tass.example", 2, "tass"),
    "dpa": ("dpa-international.example", 2, "dpa"),
    "EFE": ("efe.example", 1, "efe"),
    "ANSA": ("ansa.example", 1, "ansa"),
    "Yonhap": ("yna.example", 1, "yonhap"),
    "PTI": ("ptinews.example", 1, "pti"),
    "Anadolu": ("aa.example", 1, "anadolu"),
    "Kyodo": ("kyodonews.example", 1, "kyodo"),
}
AGENCY_NAMES = list(AGENCIES)
AGENCY_WEIGHTS = [AGENCIES[a][1] for a in AGENCY_NAMES]
AGENCY_SECTIONS = ("world", "business", "science", "health")
OUTLET_NAMES = _lines("""
The Harbour Times, The Meridian Post, Lakeland Courier, Pacific Rim Digest, Coastal Daily,
Tidewater Herald, The Northgate Herald, Riverside Gazette, The Summit Ledger, Delta Morning News,
The Granite Observer, Bayview Chronicle, The Prairie Sentinel, Highland Dispatch,
The Crescent Tribune, Eastbank Record, The Lantern Review, Ironbridge Post, The Saltmarsh Echo,
Cedar Valley Times, The Continental Monitor, Orchard Street Journal, The Equator Weekly,
Silverline News, The Compass Report, Marbleport Daily, The Kestrel Bulletin, Westmoor Mercury,
The Atlas Wire Review, Sunfield Express, The Quayside Press, Redcliff Examiner,
The Horizon Standard, Millbrook Clarion, The Parallel Times, Stonehaven Guardian,
The Open Sea Gazette, Juniper Hill Observer, The Frontier Ledger, Bluewater Herald
""")


def _past(v: str) -> str:
    if v in IRREGULAR:
        return IRREGULAR[v][0]
    if v.endswith("e"):
        return v + "d"
    if v.endswith("y") and v[-2] not in "aeiou":
        return v[:-1] + "ied"
    return v + "ed"


def _pp(v: str) -> str:
    return IRREGULAR[v][1] if v in IRREGULAR else _past(v)


def _third(v: str) -> str:
    if v.endswith(("s", "sh", "ch", "x", "z", "o")):
        return v + "es"
    if v.endswith("y") and v[-2] not in "aeiou":
        return v[:-1] + "ies"
    return v + "s"


VERB_PAST = {v: _past(v) for v in VERBS}
VERB_PP = {v: _pp(v) for v in VERBS}
VERB_3RD = {v: _third(v) for v in VERBS}


# ============================================================================================
# Sentence grammar
# ============================================================================================

def _ch(r: random.Random, seq):
    """r.choice, faster (one C call); deterministic in r like everything here."""
    return seq[int(r.random() * len(seq))]


def _ri(r: random.Random, a: int, b: int) -> int:
    """r.randint(a, b), faster."""
    return a + int(r.random() * (b - a + 1))


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def _a(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def _poss(s: str) -> str:
    return s + "'" if s.endswith("s") else s + "'s"


def _fmt_int(n: int) -> str:
    return f"{n:,}"


def _number(r: random.Random) -> str:
    k = r.random()
    if k < 0.3:
        return _fmt_int(_ch(r, (_ri(r, 12, 990), _ri(r, 1000, 99000),
                                  _ri(r, 100, 900) * 1000 + _ch(r, (0, 500)))))
    if k < 0.5:
        return f"{_ri(r, 1, 89)}.{_ri(r, 1, 9)}%"
    if k < 0.75:
        cur = _ch(r, ("$", "$", "€", "£"))
        return f"{cur}{_ri(r, 1, 99)}.{_ri(r, 1, 9)} {_ch(r, ('million', 'billion'))}"
    return _fmt_int(_ri(r, 3, 950))


def _company(r: random.Random) -> str:
    return _ch(r, CO_SYLLABLES_A) + _ch(r, CO_SYLLABLES_B) + " " + _ch(r, CO_KINDS)


def _org(r: random.Random, city: str, country: str) -> str:
    """An organisation name; every form carries a topic-specific or rare word."""
    k = r.random()
    if k < 0.35:
        return f"{_poss(country)} {_ch(r, ORG_HEADS)} {_ch(r, ORG_FIELDS)}"
    if k < 0.7:
        return _company(r)
    kind = _ch(r, ("Agency", "Board", "Council", "Authority", "Office", "Commission"))
    return f"the {city} {_ch(r, ORG_FIELDS)} {kind}"


def make_topic(r: random.Random) -> Topic:
    city, country = _ch(r, CITY_COUNTRY)
    people = []
    for _ in range(_ri(r, 2, 4)):
        people.append((f"{_ch(r, FIRST_NAMES)} {_ch(r, LAST_NAMES)}", _ch(r, ROLES)))
    places = [city] + [c for c, k in r.sample(CITY_COUNTRY, 3)]
    orgs = [_org(r, city, country) for _ in range(_ri(r, 2, 3))]
    numbers = [_number(r) for _ in range(_ri(r, 4, 6))]
    phrases = []
    for _ in range(3):
        mods = r.sample(KP_MODIFIERS, 2)
        phrases.append(" ".join(mods[:_ri(r, 1, 2)]) + " " + _ch(r, NOUNS))
    return Topic(domain=_ch(r, DOMAINS), people=people, city=city, country=country,
                 places=places, orgs=orgs, numbers=numbers, phrases=phrases,
                 groups=r.sample(GROUPS, 3))


_GENERIC_FIRST = set(GROUPS) | set(ADJECTIVES) | set(PLURALS_EXTRA) | {"the", "at", "a", "an"}


class _Grammar:
    """Sentences about one topic. `kp` = how often key phrases/numbers replace random slots."""

    def __init__(self, r: random.Random, t: Topic, kp: float = 0.2):
        self.r, self.t, self.kp = r, t, kp
        self.plural = False

    # ---- slots
    def person(self) -> str:
        return _ch(self.r, self.t.people)[0]

    def surname(self) -> str:
        return self.person().split()[-1]

    def titled(self) -> str:
        name, role = _ch(self.r, self.t.people)
        if self.r.random() < 0.5:
            return f"{role} {name}"
        return f"{name}, the {_ch(self.r, ADJECTIVES)} {role.lower()},"

    def org(self) -> str:
        return _ch(self.r, self.t.orgs)

    def place(self) -> str:
        return _ch(self.r, self.t.places)

    def num(self) -> str:
        if self.r.random() < 0.6:
            return _ch(self.r, self.t.numbers)
        return _number(self.r)

    def count(self) -> str:
        counts = [n for n in self.t.numbers if n[:1].isdigit() and n[-1:].isdigit() and "." not in n]
        if counts and self.r.random() < 0.6:
            return _ch(self.r, counts)
        return _fmt_int(_ch(self.r, (_ri(self.r, 3, 990), _ri(self.r, 1000, 90000))))

    def money(self) -> str:
        money = [n for n in self.t.numbers if n[:1] in "$\u20ac\u00a3"]
        if money and self.r.random() < 0.6:
            return _ch(self.r, money)
        cur = _ch(self.r, ("$", "\u20ac", "\u00a3"))
        return f"{cur}{_ri(self.r, 1, 99)}.{_ri(self.r, 1, 9)} {_ch(self.r, ('million', 'billion'))}"

    def said(self) -> str:
        """A speech verb with a varied tail, so no long fixed run follows a name."""
        r = self.r
        k = _ri(r, 0, 8)
        if k <= 2:
            return _ch(r, SAID)
        if k == 3:
            return f"told {self.group()}"
        if k == 4:
            return f"told reporters in {self.place()}"
        if k == 5:
            return f"said in {_a(_ch(r, ADJ_STATEMENT))} {_ch(r, STATEMENT)}"
        if k == 6:
            return f"posted on {_ch(r, PLATFORMS)}"
        if k == 7:
            return f"told {self.place()} {_ch(r, ('radio', 'television', 'officials', 'councillors'))}"
        return f"said on {_ch(r, WEEKDAYS)}"

    def group(self) -> str:
        if self.r.random() < 0.6:
            return _ch(self.r, self.t.groups)
        return _ch(self.r, GROUPS)

    def noun(self) -> str:
        return _ch(self.r, NOUNS)

    def adj(self) -> str:
        return _ch(self.r, ADJECTIVES)

    def verb(self) -> str:
        return _ch(self.r, VERBS)

    def np(self) -> str:
        r = self.r
        if r.random() < self.kp:
            return "the " + _ch(r, self.t.phrases)
        k = _ri(r, 0, 8)
        if k == 0:
            return f"the {self.adj()} {self.noun()}"
        if k == 1:
            return f"{_a(self.adj())} {self.noun()} {_ch(r, PREPS)} {self.noun()}"
        if k == 2:
            return f"{_poss(self.org())} {self.noun()}"
        if k == 3:
            return f"the {self.noun()} {_ch(r, PREPS)} {self.place()}"
        if k == 4:
            return f"{self.money()} worth of {self.noun()} {_ch(r, ('contracts', 'aid', 'repairs', 'claims'))}"
        if k == 5:
            return f"{_ch(r, PLURALS_EXTRA)} by {self.group()}"
        if k == 6:
            return f"the {self.adj()} {_ch(r, KP_MODIFIERS)} {self.noun()}"
        if k == 7:
            return f"{self.group()} {_ch(r, ('from', 'in', 'around', 'outside'))} {self.place()}"
        return f"{self.adj()} {_ch(r, PLURALS_EXTRA)}"

    def subj(self) -> str:
        """A sentence subject; sets self.plural for verb agreement."""
        r = self.r
        k = _ri(r, 0, 7)
        self.plural = k in (3, 5)
        if k == 0:
            return self.person()
        if k == 1:
            return self.titled()
        if k == 2:
            return _cap(self.org())
        if k == 3:
            return f"{_cap(self.group())} in {self.place()}"
        if k == 4:
            return f"The {self.adj()} {self.noun()}"
        if k == 5:
            return f"At least {self.count()} {self.group()}"
        if k == 6:
            word = _ch(r, ('office', 'committee', 'board', 'authorities', 'council'))
            self.plural = word == "authorities"
            return f"{_poss(self.place())} {self.noun()} {word}"
        return f"{_poss(self.surname())} {self.adj()} {self.noun()}"

    def adjunct(self) -> str:
        r = self.r
        k = _ri(r, 0, 12)
        if k == 0:
            return f" on {_ch(r, WEEKDAYS)}"
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
            return f" {_ch(r, ('since', 'unlike in', 'as in', 'before'))} {_ch(r, MONTHS)} {_ri(r, 1961, 2024)}"
        if k == 7:
            return f" ahead of {self.np()}"
        if k == 8:
            return f" following {self.np()}"
        if k == 9:
            return f" by {_ch(r, MONTHS)}"
        if k == 10:
            return f" {_ch(r, ADVERBS)}"
        return ""

    # ---- sentences
    def sentence(self) -> str:
        r = self.r
        k = _ri(r, 0, 11)
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
            s = (f"{self.count()} {self.group()} were {VERB_PP[v]} {_ch(r, PREPS)} "
                 f"{self.place()}{self.adjunct()}, {self.org()} {self.said()}")
        elif k == 6:
            sub = self.subj()
            when = _ch(r, ("within weeks", "this year", "next month", "before the vote",
                           f"by {_ch(r, MONTHS)} {_ri(r, 1, 28)}"))
            s = f"{sub} {'are' if self.plural else 'is'} expected to {v} {self.np()} {when}"
        elif k == 7:
            s = f"{self.subj()} {_ch(r, ADVERBS)} {VERB_PAST[v]} {self.np()} and {VERB_PAST[self.verb()]} {self.np()}"
        elif k == 8:
            s = f"{self.np()} {_ch(r, ('rose', 'fell', 'climbed', 'dropped', 'jumped', 'slipped'))} to {self.num()}{self.adjunct()}"
        elif k == 9:
            s = f"{self.surname()} called for {self.np()} to be {VERB_PP[v]}{self.adjunct()}"
        elif k == 10:
            s = f"{self.np()} {_ch(r, ('has', 'had'))} {VERB_PP[v]} {self.np()} since {_ri(r, 1975, 2025)}"
        else:
            s = f"{self.subj()} {VERB_PAST[v]} {self.np()}, while {self.np()} {VERB_PAST[self.verb()]} {self.np()}"
        s = _cap(s)
        if r.random() < 0.2:
            if s.split(" ", 1)[0].lower() in _GENERIC_FIRST:
                s = s[:1].lower() + s[1:]
            s = _ch(r, OPENERS) + ", " + s
        return s + "."

    def quote_text(self) -> str:
        """A first-person quote of 15-25 words, no surrounding quote marks."""
        r = self.r
        for _ in range(50):
            parts: List[str] = []
            words = 0
            while words < 15:
                k = _ri(r, 0, 7)
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
                    c = f"I {VERB_PAST[v]} {self.np()} {_ch(r, ('myself', 'twice', 'yesterday', 'last year', 'in person'))}"
                else:
                    c = f"it is {self.adj()} and {self.adj()}"
                parts.append(c)
                words += len(c.split())
            joiners = [_ch(r, (", and ", ". ", " but ", "; ", ", so ")) for _ in parts[1:]]
            out = parts[0]
            for j, p in zip(joiners, parts[1:]):
                out += j + (_cap(p) if j == ". " else p)
            if 15 <= len(out.split()) <= 25:
                return _cap(out)
        return _cap(out)

    def quote_sentence(self, quote: str) -> str:
        r = self.r
        name, role = _ch(r, self.t.people)
        k = _ri(r, 0, 3)
        if k == 0:
            return f"\u201c{quote},\u201d {name.split()[-1]} {self.said()}."
        if k == 1:
            return f"\u201c{quote},\u201d said {name}, the {role.lower()}."
        if k == 2:
            return f"\u201c{quote},\u201d {name} {self.said()} {_ch(r, ('on ' + _ch(r, WEEKDAYS), 'in ' + self.place()))}."
        return f"{name.split()[-1]} {self.said()}: \u201c{quote}.\u201d"

    def paragraph(self, lo: int = 2, hi: int = 4) -> List[str]:
        return [self.sentence() for _ in range(_ri(self.r, lo, hi))]

    def headline(self) -> str:
        r = self.r
        v = self.verb()
        k = _ri(r, 0, 9)
        if k == 0:
            h = f"{self.surname()} {VERB_3RD[v]} {self.adj()} {self.noun()} {_ch(r, PREPS)} {self.place()}"
        elif k == 1:
            h = f"{self.t.country} to {v} {_ch(r, self.t.phrases)}"
        elif k == 2:
            react = _ch(r, ("protest", "wait", "worry", "push back"))
            org = _cap(self.org()).replace("The ", "", 1)
            h = f"{org} {VERB_3RD[v]} {self.noun()} as {self.group()} {react}"
        elif k == 3:
            h = f"{self.count()} {self.group()} hit by {self.adj()} {self.noun()} in {self.place()}"
        elif k == 4:
            h = f"{self.surname()} says {self.t.country} will {v} {self.noun()}"
        elif k == 5:
            h = f"Why {_poss(self.place())} {self.noun()} {VERB_3RD[v]} {self.group()}"
        elif k == 6:
            h = f"{_cap(self.adj())} {self.noun()} {VERB_3RD[v]} {self.place()} plans"
        elif k == 7:
            h = f"{self.t.country} {self.noun()}: {self.surname()} {VERB_3RD[v]} {self.adj()} {_ch(r, PLURALS_EXTRA)}"
        elif k == 8:
            what = _ch(r, ("stalls", "resumes", "faces delay", "wins backing", "draws criticism"))
            h = f"{_cap(_ch(r, self.t.phrases))} {what} in {self.place()}"
        else:
            react = _ch(r, ("brace for", "rally against", "welcome", "question"))
            h = (f"{_cap(self.group())} {react} {self.adj()} {self.noun()} {_ch(r, PREPS)} "
                 f"{self.place()}")
        return _cap(h)


# ============================================================================================
# Articles: internal representation (paragraphs as sentence lists)
# ============================================================================================

@dataclass
class _Story:
    title: str
    paras: List[List[str]]
    teaser: str               # the agency's summary (first sentence or first paragraph, no dateline)
    topic: Topic
    quotes: List[str]         # quote texts (no marks)
    origin: str               # "synthetic" | "real"


def _synthetic_story(r: random.Random, topic: Optional[Topic] = None, n_paras=(4, 8),
                     kp: float = 0.2, quotes: Sequence[str] = (), n_quotes=None) -> _Story:
    t = topic or make_topic(r)
    g = _Grammar(r, t, kp)
    paras = [g.paragraph() for _ in range(_ri(r, *n_paras))]
    if n_quotes is None:
        n_quotes = _ch(r, (0, 1, 1, 1, 2, 2))
    qs = list(quotes) + [g.quote_text() for _ in range(n_quotes)]
    for q in qs:
        if len(paras) < 2:
            paras.append(g.paragraph())
        i = _ri(r, 1, len(paras) - 1)
        paras[i].insert(_ri(r, 0, len(paras[i])), g.quote_sentence(q))
    teaser = paras[0][0] if r.random() < 0.6 else " ".join(paras[0])
    return _Story(title=g.headline(), paras=paras, teaser=teaser, topic=t, quotes=qs,
                  origin="synthetic")


def synthetic_articles(n: int, seed: int = 0) -> List[dict]:
    """`n` multi-paragraph articles (4-8 paragraphs of 2-4 sentences), deterministic in `seed`.

    Each dict: title, paragraphs (list of str), summary, quotes (15-25 word quote texts used in
    the paragraphs), topic (dict of people/places/numbers/phrases), origin="synthetic".
    """
    r = random.Random(f"synthetic-articles:{seed}")
    out = []
    for _ in range(n):
        s = _synthetic_story(r)
        out.append({"title": s.title, "paragraphs": [" ".join(p) for p in s.paras],
                    "summary": s.teaser, "quotes": list(s.quotes),
                    "topic": dict(s.topic.__dict__), "origin": "synthetic"})
    return out


# ---- real data --------------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_WS = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_SENT_SPLIT = re.compile(r"(?<=[.!?\u201d\"])\s+(?=[A-Z\u201c\"])")
_REAL_CACHE: Dict[str, List[dict]] = {}


def _clean_html(s: str) -> str:
    s = re.split(r"</p\s*>", s, maxsplit=1, flags=re.I)[0]  # first paragraph only
    s = html.unescape(_TAG.sub(" ", s))
    s = re.sub(r"\s*(Continue reading|Read more)\s*(\.\.\.|\u2026)?\s*$", "", s.strip())
    return _WS.sub(" ", s).strip()


def _shingles(text: str, k: int = 8) -> set:
    w = _WORD.findall(text.lower())
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
_STOP = set(_w("""a an the of to in on for and or but with by from at as is are was were be been
has have had it its this that these those their his her he she they we you our not no will
would could should can may might about after over into than then there here what who how why
when which while more most new says said"""))


def _real_topic(r: random.Random, title: str, text: str) -> Topic:
    """A topic whose names, places and numbers come from a real title/description."""
    t = make_topic(r)
    both = title + ". " + text
    names = list(dict.fromkeys(_ENTITY.findall(both)))
    singles = [s for s in dict.fromkeys(_SINGLE_CAP.findall(both)) if s.lower() not in _STOP]
    nums = [n for n in dict.fromkeys(_NUM.findall(both)) if not re.fullmatch(r"(19|20)\d\d", n)]
    if names:
        t.people = [(n, _ch(r, ROLES)) for n in names[:3]]
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
                  and a not in _STOP and b not in _STOP and len(a) > 2 and len(b) > 2]
    pairs = list(dict.fromkeys(pairs))
    if pairs:
        t.phrases = (pairs[::2] + pairs[1::2] + t.phrases)[:3]
    return t


def _real_story(r: random.Random, row: dict) -> _Story:
    text = row["paragraphs"][0]
    sents = [s for s in _SENT_SPLIT.split(text) if s]
    topic = _real_topic(r, row["title"], text)
    return _Story(title=row["title"], paras=[sents], teaser=text, topic=topic, quotes=[],
                  origin="real")


# ============================================================================================
# Outlets, agencies, datelines, boilerplate
# ============================================================================================

@dataclass
class _Outlet:
    name: str
    domain: str
    feed_url: str
    about: str
    share: str
    follow: str
    section: str


def _slug(s: str, max_words: int = 9) -> str:
    words = re.findall(r"[a-z0-9]+", s.lower())
    return "-".join(words[:max_words]) or "item"


def _make_outlets() -> List[_Outlet]:
    r = random.Random("wirefeed-outlets-v1")  # fixed: outlets are the same for every seed
    out = []
    for name in OUTLET_NAMES:
        base = name[4:] if name.startswith("The ") else name
        domain = "www." + re.sub(r"[^a-z]", "", base.lower()) + ".example"
        city, country = _ch(r, CITY_COUNTRY)
        topics = r.sample(["politics", "business", "culture", "sport", "science", "technology",
                           "health", "the environment", "education", "local government",
                           "agriculture", "transport", "crime", "the arts"], 3)
        year = _ri(r, 1852, 2015)
        owner = _ch(r, ("independent", "employee-owned", "reader-funded", "family-owned"))
        freq = _ch(r, ("daily", "digital", "weekly", "regional"))
        reach = _ch(r, ("the wider region", "the world", "neighbouring countries"))
        about = [f"About {name}: founded in {year} in {city}, {name} is an {owner} {freq} "
                 f"newspaper covering {topics[0]}, {topics[1]} and {topics[2]} across "
                 f"{country} and {reach}."]
        if r.random() < 0.5:
            about.append(f"Our {_ch(r, ('reporters', 'correspondents', 'journalists'))} follow "
                         f"the {_ch(r, ('editorial code', 'press charter'))} of the "
                         f"{_ch(r, ('National', 'Regional', 'Independent'))} Press Council.")
        about.append(f"Tips and corrections: {_ch(r, ('newsroom', 'desk', 'editors', 'tips'))}"
                     f"@{domain[4:]}, {_ri(r, 100, 999)} {_ri(r, 1000, 9999)} {_ri(r, 100, 999)}.")
        about = " ".join(about)
        share = _ch(r, (
            "Share this article: Facebook | X | WhatsApp | Email | Copy link",
            "Share this article",
            "Share on Facebook Share on X Share on LinkedIn Share via Email Print this article",
            "SHARE THIS ARTICLE Facebook Twitter Telegram WhatsApp",
            "Share: Facebook Twitter Reddit Email"))
        follow = _ch(r, ("Follow us on:", "Follow us on:", "Follow us on: Facebook, X, Instagram",
                           "Follow us on: Telegram | WhatsApp | Google News"))
        out.append(_Outlet(name=name, domain=domain, feed_url=f"https://{domain}/rss",
                           about=about, share=share, follow=follow,
                           section=_ch(r, ("world", "news", "international", "latest"))))
    return out


OUTLETS = _make_outlets()
_OUTLET_BY_NAME = {o.name: o for o in OUTLETS}


def _dateline(agency: str, city: str, when: _dt.datetime) -> str:
    style = AGENCIES[agency][2]
    m = when.month - 1
    d = when.day
    C = city.upper()
    if style == "reuters":
        return f"{C}, {MONTH_ABBR[m]} {d} (Reuters) - "
    if style == "ap":
        return f"{C} (AP) \u2014 "
    if style == "afp":
        return f"{city} (AFP) - "
    if style == "xinhua":
        return f"{C}, {MONTH_ABBR_DOT[m]} {d} (Xinhua) -- "
    if style == "tass":
        return f"{C}, {MONTHS[m]} {d}. /TASS/. "
    if style == "dpa":
        return f"{city} (dpa) - "
    if style == "efe":
        return f"{city}, {MONTH_ABBR[m]} {d} (EFE).- "
    if style == "ansa":
        return f"{C}, {MONTHS[m]} {d} (ANSA) - "
    if style == "yonhap":
        return f"{C}, {MONTH_ABBR_DOT[m]} {d} (Yonhap) -- "
    if style == "pti":
        return f"{city}, {MONTH_ABBR[m]} {d} (PTI) "
    if style == "anadolu":
        return f"{C} (AA) - "
    return f"{C}, {MONTH_ABBR_DOT[m]} {d} (Kyodo) -- "


def _agency_feed(agency: str, section: str) -> str:
    return f"https://www.{AGENCIES[agency][0]}/rss/{section}"


def _section(topic: Topic) -> str:
    return {"world": "world", "politics": "world", "business": "business", "science": "science",
            "health": "health", "environment": "science"}.get(topic.domain, "world")


def _date_line(when: _dt.datetime) -> str:
    h = when.hour % 12 or 12
    return f"{MONTHS[when.month - 1]} {when.day}, {when.year}, {h}:{when.minute:02d} {'am' if when.hour < 12 else 'pm'}"


# ============================================================================================
# Text edits
# ============================================================================================

def _typo(r: random.Random, w: str) -> str:
    if len(w) < 4:
        return w + w[-1]
    i = _ri(r, 1, len(w) - 2)
    k = _ri(r, 0, 2)
    if k == 0:
        return w[:i] + w[i + 1] + w[i] + w[i + 2:]
    if k == 1:
        return w[:i] + w[i + 1:]
    return w[:i] + w[i] + w[i:]


def _edit_word(r: random.Random, w: str) -> str:
    m = re.match(r"^([^\w]*)([A-Za-z][A-Za-z'-]*)([^\w]*)$", w)
    if not m:
        return w
    pre, core, post = m.groups()
    low = core.lower()
    if low in SYNONYMS and r.random() < 0.65:
        rep = SYNONYMS[low]
        if core[0].isupper():
            rep = _cap(rep)
    elif len(core) >= 3:
        rep = _typo(r, core)
    else:
        return w
    return pre + rep + post


def _word_edits(r: random.Random, paras: List[List[str]]) -> bool:
    """Replace 1-3% of the words (at least one) in place; True if anything changed."""
    flat = [(pi, si) for pi, p in enumerate(paras) for si in range(len(p))]
    counts = [len(paras[pi][si].split(" ")) for pi, si in flat]
    total = sum(counts)
    if total == 0:
        return False
    cum, acc = [], 0
    for c in counts:
        acc += c
        cum.append(acc)
    m = max(1, round(total * r.uniform(0.01, 0.03)))
    changed = False
    for g in sorted(r.sample(range(total), min(m, total))):
        j = bisect.bisect_right(cum, g)
        pi, si = flat[j]
        words = paras[pi][si].split(" ")
        wi = g - (cum[j - 1] if j else 0)
        if wi >= len(words):
            continue
        new = _edit_word(r, words[wi])
        if new != words[wi]:
            words[wi] = new
            paras[pi][si] = " ".join(words)
            changed = True
    return changed


_FIGURE = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\w,]*\d)(?![A-Za-z])")


def _change_number(r: random.Random, paras: List[List[str]]) -> bool:
    spots = []
    for pi, p in enumerate(paras):
        for si, s in enumerate(p):
            for m in _FIGURE.finditer(s):
                val = int(m.group(1).replace(",", ""))
                if 1900 <= val <= 2100 and "," not in m.group(1):
                    continue  # a year
                spots.append((pi, si, m))
    if not spots:
        return False
    pi, si, m = _ch(r, spots)
    ip, dec = m.group(1), m.group(2)
    val = int(ip.replace(",", ""))
    if val >= 100:
        step = max(1, int(val * r.uniform(0.01, 0.1)))
        if val >= 10000:
            step = max(1000, step // 1000 * 1000)
        new = val + _ch(r, (-1, 1)) * step
    else:
        new = val + _ch(r, (-3, -2, -1, 1, 2, 3))
    if new <= 0:
        new = val + _ri(r, 1, 3)
    txt = _fmt_int(new) if "," in ip else str(new)
    if dec is not None:
        txt += "." + dec
    s = paras[pi][si]
    paras[pi][si] = s[:m.start()] + txt + s[m.end():]
    return True


def _headline_unlike(r: random.Random, g: _Grammar, old: str) -> str:
    old_words = {w for w in _WORD.findall(old.lower()) if w not in _STOP}
    best, best_overlap = None, None
    for _ in range(8):
        h = g.headline()
        ov = len(old_words & {w for w in _WORD.findall(h.lower()) if w not in _STOP})
        if h != old and (best is None or ov < best_overlap):
            best, best_overlap = h, ov
            if ov == 0:
                break
    return best or g.headline() + " " + g.place()


# ============================================================================================
# Generation
# ============================================================================================

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
    story: Optional[_Story] = None
    dateline: str = ""
    outlet: Optional[str] = None
    has_about: bool = False


def _join(paras: List[List[str]]) -> List[str]:
    return [" ".join(p) for p in paras if p]


def _render_original(st: _Story, dateline: str) -> Tuple[str, str]:
    paras = _join(st.paras)
    if dateline:
        paras[0] = dateline + paras[0]
    return st.teaser, "\n\n".join(paras)


def _make_reprint(r: random.Random, orig: _Draft, outlet: _Outlet, cluster: str) -> _Draft:
    st = orig.story
    paras = [list(p) for p in st.paras]
    multi = len(paras) >= 2
    tokens: List[str] = []
    g = _Grammar(r, st.topic)
    # content mode
    mode = "full"
    if multi:
        k = r.random()
        if k < 0.3:
            n = _ch(r, (1, 2, 3))
            if n < len(paras):
                mode = f"truncate{n}"
                paras = paras[:n]
        elif k < 0.42:
            mode = "summary-only"
    tokens.append(mode)
    if mode == "summary-only":
        paras = [[s for s in _SENT_SPLIT.split(st.teaser) if s]]
    title = st.title
    if r.random() < 0.4:
        title = _headline_unlike(r, g, st.title)
        tokens.append("headline")
    if mode == "full" and len(paras) >= 3 and r.random() < 0.3:
        del paras[_ri(r, 1, len(paras) - 2)]
        tokens.append("drop-para")
    if mode != "summary-only" and r.random() < 0.25:
        paras.insert(_ri(r, 1, len(paras)), g.paragraph(1, 3))
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
            top.append(_date_line(orig.published))
            tokens.append("date-line")
        if r.random() < 0.15:
            act = _ch(r, ("speaks during", "arrives for", "leaves after", "gestures during"))
            cap = f"{g.titled().rstrip(',')} {act} {g.np()} in {g.place()} [{orig.agency}]"
            top += [_cap(cap), _cap(cap)]
            tokens.append("photo-caption")
        if r.random() < 0.2:
            bottom.append(_ch(r, (f"{outlet.name} with inputs from Agencies",
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
            dateline = _dateline(orig.agency, st.topic.city, orig.published)
            tokens.append("dateline-add")
    else:
        dateline = ""
    # light edits
    if r.random() < 0.35 and _word_edits(r, paras):
        tokens.append("word-edits")
    if r.random() < 0.2:
        cands = [p for p in paras if len(p) >= 2]
        if cands:
            p = _ch(r, cands)
            i = _ri(r, 0, len(p) - 2)
            p[i], p[i + 1] = p[i + 1], p[i]
            tokens.append("sentence-swap")
    if r.random() < 0.2 and _change_number(r, paras):
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
    return _Draft(cluster=cluster, source_name=outlet.name, feed_url=outlet.feed_url,
                  is_agency_feed=False, agency=orig.agency, title=title, summary=summary,
                  text=text, published=orig.published + delay, kind="reprint:" + "+".join(tokens),
                  domain=outlet.domain, section=outlet.section, outlet=outlet.name,
                  has_about=has_about)


def _pick_agency(r: random.Random, exclude: Optional[str] = None) -> str:
    while True:
        a = r.choices(AGENCY_NAMES, AGENCY_WEIGHTS)[0]
        if a != exclude:
            return a


def _agency_draft(r: random.Random, st: _Story, agency: str, when: _dt.datetime, cluster: str,
                  kind: str, dateline_p: float = 0.7) -> _Draft:
    dateline = _dateline(agency, st.topic.city, when) if r.random() < dateline_p else ""
    summary, text = _render_original(st, dateline)
    section = _section(st.topic)
    return _Draft(cluster=cluster, source_name=agency, feed_url=_agency_feed(agency, section),
                  is_agency_feed=True, agency=agency, title=st.title, summary=summary, text=text,
                  published=when, kind=kind, domain="www." + AGENCIES[agency][0],
                  section=section, story=st, dateline=dateline)


def _outlet_draft(st: _Story, outlet: _Outlet, when: _dt.datetime, cluster: str, kind: str,
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
    tt, st_tmpl = _ch(r, _SHORT_TEMPLATES)
    outs = r.sample(OUTLETS, _ri(r, 2, 4))
    day = _ch(r, WEEKDAYS)
    drafts = []
    for j, o in enumerate(outs):
        t = make_topic(r)
        vals = {"phrase": _ch(r, t.phrases), "place": _ch(r, t.places), "day": day,
                "adj": _ch(r, ("cloudy", "clear", "sunny", "overcast", "grey")),
                "deg": _ri(r, -5, 38), "move": _ch(r, ("rise", "fall", "edge higher", "slip")),
                "noun": _ch(r, NOUNS), "group": _cap(_ch(r, GROUPS))}
        title = _cap(tt.format(**vals))
        sent = _cap(st_tmpl.format(**vals)) if st_tmpl else ""
        drafts.append(_Draft(cluster=f"{cluster_base}-{j}", source_name=o.name,
                             feed_url=o.feed_url, is_agency_feed=False, agency=None, title=title,
                             summary=sent, text=sent,
                             published=when + _dt.timedelta(minutes=_ri(r, 0, 600)),
                             kind="negative:short", domain=o.domain, section=o.section,
                             outlet=o.name))
    return drafts


def generate(n_originals: int, seed: int = 0, reprints_per_original=(0, 6),
             source: str = "synthetic", negatives: bool = True,
             negative_rate: float = 0.25, real_path=None) -> List[Item]:
    """Originals, their reprints and hard negatives; deterministic in all arguments.

    n_originals: agency originals (gold clusters with reprints). reprints_per_original:
    inclusive (lo, hi) range of reprints per original, each by a distinct outlet.
    source: "synthetic" (templated multi-paragraph articles), "real" (single-paragraph items
    from the real feed archive; synthetic fill-in when there are fewer real ones or the data is
    absent) or "mixed" (each original real with probability 0.5 when available).
    negatives: add about negative_rate * n_originals hard-negative items.
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
        st = _real_story(r, row) if row is not None else _synthetic_story(r)
        when = BASE_TIME + _dt.timedelta(minutes=r.randrange(span_minutes))
        orig = _agency_draft(r, st, _pick_agency(r), when, f"c{i:07d}", "original")
        originals.append(len(drafts))
        drafts.append(orig)
        for outlet in r.sample(OUTLETS, _ri(r, lo, hi)):
            drafts.append(_make_reprint(r, orig, outlet, orig.cluster))

    if negatives and n_originals:
        _add_negatives(r, drafts, originals, real_iter,
                       target=round(negative_rate * n_originals), span_minutes=span_minutes)

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
                          near=ids[d.near] if d.near is not None else None))
    return items


def _add_negatives(r: random.Random, drafts: List[_Draft], originals: List[int], real_iter,
                   target: int, span_minutes: int) -> None:
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
                o = _OUTLET_BY_NAME[_ch(r, outlets_with)]
                anchor = _ch(r, about_by_outlet[o.name])
                when = drafts[anchor].published + _dt.timedelta(minutes=_ri(r, -600, 600))
                n_new = 1
            else:
                o, anchor, n_new = _ch(r, OUTLETS), None, 2
            first = len(drafts)
            for k in range(n_new):
                row = next(real_iter, None) if r.random() < 0.5 else None
                st = _real_story(r, row) if row else _synthetic_story(r, n_paras=(1, 3), n_quotes=0)
                top = [o.follow] + ([_date_line(when)] if r.random() < 0.3 else [])
                bottom = ([f"{o.name} with inputs from Agencies"] if r.random() < 0.3 else [])
                bottom += [o.about, o.share]
                d = _outlet_draft(st, o, when + _dt.timedelta(minutes=7 * k), f"{base}-{k}",
                                  "negative:outlet-boilerplate", top, bottom)
                d.near = anchor if anchor is not None else (first + 1 - k)
                drafts.append(d)
        elif typ == "same-topic":
            anchor = _ch(r, originals)
            a = drafts[anchor]
            st = _synthetic_story(r, topic=a.story.topic, kp=0.45, n_quotes=1)
            when = a.published + _dt.timedelta(minutes=_ri(r, 60, 5 * 24 * 60))
            if r.random() < 0.4:
                d = _agency_draft(r, st, _pick_agency(r, a.agency), when, base,
                                  "negative:same-topic")
            else:
                d = _outlet_draft(st, _ch(r, OUTLETS), when, base, "negative:same-topic")
            d.near = anchor
            drafts.append(d)
        elif typ == "agency-versions":
            if quoted:
                anchor = _ch(r, quoted)
                a = drafts[anchor]
                shared = r.sample(a.story.quotes, min(len(a.story.quotes), _ri(r, 1, 2)))
                st = _synthetic_story(r, topic=a.story.topic, n_paras=(3, 6), quotes=shared,
                                      n_quotes=0)
                when = a.published + _dt.timedelta(minutes=_ri(r, -120, 120))
                d = _agency_draft(r, st, _pick_agency(r, a.agency), when, base,
                                  "negative:agency-versions")
                d.near = anchor
                drafts.append(d)
            else:  # no synthetic original with quotes (source="real"): a fresh pair
                t = make_topic(r)
                g = _Grammar(r, t)
                shared = [g.quote_text() for _ in range(_ri(r, 1, 2))]
                first = len(drafts)
                ag = None
                for k in range(2):
                    st = _synthetic_story(r, topic=t, n_paras=(3, 6), quotes=shared, n_quotes=0)
                    ag = _pick_agency(r, ag)
                    d = _agency_draft(r, st, ag, when + _dt.timedelta(minutes=_ri(r, 0, 90)),
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


# ============================================================================================
# Feed files
# ============================================================================================

def _p_html(text: str) -> str:
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in text.split("\n\n") if p)


def _feed_file_stem(feed_url: str) -> str:
    s = re.sub(r"^https?://(www\.)?", "", feed_url)
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


def to_feed_files(items: Sequence[Item], folder) -> List[str]:
    """Write `items` as RSS 2.0 files (one per feed_url, split into parts of at most 2,000
    items) plus `folder/feeds.opml` listing them; returns the feed file paths (not the OPML).

    Per item: title, link and guid (isPermaLink) = url, pubDate (RFC 822, GMT), description =
    the summary (plain escaped text, or escaped <p> HTML when it has several paragraphs),
    content:encoded = the text as <p> paragraphs in CDATA (omitted when the text is just the
    one-paragraph summary, i.e. summary-only items; title-only items have neither). Items are
    newest first. OPML outlines carry title/text = source name, xmlUrl relative to the OPML,
    and category="/agency/<Agency>" on agency feeds.
    """
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    groups: Dict[str, List[Item]] = {}
    for it in items:
        groups.setdefault(it.feed_url, []).append(it)
    paths: List[str] = []
    outlines: List[str] = []
    now = email.utils.format_datetime(max((it.published for it in items), default=BASE_TIME),
                                      usegmt=True)
    for feed_url in sorted(groups):
        group = sorted(groups[feed_url], key=lambda it: (it.published, it.id), reverse=True)
        first = group[0]
        site = re.match(r"^(https?://[^/]+)", feed_url).group(1) + "/"
        stem = _feed_file_stem(feed_url)
        chunks = [group[i:i + MAX_ITEMS_PER_FILE] for i in range(0, len(group), MAX_ITEMS_PER_FILE)]
        for ci, chunk in enumerate(chunks):
            name = f"{stem}.xml" if len(chunks) == 1 else f"{stem}-part{ci + 1:03d}.xml"
            out = [
                '<?xml version="1.0" encoding="utf-8"?>\n',
                '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">\n',
                "<channel>\n",
                f"<title>{_xml_escape(first.source_name)}</title>\n",
                f"<link>{_xml_escape(site)}</link>\n",
                f"<description>{_xml_escape(first.source_name)} ({_xml_escape(feed_url)})</description>\n",
                "<language>en</language>\n",
                f"<lastBuildDate>{now}</lastBuildDate>\n",
            ]
            for it in chunk:
                out.append("<item>\n")
                out.append(f"<title>{_xml_escape(it.title)}</title>\n")
                out.append(f"<link>{_xml_escape(it.url)}</link>\n")
                out.append(f'<guid isPermaLink="true">{_xml_escape(it.url)}</guid>\n')
                out.append(f"<pubDate>{email.utils.format_datetime(it.published, usegmt=True)}</pubDate>\n")
                if it.summary:
                    desc = _p_html(it.summary) if "\n\n" in it.summary else html.escape(it.summary, quote=False)
                    out.append(f"<description>{_xml_escape(desc)}</description>\n")
                if it.text and (it.text != it.summary or "\n\n" in it.text):
                    out.append(f"<content:encoded><![CDATA[{_p_html(it.text)}]]></content:encoded>\n")
                out.append("</item>\n")
            out.append("</channel>\n</rss>\n")
            path = folder / name
            path.write_text("".join(out), encoding="utf-8")
            paths.append(str(path))
            cat = f" category={_xml_attr('/agency/' + first.agency)}" if first.is_agency_feed and first.agency else ""
            outlines.append(
                f"    <outline type=\"rss\" text={_xml_attr(first.source_name)} "
                f"title={_xml_attr(first.source_name)}{cat} language=\"en\" "
                f"xmlUrl={_xml_attr(name)} htmlUrl={_xml_attr(site)}/>\n")
    opml = ['<?xml version="1.0" encoding="utf-8"?>\n', '<opml version="2.0">\n', "  <head>\n",
            "    <title>wirefeed reprint benchmark feeds</title>\n",
            f"    <dateCreated>{now}</dateCreated>\n", "  </head>\n", "  <body>\n"]
    opml += outlines
    opml += ["  </body>\n", "</opml>\n"]
    (folder / "feeds.opml").write_text("".join(opml), encoding="utf-8")
    return paths
