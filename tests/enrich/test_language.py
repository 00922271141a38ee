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
