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
    # Other scripts. Chinese "...社", Japanese "...通信" and Korean "...통신" name the agency as an
    # agency, so they count anywhere; bare transliterations need a credit position.
    ("Reuters", FULL, ("路透社", "ロイター通信", "로이터통신")),
    ("Reuters", NAME, ("Рейтер", "Рейтерс", "ロイター", "로이터", "رويترز")),
    ("AP", FULL, ("美联社", "美聯社", "AP通信", "AP통신", "Ассошиэйтед Пресс", "Ассошиэйтед пресс")),
    ("AFP", FULL, ("法新社", "AFP通信", "AFP통신", "Франс Пресс", "Франс-Пресс", "Франс пресс")),
    ("Xinhua", FULL, ("新華社", "신화통신")),
    ("Xinhua", NAME, ("Синьхуа",)),
    ("TASS", FULL, ("塔斯社", "タス通信", "타스통신")),
    ("dpa", FULL, ("德新社", "dpa통신")),
    ("EFE", FULL, ("埃菲社", "EFE통신")),
    ("ANSA", FULL, ("安莎社",)),
    ("Kyodo", FULL, ("교도통신",)),
    ("Kyodo", NAME, ("Киодо",)),
    ("Yonhap", FULL, ("韩联社", "韓聯社")),
    ("Yonhap", NAME, ("Рёнхап",)),
    ("Jiji", FULL, ("時事通信", "時事通信社", "时事社", "지지통신")),
    ("Interfax", FULL, ("国际文传电讯社",)),
    ("Bloomberg", FULL, ("彭博社", "ブルームバーグ通信", "블룸버그통신")),
    ("Bloomberg", NAME, ("Блумберг",)),
    ("Anadolu", FULL, ("阿纳多卢通讯社",)),
)

# Generic credits ("Agencies"). The capitalised ones are in the anchor pattern; the lower-case
# ones are looked up from "agenc"/"wire" (cheaper than adding 'a' and 'w' to the anchor's first
# characters). A preceding "news "/"wire "/"press " is taken into the hit ("news agencies").
_GENERIC_WORDS = (
    "agencies", "Agencies", "AGENCIES", "agency reports", "Agency reports", "agency report", "Agency report",
    "agency inputs", "Agency inputs", "agency input", "agency dispatches", "wire services", "Wire services",
    "wire service", "Wire service", "wire reports", "wires", "Wires",
    # de, fr, es, pt, it, ru, tr, zh/ja: "agencies", "agency reports", "foreign wires".
    "Agenturen", "AGENTUREN", "agenturen", "Agenturmaterial", "Agenturberichte", "Agenturberichten",
    "Agences", "AGENCES", "agences",
    "Agencias", "AGENCIAS", "agencias",
    "Agências", "AGÊNCIAS", "agências",
    "Agenzie", "AGENZIE", "agenzie",
    "Агентства", "агентства", "агентств",
    "Ajanslar", "AJANSLAR", "ajanslar",
    "外电", "外電", "外电综合", "외신",
)
# "agencias de trabajo temporal", "agencies of the UN", "Agenturen für Arbeit": not the wires.
GENERIC_QUALIFIED = re.compile(r"[ \t]+(?:de|del|of|for|der|des|für|di|da|do|dell['’]|per|для|по)\b")
# Generic words that are the plural "agencies" and nothing more: without a credit position they
# count only after "according to" (intelligence agencies, las agencias de la ONU ...).
BARE_GENERIC = frozenset(("agencies", "agenturen", "agences", "agencias", "agências", "agenzie", "агентства",
                          "агентств", "ajanslar"))
GENERIC_PREFIX = re.compile(r"(?:[Nn]ews|[Ww]ire|[Pp]ress)[ \t]+$")
# The lower-case generic words start with one of these (str.find is cheaper than a regex scan).
GENERIC_KEYS = ("agen", "wire", "agênc", "агентств", "ajans")
GENERIC_KEYS_ASCII = ("agen", "wire")   # Turkish, Portuguese and Russian text is never pure ASCII
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
    """Han, kana, Hangul and full-width forms: scripts written without spaces between words."""
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
SPELLING.update({w: ("Agencies", GEN) for w in _GENERIC_WORDS if not w[0].islower() or is_cjk(w[0])})
SPELLING.update({w: ("Reuters", FOOTER) for w in _FOOTER_WORDS})
# Spellings in scripts without spaces (Han, kana, Hangul) stay out of the anchor: each first
# character the anchor may start with slows its scan of every text, so they are found from a few
# key strings instead (CJK_KEYS: str.find costs nothing on a text without such characters).
ANCHOR = re.compile(_trie_regex(w for w in SPELLING if not is_cjk(w[0])))
CJK_KEYS = ("社", "通", "통", "ロ", "로", "新", "뉴", "외", "外")   # single characters: the fastest find
# key -> (spelling, offset of the key in it), longest spellings first.
CJK_BY_KEY = {k: sorted(((w, w.find(k)) for w in SPELLING if is_cjk(w[0]) and k in w), key=lambda wj: -len(wj[0]))
              for k in CJK_KEYS}
assert all(any(k in w for k in CJK_KEYS) for w in SPELLING if is_cjk(w[0]))
GENERIC = re.compile(_trie_regex(w for w in _GENERIC_WORDS if w[0].islower() and not is_cjk(w[0])))

# Any alias usable in a credit list (everything but bare "Anadolu"), plus the generic credits.
_NAME_ALT = _bounded([f for _c, _k, fs in _ALIASES if _k != QUAL for f in fs]
                     + ["news agencies", "News agencies", "wire agencies", "press agencies"] + list(_GENERIC_WORDS))
_LIST_SEP = (r"(?:[ \t]*(?:/|,|&|\+|;)[ \t]*|[ \t]*,?[ \t]+(?:and|und|sowie|y|et|e|ed|и|ve|ile|및|와|과)[ \t]+"
             r"|[ \t]*(?:，|、|・|·|／|及|和|与|與|及び|と)[ \t]*)")
# An article before a name in a list: "the AP", "der dpa", "da Lusa", "l'AFP", "dell'ANSA".
_ARTICLE = (r"(?:(?:[Tt]he|der|die|des|la|le|les|el|los|da|do|das|dos|de|della|di|del)[ \t]+"
            r"|(?:[Ll]|dell|dall|all)['’])")
_NAMES = r"%s?%s(?:%s%s?%s)*" % (_ARTICLE, _NAME_ALT, _LIST_SEP, _ARTICLE, _NAME_ALT)
# "(Reuters)", "(AP/AFP)", "(dpa/lrs)" (dpa's regional services): what a dateline credit looks like.
PLAIN_NAMES = re.compile(r"[ \t]*%s(?:/[a-z]{2,4})?[ \t]*" % _NAMES)
NAMES_REST = re.compile(r"(?:%s%s?%s)*" % (_LIST_SEP, _ARTICLE, _NAME_ALT))

# --------------------------------------------------------------------------------------------
# Context patterns
# --------------------------------------------------------------------------------------------

_UC = "A-ZÀ-ÖØ-ÞА-ЯЁİŞĞ"
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
_PHOTO_KW = (r"(?:[Pp]hoto(?:graph)?s?|PHOTO|[Pp]ictures?|Pic|[Ii]mage|Foto|Фото|Bild|Fotoğraf|[Cc]redit|[Ss]ources?|"
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
# Brackets a credit may stand in: ASCII, full-width, CJK lenticular.
CLOSER = {"(": ")", "[": "]", "（": "）", "［": "］", "【": "】", "〔": "〕"}
OPENERS = tuple(CLOSER)
CLOSERS_ALL = tuple(CLOSER.values())
# Inside CJK brackets: "（ロイター）", "［東京　２日　ロイター］", "(서울=연합뉴스)", "【北京共同】" has no name.
CJK_CONTENT = re.compile(r"[ \t　]*(?:[^()\[\]（）［］【】\n]{1,24}?[=＝ \t　:：/／])?%s(?:[ \t　]*(?:通信|電|电|記者|记者|報道|报道|"
                         r"제공|提供|供图|摄|撮影))?"
                         r"[ \t　]*" % _NAMES)
# "新华社北京3月3日电": Xinhua's dateline.
ZH_DATELINE = re.compile(r"[^\s，。、（）()]{0,12}?\d{1,2}月\d{1,2}日(?:电|電)")
# A photo word in a parenthesised credit ("(AP Photo/...)", "(Foto: dpa)", "[File: .../Reuters]").
PHOTO_CONTENT = re.compile(r"(?<![^\W_])(?:[Pp]hoto(?:graph)?s?|PHOTOS?|[Pp]ictures?|Pic|[Ii]mages?|Foto|FOTO|Фото|File|FILE|Bild|"
                           r"Fotoğraf|Imagen|Immagine)(?![^\W_])|/[ \t]*[%s][%s]|写真|사진|图片|照片|圖片|图/|供图|제공|撮影|摄" % (_UC, _LC))
# Content that only CJK_CONTENT may read: a CJK character, a full-width bracket's content, "서울=".
CJK_GATE = re.compile(r"[\u2e80-\U0010ffff=＝]")
# A "Source:"/"Quelle:" keyword rather than a photo word before a name.
SOURCE_WORD = re.compile(r"(?:[Ss]ources?|Quelle|Fuente|Fonte|Источник|[Cc]redit)\b")
PHOTO_GATE = re.compile(r"hoto|HOTO|icture|Pic|mage|Foto|Фото|Bild|redit|ource|File|FILE|Quelle|Fuente|Fonte|Источник")
PHOTO_BEFORE = re.compile(r"(?<![^\W_])%s[ \t]*(?::|-|—|by)[ \t]*(?:[^\n/:()\[\]]{1,50}?/[ \t]*)?$" % _PHOTO_KW)
CREDIT_LINE_BEFORE = re.compile(
    r"[ \t]*(?:(?:By|BY|Von|Par|Por|Di)[ \t]+|(?:Sources?|SOURCES?|Credits?|Quellen?|Fuentes?|Fontes?|Источник|Kaynak|"
    r"来源|來源|出典|출처)[ \t]*[:：][ \t]*|(?:—|–|-{1,2}|/)[ \t]*)?"
    r"(?:[Tt]he[ \t]+|综合|綜合)?")
CREDIT_LINE_AFTER = re.compile(
    r"(?:[ \t]+(?:[Ss]taff|[Ww]riters?|[Rr]eporters?|[Cc]orrespondents?|[Dd]esk|[Ss]ervice|종합))?[ \t]*\.?[ \t\r]*")
COPYRIGHT_GATE = re.compile(r"©|opyright|OPYRIGHT|\([cC]\)")
COPYRIGHT_BEFORE = re.compile(
    r"(?:[Cc]opyright|COPYRIGHT|©|\([Cc]\))(?:[ \t]*(?:©|\([Cc]\)))?[ \t]*(?:\d{4}(?:[ \t]*[-–][ \t]*\d{4})?[ \t]*)?"
    r"(?:[Tt]he[ \t]+)?$")
COPYRIGHT_AFTER = re.compile(
    r"(?:[ \t]+\d{4})?(?:[.,]?[ \t]*All[ \t]+[Rr]ights[ \t]+[Rr]eserved\.?)?"
    r"(?:[ \t]*This[ \t]+material[ \t]+may[ \t]+not[ \t]+be[ \t]+published,[ \t]+broadcast,[ \t]+rewritten,?"
    r"[ \t]+or[ \t]+redistributed(?:[ \t]+without[ \t]+permission)?\.?)?\.?")
INPUTS_BEFORE = re.compile(r"(?:\([ \t]*)?%s$" % _INPUTS)
# What introduces a credit list in running text, in the supported languages ("compiled from",
# "material from", "Mit Material von", "Com informações da", "По материалам", "综合" ...). Matched at
# the end of the words before the first name; INTRO_GATE is a cheap test run first.
_INTRO = (
    r"(?:[Aa]dditional[ \t]+)?[Rr]eporting[ \t]+(?:by|from)"
    r"|(?:[Cc]ompiled|[Pp]roduced|[Ww]ritten|[Pp]repared|[Bb]ased|[Aa]dapted|[Dd]rawn|[Ss]ourced|[Tt]aken)[ \t]+"
    r"(?:with|from|on|using|by)(?:[ \t]+(?:the[ \t]+)?(?:material|reports?|dispatches|information|files|copy|reporting)"
    r"[ \t]+(?:from|by|of))?"
    r"|(?:[Ww]ith[ \t]+)?(?:[Mm]aterial|[Rr]eports|[Dd]ispatches|[Ff]iles|[Ii]nformation|[Rr]eporting)[ \t]+from"
    r"|[Cc]ourtesy(?:[ \t]+of)?"
    r"|(?:[Mm]it[ \t]+)?(?:Material|Informationen|Agenturmaterial)[ \t]+(?:von|der|des|aus)"
    r"|[Uu]nter[ \t]+Verwendung[ \t]+von(?:[ \t]+Material)?(?:[ \t]+(?:der|von|des))?"
    r"|(?:^|(?<=[(\[—–])|(?<=[(\[—–][ \t]))[Aa]vec"
    r"|(?:[Aa]vec|[Dd]['’]après)[ \t]+(?:les[ \t]+)?(?:dépêches|informations)[ \t]+(?:de|d['’])"
    r"|[Cc]on[ \t]+(?:información|informaciones|datos|material)[ \t]+de"
    r"|(?:^|(?<=[(\[—–])|(?<=[(\[—–][ \t]))[Cc]on"
    r"|[Cc]om[ \t]+(?:informações|informação|material)[ \t]+(?:da|de|do|das|dos)"
    r"|(?:^|(?<=[(\[—–])|(?<=[(\[—–][ \t]))[Cc]om"
    r"|[Cc]on[ \t]+(?:fonti|informazioni|materiale)[ \t]+(?:di|da)"
    r"|[Пп]о[ \t]+материалам|[Сс][ \t]+использованием[ \t]+материалов"
    r"|[Пп]ри[ \t]+подготовке[ \t]+(?:материала|статьи|публикации)[ \t]+использованы[ \t]+(?:материалы|данные)"
    r"|(?:Sources?|SOURCES?|Credits?|Quellen?|Fuentes?|Fontes?|Источник[иа]?|Kaynak(?:lar)?|来源|來源|出典|출처)[ \t]*[:：]"
    r"|综合|綜合|转自|轉自")
# Where an intro may start (INTRO_BEFORE is then tried only there).
INTRO_GATE = re.compile(r"(?<![^\W_])(?:[Rr]eporting|[Cc]ompiled|[Pp]roduced|[Ww]ritten|[Pp]repared|[Bb]ased|[Aa]dapted|[Dd]rawn|"
                        r"[Ss]ourced|[Tt]aken|[Ww]ith|[Mm]aterial|[Rr]eports|[Dd]ispatches|[Ff]iles|[Ii]nformation|[Cc]ourtesy|"
                        r"[Mm]it|Material|Informationen|Agenturmaterial|[Uu]nter|[Aa]vec|[Dd]['’]après|[Cc]on|[Cc]om|[Пп]о|[Сс]|[Пп]ри|"
                        r"Sources?|SOURCES?|Credits?|Quellen?|Fuentes?|Fontes?|Источник|Kaynak)(?![^\W_])|来源|來源|出典|출처|综合|綜合|转自|轉自")
# Names of a list before this one, known or not ("Kaynak: DHA, AFP", "Avec Belga et AFP").
_LIST_HEAD = r"(?:%s?(?:%s|[A-ZА-ЯÀ-Ö][\w\-]{1,11})%s)*" % (_ARTICLE, _NAME_ALT, _LIST_SEP)
INTRO_BEFORE = re.compile(r"(?m:(?:%s))(?:[ \t]+|[ \t]*(?=l['’])|(?<=[:：])|(?<=[综綜合自]))%s?%s%s?$" % (
    _INTRO, r"(?:(?:the|der|die|des|la|le|les|el|los|da|do|das|dos|della|di|del)[ \t]+)", _LIST_HEAD, _ARTICLE))
# What may close a credit list: "... dispatches", "... was used", "... 报道".
INTRO_TRAILER = re.compile(
    r"(?:[ \t]+(?:dispatches|reports|wires|copy|material|was[ \t]+used|were[ \t]+used|contributed|Meldungen|"
    r"Berichten|Berichte|informaron|종합)|报道|報道|消息|电|電)?[ \t]*[.;)]?[ \t\r]*")
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
QUAL_GATE = re.compile(r"gen|GEN|gên|ervice|ewswire|агентств")
QUAL_BEFORE = re.compile(r"(?<![^\W_])%s[ \t]*[,:]?[ \t]*[«\"“]?$" % _QUAL_BEFORE_RE)
QUAL_AFTER = re.compile(r"[»\"”]?[ \t]+(?:(?:[Nn]ews|[Pp]ress)[ \-][Aa]gency|[Nn]ews[ \-][Ss]ervice|[Ww]ire[ \-][Ss]ervice|"
                         r"[Nn]ewswire|[Aa]gency|Nachrichtenagentur|muhabirine[ \t]+konuşan)\b"
                         r"|['’](?:y?a|y?e|n?a|n?e)[ \t]+(?:konuşan|açıklama[ \t]+yapan)\b")
ATTR_BEFORE = re.compile(
    r"(?<![^\W_])(?P<kw>[Aa]ccording[ \t]+to|[Cc]iting|[Qq]uoting|[Pp]er|[Tt]old|tells|telling|[Ss]peaking[ \t]+to|"
    r"spoke[ \t]+to|said[ \t]+to|interview[ \t]+with|interviewed[ \t]+by|comments[ \t]+to|confirmed[ \t]+to|"
    r"remarks[ \t]+to|(?:carried|quoted|cited|published|reported|released|distributed|relayed|run)[ \t]+by|"
    r"[Ss]elon|[Dd]['’]après|[Ss]egún|[Ss]econdo|[Ss]egundo|[Ll]aut|[Cc]ontacted[ \t]+by|"
    r"[Кк]ак[ \t]+сообща(?:ет|ют|ло|л|ла)|сообща(?:ет|ют|ло|л|ла)|сообщил[аио]?|переда[её]т|пишет|[Пп]о[ \t]+данным|"
    r"[Пп]о[ \t]+сообщению|[Сс]о[ \t]+ссылкой[ \t]+на|заявил[аи]?|рассказал[аи]?)"
    r"(?:[ \t]+(?:a|an|the|la|el|der|die|dem|il))?"
    r"(?:[ \t]+(?:(?:a|an|the)[ \t]+)?(?:report|reports|reporting|data|figures|tally|calculations|survey|statement|"
    r"dispatch|interview|story|article)[ \t]+(?:by|from|in|of|carried[ \t]+by|published[ \t]+by)(?:[ \t]+(?:a|an|the))?)?"
    r"(?:[ \t]+%s){0,3}(?:[ \t]+%s)?(?:[ \t]+|[ \t]+l['’]|[ \t]*,[ \t]*)$" % (_FILL, _QUAL_BEFORE_RE))
BARE_AGENCIES_BEFORE = re.compile(r"(?<![^\W_])(?:[Aa]ccording[ \t]+to|[Cc]iting|[Qq]uoting|[Ss]egún|[Ss]elon|[Ss]econdo|"
                                  r"[Ss]egundo|[Ll]aut|[Пп]о[ \t]+данным)[ \t]+(?:(?:den|les|las|le|as)[ \t]+)?$")
# "selon l'AFP", "d'après l'AP", "secondo l'ANSA": the elided article makes any name the agency.
FRENCH_AFP = re.compile(r"(?<![^\W_])(?:[Ss]elon|[Dd]['’]après|[Ss]econdo|à|a)[ \t]+l['’]$")
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

# --------------------------------------------------------------------------------------------
# Mentions: the agency as a subject, an employer, a product, a title
# --------------------------------------------------------------------------------------------

# Words after a name that make it something other than the agency's copy, wherever it stands.
NOT_AFTER = re.compile(
    r"(?:['’]s?)?[ \t]+(?:[Ss]tylebook|[Ss]tyle[ \t]?[Bb]ook|[Ss]tyle[ \t]+[Gg]uide|[Ss]tyle[ \t]+[Mm]anual|"
    r"[Hh]andbook|shares|stock|stocks|Holdings|Institute|plc|Inc\b|Corp\b|Corporation|Stilbuch|Stilhandbuch|"
    r"[Ll]ibro[ \t]+de[ \t]+estilo|[Mm]anual[ \t]+de[ \t]+(?:estilo|redação)|[Ll]ivre[ \t]+de[ \t]+style|"
    r"Aktie|Aktien|acciones|ações|azioni|hisseleri|Terminal|terminals?|app\b|website|headquarters|"
    r"Billionaires|Businessweek)")
# Words just before a name that make it an employer or a subject: "worked as an AFP correspondent",
# "a former Reuters photographer", "a film about an AP photographer".
MENTION_BEFORE = re.compile(
    r"(?<![^\W_])(?:[Ff]ormer|ex-|[Ll]ate|[Vv]eteran|[Rr]etired|[Oo]ne-?time|[Ll]ong-?time|"
    r"(?:work(?:s|ed|ing)?|serv(?:es|ed|ing)|st(?:arted|arts)|began|beg[iu]n)[ \t]+(?:as|for|at|with)|"
    r"(?:wr(?:ote|ites|iting)|photograph(?:s|ed|ing)?|shot|shoots|freelanc(?:es|ed|ing)|str(?:ung|ings|inging))[ \t]+for|"
    r"joined|left|quit|about|follows|following|suing|sued|sues|against|"
    r"(?:story|life|death|killing|memoir|biography|portrait|shares|stake)[ \t]+(?:of|in)|"
    r"acciones[ \t]+de|ações[ \t]+da|azioni[ \t]+di|Aktien?[ \t]+(?:von|der)|"
    r"arbeitet(?:e)?[ \t]+(?:[\w ]{0,30}?)?(?:als|für|bei)|ehemalige[rn]?|früherer?|"
    r"trabaj(?:a|ó|aba)[ \t]+(?:[\w ]{0,30}?)?(?:como|para|en)|ex|antiguo|antigua|"
    r"travaill(?:e|ait|é)[ \t]+(?:[\w ]{0,30}?)?(?:comme|pour|à)|ancien(?:ne)?|"
    r"trabalh(?:a|ou|ava)[ \t]+(?:[\w ]{0,30}?)?(?:como|para|na|no)|"
    r"lavor(?:a|ava|ò)[ \t]+(?:[\w ]{0,30}?)?(?:come|per|all['’])|"
    r"работал[аи]?[ \t]+(?:[\w ]{0,30}?)?(?:в|на)|бывш(?:ий|ая|его)|"
    r"çalış(?:tı|an|mış|ıyor)|eski)"
    r"(?:[ \t]+(?:an?|the|der|die|das|den|dem|einen?|einer|un|une|una|um|uma|el|la|le|l['’]|de|da|do|del|della|"
    r"dell['’]|корреспондент(?:ом)?|correspondent|corresponsal|correspondant|correspondente|corrispondente|"
    r"Korrespondent(?:in)?|photographer|reporter|journalist|editor))*"
    r"(?:[ \t]+|(?<=['’]))$")
# The agency as the subject of a sentence about itself: "AFP is suing", "Reuters has cut jobs".
SUBJECT_AFTER = re.compile(
    r"[ \t]+(?:(?:is|was|has|have|had|will|would)[ \t]+(?!(?:also[ \t]+)?(?:reporting|reported|learned|learnt|seen|obtained|"
    r"confirmed|told|quoted|cited|said|saying|reviewed|verified|interviewed|asked|contacted|unable|not[ \t]+been))|"
    r"(?:sued|sues|suing|employs|employed|launched|launches|won|opened|closed|cut|cuts|fired|hired|plans|filed|"
    r"signed|agreed|laid[ \t]+off|celebrates|celebrated|marks|marked|turns|turned)\b)")
# CJK "worked as ...", "a former ... reporter" after a name: 時事通信の特派員として働いた, 연합뉴스 기자 출신.
CJK_MENTION_AFTER = re.compile(r"[^。，！？\n]{0,12}?(?:として(?:働|勤務|活躍)|出身|출신|(?:으로|로)[ \t]*(?:일했|근무)|任职|工作过)")
# CJK attribution around a bare name: 据路透社报道, ロイターが報じた, 로이터에 따르면.
CJK_ATTR_BEFORE = re.compile(r"(?:据|據|援引|引述|来源[：:]|來源[：:]|出典[：:]|출처[：:][ \t]*)$")
CJK_ATTR_AFTER = re.compile(r"[ \t]*(?:が|は|の|에|은|는|이|가)?[ \t]*(?:報じた|伝えた|報道|によると|によれば|に語った|"
                            r"따르면|보도했|전했|报道|報導|消息|援引|称)")
# CJK "former", "about", "worked at" before a name: 前路透社记者, 关于美联社, 元ロイター記者, 전 로이터.
CJK_MENTION_BEFORE = re.compile(r"(?:前|曾任|曾在|曾是|曾为|曾為|关于|關於|有关|元|전[ \t]+|출신[ \t]*)$")

# --------------------------------------------------------------------------------------------
# Links, e-mail addresses, paths and file names are not text: never a credit
# --------------------------------------------------------------------------------------------

LINK = re.compile(
    r"(?:[A-Za-z][A-Za-z0-9+.\-]*://|www\.)[^\s<>\"]+"
    r"|[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+|(?<![\w.])@\w+"
    r"|(?P<path>[\w.~%+\-…]*(?:/[\w.~%+\-]*){2,})"
    r"|[\w\-]+(?:\.[\w\-]+)*\.(?:com|org|net|info|io|ru|de|fr|es|it|pt|br|cn|jp|kr|tr|uk|in|co|gov|edu|eu|at|ch|ar|mx)"
    r"(?![\w\-])(?:/\S*)?"
    r"|[\w.\-]+\.(?:jpe?g|png|gif|webp|svg|html?|php|aspx?|pdf|mp[34])(?![\w])")
LINK_GATE = re.compile(r"[/@]|\.[a-zA-Z]")
PATH_SEGMENT = re.compile(r"\d+|[\w\-]*\w\.\w+|[a-z][a-z_\-]{3,}|(?=[\w\-]*[a-z])[\w\-]*[_\-][\w\-]*")
TIDY_SPACES = re.compile(r"[ \t]{2,}")
TIDY_LINES = re.compile(r"\n{3,}")
