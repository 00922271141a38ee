"""Cleaning: Story -> Story with plain text, canonical URLs, stable ids and UTC dates.

    stories.py  Clean, clean_story, stable ids and content hashes, date normalising
    text.py     HTML -> plain text (lxml), whitespace and Unicode normalising for hashes
    chrome.py   site chrome ("Follow us on:", share bars, repeated captions) removal
    chars.py    the character-level helpers text.py and chrome.py share
    urls.py     URL canonicalisation (w3lib) without tracking parameters
"""
from transforms.clean.chrome import strip_chrome
from transforms.clean.stories import (DATE_CLAMPED, DATE_MISSING, MAX_TEXT_CHARS, TEXT_TRUNCATED, Clean,
                                      clean_story, content_hash,
                                      identity, stable_id)
from transforms.clean.text import clean_html, html_to_text, normalize_for_hash
from transforms.clean.urls import canonical_url, is_http_url

__all__ = [
    "Clean", "DATE_CLAMPED", "DATE_MISSING", "MAX_TEXT_CHARS", "TEXT_TRUNCATED", "canonical_url", "clean_html", "clean_story",
    "content_hash", "html_to_text", "identity", "is_http_url", "normalize_for_hash", "stable_id",
    "strip_chrome",
]
