"""Agency attribution: which news agencies a story credits, and where the credits sit.

Outlets republish agency copy with credit lines ("MOSCOW, Oct 7 (Reuters) -", "[Xinhua]",
"with inputs from Agencies", "according to the Russian news agency TASS"). `attribute()` names
the agencies a story credits, `credit_spans()` / `strip_credits()` locate / remove the credit
lines so that a near-duplicate detector compares the agency copy itself, not the outlet's
packaging around it.

How it works. One regex pass (a trie of literal spellings, so the engine skips most positions)
finds every occurrence of an agency name ("Reuters", "AP", "ТАСС", "新华社", ...), of the
capitalised generic credits and of the Reuters footers ("Reporting by ..."); two str.find
loops add the lower-case generic credits ("agencies", "wire services", "agency reports").
Each occurrence is then judged by its neighbourhood on the same line (paragraph): is it inside
a credit parenthesis/bracket, a dateline, a "/TASS/" slash credit, a trailing "— AFP", a photo
credit, a by-line, a copyright line, a "with inputs from" or "contributed to this report"
footer, or an attribution phrase ("told Reuters", "Xinhua reported", "the news agency PTI")?
How much evidence a name needs depends on its class:

* full names ("Associated Press", "Agence France-Presse", "Press Trust of India", "ТАСС",
  "РИА Новости", "新华社", "연합뉴스", ...) count wherever they appear;
* plain names ("Reuters", "AFP", "Xinhua", "TASS", "Interfax", "Yonhap", "Bloomberg", "IANS")
  count in a credit position or in an attribution phrase;
* "Kyodo" (and "Jiji") bare counts only in a credit position, as "Kyodo reported" or with
  "news agency"; "Kyodo News" is a full name;
* the ambiguous short names (AP, UPI, ANI, PTI, AA, EFE, dpa, ANSA, Lusa) count only in a
  credit position or when called a news agency ("the news agency PTI", "agencia EFE");
* "Anadolu" counts only as "Anadolu Agency"/"Anadolu Ajansı", as "(AA)", or when called a
  news agency;
* the generic credits map to "Agencies" and need a credit position or an attribution phrase.

A parenthesised acronym that spells out the words before it ("Unified Payments Interface
(UPI)", "Advanced Placement (AP)") is an abbreviation, not a credit; a lone parenthesised
acronym in the middle of a sentence ("the party (PTI) said") is not a credit either.

Credit lines, captions' credits, datelines-with-credit and footers are what `credit_spans()`
returns; in-text attribution phrases and mentions are part of the body's sentences, so they are
reported in `Attribution.credit` but not stripped.

Everything is pure and deterministic; the patterns are compiled once at import. The analysis of
a text is memoised (small LRU keyed by the text) because a pipeline typically calls
`attribute()` and `strip_credits()` on the same text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import List, NamedTuple, Optional, Tuple

__all__ = ["AGENCIES", "Attribution", "attribute", "credit_spans", "strip_credits"]

AGENCIES: Tuple[str, ...] = (
    "Reuters", "AP", "AFP", "Xinhua", "TASS", "RIA Novosti", "Interfax", "dpa", "EFE", "ANSA",
    "Kyodo", "Yonhap", "PTI", "IANS", "ANI", "Anadolu", "UPI", "Bloomberg",
    "Sputnik", "KCNA", "IRNA", "Bernama", "Jiji", "Lusa", "Europa Press",
    "Agencies",
)


@dataclass(frozen=True)
class Attribution:
    agencies: Tuple[str, ...]     # canonical names, deduplicated, in order of first appearance
    credit: Optional[str]         # matched credit text(s), stripped, joined with " | "; None if none
    dateline: Optional[str]       # e.g. "MOSCOW" from "MOSCOW, Oct 7 (Reuters) -"; None if none


# --------------------------------------------------------------------------------------------
# Alias table
# --------------------------------------------------------------------------------------------

_FULL = "full"      # counts anywhere
_NAME = "name"      # credit position or attribution phrase
_VERB = "verb"      # credit position, "<name> reported", or called a news agency
_SHORT = "short"    # credit position, or called a news agency
_QUAL = "qual"      # only when called a news agency
_GEN = "gen"        # generic "agencies": credit position or attribution phrase

# (canonical name, class, literal spellings). Case-sensitive. The anchor pattern is a trie of all
# spellings, so the longest spelling wins ("Kyodo News" over "Kyodo", "Anadolu Agency" over
# "Anadolu").
_ALIASES = (
    ("Reuters", _NAME, ("Thomson Reuters Foundation", "Reuters", "REUTERS")),
    ("AP", _FULL, ("Associated Press", "ASSOCIATED PRESS")),
    ("AP", _SHORT, ("AP",)),
    ("AFP", _FULL, ("Agence France-Presse", "Agence France Presse", "AGENCE FRANCE-PRESSE",
                     "AGENCE FRANCE PRESSE")),
    ("AFP", _NAME, ("AFP",)),
    ("Xinhua", _FULL, ("Xinhua News Agency", "Xinhuanet", "新华社", "新华网", "新華社", "新華網")),
    ("Xinhua", _NAME, ("Xinhua", "XINHUA")),
    ("TASS", _FULL, ("ITAR-TASS", "ИТАР-ТАСС", "ТАСС")),
    ("TASS", _NAME, ("TASS", "Tass")),
    ("RIA Novosti", _FULL, ("RIA Novosti", "RIA-Novosti", "РИА Новости", "РИА «Новости»")),
    ("Interfax", _FULL, ("Интерфакс", "Интерфакса", "Интерфаксу", "Интерфаксом", "Интерфаксе")),
    ("Interfax", _NAME, ("Interfax",)),
    ("dpa", _FULL, ("Deutsche Presse-Agentur", "Deutschen Presse-Agentur", "German Press Agency")),
    ("dpa", _SHORT, ("dpa-AFX", "dpa", "DPA")),
    ("EFE", _FULL, ("Agencia EFE",)),
    ("EFE", _SHORT, ("EFE",)),
    ("ANSA", _FULL, ("Agenzia ANSA",)),
    ("ANSA", _SHORT, ("ANSA",)),
    ("Kyodo", _FULL, ("Kyodo News", "KYODO NEWS", "共同社", "共同通信", "共同通信社")),
    ("Kyodo", _VERB, ("Kyodo", "KYODO")),
    ("Yonhap", _FULL, ("Yonhap News Agency", "연합뉴스")),
    ("Yonhap", _NAME, ("Yonhap", "YONHAP")),
    ("PTI", _FULL, ("Press Trust of India",)),
    ("PTI", _SHORT, ("PTI",)),
    ("IANS", _FULL, ("Indo-Asian News Service",)),
    ("IANS", _NAME, ("IANS",)),
    ("ANI", _FULL, ("Asian News International",)),
    ("ANI", _SHORT, ("ANI",)),
    ("Anadolu", _FULL, ("Anadolu Agency", "Anadolu Ajansı", "Anadolu Ajansi", "ANADOLU AGENCY")),
    ("Anadolu", _QUAL, ("Anadolu",)),
    ("Anadolu", _SHORT, ("AA",)),
    ("UPI", _FULL, ("United Press International",)),
    ("UPI", _SHORT, ("UPI",)),
    ("Bloomberg", _FULL, ("Bloomberg News",)),
    ("Bloomberg", _NAME, ("Bloomberg", "BLOOMBERG")),
    ("Sputnik", _NAME, ("Sputnik",)),
    ("KCNA", _FULL, ("Korean Central News Agency",)),
    ("KCNA", _NAME, ("KCNA",)),
    ("IRNA", _FULL, ("Islamic Republic News Agency",)),
    ("IRNA", _NAME, ("IRNA",)),
    ("Bernama", _NAME, ("Bernama", "BERNAMA")),
    ("Jiji", _FULL, ("Jiji Press",)),
    ("Jiji", _VERB, ("Jiji",)),
    ("Lusa", _SHORT, ("Lusa",)),
    ("Europa Press", _FULL, ("Europa Press", "EUROPA PRESS")),
)

# Generic credits ("Agencies"). The capitalised ones are in the anchor pattern; the lower-case
# ones are looked up from "agenc"/"wire" (cheaper than adding 'a' and 'w' to the anchor's first
# characters). A preceding "news "/"wire "/"press " is taken into the hit ("news agencies").
_GENERIC_WORDS = (
    "agencies", "Agencies", "AGENCIES", "agency reports", "Agency reports", "agency report", "Agency report",
    "agency inputs", "Agency inputs", "agency input", "wire services", "Wire services", "wire service",
    "Wire service", "wires", "Wires",
)
_GENERIC_PREFIX = re.compile(r"(?:[Nn]ews|[Ww]ire|[Pp]ress)[ \t]+$")
_GENERIC_KEYS = ("agenc", "wire")    # the lower-case generic words start with one of these
_FOOTER = "footer"
# Reuters footers that name no agency at a credit position.
_FOOTER_WORDS = ("Reporting by", "Additional reporting by", "Our Standards:")


def _frag_key(frag: str) -> int:
    return -len(frag)


def _trie_regex(words) -> str:
    """One alternation of literal words, factored as a trie: the regex engine can then skip every
    position whose character starts no word, and tries one branch per position."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node) -> str:
        ends = "" in node
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = "|".join(alts)
        if len(alts) > 1 or ends:
            body = "(?:%s)" % body
        return body + "?" if ends else body

    return build(trie)


def _is_cjk(ch: str) -> bool:
    return ch >= "\u2e80"


def _bounded(frags) -> str:
    """Alternation with word boundaries (none for CJK/Hangul spellings)."""
    latin = [re.escape(f) for f in sorted(frags, key=_frag_key) if not _is_cjk(f[0])]
    cjk = [re.escape(f) for f in sorted(frags, key=_frag_key) if _is_cjk(f[0])]
    parts = []
    if latin:
        parts.append(r"(?<![^\W_])(?:%s)(?![^\W_])" % "|".join(latin))
    if cjk:
        parts.append("(?:%s)" % "|".join(cjk))
    return "(?:%s)" % "|".join(parts)


_SPELLING = {f: (canon, cls) for canon, cls, frags in _ALIASES for f in frags}
_SPELLING.update({w: ("Agencies", _GEN) for w in _GENERIC_WORDS if not w[0].islower()})
_SPELLING.update({w: ("Reuters", _FOOTER) for w in _FOOTER_WORDS})
_ANCHOR = re.compile(_trie_regex(_SPELLING))
_GENERIC = re.compile(_trie_regex(w for w in _GENERIC_WORDS if w[0].islower()))

# Any alias usable in a credit list (everything but bare "Anadolu"), plus the generic credits.
_NAME_ALT = _bounded([f for _c, _k, fs in _ALIASES if _k != _QUAL for f in fs]
                     + ["news agencies", "News agencies", "wire agencies", "press agencies"] + list(_GENERIC_WORDS))
_LIST_SEP = r"(?:[ \t]*(?:/|,|&|\+)[ \t]*|[ \t]*,?[ \t]+(?:and|und|y|et|e|и)[ \t]+)"
_NAMES = r"(?:[Tt]he[ \t]+)?%s(?:%s(?:[Tt]he[ \t]+)?%s)*" % (_NAME_ALT, _LIST_SEP, _NAME_ALT)
# "(Reuters)", "(AP/AFP)", "(dpa/lrs)" (dpa's regional services): what a dateline credit looks like.
_PLAIN_NAMES = re.compile(r"[ \t]*%s(?:/[a-z]{2,4})?[ \t]*" % _NAMES)
_NAMES_REST = re.compile(r"(?:%s(?:[Tt]he[ \t]+)?%s)*" % (_LIST_SEP, _NAME_ALT))

# --------------------------------------------------------------------------------------------
# Context patterns
# --------------------------------------------------------------------------------------------

_UC = "A-ZÀ-ÖØ-ÞА-ЯЁ"
_LC = "a-zß-öø-ÿа-яё"
_UC_WORD = r"[%s](?:[%s'’.\-]*[%s.])?" % (_UC, _UC, _UC)
_TC_WORD = r"[%s][%s'’.\-]*[%s.]" % (_UC, _LC, _LC)
_UC_PLACE = r"%s(?:[ ]%s){0,4}" % (_UC_WORD, _UC_WORD)
_TC_PLACE = r"%s(?:[ ](?:%s|de|da|do|dos|das|del|della|di|la|le|les|el|am|an|upon|on|sur|en)){0,3}" % (
    _TC_WORD, _TC_WORD)
_MONTH = r"[^\W\d_]{3,10}\.?"
_DATE = (r"(?:%s[ \t]+\d{1,2}(?:st|nd|rd|th)?(?:,?[ \t]+\d{4})?"
         r"|\d{1,2}(?:\.|er|st|nd|rd|th)?[ \t]+(?:de[ \t]+)?%s(?:[ \t]+(?:de[ \t]+)?\d{4})?"
         r"|\d{1,2}[./-]\d{1,2}(?:[./-]\d{2,4})?)") % (_MONTH, _MONTH)
_REGION = r"[A-Z][A-Za-z'’.\-]*(?:[ ][A-Z][A-Za-z'’.\-]*){0,2}"
# What may precede "(Reuters)" / "/TASS/" on a dateline: place, then region and/or date.
_DL_PREFIX = re.compile(r"[ \t]*(?P<place>%s|%s)(?:[ \t]*,[ \t]*(?:(?P<date>%s)|%s)){0,2}[ \t]*\.?[ \t]*" % (
    _UC_PLACE, _TC_PLACE, _DATE, _REGION))
# Staff dateline without credit: "LONDON —", "SPRINGFIELD, Ill. —", "LONDON, Oct 7 —".
_DL_STAFF = re.compile(r"[ \t]*(?P<place>%s)(?:[ \t]*,[ \t]*(?:%s|%s))?(?:[ \t]*(?:—|–|--)|[ \t]+-)[ \t]*"
                       r"(?=[^\W_a-zß-öø-ÿа-яё]|[\"“‘'«])" % (
    _UC_PLACE, _DATE, _REGION))
_DL_STOP = frozenset("""BREAKING UPDATE UPDATED UPDATES EXCLUSIVE WATCH VIDEO PHOTOS PHOTO PICTURES LIVE
    FILE NOTE CORRECTION OPINION ANALYSIS ADVISORY URGENT FLASH ALERT REVIEW EDITORIAL
    COMMENT FACTBOX EXPLAINER INSIGHT SPONSORED ADVERTISEMENT READ ALSO""".split())
_SEP_AFTER = re.compile(r"[ \t]*(?:\.-|—|–|-{1,2}|:|\.(?![\w]))")
_SEP_SPACE = re.compile(r"[ \t]*(?:\.-|—|–|-{1,2}|:)(?:\s|$)")

_PHOTO_WORD = (r"(?:[Pp]hotos?|PHOTOS?|[Pp]ictures?|[Ii]mages?|Video|VIDEO|Pool|POOL|[Ff]ile[ \t]+[Pp]hoto|"
               r"FILE[ \t]+PHOTO|File|FILE|via[ \t]+Getty(?:[ \t]+Images)?)")
_PHOTO_KW = (r"(?:[Pp]hoto(?:graph)?s?|PHOTO|[Pp]ictures?|Pic|[Ii]mage|Foto|Фото|[Cc]redit|[Ss]ources?|"
             r"Photo[ \t]+credit|Image[ \t]+credit|File(?:[ \t]+(?:photo|image))?|FILE|Quelle|Fuente|Fonte|Источник)")
_INPUTS = r"(?:[Ww]ith[ \t]+(?:additional[ \t]+|some[ \t]+)?)?(?:[Ii]nputs?|INPUTS?)[ \t]+(?:from|by)[ \t]+(?:the[ \t]+)?"
# The inside of "( ... )" or "[ ... ]" when it is a credit.
_CREDIT_CONTENT = re.compile(
    r"[ \t]*(?:%s[ \t]*(?::|-|—|by)[ \t]*)?(?:%s|[Ww]ith[ \t]+)?(?:[^/()\[\]\n]{1,50}?[ \t]*/[ \t]*)?"
    r"%s(?:[ \t]+%s)?(?:[ \t]*/[ \t]*[^/()\[\]\n]{1,60}?)?(?:[ \t]*[,/][ \t]*(?:File|FILE|file)(?:[ \t]+[Pp]hoto)?)?"
    r"[ \t]*\.?[ \t]*" % (_PHOTO_KW, _INPUTS, _NAMES, _PHOTO_WORD))
_PERSON = r"[%s][\w.'’\-]*(?:[ ](?:[%s][\w.'’\-]*|de|da|van|von|al|el|bin|di|le)){0,4}" % (_UC, _UC)
_SLASH_PHOTO = re.compile(r"(?P<photo>[ \t]+%s)?[ \t]*/[ \t]*%s(?![\w'’\-])(?![ \t]+(?:poll|survey|data))"
                          r"(?:[ \t]*/[ \t]*(?:File(?:[ \t]+Photo)?|FILE(?:[ \t]+PHOTO)?|Pool|POOL))*" % (_PHOTO_WORD, _PERSON))
_VIA_GETTY = re.compile(r"[ \t]+via[ \t]+Getty(?:[ \t]+Images)?")
_EOL_TAIL = re.compile(r"[ \t]*[.;]?[ \t\r]*$")
_SLASH_AFTER = re.compile(r"[ \t]?/(?![^\W\d_])\.?")
_DASHES = ("—", "–", "-", "|")
_PHOTO_GATE = re.compile(r"hoto|HOTO|icture|Pic|mage|Foto|Фото|redit|ource|File|FILE|Quelle|Fuente|Fonte|Источник")
_PHOTO_BEFORE = re.compile(r"(?<![^\W_])%s[ \t]*(?::|-|—|by)[ \t]*(?:[^\n/:()\[\]]{1,50}?/[ \t]*)?$" % _PHOTO_KW)
_CREDIT_LINE_BEFORE = re.compile(
    r"[ \t]*(?:(?:By|BY)[ \t]+|(?:Source|Sources|Credit|Quelle|Fuente|Fonte|Источник)[ \t]*:[ \t]*|(?:—|–|-{1,2}|/)[ \t]*)?"
    r"(?:[Tt]he[ \t]+)?")
_CREDIT_LINE_AFTER = re.compile(
    r"(?:[ \t]+(?:[Ss]taff|[Ww]riters?|[Rr]eporters?|[Cc]orrespondents?|[Dd]esk|[Ss]ervice))?[ \t]*\.?[ \t\r]*")
_COPYRIGHT_GATE = re.compile(r"©|opyright|OPYRIGHT|\([cC]\)")
_COPYRIGHT_BEFORE = re.compile(
    r"(?:[Cc]opyright|COPYRIGHT|©|\([Cc]\))(?:[ \t]*(?:©|\([Cc]\)))?[ \t]*(?:\d{4}(?:[ \t]*[-–][ \t]*\d{4})?[ \t]*)?"
    r"(?:[Tt]he[ \t]+)?$")
_COPYRIGHT_AFTER = re.compile(
    r"(?:[ \t]+\d{4})?(?:[.,]?[ \t]*All[ \t]+[Rr]ights[ \t]+[Rr]eserved\.?)?"
    r"(?:[ \t]*This[ \t]+material[ \t]+may[ \t]+not[ \t]+be[ \t]+published,[ \t]+broadcast,[ \t]+rewritten,?"
    r"[ \t]+or[ \t]+redistributed(?:[ \t]+without[ \t]+permission)?\.?)?\.?")
_INPUTS_BEFORE = re.compile(r"(?:\([ \t]*)?%s$" % _INPUTS)
_WITH_BEFORE = re.compile(r"(?:\([ \t]*)?[Ww]ith[ \t]+$")
_OUTLET_PREFIX = re.compile(r"[ \t]*(?:(?:[A-Z0-9&][\w&.'’\-]*|of|the|and)[ \t]+){1,6}")
_CONTRIB_AFTER = re.compile(
    r"(?:[^\n.!?]|\.(?=\S)|(?<=\b[A-Z])\.(?=\s))*?\b(?:also[ \t]+)?contributed[ \t]+(?:reporting[ \t]+)?"
    r"(?:to[ \t]+this[ \t]+(?:report|story|article)|reporting|to[ \t]+this)\b[^\n.]{0,60}\.?")
_SENTENCE_START = re.compile(r"(?:^|[.!?\"”)][ \t]+)(?:[Tt]he[ \t]+)?$")
_EDITING = re.compile(r"(?:[Ee]diting|[Ww]riting|[Cc]ompiled|[Ee]dited)[ \t]+by\b")
_TRUST = re.compile(r"Our Standards:[ \t]*The Thomson Reuters Trust Principles\.?")

_FILL = (r"(?:state|state-run|state-owned|state-controlled|official|semi-official|government|government-run|"
         r"private|local|national|independent|news|press|wire|[A-ZА-Я][\w'’\-]*)")
_QUAL_BEFORE_RE = (r"(?:(?:[Nn]ews|[Pp]ress|[Ww]ire|[Ii]nformation|[Tt]elegraph)[ \-][Aa]gency|[Nn]ews[ \-][Ss]ervice|"
                   r"[Ww]ire[ \-][Ss]ervice|[Nn]ewswire|Nachrichtenagentur|Presseagentur|[Aa]gencia(?:[ \t]+de[ \t]+noticias)?|"
                   r"[Aa]gence(?:[ \t]+de[ \t]+presse)?|[Aa]genzia(?:[ \t]+(?:di[ \t]+)?stampa)?|[Aa]gência(?:[ \t]+de[ \t]+notícias)?|"
                   r"агентств[а-я]*)")
_QUAL_GATE = re.compile(r"gen|GEN|ervice|ewswire|агентств")
_QUAL_BEFORE = re.compile(r"(?<![^\W_])%s[ \t]*[,:]?[ \t]*[«\"“]?$" % _QUAL_BEFORE_RE)
_QUAL_AFTER = re.compile(r"[»\"”]?[ \t]+(?:(?:[Nn]ews|[Pp]ress)[ \-][Aa]gency|[Nn]ews[ \-][Ss]ervice|[Ww]ire[ \-][Ss]ervice|"
                         r"[Nn]ewswire|[Aa]gency|Nachrichtenagentur)\b")
_ATTR_BEFORE = re.compile(
    r"(?<![^\W_])(?P<kw>[Aa]ccording[ \t]+to|[Cc]iting|[Qq]uoting|[Pp]er|[Tt]old|tells|telling|[Ss]peaking[ \t]+to|"
    r"spoke[ \t]+to|said[ \t]+to|interview[ \t]+with|interviewed[ \t]+by|comments[ \t]+to|confirmed[ \t]+to|"
    r"remarks[ \t]+to|(?:carried|quoted|cited|published|reported|released|distributed|relayed|run)[ \t]+by|"
    r"[Ss]elon|[Dd]['’]après|[Ss]egún|[Ss]econdo|[Ll]aut|[Cc]ontacted[ \t]+by)"
    r"(?:[ \t]+(?:a|an|the|la|el|der|die|dem|il))?"
    r"(?:[ \t]+(?:(?:a|an|the)[ \t]+)?(?:report|reports|reporting|data|figures|tally|calculations|survey|statement|"
    r"dispatch|interview|story|article)[ \t]+(?:by|from|in|of|carried[ \t]+by|published[ \t]+by)(?:[ \t]+(?:a|an|the))?)?"
    r"(?:[ \t]+%s){0,3}(?:[ \t]+%s)?(?:[ \t]+|[ \t]+l['’]|[ \t]*,[ \t]*)$" % (_FILL, _QUAL_BEFORE_RE))
_BARE_AGENCIES_BEFORE = re.compile(r"(?<![^\W_])(?:[Aa]ccording[ \t]+to|[Cc]iting|[Qq]uoting)[ \t]+$")
_FRENCH_AFP = re.compile(r"(?<![^\W_])(?:[Ss]elon|[Dd]['’]après|à|a)[ \t]+l['’]$")
_ATTR_AFTER = re.compile(
    r"(?P<qual>[»\"”]?[ \t]+(?:(?:[Nn]ews|[Pp]ress)[ \-][Aa]gency|[Nn]ews[ \-][Ss]ervice|[Ww]ire[ \-][Ss]ervice|"
    r"[Nn]ewswire|[Aa]gency))?"
    r"(?:[ \t]*,[ \t]*[^,\n]{1,60}?,)?[ \t]+(?:has[ \t]+|had[ \t]+|also[ \t]+|earlier[ \t]+|first[ \t]+|later[ \t]+|"
    r"previously[ \t]+|then[ \t]+)?"
    r"(?P<verb>reported|reports|quoted|quotes|cited|cites|learned|learnt|was[ \t]+told|understands|"
    r"said|says|added|announced|wrote|stated|confirmed|suggested|suggest|indicated|showed)\b")
_ATTR_NOUN = re.compile(
    r"['’]?s?[ \t]+(?:report|witness|witnesses|tally|investigation|correspondent|correspondents|"
    r"photographer|calculation|calculations|analysis|interview|dispatch|review|count)\b")
_QUIET_VERBS = frozenset(("reported", "reports", "quoted", "quotes", "cited", "cites", "learned", "learnt",
                          "understands", "was told"))
_ABBR_WORDS = re.compile(r"[^\W\d_]+")
_ABBR_SKIP = frozenset("of and the for e de des du la el y und für di del da do".split())
_PREV_WORD = re.compile(r"([A-Z][a-z]*\.?)[ \t]+$")
_BLOOMBERG_OK_PREV = frozenset(
    "The A An According By From Via With To And Told Per Citing Quoting Source Photo Copyright Meanwhile "
    "Earlier Later But As In On At That Speaking Contacted".split())
_BLOOMBERG_NOT = re.compile(
    r"[ \t]+(?:Philanthropies|L\.?P\.?|Foundation|School|Tower|Terminal|Billionaires|administration|campaign|"
    r"Associates|American)\b")
_REUTERS_NOT = re.compile(r"[ \t]+(?:Institute|shares|stock|Holdings)\b")
_AFP_NOT = re.compile(r"[ \t]+(?:officers?|agents?|police|[Cc]ommissioner|investigators?|detectives?)\b")
_ACRONYM = re.compile(r"[A-Z]{2,5}|dpa")
_TIDY_SPACES = re.compile(r"[ \t]{2,}")
_TIDY_LINES = re.compile(r"\n{3,}")


class _Hit(NamedTuple):
    start: int
    end: int
    canon: str
    cls: str


class _Span(NamedTuple):
    start: int
    end: int
    strip: bool


class _Analysis(NamedTuple):
    agencies: Tuple[Tuple[int, str], ...]    # (position, canonical) of every accepted credit
    spans: Tuple[_Span, ...]                 # accepted credit texts, sorted
    dateline: Optional[str]


# --------------------------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------------------------

def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _find_hits(text: str) -> List[_Hit]:
    hits = []
    n = len(text)
    for m in _ANCHOR.finditer(text):
        s, e = m.span()
        if not _is_cjk(text[s]) and ((s and _is_word(text[s - 1])) or (e < n and _is_word(text[e]))):
            continue
        canon, cls = _SPELLING[m.group()]
        hits.append(_Hit(s, e, canon, cls))
    found = False
    for key in _GENERIC_KEYS:
        i = text.find(key)
        while i >= 0:
            m = _GENERIC.match(text, i)
            if m:
                s, e = m.span()
                if not ((s and _is_word(text[s - 1])) or (e < n and _is_word(text[e]))):
                    hits.append(_Hit(s, e, "Agencies", _GEN))
                    found = True
            i = text.find(key, i + 1)
    if found:
        hits.sort()
    for k, h in enumerate(hits):
        if h.cls == _GEN:          # "news agencies", "Wire agencies", "press agencies"
            pre = _GENERIC_PREFIX.search(text, max(0, h.start - 12), h.start)
            if pre:
                hits[k] = h._replace(start=pre.start())
    return hits


def _is_abbreviation(text: str, line_start: int, open_pos: int, acronym: str) -> bool:
    """'Unified Payments Interface (UPI)': the words before the parenthesis spell the acronym."""
    words = [w for w in _ABBR_WORDS.findall(text[max(line_start, open_pos - 120):open_pos])
             if w not in _ABBR_SKIP]
    k = len(acronym)
    if len(words) < k:
        return False
    return "".join(w[0] for w in words[-k:]).upper() == acronym.upper()


def _analyse_uncached(text: str) -> _Analysis:
    hits = _find_hits(text)
    agencies: List[Tuple[int, str]] = []
    spans: List[_Span] = []
    dl_credit: Optional[Tuple[int, str]] = None
    n = len(text)
    covered_to = -1            # hits before this position were consumed by an accepted credit

    for idx, h in enumerate(hits):
        if h.start < covered_to:
            continue
        s, e, canon, cls = h
        line_start = text.rfind("\n", 0, s) + 1
        line_end = text.find("\n", e)
        if line_end < 0:
            line_end = n
        if cls == _FOOTER:
            span = _footer(text, s, line_start, line_end)
            if span:
                spans.append(_Span(span[0], span[1], True))
                agencies.append((span[0], "Reuters"))
                covered_to = span[1]
            continue
        bstart = max(line_start, s - 200)
        before = text[bstart:s]
        after = text[e:min(line_end, e + 250)]
        # The last few words before the name: enough for every "... <name>" pattern, and short
        # enough that the end-anchored searches below stay cheap.
        parts = before.rsplit(" ", 11)
        tstart = bstart + len(parts[0]) if len(parts) == 12 else bstart
        tail = text[tstart:s]
        btrim = before.rstrip(" \t")

        # Names that are not the agency at all.
        if canon == "Reuters" and cls == _NAME:
            if before.endswith(("Thomson ", "THOMSON ")) or _REUTERS_NOT.match(after):
                continue
        elif canon == "Bloomberg" and cls == _NAME:
            pw = _PREV_WORD.search(tail)
            if (pw and pw.group(1) not in _BLOOMBERG_OK_PREV) or _BLOOMBERG_NOT.match(after):
                continue
        elif canon == "AFP" and cls == _NAME and _AFP_NOT.match(after):
            continue

        rest_end = _NAMES_REST.match(text, e, line_end).end() if cls != _QUAL else e
        result = None  # (span_start, span_end, strip, consumed_to)

        # 1. "(Reuters)", "[Xinhua]", "(AP Photo/John Smith)", "MOSCOW, Oct 7 (Reuters) -".
        if cls != _QUAL and before:
            op = max(before.rfind("("), before.rfind("["))
            if op >= 0 and s - (bstart + op) <= 80 and ")" not in before[op:] and "]" not in before[op:]:
                open_pos = bstart + op
                closer = ")" if text[open_pos] == "(" else "]"
                close_pos = text.find(closer, e, min(line_end, e + 100))
                if close_pos >= 0:
                    content = text[open_pos + 1:close_pos]
                    if _CREDIT_CONTENT.fullmatch(content):
                        result = _paren_credit(text, hits, idx, open_pos, close_pos, content, line_start, line_end)
                        if result and result[3] is not None:
                            dl_credit = dl_credit or (result[0], result[3])
                        if result:
                            result = result[:3] + (close_pos + 1,)

        # 2. "/TASS/", "MOSCOW, March 1. /TASS/.", "... in Gaza /AFP", "REUTERS/Jane Doe".
        if result is None and cls != _QUAL:
            if btrim.endswith("/") and len(before) - len(btrim) <= 1:
                slash_pos = bstart + len(btrim) - 1
                m2 = _SLASH_AFTER.match(text, rest_end, line_end)
                if m2:
                    span_start, span_end = slash_pos, m2.end()
                    prefix = text[line_start:slash_pos]
                    dl = _DL_PREFIX.fullmatch(prefix) if prefix.strip() else None
                    if dl and _place_ok(dl.group("place")):
                        span_start = line_start + dl.start("place")
                        dl_credit = dl_credit or (span_start, dl.group("place"))
                    sep = _SEP_AFTER.match(text, span_end, line_end)
                    if sep:
                        span_end = sep.end()
                    result = (span_start, span_end, True, rest_end)
                elif _EOL_TAIL.match(text, rest_end, line_end):
                    result = (slash_pos, _eol_end(text, rest_end, line_end), True, rest_end)
            if result is None and cls in (_FULL, _NAME, _VERB, _SHORT) and not _photo_before(tail):
                m2 = _SLASH_PHOTO.match(text, e, line_end)
                if m2 and (cls != _SHORT or m2.group("photo")):
                    result = (s, m2.end(), True, e)
                else:
                    m2 = _VIA_GETTY.match(text, rest_end, line_end)
                    if m2:
                        result = (s, m2.end(), True, rest_end)

        # 3. Trailing "— AFP", "- Reuters", "| Reuters" at the end of a line.
        if result is None and cls != _QUAL and _EOL_TAIL.match(text, rest_end, line_end):
            if btrim.endswith(_DASHES):
                dash = btrim.rstrip("—–-|")
                if len(btrim) - len(dash) <= 2 and (not dash or dash[-1] in " \t"):
                    result = (bstart + len(dash), _eol_end(text, rest_end, line_end), True, rest_end)

        # 4. A line that is only a credit: "Agencies", "By Reuters Staff", "Source: AP".
        if result is None and cls != _QUAL and s - line_start <= 40:
            if _CREDIT_LINE_BEFORE.fullmatch(text, line_start, s) and _CREDIT_LINE_AFTER.fullmatch(text, rest_end, line_end):
                ls = line_start + (len(text[line_start:s]) - len(text[line_start:s].lstrip()))
                result = (ls, _eol_end(text, rest_end, line_end), True, rest_end)

        # 5. "Photo: Reuters", "Photograph: Jane Doe/AFP", "Photo by AFP".
        if result is None and cls != _QUAL:
            pb = _photo_before(tail)
            if pb:
                m2 = _SLASH_PHOTO.match(text, rest_end, line_end)
                end = m2.end() if m2 else rest_end
                result = (tstart + pb.start(), end, True, rest_end)

        # 6. "Copyright 2024 The Associated Press. All rights reserved."
        if result is None and cls not in (_QUAL, _GEN) and _COPYRIGHT_GATE.search(tail):
            cb = _COPYRIGHT_BEFORE.search(tail)
            if cb:
                m2 = _COPYRIGHT_AFTER.match(text, rest_end, line_end)
                result = (tstart + cb.start(), m2.end(), True, rest_end)

        # 7. "with inputs from Agencies", "(With inputs from Reuters and AFP)", "with agency inputs".
        if result is None and cls != _QUAL and ("nput" in tail or "NPUT" in tail
                                                or (cls == _GEN and "nput" in text[s:e])):
            ib = _INPUTS_BEFORE.search(tail)
            if ib is None and cls == _GEN and "nput" in text[s:e]:
                ib = _WITH_BEFORE.search(tail)
            if ib:
                span_start = tstart + ib.start()
                end = rest_end
                if text.startswith("(", span_start):
                    close = text.find(")", end, line_end)
                    if close >= 0 and not text[end:close].strip():
                        end = close + 1
                end = _eol_end(text, end, line_end) if _EOL_TAIL.match(text, end, line_end) else end
                # "The BRICS Post with inputs from Agencies": the outlet's name goes with the footer.
                if end >= line_end - 1 or not text[end:line_end].strip():
                    op = _OUTLET_PREFIX.fullmatch(text, line_start, span_start)
                    if op and not any(line_start <= x.start < span_start for x in hits):
                        span_start = line_start + (len(text[line_start:span_start])
                                                   - len(text[line_start:span_start].lstrip()))
                result = (span_start, end, True, rest_end)

        # 8. "AFP contributed to this report.", "Associated Press writer ... contributed to this report."
        if result is None and cls != _QUAL and "contributed" in after:
            m2 = _CONTRIB_AFTER.match(text, rest_end, line_end)
            if m2:
                sb = _SENTENCE_START.search(before)
                if sb:
                    ss = bstart + sb.start()
                    ss += len(text[ss:s]) - len(text[ss:s].lstrip(".!?\"”) \t"))
                    result = (ss, m2.end(), True, m2.end())

        # 9. Attribution phrases (stay in the body; not stripped).
        if result is None:
            result = _attribution(text, h, tail, tstart, rest_end, line_end)

        # 10. Full names count wherever they are.
        if result is None and cls == _FULL:
            result = (s, e, False, e)

        if result is None:
            continue
        span_start, span_end, strip, consumed_to = result
        consumed_to = max(consumed_to, e)
        for x in hits[idx:]:
            if x.start >= consumed_to:
                break
            if (x.cls != _QUAL or x is h) and x.cls != _FOOTER:
                agencies.append((x.start, x.canon))
        covered_to = max(consumed_to, span_end if strip else consumed_to)
        spans.append(_Span(span_start, span_end, strip))

    dateline = dl_credit[1] if dl_credit else _staff_dateline(text)
    agencies.sort(key=lambda a: a[0])
    spans.sort()
    return _Analysis(tuple(agencies), tuple(spans), dateline)


def _footer(text: str, s: int, line_start: int, line_end: int) -> Optional[Tuple[int, int]]:
    """'(Reporting by ...; Editing by ...)' and 'Our Standards: The Thomson Reuters Trust Principles.'"""
    if text.startswith("Our", s):
        m = _TRUST.match(text, s, line_end)
        return m.span() if m else None
    prefix = text[line_start:s].rstrip(" \t")
    if prefix.endswith("("):
        close = text.find(")", s, line_end)
        return (line_start + len(prefix) - 1, close + 1) if close >= 0 else None
    if not prefix and _EDITING.search(text, s, line_end):
        return (s, _eol_end(text, s, line_end))
    return None


def _eol_end(text: str, pos: int, line_end: int) -> int:
    """End of a credit that runs to the end of its line: include a final '.', drop trailing space."""
    seg = text[pos:line_end]
    stripped = seg.rstrip(" \t\r")
    return pos + len(stripped)


def _photo_before(tail: str):
    return _PHOTO_BEFORE.search(tail) if _PHOTO_GATE.search(tail) else None


def _place_ok(place: str) -> bool:
    letters = sum(ch.isalpha() for ch in place)
    return letters >= 2 and place.upper() not in _DL_STOP and place.split()[0].upper() not in _DL_STOP


def _paren_credit(text, hits, idx, open_pos, close_pos, content, line_start, line_end):
    """A credit in parentheses/brackets; returns (start, end, strip, dateline-or-None) or None."""
    inner = content.strip(" \t.")
    h = hits[idx]
    single = (text[h.start:h.end] == inner
              and (idx + 1 == len(hits) or hits[idx + 1].start >= close_pos))
    prefix = text[line_start:open_pos]
    after_close = text[close_pos + 1:line_end]
    if single and _ACRONYM.fullmatch(inner):
        if _is_abbreviation(text, line_start, open_pos, inner):
            return None
        # A lone acronym in parentheses is a credit only where credits go: at the start of a
        # line or after a dateline, at the end of a line or sentence, or before a separator.
        at_start = not prefix.strip() or bool(_DL_PREFIX.fullmatch(prefix))
        at_end = bool(_EOL_TAIL.match(after_close)) or bool(_SEP_SPACE.match(after_close))
        after_sentence = prefix.rstrip().endswith((".", "!", "?", "\"", "”", ":"))
        if not (at_start or at_end or after_sentence):
            return None
    start, end = open_pos, close_pos + 1
    place = None
    plain = text[open_pos] == "(" and _PLAIN_NAMES.fullmatch(content) is not None
    if plain:
        sep = _SEP_AFTER.match(text, end, line_end)
        if not prefix.strip():
            if sep:
                end = sep.end()
        else:
            dl = _DL_PREFIX.fullmatch(prefix)
            if dl and _place_ok(dl.group("place")):
                p = dl.group("place")
                uc = not any(ch.islower() for ch in p)
                if uc or dl.group("date") or _SEP_SPACE.match(after_close):
                    place = p
                    start = line_start + dl.start("place")
                    if sep:
                        end = sep.end()
    if place is None and start == open_pos:
        # "... until December 4. — (IANS)": the dash belongs to the credit.
        lead = prefix.rstrip(" \t")
        if lead.endswith(_DASHES) and _EOL_TAIL.match(after_close):
            dash = lead.rstrip("—–-|")
            if len(lead) - len(dash) <= 2 and (not dash or dash[-1] in " \t"):
                start = line_start + len(dash)
    return (start, end, True, place)


def _attribution(text, h, before, bstart, rest_end, line_end):
    s, e, canon, cls = h
    if cls == _GEN and text[s:e].lower() == "agencies":
        # Bare "agencies" (intelligence agencies, federal agencies ...) only as "according to agencies".
        m = _BARE_AGENCIES_BEFORE.search(before)
        return (bstart + m.start(), e, False, e) if m else None
    qual_before = _QUAL_BEFORE.search(before) if _QUAL_GATE.search(before) else None
    qual_after = _QUAL_AFTER.match(text, rest_end, line_end)
    qualified = bool(qual_before or qual_after)
    if cls in (_SHORT, _QUAL) and not qualified:
        return None
    start, end = s, rest_end
    ok = qualified
    if qual_before:
        start = bstart + qual_before.start()
    if qual_after:
        end = qual_after.end()
    ab = _ATTR_BEFORE.search(before)
    if ab and cls != _VERB:
        start = min(start, bstart + ab.start())
        ok = True
        an = _ATTR_NOUN.match(text, rest_end, line_end)
        if an:
            end = max(end, an.end())
    elif canon == "AFP" and before.endswith(("l'", "l’")) and _FRENCH_AFP.search(before):
        start = bstart + _FRENCH_AFP.search(before).start()
        ok = True
    aa = _ATTR_AFTER.match(text, rest_end, line_end)
    if aa:
        verb = aa.group("verb")
        quiet = verb in _QUIET_VERBS or verb.startswith("was")
        if cls == _VERB:
            quiet = verb in ("reported", "reports")
        if quiet or qualified or aa.group("qual") or cls == _GEN:
            end = max(end, aa.end())
            ok = True
    if not ok and cls in (_NAME,):
        an = _ATTR_NOUN.match(text, rest_end, line_end)
        if an:
            end = an.end()
            ok = True
    if not ok:
        return None
    return (start, end, False, rest_end)


def _staff_dateline(text: str) -> Optional[str]:
    """'LONDON —' at the start of one of the first few paragraphs (no agency credit)."""
    pos, seen, n = 0, 0, len(text)
    while pos < n and seen < 3:
        nl = text.find("\n", pos)
        if nl < 0:
            nl = n
        if text[pos:nl].strip():
            seen += 1
            m = _DL_STAFF.match(text, pos, nl)
            if m and _place_ok(m.group("place")):
                return m.group("place")
        pos = nl + 1
    return None


@lru_cache(maxsize=64)
def _analyse(text: str) -> _Analysis:
    return _analyse_uncached(text)


def _merged(spans, only_strip: bool) -> List[Tuple[int, int]]:
    out: List[List[int]] = []
    for sp in spans:
        if only_strip and not sp.strip:
            continue
        if out and sp.start < out[-1][1]:
            out[-1][1] = max(out[-1][1], sp.end)
        else:
            out.append([sp.start, sp.end])
    return [(a, b) for a, b in out]


# --------------------------------------------------------------------------------------------
# Public interface
# --------------------------------------------------------------------------------------------

def attribute(title: str, text: str) -> Attribution:
    """Agency credits found in a story's title and plain text (paragraphs separated by blank lines)."""
    title = title or ""
    text = text or ""
    names: List[str] = []
    credits: List[str] = []
    for part in (title, text):
        if not part:
            continue
        a = _analyse(part)
        for _pos, canon in a.agencies:
            if canon not in names:
                names.append(canon)
        for start, end in _merged(a.spans, only_strip=False):
            c = part[start:end].strip()
            if c and c not in credits:
                credits.append(c)
    dateline = _analyse(text).dateline if text else None
    return Attribution(tuple(names), " | ".join(credits) if credits else None, dateline)


def credit_spans(text: str) -> List[Tuple[int, int]]:
    """Character spans of every credit line / credit phrase / dateline-with-credit in text, so that
    a near-duplicate detector can remove them before shingling. Sorted, non-overlapping."""
    if not text:
        return []
    return _merged(_analyse(text).spans, only_strip=True)


def strip_credits(text: str) -> str:
    """text with every credit_spans() span removed and whitespace tidied."""
    if not text:
        return ""
    out: List[str] = []
    pos = 0
    for start, end in credit_spans(text):
        out.append(text[pos:start])
        pos = end
        nxt = text[end:end + 1]
        if nxt and nxt in ".,;:!?)" and out and out[-1][-1:] in (" ", "\t"):
            out[-1] = out[-1].rstrip(" \t")
    out.append(text[pos:])
    lines = [_TIDY_SPACES.sub(" ", ln).strip() for ln in "".join(out).split("\n")]
    return _TIDY_LINES.sub("\n\n", "\n".join(lines)).strip()
