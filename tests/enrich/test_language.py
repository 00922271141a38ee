"""Language enrichment: seeded langdetect, declared-language fallback, ISO 639-1 codes."""
import pytest

from transforms.enrich.language import LanguageDetector, normalise_code


@pytest.fixture(scope="module")
def detector():
    return LanguageDetector(seed=0)


@pytest.mark.parametrize("code,expected", [
    ("en-US", "en"), ("zh-cn", "zh"), ("pt_BR", "pt"), ("DE", "de"), ("", "und"), (None, "und"),
    ("../../etc", "und"), ("english", "und"), ("e1", "und"),
])
def test_normalise_code(code, expected):
    assert normalise_code(code) == expected


@pytest.mark.parametrize("title,text,expected", [
    ("Parliament approves the budget", "Lawmakers voted late on Thursday to approve the spending plan for next year.", "en"),
    ("Le Parlement adopte le budget", "Les députés ont voté jeudi soir le plan de dépenses pour l'année prochaine.", "fr"),
    ("Parlament billigt den Haushalt", "Die Abgeordneten stimmten am Donnerstagabend für den Ausgabenplan des nächsten Jahres.", "de"),
    ("El Parlamento aprueba el presupuesto", "Los diputados votaron el jueves por la noche el plan de gastos del próximo año.", "es"),
    ("Парламент одобрил бюджет", "Депутаты в четверг вечером проголосовали за план расходов на следующий год.", "ru"),
    ("议会通过预算", "议员们周四晚间投票通过了明年的支出计划。", "zh"),
])
def test_detects_language(detector, title, text, expected):
    lang, confidence = detector.detect(title, text)
    assert lang == expected and confidence > 0.8


def test_short_text_uses_declared_language(detector):
    assert detector.detect("Brexit", "", "en-GB") == ("en", 0.5)
    assert detector.detect("OK", "", None) == ("und", 0.0)


def test_deterministic(detector):
    text = "Ambiguous short line mit ein paar Wörtern and some more words here"
    assert len({detector.detect("", text) for _ in range(5)}) == 1
    assert LanguageDetector(seed=0).detect("", text) == detector.detect("", text)


# -- the model's per-process memos are bounded (a worker sees every story of its bundle) ----

def _fresh_model():
    """The process's model with empty memos of its own (the matrix is shared, read-only)."""
    import copy

    from langdetect.utils.ngram import NGram

    from transforms.enrich import language
    model = copy.copy(language._model())
    model._words = {}
    model._norm = language._NormTable(NGram.normalize)
    return model


def _distinct_words(n):
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = []
    for i in range(n):
        w = ""
        while True:
            i, r = divmod(i, 26)
            w += letters[r]
            if not i:
                break
        out.append("q" + w + "e")
    return out


def _word_texts(n_words, per_text=400):
    words = _distinct_words(n_words)
    return [" ".join(words[i:i + per_text]) for i in range(0, len(words), per_text)]


def test_word_memo_never_exceeds_its_cap():
    model = _fresh_model()
    most = 0
    for text in _word_texts(70_000):                 # more distinct words than the cap
        model.ngram_rows(text)
        most = max(most, len(model._words))
    assert 49_000 <= most <= 50_000                  # ~320 bytes a word: <= ~16 MB a process
    from transforms.enrich import language
    assert language.WORD_CACHE_MAX == 50_000


def test_norm_table_never_exceeds_its_cap():
    model = _fresh_model()
    chars = [chr(cp) for cp in range(0x4E00, 0x4E00 + 25_000)]     # more code points than the cap
    most = 0
    for i in range(0, len(chars), 2_000):
        model.ngram_rows("".join(chars[i:i + 2_000]))
        most = max(most, len(model._norm))
    assert 18_000 <= most <= 20_000
    from transforms.enrich import language
    assert language.NORM_TABLE_MAX == 20_000


def test_bounded_memos_give_the_unbounded_results(monkeypatch):
    from transforms.enrich import language
    texts = _word_texts(3_000, per_text=150)
    texts += ["".join(chr(cp) for cp in range(0x4E00 + i, 0x4E00 + i + 600)) for i in range(0, 3_000, 500)]
    texts += ["Lawmakers voted late on Thursday to approve the spending plan for next year.",
              "Les députés ont voté jeudi soir le plan de dépenses pour l'année prochaine.",
              "Депутаты в четверг вечером проголосовали за план расходов на следующий год."] * 3
    monkeypatch.setattr(language, "WORD_CACHE_MAX", 10**9)
    monkeypatch.setattr(language, "NORM_TABLE_MAX", 10**9)
    unbounded = _fresh_model()
    expected = [(unbounded.ngram_rows(t), unbounded.probabilities(t, 7)) for t in texts]
    assert len(unbounded._words) > 3_000 and len(unbounded._norm) > 3_000
    monkeypatch.setattr(language, "WORD_CACHE_MAX", 400)
    monkeypatch.setattr(language, "NORM_TABLE_MAX", 700)
    bounded = _fresh_model()
    got = []
    for t in texts:
        got.append((bounded.ngram_rows(t), bounded.probabilities(t, 7)))
        assert len(bounded._words) <= 400 and len(bounded._norm) <= 700
    assert got == expected
