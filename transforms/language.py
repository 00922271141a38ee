"""Language identification with langdetect: seeded, bounded input, ISO 639-1 codes.

langdetect's profiles and algorithm, run faster. langdetect (a port of Shuyo's Java library)
spends its time in two Python loops: n-gram extraction (a per-character state machine calling a
Unicode block binary search per character) and 7 seeded trials that multiply 55 language
probabilities one random n-gram at a time. `_FastLangdetect` does the same arithmetic in the
same order (the same seeded `random.Random` draws as `random.choice`, the same float64 products,
left-to-right sums and divisions), so its probabilities are bit-for-bit langdetect's
(tests/test_throughput_parts.py compares them with `langdetect.detector.Detector`), but:
- characters are normalised with one `str.translate` through a memoised table;
- the n-grams of a text are those of its space-separated words, each word's list memoised;
- each n-gram is a row of one float64 matrix (n-grams x languages) built from langdetect's
  profile files, and a trial multiplies numpy rows instead of 55 Python floats.
3-4x faster on news text, 2x on single sentences (docs/throughput.md).

It sees the title plus the first DETECT_CHARS characters of the text. 1000 is kept on purpose:
on ~3 KB documents 300 or 500 characters lose a little accuracy (Urdu, Danish, Spanish) and,
with this implementation, save little time (benchmarks/langid_accuracy.py).
"""
from __future__ import annotations

import random
import re
import threading
from typing import List, Optional, Tuple

from transforms.records import safe_language

DETECT_CHARS = 1000          # title + this much text go to langdetect
MIN_LETTERS = 20             # fewer letters than this: too short to detect
MIN_CONFIDENCE = 0.80        # below this, prefer the feed's declared language
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_IDEOGRAPHIC_LETTER = re.compile("(?=[^\\W\\d_])[\u2e80-\U0010ffff]")    # the letters counted 3 times


def normalise_code(code: Optional[str]) -> str:
    """'en-US' -> 'en', 'zh-cn' -> 'zh', 'pt_BR' -> 'pt'; anything else -> 'und'."""
    if not code:
        return "und"
    return safe_language(re.split(r"[-_\s]", str(code).strip(), maxsplit=1)[0])


# ------------------------------------------------------------------------------------------
# langdetect, same results, faster
# ------------------------------------------------------------------------------------------

_LATIN = re.compile(r"[A-z]")                                   # langdetect's 'A' <= ch <= 'z'
_NON_LATIN = re.compile("[\u0300-\u1dff\u1f00-\U0010ffff]")     # >= U+0300, not U+1E00-U+1EFF
_SPACES = re.compile(r" {2,}")
_WORD = re.compile(r"[^ ]+ ?")
_WORD_CACHE_MAX = 200_000


class _NormTable(dict):
    """str.translate table: code point -> langdetect's NGram.normalize(char), memoised."""

    def __init__(self, normalize):
        super().__init__()
        self._normalize = normalize

    def __missing__(self, cp: int) -> str:
        value = self._normalize(chr(cp))
        self[cp] = value
        return value


class _FastLangdetect:
    """langdetect's Detector.get_probabilities() for one text at a time; same results."""

    def __init__(self, langlist: List[str], rows: dict, matrix):
        import numpy as np
        from langdetect.detector import Detector
        from langdetect.utils.ngram import NGram
        self._np = np
        self.langlist = list(langlist)
        self._row = rows                                  # n-gram -> row of `matrix`
        self._matrix = matrix                             # n-grams x languages, float64
        self._norm = _NormTable(NGram.normalize)
        self._normalize_vi = NGram.normalize_vi
        self._url, self._mail = Detector.URL_RE, Detector.MAIL_RE
        self._alpha, self._alpha_width = Detector.ALPHA_DEFAULT, Detector.ALPHA_WIDTH
        self._n_trial, self._max_text = 7, 10000
        self._limit, self._conv = Detector.ITERATION_LIMIT, Detector.CONV_THRESHOLD
        self._base_freq, self._threshold = Detector.BASE_FREQ, Detector.PROB_THRESHOLD
        self._words: dict = {}

    @classmethod
    def from_profiles(cls, directory: Optional[str] = None) -> "_FastLangdetect":
        """langdetect's profiles read as DetectorFactory.load_profile reads them (same language
        order, same probabilities), into one matrix instead of a list per n-gram."""
        import json
        import os

        import numpy as np
        from langdetect.detector_factory import PROFILES_DIRECTORY
        directory = directory or PROFILES_DIRECTORY
        names = os.listdir(directory)                     # langdetect's order, unsorted
        langlist, rows, entries = [], {}, []
        for name in names:
            path = os.path.join(directory, name)
            if name.startswith(".") or not os.path.isfile(path):
                continue
            with open(path, encoding="utf-8") as f:
                profile = json.load(f)
            index, n_words = len(langlist), profile["n_words"]
            langlist.append(profile["name"])
            for word, freq in profile["freq"].items():
                row = rows.setdefault(word, len(rows))
                if 1 <= len(word) <= 3:
                    entries.append((row, index, 1.0 * freq / n_words[len(word) - 1]))
        matrix = np.zeros((len(rows), len(langlist)), dtype=np.float64)
        if entries:
            r, c, v = zip(*entries)
            matrix[np.array(r), np.array(c)] = np.array(v, dtype=np.float64)
        return cls(langlist, rows, matrix)

    # -- Detector.append + cleaning_text + _extract_ngrams ---------------------------------
    def _text(self, text: str) -> str:
        """Detector.append (URLs and e-mail addresses out, Vietnamese normalised, runs of
        spaces collapsed) and cleaning_text (Latin letters out of a mostly non-Latin text)."""
        if "http" in text:                                # the patterns need these: skip the
            text = self._url.sub(" ", text)               # scans (the mail pattern tries up
        if "@" in text:                                   # to 64 characters at every position)
            text = self._mail.sub(" ", text)
        text = self._normalize_vi(text)
        text = _SPACES.sub(" ", text[: self._max_text])
        if not text.isascii():                            # ASCII: no non-Latin letters at all
            latin = len(_LATIN.findall(text))
            if latin * 2 < len(_NON_LATIN.findall(text)):
                text = _LATIN.sub("", text)
        return text

    def _word_rows(self, token: str) -> tuple:
        """Rows of the n-grams langdetect extracts from one word (with its following space,
        if any), in extraction order. The n-gram buffer restarts after every space, so a
        word's n-grams depend on the word alone."""
        p = " " + token
        rows, row = [], self._row
        for e in range(1, len(p)):
            c = p[e]
            if c.isupper() and p[e - 1].isupper():
                continue                                  # inside an upper-case word
            for n in range(1, min(3, e + 1) + 1):
                w = p[e + 1 - n:e + 1]
                if w != " ":
                    i = row.get(w)
                    if i is not None:
                        rows.append(i)
        return tuple(rows)

    def ngram_rows(self, text: str) -> List[int]:
        norm = self._text(text).translate(self._norm)
        cache = self._words
        if len(cache) > _WORD_CACHE_MAX:
            cache.clear()
        out: List[int] = []
        for token in _WORD.findall(norm):
            rows = cache.get(token)
            if rows is None:
                rows = cache[token] = self._word_rows(token)
            out.extend(rows)
        return out

    # -- Detector._detect_block ----------------------------------------------------------
    def probabilities(self, text: str, seed: int) -> List[Tuple[str, float]]:
        """[(lang, prob)] above langdetect's threshold, best first; [] when no features."""
        np = self._np
        rows = self.ngram_rows(text)
        if not rows:
            return []
        n_langs = len(self.langlist)
        matrix, n = self._matrix, len(rows)
        rnd = random.Random()
        rnd.seed(seed)
        getrandbits, k = rnd.getrandbits, n.bit_length()   # random.choice(rows), inlined
        multiply = np.multiply.reduce
        uniform = 1.0 / n_langs
        conv, limit = self._conv, self._limit
        langprob = np.zeros(n_langs)
        for _ in range(self._n_trial):
            prob = np.full(n_langs, uniform)
            alpha = self._alpha + rnd.gauss(0.0, 1.0) * self._alpha_width
            weight = alpha / self._base_freq
            i = 0
            block = 1                                     # updates before the next check
            while True:
                picked = []
                for _ in range(block):
                    r = getrandbits(k)
                    while r >= n:
                        r = getrandbits(k)
                    picked.append(rows[r])
                factors = matrix[picked]                  # block x languages (a copy)
                factors += weight
                factors[0] *= prob
                # ((prob * f0) * f1) * ...: a reduction over axis 0 multiplies row after row
                prob = multiply(factors, axis=0)
                i += block - 1
                values = prob.tolist()
                total = sum(values)                       # left to right, as langdetect sums
                prob /= total
                # max(p / total) == max(p) / total: correctly rounded division is monotonic
                if max(values) / total > conv or i >= limit:
                    break
                i += 1
                block = 5
            langprob += prob / self._n_trial
        out = [(lang, p) for lang, p in zip(self.langlist, langprob.tolist()) if p > self._threshold]
        # langdetect sorts Language objects (compared by prob only) with sort(reverse=True)
        return [(lang, p) for lang, p in _sorted_like_langdetect(out)]


def _sorted_like_langdetect(pairs):
    from langdetect.language import Language
    langs = [Language(lang, p) for lang, p in pairs]
    langs.sort(reverse=True)
    return [(x.lang, x.prob) for x in langs]


_MODEL = None
_MODEL_LOCK = threading.Lock()


def _model() -> _FastLangdetect:
    """The process's model (langdetect's profiles as a matrix): built once, ~1 s."""
    global _MODEL
    with _MODEL_LOCK:
        if _MODEL is None:
            _MODEL = _FastLangdetect.from_profiles()
        return _MODEL


class LanguageDetector:
    """Create once per worker (DoFn.setup): loading langdetect's profiles takes ~1 s."""

    def __init__(self, seed: int = 0, detect_chars: int = DETECT_CHARS,
                 min_confidence: float = MIN_CONFIDENCE):
        self._model = _model()
        self._seed = seed
        self._detect_chars = detect_chars
        self._min_confidence = min_confidence

    def sample(self, title: str, text: str) -> str:
        """What langdetect sees: the title and a bounded prefix of the text."""
        return (title or "") + "\n" + (text or "")[: self._detect_chars]

    def detect(self, title: str, text: str, declared: Optional[str] = None) -> Tuple[str, float]:
        """(ISO 639-1 code or 'und', confidence 0-1)."""
        sample = self.sample(title, text)
        declared_code = normalise_code(declared)
        # Ideographic scripts carry a word per character: weigh them accordingly.
        head = sample[:400]
        letters = len(_LETTER.findall(head)) + 2 * len(_IDEOGRAPHIC_LETTER.findall(head))
        detected, confidence = "und", 0.0
        if letters >= MIN_LETTERS:
            best = self._model.probabilities(sample, self._seed)
            if best:
                detected, confidence = normalise_code(best[0][0]), float(best[0][1])
        if detected != "und" and (confidence >= self._min_confidence or declared_code == "und"):
            return detected, round(confidence, 4)
        if declared_code != "und":
            # The feed's own declaration: confident only as far as the detector agrees.
            return declared_code, round(confidence if detected == declared_code else 0.5, 4)
        return detected, round(confidence, 4)
