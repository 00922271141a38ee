"""Language identification: accuracy and speed before/after, per language and overall.

    .venv/bin/python -m benchmarks.langid_accuracy [--limit 1000] [--prefixes 200,300,500,1000,3000]

"before" is wirefeed's original detector (langdetect's own Detector on the title plus the first
1000 characters of the text); "after" is transforms.enrich.language.LanguageDetector as it is now.
Three data sets, all under ../shared/data:
1. langid/language-testdata/sentences: lingua's test sentences (75 languages, up to 1000 each,
   all shorter than 300 characters): accuracy per language and overall, before and after, and
   how many decisions differ at all;
2. the same sentences joined into ~3 KB documents (consecutive sentences of one language): the
   accuracy and the time per document as a function of the prefix length langdetect sees;
3. real-feeds/feeds: the 47 real feeds (about 1,100 items), parsed and cleaned as the pipeline
   does, the feed's declared language passed as the pipeline does: agreement with the language
   in manifest.csv, before and after.
Languages langdetect has no profile for (lingua covers 75, langdetect 55) count as misses in the
"all" figure and are left out of the "supported" one.
"""
from __future__ import annotations

import argparse
import collections
import csv
import datetime as _dt
import glob
import os
import statistics
import sys
import time
from typing import Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
SENTENCES = os.path.join(DATA, "langid", "language-testdata", "sentences")
LINGUA_REPORT = os.path.join(DATA, "langid", "langdetect-baseline-reports", "sentences-accuracy-values.csv")
REAL_FEEDS = os.path.join(DATA, "real-feeds")
# lingua's code -> what langdetect answers for that language (after normalise_code)
ANSWER = {"nb": "no"}


class ReferenceDetector:
    """wirefeed's detector before this change: langdetect's Detector itself on the title and
    the first `detect_chars` characters of the text (the original transforms/enrich/language.py)."""

    def __init__(self, seed: int = 0, detect_chars: int = 1000, min_confidence: float = 0.80):
        from langdetect import DetectorFactory
        from langdetect.detector_factory import init_factory
        DetectorFactory.seed = seed
        init_factory()
        from langdetect import detector_factory
        self._factory = detector_factory._factory
        self._seed = seed
        self._detect_chars = detect_chars
        self._min_confidence = min_confidence

    def detect(self, title: str, text: str, declared: Optional[str] = None) -> Tuple[str, float]:
        from transforms.enrich.language import MIN_LETTERS, _LETTER, normalise_code
        sample = (title or "") + "\n" + (text or "")[: self._detect_chars]
        declared_code = normalise_code(declared)
        letters = sum(3 if ord(c) >= 0x2E80 else 1 for c in _LETTER.findall(sample[:400]))
        detected, confidence = "und", 0.0
        if letters >= MIN_LETTERS:
            from langdetect.lang_detect_exception import LangDetectException
            detector = self._factory.create()
            detector.seed = self._seed
            detector.append(sample)
            try:
                best = detector.get_probabilities()
            except LangDetectException:
                best = []
            if best:
                detected, confidence = normalise_code(best[0].lang), float(best[0].prob)
        if detected != "und" and (confidence >= self._min_confidence or declared_code == "und"):
            return detected, round(confidence, 4)
        if declared_code != "und":
            return declared_code, round(confidence if detected == declared_code else 0.5, 4)
        return detected, round(confidence, 4)


def _after(detect_chars: Optional[int] = None):
    from transforms.enrich.language import DETECT_CHARS, LanguageDetector
    return LanguageDetector(seed=0, detect_chars=detect_chars or DETECT_CHARS)


def supported_languages() -> set:
    from transforms.enrich.language import _model, normalise_code
    return {normalise_code(x) for x in _model().langlist}


def load_sentences(limit: int) -> Dict[str, List[str]]:
    out = {}
    for path in sorted(glob.glob(os.path.join(SENTENCES, "*.txt"))):
        code = os.path.basename(path)[:-4]
        with open(path, encoding="utf-8") as f:
            out[code] = [line.strip() for line in f if line.strip()][:limit]
    return out


def documents(sentences: Dict[str, List[str]], size: int = 3000) -> Dict[str, List[str]]:
    """Consecutive sentences of a language joined into texts of about `size` characters
    (paragraphs of 3 sentences), each sentence used once."""
    out = {}
    for code, lines in sentences.items():
        docs, cur = [], []
        for line in lines:
            cur.append(line)
            if sum(len(x) + 1 for x in cur) >= size:
                docs.append("\n\n".join(" ".join(cur[i:i + 3]) for i in range(0, len(cur), 3)))
                cur = []
        out[code] = docs
    return out


def accuracy(detector, texts: Dict[str, List[str]], title_first: bool = False):
    """(per language accuracy, answers per language, seconds)."""
    per, answers = {}, {}
    t = time.process_time()
    for code, items in texts.items():
        got = []
        for text in items:
            if title_first:   # first sentence as the title, the rest as the text
                title, _, body = text.partition(" ")
                got.append(detector.detect(title, body)[0])
            else:
                got.append(detector.detect("", text)[0])
        answers[code] = got
        want = ANSWER.get(code, code)
        per[code] = sum(g == want for g in got) / len(got) if got else float("nan")
    return per, answers, time.process_time() - t


def overall(per: Dict[str, float], counts: Dict[str, int], only=None) -> float:
    codes = [c for c in per if (only is None or ANSWER.get(c, c) in only) and counts.get(c)]
    return sum(per[c] * counts[c] for c in codes) / max(1, sum(counts[c] for c in codes))


def lingua_published() -> Dict[str, float]:
    """langdetect's sentence accuracy as lingua's report gives it (by language name)."""
    if not os.path.exists(LINGUA_REPORT):
        return {}
    with open(LINGUA_REPORT, encoding="utf-8") as f:
        return {row["language"]: row["langdetect"] for row in csv.DictReader(f)}


# ------------------------------------------------------------------------------ real feeds

def real_feed_items():
    """[(manifest language, title, text, declared language)] of the 47 real feeds, parsed and
    cleaned as the pipeline does."""
    from transforms.clean.stories import clean_story
    from transforms.parse.feeds import parse_document
    from transforms.records import UTC, FeedDocument, FeedSource
    items = []
    with open(os.path.join(REAL_FEEDS, "manifest.csv"), encoding="utf-8") as f:
        manifest = list(csv.DictReader(f))
    for row in manifest:
        path = os.path.join(REAL_FEEDS, row["file"])
        with open(path, "rb") as fh:
            body = fh.read()
        doc = FeedDocument(source=FeedSource(location=path), body=body,
                           fetched_at=_dt.datetime(2026, 1, 1, tzinfo=UTC), final_url=path)
        _, stories, _ = parse_document(doc)
        for s in stories:
            s = clean_story(s, _dt.timedelta(hours=24))
            items.append((row["language"], row["file"], s.title, s.text, s.declared_language))
    return items


def real_feed_agreement(detector, items):
    got = [detector.detect(title, text, declared)[0] for _, _, title, text, declared in items]
    agree = sum(g == want for g, (want, *_) in zip(got, items))
    by_feed = collections.defaultdict(lambda: [0, 0])
    for g, (want, feed, *_) in zip(got, items):
        by_feed[feed][0] += g == want
        by_feed[feed][1] += 1
    return agree, got, by_feed


# ------------------------------------------------------------------------------------ main

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=1000, help="sentences per language (default 1000)")
    ap.add_argument("--prefixes", default="200,300,500,1000,3000",
                    help="prefix lengths tried on the ~3 KB documents")
    ap.add_argument("--skip-sentences", action="store_true")
    a = ap.parse_args(argv)
    if not os.path.isdir(SENTENCES):
        print(f"no language test data at {SENTENCES}")
        return 1
    from transforms.enrich.language import DETECT_CHARS
    before, after = ReferenceDetector(), _after()
    supported = supported_languages()
    sentences = load_sentences(a.limit)
    counts = {c: len(v) for c, v in sentences.items()}
    print(f"'before': langdetect's Detector, title + 1000 chars; 'after': wirefeed's detector now "
          f"(DETECT_CHARS={DETECT_CHARS}); {len(supported)} languages in langdetect's profiles")

    if not a.skip_sentences:
        print(f"\n1. lingua test sentences: {sum(counts.values())} in {len(counts)} languages")
        per_b, ans_b, sec_b = accuracy(before, sentences)
        per_a, ans_a, sec_a = accuracy(after, sentences)
        differ = sum(x != y for c in ans_b for x, y in zip(ans_b[c], ans_a[c]))
        per_7, ans_7, _ = accuracy(ReferenceDetector(seed=7), sentences)
        differ_7 = sum(x != y for c in ans_b for x, y in zip(ans_b[c], ans_7[c]))
        published = lingua_published()
        names = _language_names()
        print(f"{'lang':6} {'n':>5} {'before':>7} {'after':>7}  lingua report (langdetect)")
        for code in sorted(per_b):
            mark = "" if ANSWER.get(code, code) in supported else "   (no langdetect profile)"
            pub = published.get(names.get(code, ""), "")
            pub = f"{float(pub):.1f}%" if pub not in ("", "NaN") else "-"
            print(f"{code:6} {counts[code]:5d} {per_b[code]:7.1%} {per_a[code]:7.1%}  {pub}{mark}")
        for label, only in (("supported languages", supported), ("all 75 languages", None)):
            print(f"overall, {label}: before {overall(per_b, counts, only):.2%}, "
                  f"after {overall(per_a, counts, only):.2%}")
        print(f"decisions that differ between before and after: {differ} of {sum(counts.values())}; "
              f"between before and langdetect with seed 7 instead of 0: {differ_7} "
              f"(its accuracy: supported {overall(per_7, counts, supported):.2%}, all {overall(per_7, counts):.2%})")
        print(f"CPU time: before {sec_b:.1f} s, after {sec_a:.1f} s "
              f"({sec_b / max(sec_a, 1e-9):.1f}x faster)")

    docs = documents(load_sentences(1000))
    doc_counts = {c: len(v) for c, v in docs.items()}
    mean_len = statistics.mean(len(d) for v in docs.values() for d in v)
    print(f"\n2. ~3 KB documents of consecutive sentences: {sum(doc_counts.values())} documents, "
          f"mean {mean_len:.0f} characters")
    per_ref, ans_ref, sec_ref = accuracy(before, docs)
    n_docs = sum(doc_counts.values())
    print(f"before (langdetect, 1000 chars): supported {overall(per_ref, doc_counts, supported):.2%}, "
          f"all {overall(per_ref, doc_counts):.2%}, {1000 * sec_ref / n_docs:.2f} ms/doc")
    for prefix in [int(x) for x in a.prefixes.split(",")]:
        det = _after(prefix)
        per, ans, sec = accuracy(det, docs)
        differ = sum(x != y for c in ans_ref for x, y in zip(ans_ref[c], ans[c]))
        worst = sorted((per[c] - per_ref[c], c) for c in per if ANSWER.get(c, c) in supported)[:3]
        print(f"after, prefix {prefix:5d}: supported {overall(per, doc_counts, supported):.2%}, "
              f"all {overall(per, doc_counts):.2%}, {1000 * sec / n_docs:.2f} ms/doc, "
              f"{differ} decisions differ from before; largest drops: "
              + ", ".join(f"{c} {d:+.1%}" for d, c in worst))

    if os.path.isdir(os.path.join(REAL_FEEDS, "feeds")):
        items = real_feed_items()
        agree_b, got_b, by_feed_b = real_feed_agreement(before, items)
        agree_a, got_a, by_feed_a = real_feed_agreement(after, items)
        differ = sum(x != y for x, y in zip(got_b, got_a))
        print(f"\n3. real feeds: {len(items)} items of {len(by_feed_b)} feeds with entries; agreement "
              f"with manifest.csv language: before {agree_b}/{len(items)} ({agree_b / len(items):.1%}), "
              f"after {agree_a}/{len(items)} ({agree_a / len(items):.1%}); "
              f"{differ} items answered differently")
        worse = [(f, by_feed_b[f], by_feed_a[f]) for f in by_feed_b if by_feed_a[f][0] != by_feed_b[f][0]]
        for f, b, x in worse:
            print(f"   {f}: before {b[0]}/{b[1]}, after {x[0]}/{x[1]}")
        low = sorted((x[0] / x[1], f) for f, x in by_feed_a.items())[:5]
        print("   lowest agreement (after): " + ", ".join(f"{os.path.basename(f)} {r:.0%}" for r, f in low))
    return 0


def _language_names() -> Dict[str, str]:
    """ISO code -> lingua's language name (for its report), from the report's own rows."""
    names = {"af": "Afrikaans", "sq": "Albanian", "ar": "Arabic", "hy": "Armenian", "az": "Azerbaijani",
             "eu": "Basque", "be": "Belarusian", "bn": "Bengali", "nb": "Bokmal", "bs": "Bosnian",
             "bg": "Bulgarian", "ca": "Catalan", "zh": "Chinese", "hr": "Croatian", "cs": "Czech",
             "da": "Danish", "nl": "Dutch", "en": "English", "eo": "Esperanto", "et": "Estonian",
             "fi": "Finnish", "fr": "French", "lg": "Ganda", "ka": "Georgian", "de": "German",
             "el": "Greek", "gu": "Gujarati", "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian",
             "is": "Icelandic", "id": "Indonesian", "ga": "Irish", "it": "Italian", "ja": "Japanese",
             "kk": "Kazakh", "ko": "Korean", "la": "Latin", "lv": "Latvian", "lt": "Lithuanian",
             "mk": "Macedonian", "ms": "Malay", "mi": "Maori", "mr": "Marathi", "mn": "Mongolian",
             "nn": "Nynorsk", "fa": "Persian", "pl": "Polish", "pt": "Portuguese", "pa": "Punjabi",
             "ro": "Romanian", "ru": "Russian", "sr": "Serbian", "sn": "Shona", "sk": "Slovak",
             "sl": "Slovene", "so": "Somali", "st": "Sotho", "es": "Spanish", "sw": "Swahili",
             "sv": "Swedish", "tl": "Tagalog", "ta": "Tamil", "te": "Telugu", "th": "Thai",
             "ts": "Tsonga", "tn": "Tswana", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu",
             "vi": "Vietnamese", "cy": "Welsh", "xh": "Xhosa", "yo": "Yoruba", "zu": "Zulu"}
    return names


if __name__ == "__main__":
    sys.exit(main())
