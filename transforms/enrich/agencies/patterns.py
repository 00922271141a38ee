"""Agency names, spellings and the context patterns that decide whether a mention is a credit.

Data and compiled patterns for transforms/enrich/agencies/attribution.py (split out by role: tables here, analysis there).
"""
from __future__ import annotations

import re

# --------------------------------------------------------------------------------------------
# Alias table
# --------------------------------------------------------------------------------------------

FULL = "full"      # counts anywhere
NAME = "name"      # credit position or attribution phrase
VERB = "verb"      # credit position, "<name> reported", or called a news agency
SHORT = "short"    # credit position, or called a news agency
QUAL = "qual"      # only when called a news agency
GEN = "gen"        # generic "agencies": credit position or attribution phrase

# (canonical name, class, literal spellings). Case-sensitive. The anchor pattern is a trie of all
# spellings, so the longest spelling wins ("Kyodo News" over "Kyodo", "Anadolu Agency" over
# "Anadolu").
_ALIASES = (
    ("Reuters", NAME, ("Thomson Reuters Foundation", "Reuters", "REUTERS")),
    ("AP", FULL, ("Associated Press", "ASSOCIATED PRESS")),
    ("AP", SHORT, ("AP",)),
    ("AFP", FULL, ("Agence France-Presse", "Agence France Presse", "AGENCE FRANCE-PRESSE",
                     "AGENCE FRANCE PRESSE")),
    ("AFP", NAME, ("AFP",)),
    ("Xinhua", FULL, ("Xinhua News Agency", "Xinhuanet", "新华社", "新华网", "新華社", "新華網")),
    ("Xinhua", NAME, ("Xinhua", "XINHUA")),
    ("TASS", FULL, ("ITAR-TASS", "ИТАР-ТАСС", "ТАСС")),
    ("TASS", NAME, ("TASS", "Tass")),
    ("RIA Novosti", FULL, ("RIA Novosti", "RIA-Novosti", "РИА Новости", "РИА «Новости»")),
    ("Interfax", FULL, ("Интерфакс", "Интерфакса", "Интерфаксу", "Интерфаксом", "Интерфаксе")),
    ("Interfax", NAME, ("Interfax",)),
    ("dpa", FULL, ("Deutsche Presse-Agentur", "Deutschen Presse-Agentur", "German Press Agency")),
    ("dpa", SHORT, ("dpa-AFX", "dpa", "DPA")),
    ("EFE", FULL, ("Agencia EFE",)),
    ("EFE", SHORT, ("EFE",)),
    ("ANSA", FULL, ("Agenzia ANSA",)),
    ("ANSA", SHORT, ("ANSA",)),
    ("Kyodo", FULL, ("Kyodo News", "KYODO NEWS", "共同社", "共同通信", "共同通信社")),
    ("Kyodo", VERB, ("Kyodo", "KYODO")),
    ("Yonhap", FULL, ("Yonhap News Agency", "연합뉴스")),
    ("Yonhap", NAME, ("Yonhap", "YONHAP")),
    ("PTI", FULL, ("Press Trust of India",)),
    ("PTI", SHORT, ("PTI",)),
    ("IANS", FULL, ("Indo-Asian News Service",)),
    ("IANS", NAME, ("IANS",)),
    ("ANI", FULL, ("Asian News International",)),
    ("ANI", SHORT, ("ANI",)),
    ("Anadolu", FULL, ("Anadolu Agency", "Anadolu Ajansı", "Anadolu Ajansi", "ANADOLU AGENCY")),
    ("Anadolu", QUAL, ("Anadolu",)),
    ("Anadolu", SHORT, ("AA",)),
    ("UPI", FULL, ("United Press International",)),
    ("UPI", SHORT, ("UPI",)),
    ("Bloomberg", FULL, ("Bloomberg News",)),
    ("Bloomberg", NAME, ("Bloomberg", "BLOOMBERG")),
    ("Sputnik", NAME, ("Sputnik",)),
    ("KCNA", FULL, ("Korean Central News Agency",)),
    ("KCNA", NAME, ("KCNA",)),
    ("IRNA", FULL, ("Islamic Republic News Agency",)),
    ("IRNA", NAME, ("IRNA",)),
    ("Bernama", NAME, ("Bernama", "BERNAMA")),
    ("Jiji", FULL, ("Jiji Press",)),
    ("Jiji", VERB, ("Jiji",)),
    ("Lusa", SHORT, ("Lusa",)),
    ("Europa Press", FULL, ("Europa Press", "EUROPA PRESS")),
)

# Generic credits ("Agencies"). The capitalised ones are in the anchor pattern; the lower-case
# ones are looked up from "agenc"/"wire" (cheaper than adding 'a' and 'w' to the anchor's first
# characters). A preceding "news "/"wire "/"press " is taken into the hit ("news agencies").
_GENERIC_WORDS = (
    "agencies", "Agencies", "AGENCIES", "agency reports", "Agency reports", "agency report", "Agency report",
    "agency inputs", "Agency inputs", "agency input", "wire services", "Wire services", "wire service",
    "Wire service", "wires", "Wires",
)
GENERIC_PREFIX = re.compile(r"(?:[Nn]ews|[Ww]ire|[Pp]ress)[ \t]+$")
GENERIC_KEYS = ("agenc", "wire")    # the lower-case generic words start with one of these
FOOTER = "footer"
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


def is_cjk(ch: str) -> bool:
    return ch >= "\u2e80"


def _bounded(frags) -> str:
    """Alternation with word boundaries (none for CJK/Hangul spellings)."""
    latin = [re.escape(f) for f in sorted(frags, key=_frag_key) if not is_cjk(f[0])]
    cjk = [re.escape(f) for f in sorted(frags, key=_frag_key) if is_cjk(f[0])]
    parts = []
    if latin:
        parts.append(r"(?<![^\W_])(?:%s)(?![^\W_])" % "|".join(latin))
    if cjk:
        parts.append("(?:%s)" % "|".join(cjk))
    return "(?:%s)" % "|".join(parts)


SPELLING = {f: (canon, cls) for canon, cls, frags in _ALIASES for f in frags}
SPELLING.update({w: ("Agencies", GEN) for w in _GENERIC_WORDS if not w[0].islower()})
SPELLING.update({w: ("Reuters", FOOTER) for w in _FOOTER_WORDS})
ANCHOR = re.compile(_trie_regex(SPELLING))
GENERIC = re.compile(_trie_regex(w for w in _GENERIC_WORDS if w[0].islower()))

# Any alias usable in a credit list (everything but bare "Anadolu"), plus the generic credits.
_NAME_ALT = _bounded([f for _c, _k, fs in _ALIASES if _k != QUAL for f in fs]
                     + ["news agencies", "News agencies", "wire agencies", "press agencies"] + list(_GENERIC_WORDS))
_LIST_SEP = r"(?:[ \t]*(?:/|,|&|\+)[ \t]*|[ \t]*,?[ \t]+(?:and|und|y|et|e|и)[ \t]+)"
_NAMES = r"(?:[Tt]he[ \t]+)?%s(?:%s(?:[Tt]he[ \t]+)?%s)*" % (_NAME_ALT, _LIST_SEP, _NAME_ALT)
# "(Reuters)", "(AP/AFP)", "(dpa/lrs)" (dpa's regional services): what a dateline credit looks like.
PLAIN_NAMES = re.compile(r"[ \t]*%s(?:/[a-z]{2,4})?[ \t]*" % _NAMES)
NAMES_REST = re.compile(r"(?:%s(?:[Tt]he[ \t]+)?%s)*" % (_LIST_SEP, _NAME_ALT))

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
DL_PREFIX = re.compile(r"[ \t]*(?P<place>%s|%s)(?:[ \t]*,[ \t]*(?:(?P<date>%s)|%s)){0,2}[ \t]*\.?[ \t]*" % (
    _UC_PLACE, _TC_PLACE, _DATE, _REGION))
# Staff dateline without credit: "LONDON —", "SPRINGFIELD, Ill. —", "LONDON, Oct 7 —".
DL_STAFF = re.compile(r"[ \t]*(?P<place>%s)(?:[ \t]*,[ \t]*(?:%s|%s))?(?:[ \t]*(?:—|–|--)|[ \t]+-)[ \t]*"
                       r"(?=[^\W_a-zß-öø-ÿа-яё]|[\"“‘'«])" % (
    _UC_PLACE, _DATE, _REGION))
DL_STOP = frozenset("""BREAKING UPDATE UPDATED UPDATES EXCLUSIVE WATCH VIDEO PHOTOS PHOTO PICTURES LIVE
    FILE NOTE CORRECTION OPINION ANALYSIS ADVISORY URGENT FLASH ALERT REVIEW EDITORIAL
    COMMENT FACTBOX EXPLAINER INSIGHT SPONSORED ADVERTISEMENT READ ALSO""".split())
SEP_AFTER = re.compile(r"[ \t]*(?:\.-|—|–|-{1,2}|:|\.(?![\w]))")
SEP_SPACE = re.compile(r"[ \t]*(?:\.-|—|–|-{1,2}|:)(?:\s|$)")

_PHOTO_WORD = (r"(?:[Pp]hotos?|PHOTOS?|[Pp]ictures?|[Ii]mages?|Video|VIDEO|Pool|POOL|[Ff]ile[ \t]+[Pp]hoto|"
               r"FILE[ \t]+PHOTO|File|FILE|via[ \t]+Getty(?:[ \t]+Images)?)")
_PHOTO_KW = (r"(?:[Pp]hoto(?:graph)?s?|PHOTO|[Pp]ictures?|Pic|[Ii]mage|Foto|Фото|[Cc]redit|[Ss]ources?|"
             r"Photo[ \t]+credit|Image[ \t]+credit|File(?:[ \t]+(?:photo|image))?|FILE|Quelle|Fuente|Fonte|Источник)")
_INPUTS = r"(?:[Ww]ith[ \t]+(?:additional[ \t]+|some[ \t]+)?)?(?:[Ii]nputs?|INPUTS?)[ \t]+(?:from|by)[ \t]+(?:the[ \t]+)?"
# The inside of "( ... )" or "[ ... ]" when it is a credit.
CREDIT_CONTENT = re.compile(
    r"[ \t]*(?:%s[ \t]*(?::|-|—|by)[ \t]*)?(?:%s|[Ww]ith[ \t]+)?(?:[^/()\[\]\n]{1,50}?[ \t]*/[ \t]*)?"
    r"%s(?:[ \t]+%s)?(?:[ \t]*/[ \t]*[^/()\[\]\n]{1,60}?)?(?:[ \t]*[,/][ \t]*(?:File|FILE|file)(?:[ \t]+[Pp]hoto)?)?"
    r"[ \t]*\.?[ \t]*" % (_PHOTO_KW, _INPUTS, _NAMES, _PHOTO_WORD))
_PERSON = r"[%s][\w.'’\-]*(?:[ ](?:[%s][\w.'’\-]*|de|da|van|von|al|el|bin|di|le)){0,4}" % (_UC, _UC)
SLASH_PHOTO = re.compile(r"(?P<photo>[ \t]+%s)?[ \t]*/[ \t]*%s(?![\w'’\-])(?![ \t]+(?:poll|survey|data))"
                          r"(?:[ \t]*/[ \t]*(?:File(?:[ \t]+Photo)?|FILE(?:[ \t]+PHOTO)?|Pool|POOL))*" % (_PHOTO_WORD, _PERSON))
VIA_GETTY = re.compile(r"[ \t]+via[ \t]+Getty(?:[ \t]+Images)?")
EOL_TAIL = re.compile(r"[ \t]*[.;]?[ \t\r]*$")
SLASH_AFTER = re.compile(r"[ \t]?/(?![^\W\d_])\.?")
DASHES = ("—", "–", "-", "|")
PHOTO_GATE = re.compile(r"hoto|HOTO|icture|Pic|mage|Foto|Фото|redit|ource|File|FILE|Quelle|Fuente|Fonte|Источник")
PHOTO_BEFORE = re.compile(r"(?<![^\W_])%s[ \t]*(?::|-|—|by)[ \t]*(?:[^\n/:()\[\]]{1,50}?/[ \t]*)?$" % _PHOTO_KW)
CREDIT_LINE_BEFORE = re.compile(
    r"[ \t]*(?:(?:By|BY)[ \t]+|(?:Source|Sources|Credit|Quelle|Fuente|Fonte|Источник)[ \t]*:[ \t]*|(?:—|–|-{1,2}|/)[ \t]*)?"
    r"(?:[Tt]he[ \t]+)?")
CREDIT_LINE_AFTER = re.compile(
    r"(?:[ \t]+(?:[Ss]taff|[Ww]riters?|[Rr]eporters?|[Cc]orrespondents?|[Dd]esk|[Ss]ervice))?[ \t]*\.?[ \t\r]*")
COPYRIGHT_GATE = re.compile(r"©|opyright|OPYRIGHT|\([cC]\)")
COPYRIGHT_BEFORE = re.compile(
    r"(?:[Cc]opyright|COPYRIGHT|©|\([Cc]\))(?:[ \t]*(?:©|\([Cc]\)))?[ \t]*(?:\d{4}(?:[ \t]*[-–][ \t]*\d{4})?[ \t]*)?"
    r"(?:[Tt]he[ \t]+)?$")
COPYRIGHT_AFTER = re.compile(
    r"(?:[ \t]+\d{4})?(?:[.,]?[ \t]*All[ \t]+[Rr]ights[ \t]+[Rr]eserved\.?)?"
    r"(?:[ \t]*This[ \t]+material[ \t]+may[ \t]+not[ \t]+be[ \t]+published,[ \t]+broadcast,[ \t]+rewritten,?"
    r"[ \t]+or[ \t]+redistributed(?:[ \t]+without[ \t]+permission)?\.?)?\.?")
INPUTS_BEFORE = re.compile(r"(?:\([ \t]*)?%s$" % _INPUTS)
WITH_BEFORE = re.compile(r"(?:\([ \t]*)?[Ww]ith[ \t]+$")
OUTLET_PREFIX = re.compile(r"[ \t]*(?:(?:[A-Z0-9&][\w&.'’\-]*|of|the|and)[ \t]+){1,6}")
CONTRIB_AFTER = re.compile(
    r"(?:[^\n.!?]|\.(?=\S)|(?<=\b[A-Z])\.(?=\s))*?\b(?:also[ \t]+)?contributed[ \t]+(?:reporting[ \t]+)?"
    r"(?:to[ \t]+this[ \t]+(?:report|story|article)|reporting|to[ \t]+this)\b[^\n.]{0,60}\.?")
SENTENCE_START = re.compile(r"(?:^|[.!?\"”)][ \t]+)(?:[Tt]he[ \t]+)?$")
EDITING = re.compile(r"(?:[Ee]diting|[Ww]riting|[Cc]ompiled|[Ee]dited)[ \t]+by\b")
TRUST = re.compile(r"Our Standards:[ \t]*The Thomson Reuters Trust Principles\.?")

_FILL = (r"(?:state|state-run|state-owned|state-controlled|official|semi-official|government|government-run|"
         r"private|local|national|independent|news|press|wire|[A-ZА-Я][\w'’\-]*)")
_QUAL_BEFORE_RE = (r"(?:(?:[Nn]ews|[Pp]ress|[Ww]ire|[Ii]nformation|[Tt]elegraph)[ \-][Aa]gency|[Nn]ews[ \-][Ss]ervice|"
                   r"[Ww]ire[ \-][Ss]ervice|[Nn]ewswire|Nachrichtenagentur|Presseagentur|[Aa]gencia(?:[ \t]+de[ \t]+noticias)?|"
                   r"[Aa]gence(?:[ \t]+de[ \t]+presse)?|[Aa]genzia(?:[ \t]+(?:di[ \t]+)?stampa)?|[Aa]gência(?:[ \t]+de[ \t]+notícias)?|"
                   r"агентств[а-я]*)")
QUAL_GATE = re.compile(r"gen|GEN|ervice|ewswire|агентств")
QUAL_BEFORE = re.compile(r"(?<![^\W_])%s[ \t]*[,:]?[ \t]*[«\"“]?$" % _QUAL_BEFORE_RE)
QUAL_AFTER = re.compile(r"[»\"”]?[ \t]+(?:(?:[Nn]ews|[Pp]ress)[ \-][Aa]gency|[Nn]ews[ \-][Ss]ervice|[Ww]ire[ \-][Ss]ervice|"
                         r"[Nn]ewswire|[Aa]gency|Nachrichtenagentur)\b")
ATTR_BEFORE = re.compile(
    r"(?<![^\W_])(?P<kw>[Aa]ccording[ \t]+to|[Cc]iting|[Qq]uoting|[Pp]er|[Tt]old|tells|telling|[Ss]peaking[ \t]+to|"
    r"spoke[ \t]+to|said[ \t]+to|interview[ \t]+with|interviewed[ \t]+by|comments[ \t]+to|confirmed[ \t]+to|"
    r"remarks[ \t]+to|(?:carried|quoted|cited|published|reported|released|distributed|relayed|run)[ \t]+by|"
    r"[Ss]elon|[Dd]['’]après|[Ss]egún|[Ss]econdo|[Ll]aut|[Cc]ontacted[ \t]+by)"
    r"(?:[ \t]+(?:a|an|the|la|el|der|die|dem|il))?"
    r"(?:[ \t]+(?:(?:a|an|the)[ \t]+)?(?:report|reports|reporting|data|figures|tally|calculations|survey|statement|"
    r"dispatch|interview|story|article)[ \t]+(?:by|from|in|of|carried[ \t]+by|published[ \t]+by)(?:[ \t]+(?:a|an|the))?)?"
    r"(?:[ \t]+%s){0,3}(?:[ \t]+%s)?(?:[ \t]+|[ \t]+l['’]|[ \t]*,[ \t]*)$" % (_FILL, _QUAL_BEFORE_RE))
BARE_AGENCIES_BEFORE = re.compile(r"(?<![^\W_])(?:[Aa]ccording[ \t]+to|[Cc]iting|[Qq]uoting)[ \t]+$")
FRENCH_AFP = re.compile(r"(?<![^\W_])(?:[Ss]elon|[Dd]['’]après|à|a)[ \t]+l['’]$")
ATTR_AFTER = re.compile(
    r"(?P<qual>[»\"”]?[ \t]+(?:(?:[Nn]ews|[Pp]ress)[ \-][Aa]gency|[Nn]ews[ \-][Ss]ervice|[Ww]ire[ \-][Ss]ervice|"
    r"[Nn]ewswire|[Aa]gency))?"
    r"(?:[ \t]*,[ \t]*[^,\n]{1,60}?,)?[ \t]+(?:has[ \t]+|had[ \t]+|also[ \t]+|earlier[ \t]+|first[ \t]+|later[ \t]+|"
    r"previously[ \t]+|then[ \t]+)?"
    r"(?P<verb>reported|reports|quoted|quotes|cited|cites|learned|learnt|was[ \t]+told|understands|"
    r"said|says|added|announced|wrote|stated|confirmed|suggested|suggest|indicated|showed)\b")
ATTR_NOUN = re.compile(
    r"['’]?s?[ \t]+(?:report|witness|witnesses|tally|investigation|correspondent|correspondents|"
    r"photographer|calculation|calculations|analysis|interview|dispatch|review|count)\b")
QUIET_VERBS = frozenset(("reported", "reports", "quoted", "quotes", "cited", "cites", "learned", "learnt",
                          "understands", "was told"))
ABBR_WORDS = re.compile(r"[^\W\d_]+")
ABBR_SKIP = frozenset("of and the for e de des du la el y und für di del da do".split())
PREV_WORD = re.compile(r"([A-Z][a-z]*\.?)[ \t]+$")
BLOOMBERG_OK_PREV = frozenset(
    "The A An According By From Via With To And Told Per Citing Quoting Source Photo Copyright Meanwhile "
    "Earlier Later But As In On At That Speaking Contacted".split())
BLOOMBERG_NOT = re.compile(
    r"[ \t]+(?:Philanthropies|L\.?P\.?|Foundation|School|Tower|Terminal|Billionaires|administration|campaign|"
    r"Associates|American)\b")
REUTERS_NOT = re.compile(r"[ \t]+(?:Institute|shares|stock|Holdings)\b")
AFP_NOT = re.compile(r"[ \t]+(?:officers?|agents?|police|[Cc]ommissioner|investigators?|detectives?)\b")
ACRONYM = re.compile(r"[A-Z]{2,5}|dpa")
TIDY_SPACES = re.compile(r"[ \t]{2,}")
TIDY_LINES = re.compile(r"\n{3,}")
