"""A process-local progress hook: steps say what they did, a display (if any) listens.

`note_progress(kind, n)` is what the fetch, parse and read steps call ("feeds_listed",
"feeds_fetched", "entries_parsed"). Nothing listens unless `set_progress_listener` was called in
this process — wirefeed's terminal display does it for a DirectRunner run in this process
(`pipeline/report/progress.py`). On other runners the steps run in other processes or machines,
where nothing listens: a call is then one global lookup and a comparison, nothing else.
"""
from __future__ import annotations

from typing import Callable, Optional

__all__ = ["note_progress", "set_progress_listener"]

_listener: Optional[Callable[[str, int], None]] = None


def set_progress_listener(listener: Optional[Callable[[str, int], None]]) -> None:
    """Send every `note_progress(kind, n)` of this process to `listener(kind, n)`; None stops."""
    global _listener
    _listener = listener


def note_progress(kind: str, n: int = 1) -> None:
    """Tell the listener, if any, that `n` more of `kind` were done. Never raises."""
    listener = _listener
    if listener is not None:
        try:
            listener(kind, n)
        except Exception:   # a display must never cost a record
            pass
