"""Tests for transforms.enrich.agencies.attribution: which news agencies a story credits, and where the credits are."""
from __future__ import annotations

import dataclasses

import pytest


from transforms.enrich.agencies.attribution import AGENCIES, Attribution, attribute, credit_spans, strip_credits

# (text, expected agencies, expected dateline)
POSITIVES = [
    # Datelines with a credit, in many agencies' house styles.
    ("MOSCOW, Oct 7 (Reuters) - Russia said on Friday it would extend the grain corridor.", ("Reuters",), "MOSCOW"),
    ("WASHINGTON (AP) — The Senate passed the spending bill late on Tuesday.", ("AP",), "WASHINGTON"),
    ("PARIS (AFP) - Le gouvernement a présenté mardi son projet de budget.", ("AFP",), "PARIS"),
    ("BEIJING, March 3 (Xinhua) -- China will further expand imports of farm produce.", ("Xinhua",), "BEIJING"),
    ("BERLIN (dpa) - Die Bundesregierung will die Regeln für Mieten verschärfen.", ("dpa",), "BERLIN"),
    ("MADRID, 5 jun (EFE).- El Consejo de Ministros aprobó hoy la reforma.", ("EFE",), "MADRID"),
    ("ROMA, 12 MAG (ANSA) - Il consiglio dei ministri ha approvato il decreto.", ("ANSA",), "ROMA"),
    ("NEW DELHI (PTI): The Centre on Monday notified new rules for drones.", ("PTI",), "NEW DELHI"),
    ("ANKARA (AA) - Turkish officials opened a new border crossing.", ("Anadolu",), "ANKARA"),
    ("SEOUL, Jan. 5 (Yonhap) -- North Korea fired a ballistic missile into the sea.", ("Yonhap",), "SEOUL"),
    ("TOKYO (Kyodo) -- The cabinet approved an extra budget on Friday.", ("Kyodo",), "TOKYO"),
    ("(UPI) -- A federal judge blocked the rule on Monday.", ("UPI",), None),
    ("(Bloomberg) -- Oil rose for a third day as supplies tightened.", ("Bloomberg",), None),
    ("MOSCOW, March 1. /TASS/. The foreign ministry summoned the ambassador.", ("TASS",), "MOSCOW"),
    ("МОСКВА, 1 марта. /ТАСС/. Министерство обороны сообщило об учениях.", ("TASS",), "МОСКВА"),
    ("New Delhi, Jan 3 (IANS) The minister inaugurated the new terminal.", ("IANS",), "New Delhi"),
    ("Srinagar, Jan 3 (ANI): Security forces launched a search operation.", ("ANI",), "Srinagar"),
    ("RIO DE JANEIRO (Reuters) - The central bank held rates steady.", ("Reuters",), "RIO DE JANEIRO"),
    ("ST. PETERSBURG, June 2 (Reuters) - The economic forum opened on Wednesday.", ("Reuters",), "ST. PETERSBURG"),
    ("KYIV, Ukraine (AP) — Drones struck the capital overnight.", ("AP",), "KYIV"),
    ("UNITED NATIONS (AP) — The Security Council met in emergency session.", ("AP",), "UNITED NATIONS"),
    ("HONG KONG, Oct 7 (Reuters) - Shares fell sharply in morning trade.", ("Reuters",), "HONG KONG"),
    ("Hong Kong (AFP) - Shares fell sharply in morning trade.", ("AFP",), "Hong Kong"),
    ("GENEVA, 7 October (Reuters) - Talks on the treaty resumed.", ("Reuters",), "GENEVA"),
    ("FRANKFURT (dpa-AFX) - Der Leitindex legte am Morgen zu.", ("dpa",), "FRANKFURT"),
    ("Mainz (dpa/lrs) - Der Landtag hat den Haushalt beschlossen.", ("dpa",), "Mainz"),
    ("LISBOA, 5 mai (Lusa) - O Governo aprovou hoje o orçamento.", ("Lusa",), "LISBOA"),
    ("MADRID, 3 Feb. (EUROPA PRESS) - El Gobierno ha aprobado el plan.", ("Europa Press",), "MADRID"),
    ("TEHRAN (IRNA) - Officials announced new fuel prices.", ("IRNA",), "TEHRAN"),
    ("KUALA LUMPUR, Oct 7 (Bernama) -- Malaysia will raise the minimum wage.", ("Bernama",), "KUALA LUMPUR"),
    ("(Thomson Reuters Foundation) - Flooded farmers are moving to the cities.", ("Reuters",), None),
    # Staff dateline: a place but no agency.
    ("LONDON — The prime minister said on Monday that talks would continue.", (), "LONDON"),
    # Photo and paragraph credits.
    ("Fishermen mend nets at the harbour on Tuesday [Xinhua]", ("Xinhua",), None),
    ("Rescue teams search the collapsed building. (Photo: AFP)", ("AFP",), None),
    ("Supporters wave flags outside parliament. Photo: Reuters", ("Reuters",), None),
    ("Fans celebrate the title in the old town — AFP", ("AFP",), None),
    ("Fishing boats return to the harbour at dawn /AFP", ("AFP",), None),
    ("Voters queue outside a school. (AP Photo/John Smith)", ("AP",), None),
    ("Traders work on the exchange floor. REUTERS/Jane Doe", ("Reuters",), None),
    ("Police patrol the square. [File: Mohammed Salem/Reuters]", ("Reuters",), None),
    ("Photograph: Jane Doe/AFP/Getty Images", ("AFP",), None),
    ("A boy walks past the rubble. AFP via Getty Images", ("AFP",), None),
    ("Leaders meet at the summit venue. (Xinhua/Wang Ying)", ("Xinhua",), None),
    ("Crowds gather at the stadium (AFP PHOTO / JOHN SMITH)", ("AFP",), None),
    ("Фото: ТАСС", ("TASS",), None),
    ("Quelle: dpa", ("dpa",), None),
    ("(Foto: dpa)", ("dpa",), None),
    ("(UPI Photo/Pat Benic)", ("UPI",), None),
    ("Headline about the budget talks | Reuters", ("Reuters",), None),
    # Closing credits and footers.
    ("The Island Herald with inputs from Agencies", ("Agencies",), None),
    ("With inputs from PTI", ("PTI",), None),
    ("(With inputs from Reuters and AFP)", ("Reuters", "AFP"), None),
    ("(Reporting by Jane Doe in Moscow; Editing by John Smith)", ("Reuters",), None),
    ("Reporting by Jane Doe; Additional reporting by Ali Khan; Editing by John Smith", ("Reuters",), None),
    ("Our Standards: The Thomson Reuters Trust Principles.", ("Reuters",), None),
    ("Agence France-Presse", ("AFP",), None),
    ("— Associated Press", ("AP",), None),
    ("Copyright 2024 The Associated Press. All rights reserved.", ("AP",), None),
    ("© 2024 Reuters. All rights reserved.", ("Reuters",), None),
    ("AFP contributed to this report.", ("AFP",), None),
    ("Associated Press writer Jane A. Doe in Paris contributed to this report.", ("AP",), None),
    ("Wire services contributed to this report.", ("Agencies",), None),
    ("By Reuters Staff", ("Reuters",), None),
    ("Source: Agencies", ("Agencies",), None),
    ("— Agencies", ("Agencies",), None),
    ("With agency inputs", ("Agencies",), None),
    ("The talks stalled again, according to agency reports.", ("Agencies",), None),
    ("Russian news agencies reported a blast at the depot.", ("Agencies",), None),
    ("Two soldiers were killed, according to agencies.", ("Agencies",), None),
    # In-text attribution phrases.
    ("The deal covers fuel and spare parts, according to the Russian news agency TASS.", ("TASS",), None),
    ("At least six people were hurt, the Xinhua news agency reported.", ("Xinhua",), None),
    ("A senior official told Reuters the plan had been shelved.", ("Reuters",), None),
    ("Reuters reported last week that the talks had stalled.", ("Reuters",), None),
    ("The reactor was shut for checks, according to Interfax.", ("Interfax",), None),
    ("RIA Novosti reported, citing a source in the ministry.", ("RIA Novosti",), None),
    ("The strike hit a fuel depot, the state news agency Anadolu said.", ("Anadolu",), None),
    ("The ministry said in a statement carried by Yonhap.", ("Yonhap",), None),
    ("Kyodo News reported that the ship had sunk.", ("Kyodo",), None),
    ("Kyodo reported that the ship had sunk.", ("Kyodo",), None),
    ("Officials quoted by Interfax said the plant was safe.", ("Interfax",), None),
    ("Speaking to Xinhua, the minister praised the harvest.", ("Xinhua",), None),
    ("In an interview with Bloomberg, the chief executive ruled out a sale.", ("Bloomberg",), None),
    ("Xinhua, the official news agency, reported the visit.", ("Xinhua",), None),
    ("The news agency PTI reported the arrests.", ("PTI",), None),
    ("The German news agency dpa reported heavy snow.", ("dpa",), None),
    ("A Reuters witness saw smoke over the port.", ("Reuters",), None),
    ("Sputnik reported the launch on Sunday.", ("Sputnik",), None),
    ("The official KCNA news agency said the test succeeded.", ("KCNA",), None),
    ("The minister told the Associated Press on Monday that he would resign.", ("AP",), None),
    ("The figures were confirmed by the Press Trust of India.", ("PTI",), None),
    ("Asian News International reported the arrests.", ("ANI",), None),
    ("Turkey's state-run Anadolu Agency reported the quake.", ("Anadolu",), None),
    # The agencies' own languages.
    ("Министр заявил ТАСС, что учения завершены.", ("TASS",), None),
    ("Как сообщает РИА Новости, пожар потушен.", ("RIA Novosti",), None),
    ("Об этом сообщил Интерфаксу источник в ведомстве.", ("Interfax",), None),
    ("新华社北京3月3日电 国务院召开常务会议。", ("Xinhua",), None),
    ("据新华网报道，会议在北京举行。", ("Xinhua",), None),
    ("据共同社报道，日本政府决定延长措施。", ("Kyodo",), None),
    ("연합뉴스에 따르면 정부는 새 대책을 발표했다.", ("Yonhap",), None),
    ("La agencia EFE informó de que el ministro dimitió.", ("EFE",), None),
    ("Selon l'AFP, le ministre a démissionné.", ("AFP",), None),
    ("Laut der Deutschen Presse-Agentur kam es zu Protesten.", ("dpa",), None),
    ("Anadolu Ajansı'na konuşan yetkili açıklama yaptı.", ("Anadolu",), None),
    ("L'agenzia ANSA riferisce di forti piogge al nord.", ("ANSA",), None),
    # Several agencies in one line.
    ("— Reuters and AFP", ("Reuters", "AFP"), None),
    ("The Associated Press and Reuters reported the clash.", ("AP", "Reuters"), None),
    ("SEOUL, Oct. 7 (Yonhap) -- North Korea fired a missile, Kyodo News reported.", ("Yonhap", "Kyodo"), "SEOUL"),
]

NEGATIVES = [
    "Apple shares rose, and APPLE stayed the top ticker.",
    "There was a good rapport between the two leaders.",
    "She scored a 5 on AP Biology and sat two other AP exams.",
    "The CAPTAIN spoke to the crew before departure.",
    "Editors follow the AP style guide closely.",
    "Thomson Reuters reported quarterly revenue on Tuesday.",
    "Thomson Reuters Corp said it would buy a software firm.",
    "Reuters shares fell 2 percent in early trade.",
    "According to the Reuters Institute for the Study of Journalism, trust fell.",
    "A Reuters/Ipsos poll showed the race tightening.",
    "Bloomberg Philanthropies reported new grants for city halls.",
    "Michael Bloomberg said he would donate to the campaign.",
    "Mayor Bloomberg reported the figures to the council.",
    "According to Michael Bloomberg, the city must change.",
    "According to Bloomberg Philanthropies data, smoking fell.",
    "UPI payments in India hit a record in March.",
    "Unified Payments Interface (UPI) transactions grew again.",
    "The ANIMAL shelter was run by Annie and her brother.",
    "Fibre optics are getting cheaper every year.",
    "El efecto de la medida fue inmediato.",
    "The Tassel on the curtain was gold.",
    "Buy AA batteries before the storm.",
    "Alcoholics Anonymous (AA) meetings resumed in the hall.",
    "Si è rotta l'ansa del vaso antico.",
    "The eastern Anadolu region saw heavy snow.",
    "Kyodo is a common word in Japanese company names.",
    "He told Kyodo on Monday that he would stay.",
    "PTI leader Imran Khan spoke at the rally.",
    "Imran Khan's party (PTI) said it would protest.",
    "Pakistan Tehreek-e-Insaf (PTI) leaders met in Lahore.",
    "Advanced Placement (AP) courses are popular in high schools.",
    "Andhra Pradesh (AP) government announced a new scheme.",
    "Australian Federal Police (AFP) officers arrested a man.",
    "He told AFP officers he was innocent.",
    "The agency reports to parliament every year.",
    "The Sputnik V vaccine was approved last year.",
    "Xinhua Road was busy, and the Xinhua Bookstore opened late.",
    "The story was told to AP reporters at the gate.",
    "AP reported that the bill had passed.",
    "The AP reported the vote count.",
    "Apple's AP chip and the APPLE event drew crowds.",
    "The agency (AFP) said nothing more.",
    "NATO - the alliance said on Monday it would meet.",
    "BREAKING — A strong quake hit the coast.",
    "UPDATE 1-Oil rises on supply fears",
    "FILE - In this photo, a man walks past the bank.",
    "Reporting by the BBC suggests the talks failed.",
    "Reuters Breakingviews columnists disagreed.",
    "Intelligence agencies warned of more attacks.",
    "Federal agencies said the outage was over.",
    "Government agencies reported a surplus, according to government agencies.",
    "The text (with inputs from staff) was long.",
    "The two agencies will merge next year.",
    "Wireless networks were down across the city.",
    "The dpa-like rules (dpas) are new.",
    "Mr. Bloomberg reported his income to the tax office.",
    "AFP officers said the suspect was armed.",
    "The EFE acronym in the report stood for something else entirely, EFE said.",
    "She works at the ANSA desk of a shipping firm, ANSA said.",
    "Reuters is headquartered in London.",
    "Xinhua is China's biggest media group.",
    "Bloomberg LP reported record terminal sales.",
    "Annika, Pti and Ani went to the market.",
]


@pytest.mark.parametrize("text,agencies,dateline", POSITIVES + [(t, (), None) for t in NEGATIVES])
def test_table(text, agencies, dateline):
    a = attribute("", text)
    assert a.agencies == agencies
    assert a.dateline == dateline
    if agencies:
        assert a.credit is not None and a.credit != ""
    elif dateline is None:
        assert a.credit is None


def test_table_size_and_balance():
    assert len(POSITIVES) + len(NEGATIVES) >= 100
    assert len(POSITIVES) >= 45 and len(NEGATIVES) >= 45


def test_agencies_tuple_has_required_names():
    required = ("Reuters", "AP", "AFP", "Xinhua", "TASS", "RIA Novosti", "Interfax", "dpa", "EFE", "ANSA",
                "Kyodo", "Yonhap", "PTI", "IANS", "ANI", "Anadolu", "UPI", "Bloomberg", "Agencies")
    assert [n for n in required if n not in AGENCIES] == []
    assert len(set(AGENCIES)) == len(AGENCIES)


def test_results_use_canonical_names_only():
    seen = set()
    for text, _agencies, _dl in POSITIVES:
        seen.update(attribute("", text).agencies)
    assert seen - set(AGENCIES) == set()


STORY_TITLE = "Port authority approves new ferry route to the islands"
STORY = """Share this:

Passengers board a ferry at the northern terminal on Tuesday [Xinhua]

Passengers board a ferry at the northern terminal on Tuesday [Xinhua]

The regional port authority has approved a new ferry route linking the mainland with three outlying islands, officials said on Wednesday.

Transport Minister Lena Varga said the service would start in the spring and run twice daily during the summer.

The project was delayed by disputes over berth fees, according to the Russian news agency TASS, which first reported the agreement.

Island councils welcomed the decision but warned that the old piers needed repairs.

The Island Herald with inputs from Agencies"""

BODY_SENTENCES = [
    "The regional port authority has approved a new ferry route linking the mainland with three outlying "
    "islands, officials said on Wednesday.",
    "Transport Minister Lena Varga said the service would start in the spring and run twice daily during the summer.",
    "The project was delayed by disputes over berth fees, according to the Russian news agency TASS, which first "
    "reported the agreement.",
    "Island councils welcomed the decision but warned that the old piers needed repairs.",
]

WIRE_STORY = """MOSCOW, Oct 7 (Reuters) - Russia said on Friday it would extend the grain corridor for another month.

The ministry said the decision was final, a spokesman told Reuters by telephone.

Ukraine's foreign ministry declined to comment, according to Interfax-Ukraine.

(Reporting by Jane Doe; Editing by John Smith)"""


def test_story_several_agencies_in_order():
    a = attribute(STORY_TITLE, STORY)
    assert a == Attribution(
        agencies=("Xinhua", "TASS", "Agencies"),
        credit="[Xinhua] | according to the Russian news agency TASS | The Island Herald with inputs from Agencies",
        dateline=None,
        position="closing,body,photo",   # footer, TASS in the fifth paragraph, the captions' [Xinhua]
    )


def test_wire_story_attribution():
    a = attribute("Russia extends grain corridor | Reuters", WIRE_STORY)
    assert a.agencies == ("Reuters", "Interfax")
    assert a.dateline == "MOSCOW"
    assert a.credit == ("| Reuters | MOSCOW, Oct 7 (Reuters) - | told Reuters | according to Interfax"
                        " | (Reporting by Jane Doe; Editing by John Smith)")


def test_title_agencies_come_first():
    a = attribute("Talks resume - AFP", "GENEVA, 7 October (Reuters) - Talks on the treaty resumed.")
    assert a.agencies == ("AFP", "Reuters")
    assert a.dateline == "GENEVA"
    assert a.credit == "- AFP | GENEVA, 7 October (Reuters) -"


@pytest.mark.parametrize("text,expected", [
    ("MOSCOW, Oct 7 (Reuters) - Russia said on Friday.", "MOSCOW, Oct 7 (Reuters) -"),
    ("Fishermen mend nets at the harbour on Tuesday [Xinhua]", "[Xinhua]"),
    ("(With inputs from Reuters and AFP)", "(With inputs from Reuters and AFP)"),
    ("The deal was signed, the Xinhua news agency reported on Sunday.", "Xinhua news agency reported"),
    ("A senior official told Reuters the plan had been shelved.", "told Reuters"),
    ("The ministry said in a statement carried by Yonhap.", "carried by Yonhap"),
    ("MOSCOW, March 1. /TASS/. The ministry said.", "MOSCOW, March 1. /TASS/."),
    ("Voters queue outside a school. (AP Photo/John Smith)", "(AP Photo/John Smith)"),
    ("Copyright 2024 The Associated Press. All rights reserved.",
     "Copyright 2024 The Associated Press. All rights reserved."),
])
def test_credit_is_exact_matched_text(text, expected):
    a = attribute("", text)
    assert a.credit == expected
    assert expected in text


def test_every_credit_part_is_found_verbatim():
    for text, _agencies, _dl in POSITIVES:
        credit = attribute("", text).credit
        if credit is None:
            continue
        parts = [p for p in credit.split(" | ")]
        assert [p for p in parts if p not in text] == [], text


def test_credit_spans_story():
    spans = credit_spans(STORY)
    assert [STORY[a:b] for a, b in spans] == ["[Xinhua]", "[Xinhua]", "The Island Herald with inputs from Agencies"]


def test_credit_spans_sorted_and_disjoint():
    text = WIRE_STORY + "\n\nFishing boats at dawn [Xinhua]\n\n— Agencies"
    spans = credit_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "MOSCOW, Oct 7 (Reuters) -",
        "(Reporting by Jane Doe; Editing by John Smith)",
        "[Xinhua]",
        "— Agencies",
    ]
    assert spans == sorted(spans)
    assert all(b1 <= a2 for (_a1, b1), (a2, _b2) in zip(spans, spans[1:]))


def test_strip_credits_story_keeps_body():
    stripped = strip_credits(STORY)
    assert "[Xinhua]" not in stripped
    assert "with inputs from Agencies" not in stripped
    assert "The Island Herald" not in stripped
    assert [s for s in BODY_SENTENCES if s not in stripped] == []
    assert stripped.split("\n\n") == [
        "Share this:",
        "Passengers board a ferry at the northern terminal on Tuesday",
        "Passengers board a ferry at the northern terminal on Tuesday",
    ] + BODY_SENTENCES


def test_strip_credits_wire_story():
    assert strip_credits(WIRE_STORY) == (
        "Russia said on Friday it would extend the grain corridor for another month.\n\n"
        "The ministry said the decision was final, a spokesman told Reuters by telephone.\n\n"
        "Ukraine's foreign ministry declined to comment, according to Interfax-Ukraine."
    )


def test_strip_credits_inline_paren_and_punctuation():
    text = "BERLIN (dpa) - Die Bundesregierung plant neue Regeln (AFP).\n\nMehr folgt."
    assert strip_credits(text) == "Die Bundesregierung plant neue Regeln.\n\nMehr folgt."


def test_strip_credits_dash_before_closing_credit():
    text = "The festival runs until December 4. — (IANS)\n\nNext paragraph."
    assert [text[a:b] for a, b in credit_spans(text)] == ["— (IANS)"]
    assert strip_credits(text) == "The festival runs until December 4.\n\nNext paragraph."


def test_strip_credits_without_credits_is_tidy_identity():
    text = "First paragraph about harbours.\n\nSecond paragraph about ferries."
    assert credit_spans(text) == []
    assert strip_credits(text) == text


def test_attribution_phrases_are_not_stripped():
    text = "The deal covers fuel, according to the Russian news agency TASS."
    assert credit_spans(text) == []
    assert strip_credits(text) == text
    assert attribute("", text).agencies == ("TASS",)


def test_staff_dateline_only_in_first_paragraphs():
    text = "LONDON — The prime minister spoke.\n\nMore text.\n\nStill more.\n\nPARIS — Late paragraph."
    assert attribute("", text).dateline == "LONDON"
    late = "One.\n\nTwo.\n\nThree.\n\nPARIS — Late paragraph."
    assert attribute("", late).dateline is None


def test_credit_dateline_preferred_over_staff_dateline():
    text = "Fans queue at the gate — AFP\n\nPARIS (AFP) - The match was postponed."
    a = attribute("", text)
    assert a.dateline == "PARIS"
    assert a.agencies == ("AFP",)


def test_deterministic():
    first = (attribute(STORY_TITLE, STORY), credit_spans(STORY), strip_credits(STORY))
    for _ in range(3):
        attribute("", WIRE_STORY)   # other calls in between must not matter
        assert (attribute(STORY_TITLE, STORY), credit_spans(STORY), strip_credits(STORY)) == first
    # A fresh copy of the same string (not the cached object) gives the same answer.
    copy = "".join(list(STORY))
    assert attribute(STORY_TITLE, copy) == first[0]
    assert credit_spans(copy) == first[1]


def test_empty_inputs():
    assert attribute("", "") == Attribution(agencies=(), credit=None, dateline=None)
    assert credit_spans("") == []
    assert strip_credits("") == ""
    assert attribute("Talks resume | Reuters", "") == Attribution(("Reuters",), "| Reuters", None, "lead")
    assert attribute("", "WASHINGTON (AP) — The vote passed.") == Attribution(
        ("AP",), "WASHINGTON (AP) —", "WASHINGTON", "dateline")


def test_attribution_is_frozen():
    a = attribute("", "(Reuters)")
    assert a.agencies == ("Reuters",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.credit = "x"  # type: ignore[misc]


def test_multiline_credit_lines_and_repeats_deduplicated():
    text = "Boats at dawn [Xinhua]\n\nBoats at dawn [Xinhua]\n\nAgence France-Presse\n\nAgencies"
    a = attribute("", text)
    assert a.agencies == ("Xinhua", "AFP", "Agencies")
    assert a.credit == "[Xinhua] | Agence France-Presse | Agencies"
    assert strip_credits(text) == "Boats at dawn\n\nBoats at dawn"
