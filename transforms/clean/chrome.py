"""Site chrome: whole lines and paragraphs that are the site's furniture, not the story.

"Follow us on:", share and subscribe bars, "Read more:" links, advertisement placeholders, cookie
notices (in several languages), and a paragraph printed twice in a row (a photo caption). Split
out of transforms/clean/text.py by role; `strip_chrome` is re-exported there.
"""
from __future__ import annotations

import re
from typing import List

from transforms.clean.chars import WS_RE, coerce, normalise_newlines

_MAX_CHROME_LEN = 400          # nothing longer than this is ever chrome
_MAX_SHORT = 100               # share bars, follow-us lines, sign-up prompts
_MAX_PREFIX = 160              # "Read more: <headline>" and friends
_MAX_POST = 300                # WordPress "The post X appeared first on Y."

# Share/follow bars: a short line made only of these words, at least one of them a trigger.
_SOCIAL_TRIGGERS = frozenset(
    """share shares sharing follow print email e-mail tweet retweet whatsapp facebook twitter
    instagram linkedin telegram reddit pinterest tumblr youtube tiktok bluesky mastodon messenger
    snapchat flipboard vk vkontakte odnoklassniki weibo wechat viber
    teilen folgen folge drucken partager suivez-nous suivez imprimer compartir síguenos siguenos
    imprimir condividi seguici stampa compartilhar partilhar siga-nos delen volg
    поделиться подписывайтесь следите شارك مشاركة تابعونا""".split()
)
_SOCIAL_FILLER = frozenset(
    """us on in via with at the this article story post page video photo gallery link copy
    like comment comments and or to our channels channel social media networks send mail x
    google line ok sms
    sie uns auf artikel senden per kopieren diesen den
    sur nous par cet le la les lien envoyer courriel
    en este artículo articulo nuestras redes sociales por correo enviar
    su questo articolo invia
    no nas nos este artigo enviar
    op ons dit artikel
    в на за нами нас
    على""".split()
)
_WORD_RE = re.compile(r"\w+(?:['\-]\w+)*")

_CHROME_SHORT = r"""
    # advertising and its placeholders
    advertisements? | advertising | advert | ads? | sponsored(?:\ content)? | paid\ content
  | promoted(?:\ content)? | anzeige | werbung | publicit[ée] | publicidad | pubblicit[àa]
  | publicidade | advertentie | reclame | реклама | إعلان | إعلانات
  | (?:advertisement\W+)?(?:story|article)\ continues\ below(?:\ (?:this\ )?advertisement)?
  | (?:advertisement\W+)?scroll\ (?:down\ )?to\ continue(?:\ with\ content)?
  | continue\ reading\ below | skip\ (?:this\ )?(?:ad|advert|advertisement)
    # navigation and reading prompts
  | read\ more | read\ (?:the\ )?full\ (?:story|article) | continue\ reading | keep\ reading
  | more | view\ comments | show\ comments | leave\ a\ comment | \d+\ comments? | comments?(?:\ \d+)?
  | listen\ to\ (?:this\ )?article | back\ to\ top | top\ of\ page
  | (?:next|previous)\ (?:article|story)
  | related(?:\ (?:articles|stories|news|content|coverage|topics|links))?
  | more\ (?:stories|news|articles) | you\ may\ also\ like | recommended(?:\ (?:for\ you|stories|articles))?
  | most\ (?:read|popular) | trending(?:\ now)?
  | weiterlesen | mehr\ lesen | lire\ la\ suite | le[ée]r\ m[áa]s | seguir\ leyendo
  | continua\ a\ leggere | leggi\ tutto | leia\ mais | continue\ lendo | lees\ meer
  | читать\ далее | читать\ дальше | подробнее
    # sign-up, subscribe, app prompts
  | sign\ up(?:\ (?:now|today|here))?(?:\ (?:for|to)\b.*)?
  | (?:click|tap)\ here(?:\ (?:to|for)\b.*)?
  | subscribe(?:\ (?:now|today|here))?(?:\ (?:to|for)\b.*)?
  | get\ (?:our|the)\ (?:free\ )?(?:\w+\ )?(?:newsletter|app)\b.*
  | download\ (?:our|the)\b.*\bapp\b.*
  | join\ (?:us|our)\b.*\b(?:channel|community|newsletter|telegram|whatsapp|facebook|twitter|instagram)\b.*
  | (?:jetzt\ )?newsletter\ abonnieren | jetzt\ abonnieren | abonnieren\ sie\b.* | abonnez-vous\b.*
  | s'abonner\b.* | inscrivez-vous\b.* | suscr[íi]b(?:e|ete|ase)\b.* | iscriviti\b.* | inscreva-se\b.*
  | assine\b.* | подпишитесь\b.*
    # follow us (with whatever network follows)
  | follow\ us\b.* | folgen\ sie\ uns\b.* | folge\ uns\b.* | suivez-nous\b.* | s[íi]guenos\b.*
  | seguici\b.* | siga-nos\b.* | volg\ ons\b.* | следите\ за\ нами\b.* | подписывайтесь\b.*
  | تابعونا\b.*
"""
_CHROME_SHORT_RE = re.compile(_CHROME_SHORT, re.VERBOSE)

# "Read more: <headline>" style lines: a label, a colon, a short tail.
_CHROME_PREFIX_RE = re.compile(
    r"""(?:read\ more | read\ also | also\ read | see\ also | related | more\ on\ this(?:\ story)?
      | recommended | lire\ aussi | [àa]\ lire\ aussi | voir\ aussi
      | [àa]\ voir\ aussi | lesen\ sie\ auch | lesen\ sie\ mehr | mehr\ zum\ thema
      | auch\ interessant | lee\ tambi[ée]n | lea\ tambi[ée]n | le[ée]r\ m[áa]s | ver\ tambi[ée]n
      | te\ puede\ interesar | leggi\ anche | vedi\ anche | leia\ tamb[ée]m | veja\ tamb[ée]m
      | lees\ ook | zie\ ook | читайте\ также | смотрите\ также | اقرأ\ أيضا | اقرأ\ أيضاً | اقرأ\ ايضا
      )\s*:.*""",
    re.VERBOSE,
)
_WP_POST_RE = re.compile(r"the post .+ appeared first on .+")
_COOKIE_RE = re.compile(
    r"""(?:we|this\ (?:web)?site|our\ (?:web)?site|this\ page)\ uses?\ cookies\b.*
      | by\ (?:continuing|using|clicking|browsing)\b.*\bcookies?\b.*
      | (?:accept|manage|reject|allow)(?:\ all)?\ cookies(?:\ settings)?
      | cookie\ (?:settings|policy|preferences|consent|notice)
      | wir\ (?:verwenden|nutzen)\ cookies\b.* | diese\ (?:web)?seite\ (?:verwendet|nutzt)\ cookies\b.*
      | nous\ utilisons\ des\ cookies\b.* | ce\ site\ utilise\ des\ cookies\b.*
      | (?:utilizamos|usamos)\ cookies\b.* | este\ sitio\ (?:web\ )?(?:utiliza|usa)\ cookies\b.*
      | (?:utilizziamo|usiamo)\ (?:i\ )?cookie\b.* | questo\ sito\ (?:utilizza|usa)\ (?:i\ )?cookie\b.*
      | мы\ используем\ (?:файлы\ )?cookie\b.*""",
    re.VERBOSE,
)
_EDGE_RE = re.compile(r"^[\W_]+|[\W_]+$")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})


def _chrome_key(line: str) -> str:
    key = line.casefold().translate(_APOSTROPHES)
    key = _EDGE_RE.sub("", key)
    return WS_RE.sub(" ", key)


def _is_chrome(line: str) -> bool:
    """True when a whole (short) line is site chrome."""
    n = len(line)
    if n > _MAX_CHROME_LEN or (n > _MAX_POST and "cookie" not in line.casefold()):
        return False                # longer than any pattern but the cookie notices
    key = _chrome_key(line)
    if not key:
        return False  # separators such as "* * *" are the author's, keep them
    if n <= _MAX_SHORT:
        words = _WORD_RE.findall(key)
        if words and all(w in _SOCIAL_TRIGGERS or w in _SOCIAL_FILLER for w in words) and any(
            w in _SOCIAL_TRIGGERS for w in words
        ):
            return True
        if _CHROME_SHORT_RE.fullmatch(key):
            return True
    if n <= _MAX_PREFIX and _CHROME_PREFIX_RE.fullmatch(key):
        return True
    if n <= _MAX_POST and _WP_POST_RE.fullmatch(key):
        return True
    if "cookie" in key and _COOKIE_RE.fullmatch(key):
        return True
    return False


_PARA_SPLIT_RE = re.compile(r"\n[^\S\n]*\n\s*")


def _same(a: str, b: str) -> bool:
    """Equal up to runs of whitespace; a and b are stripped (so their ends are not spaces)."""
    if a == b:
        return True
    if a[:1] != b[:1] or a[-1:] != b[-1:]:
        return False
    return WS_RE.sub(" ", a) == WS_RE.sub(" ", b)


def strip_chrome(text: str) -> str:
    """Remove site chrome from paragraph text.

    Whole short lines/paragraphs such as "Follow us on:", "Share this:", "Share on Facebook",
    "Facebook Twitter WhatsApp", "Subscribe to our newsletter", "Click here to subscribe",
    "Sign up for ...", "Download our app", "Read more: <headline>", "Also read:", "Related:",
    "Advertisement", "Story continues below advertisement", "The post ... appeared first on ...",
    cookie notices, and their German/French/Spanish/Italian/Portuguese/Dutch/Russian/Arabic
    counterparts ("Teilen", "Partager", "Compartir", "Síguenos en", "Lire aussi :", ...) are
    removed. A line longer than the pattern's cap (100-400 characters) is never removed, so a
    paragraph that merely mentions "share" stays. Captions, credits ("[Xinhua]") and copyright
    lines are kept: they are content for the enrichment step.

    A paragraph (or line) that repeats the previous kept one exactly, also across removed
    chrome, is collapsed: a caption printed twice stays once. Paragraphs stay separated by
    "\\n\\n"; lines inside a paragraph by "\\n". Never raises.
    """
    try:
        s = normalise_newlines(coerce(text)).strip()
        if not s:
            return ""
        out: List[str] = []
        for para in _PARA_SPLIT_RE.split(s):
            kept: List[str] = []
            for line in para.split("\n"):
                line = line.strip()
                if not line or _is_chrome(line):
                    continue
                if kept and _same(kept[-1], line):
                    continue  # the same line twice in a row
                kept.append(line)
            if not kept:
                continue  # a chrome-only paragraph: the next one is compared with out[-1]
            joined = "\n".join(kept)
            if out and _same(out[-1], joined):
                continue  # a paragraph printed twice (photo captions), maybe around chrome
            out.append(joined)
        return "\n\n".join(out)
    except Exception:  # pragma: no cover - the contract is "never raises"
        return coerce(text)
