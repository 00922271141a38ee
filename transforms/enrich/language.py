"""Language identification with langdetect: seeded, bounded input, ISO 639-1 codes.

langdetect's profiles and algorithm, run faster. langdetect (a port of Shuyo's Java library)
spends its time in two Python loops: n-gram extraction (a per-character state machine calling a
Unicode block binary search per character) and 7 seeded trials that multiply 55 language
probabilities one random n-gram at a time. `_FastLangdetect` keeps its model and its decision
rule, and does the work in bulk:
- the n-grams are exactly langdetect's (tests/benchmarks/test_throughput_parts.py compares them):
  characters normalised with one `str.translate` through a memoised table, and the n-grams of
  a text are those of its space-separated words, each word's list memoised (both memos
  bounded per process: WORD_CACHE_MAX, NORM_TABLE_MAX);
- each n-gram is a row of one matrix (n-grams x languages) of log(profile probability + alpha
  / BASE_FREQ), built from langdetect's profile files;
- the 7 trials draw their random n-grams in chunks and add log rows instead of multiplying 55
  Python floats per draw; each stops at the same convergence check as langdetect's (one
  language above 0.99999 after update 1, 6, 11, ...; at most 1,001 updates: langdetect's
  ITERATION_LIMIT is 1,000 and its last check comes after update 1,001), and the answer
  is the mean of the trials, as in langdetect.
The draws come from numpy's generator seeded with --language-seed, so an answer is
deterministic but not the draw-for-draw answer of langdetect's own Detector: on texts where
langdetect is unsure, either may pick the other of two close languages, as langdetect itself
does under another seed. Accuracy (benchmarks/langid_accuracy.py, docs/throughput.md): lingua's
74,141 test sentences 95.06% vs langdetect's 95.01% (54 supported languages); the 1,089 real
feed items 1,068 vs 1,070 agreeing with the manifest (langdetect with seed 7: 1,071); 5.6x
less CPU time on the sentences, 4.5x on 3 KB documents.

It sees the title plus the first DETECT_CHARS characters of the text. 1000 is kept on purpose:
on ~3 KB documents 500 characters lose 5.4 points in Urdu, 300 also 2.9 in Catalan, and save
little time (benchmarks/langid_accuracy.py).
"""
from __future__ import annotations

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
# langdetect's model and decision rule, faster; numpy's draws, so not langdetect's exact results
# ------------------------------------------------------------------------------------------

_LATIN = re.compile(r"[A-z]")                                   # langdetect's 'A' <= ch <= 'z'
_NON_LATIN = re.compile("[\u0300-\u1dff\u1f00-\U0010ffff]")     # >= U+0300, not U+1E00-U+1EFF
_SPACES = re.compile(r" {2,}")
_WORD = re.compile(r"[^ ]+ ?")
# A worker process's memo of words (word -> its n-gram rows) holds at most WORD_CACHE_MAX words
# and is emptied when the next text would take it past that: ~320 bytes a word (measured on
# lingua's sentences of 75 languages, benchmarks/worker_caches.py vocabulary), so <= ~16 MB
# however many stories a worker sees (it was 200,000 words, ~60 MB; on 40,000 of those
# sentences a 20,000-word memo took 47.5 and 48.4 CPU-s, a 200,000-word one 46.7 and 49.6).
# Its character table (code point -> normalised character) holds at most NORM_TABLE_MAX code
# points the same way (~5,500 after 75 languages; unbounded, it grew with every new one).
WORD_CACHE_MAX = 50_000
NORM_TABLE_MAX = 20_000
CHECKS = 12                  # convergence checks per chunk of draws (60 updates per trial)


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
    """langdetect's Detector.get_probabilities() for one text at a time: its model and decision
    rule, not its random draws (see the module docstring)."""

    def __init__(self, langlist: List[str], rows: dict, matrix):
        import numpy as np
        from langdetect.detector import Detector
        from langdetect.utils.ngram import NGram
        self._np = np
        self.langlist = list(langlist)
        self._row = rows                                  # n-gram -> row of the matrix
        self._n_trial, self._max_text = 7, 10000
        self._limit, self._conv = Detector.ITERATION_LIMIT, Detector.CONV_THRESHOLD
        self._threshold = Detector.PROB_THRESHOLD
        # log(p(n-gram | language) + alpha / BASE_FREQ): one trial's update is a row sum. alpha
        # is langdetect's ALPHA_DEFAULT; langdetect also jitters it per trial (sd 0.05 around
        # 0.5, i.e. +-5e-6 on probabilities); the random draws alone vary the trials here.
        matrix = np.array(matrix, dtype=np.float64)       # a copy: the caller's stays as it was
        matrix += Detector.ALPHA_DEFAULT / Detector.BASE_FREQ
        self._log_matrix = np.log(matrix, out=matrix)     # n-grams x languages
        self._norm = _NormTable(NGram.normalize)
        self._normalize_vi = NGram.normalize_vi
        self._url, self._mail = Detector.URL_RE, Detector.MAIL_RE
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
        text = self._text(text)
        if len(self._norm) + len(text) > NORM_TABLE_MAX:     # a text adds at most a code point
            self._norm.clear()                                # per character
        tokens = _WORD.findall(text.translate(self._norm))
        cache = self._words
        if len(cache) + len(tokens) > WORD_CACHE_MAX:         # a text adds at most its words
            cache.clear()
        out: List[int] = []
        for token in tokens:
            rows = cache.get(token)
            if rows is None:
                rows = cache[token] = self._word_rows(token)
            out.extend(rows)
        return out

    # -- Detector._detect_block, vectorised ----------------------------------------------
    def probabilities(self, text: str, seed: int) -> List[Tuple[str, float]]:
        """[(lang, prob)] above langdetect's threshold, best first; [] when no features."""
        rows = self.ngram_rows(text)
        if not rows:
            return []
        langprob = self._trials(self._np.asarray(rows, dtype=self._np.intp), seed)
        out = [(lang, p) for lang, p in zip(self.langlist, langprob.tolist()) if p > self._threshold]
        return _sorted_like_langdetect(out)

    def _trials(self, rows, seed: int):
        """langdetect's 7 trials, all at once: each multiplies the language probabilities by
        randomly drawn n-grams' profile probabilities (plus alpha / BASE_FREQ) and stops at the
        first check (after update 1, 6, 11, ...) where one language holds > CONV_THRESHOLD, or at
        ITERATION_LIMIT; the result is the mean of the trials' normalised probabilities.
        Products are sums of logs here, and the draws of a chunk of CHECKS checks per trial are
        made together; a trial that has converged stops taking part."""
        np = self._np
        rng = np.random.default_rng(seed)
        n_trial, n_langs = self._n_trial, len(self.langlist)
        bound = 1.0 / self._conv            # max(p) / sum(p) > conv  <=>  sum(p / max(p)) < 1 / conv
        max_checks = self._limit // 5 + 1   # langdetect stops at update ITERATION_LIMIT at the latest
        log_prob = np.zeros((n_trial, n_langs))
        langprob = np.zeros(n_langs)
        active = np.arange(n_trial)
        checks = 0
        while active.size:
            k = min(CHECKS, max_checks - checks)
            first = checks == 0             # the first check comes after a single update
            size = 5 * k - 4 if first else 5 * k
            picks = rows[rng.integers(0, rows.size, size=(active.size, size))]
            logs = np.take(self._log_matrix, picks, axis=0)          # trials x updates x languages
            if first:
                blocks = np.empty((active.size, k, n_langs))
                blocks[:, 0] = logs[:, 0]
                blocks[:, 1:] = logs[:, 1:].reshape(active.size, k - 1, 5, n_langs).sum(axis=2)
            else:
                blocks = logs.reshape(active.size, k, 5, n_langs).sum(axis=2)
            cum = np.cumsum(blocks, axis=1)
            cum += log_prob[active, None, :]
            cum -= cum.max(axis=2, keepdims=True)
            probs = np.exp(cum)
            totals = probs.sum(axis=2)                                # trials x checks
            stop = totals < bound
            checks += k
            if checks >= max_checks:
                stop[:, -1] = True
            converged = stop.any(axis=1)
            at = stop.argmax(axis=1)
            for t in np.flatnonzero(converged):
                langprob += probs[t, at[t]] / totals[t, at[t]]
            going = ~converged
            log_prob[active[going]] = cum[going, -1]
            active = active[going]
        return langprob / n_trial


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
        letters = len(_LETTER.findall(head))
        if letters < MIN_LETTERS and not head.isascii():
            letters += 2 * len(_IDEOGRAPHIC_LETTER.findall(head))
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
