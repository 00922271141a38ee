"""Enriching: Story -> Story with language, agency credits, dateline and word count.

    stories.py  Enrich, enrich_story
    language.py LanguageDetector (langdetect's model and decision rule, vectorised)
    articles.py FetchArticles (--fetch-articles): full text of short stories from their article
                pages (robots.txt, trafilatura), through the fetch role's HTTP client
    agencies/   agency attribution: which agencies a story credits, and where
"""
from transforms.enrich.articles import FetchArticles
from transforms.enrich.agencies import Attribution, attribute, credit_spans, strip_credits
from transforms.enrich.language import LanguageDetector
from transforms.enrich.stories import Enrich, enrich_story

__all__ = [
    "Attribution", "Enrich", "FetchArticles", "LanguageDetector", "attribute", "credit_spans", "enrich_story",
    "strip_credits",
]
