"""Character-level helpers shared by text.py (HTML -> text) and chrome.py (site chrome)."""
from __future__ import annotations

import re

__all__ = ["WS_RE", "coerce", "normalise_newlines"]

WS_RE = re.compile(r"\s+")


def coerce(value: object) -> str:
    """Any input as str: None -> "", bytes decoded as UTF-8 (replacing errors), else str()."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    try:
        return str(value)
    except Exception:  # pragma: no cover - a __str__ that raises
        return ""


def normalise_newlines(s: str) -> str:
    """CRLF and lone CR as LF."""
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    return s
