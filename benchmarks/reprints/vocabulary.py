"""Word lists of the reprint generator: names, cities, roles, organisation parts, nouns, verbs
(with their past, participle and third-person forms), adjectives, openers, synonyms for word
edits, the agencies (domain, weight, dateline style), the outlet names, and stopwords.

Large lists, so that independent draws rarely agree on several slots in a row.
"""
from __future__ import annotations

import re
from typing import List


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


WORD = re.compile(r"\w+")  # a word, as STOPWORDS are compared (lower-cased)
# Short function words, left out when comparing content words (headlines, key phrases).
STOPWORDS = set(_w("""a an the of to in on for and or but with by from at as is are was were be been
has have had it its this that these those their his her he she they we you our not no will
would could should can may might about after over into than then there here what who how why
when which while more most new says said"""))
