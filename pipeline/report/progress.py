"""The progress display of a run on a terminal: feeds fetched of listed, entries parsed, time, rate.

Shown only when stderr is a terminal, `--no-progress` is absent and the run's DoFns run in this
process (the DirectRunner in process): the read, fetch and parse steps call
`transforms.progress.note_progress`, whose listener this display sets. Anywhere else (a pipe, a
cron log, another runner) nothing is imported, started or printed and the steps' calls find no
listener. The display is `rich` (a transient line on stderr, cleared when the run ends).
"""
from __future__ import annotations

import sys
import threading
import time
from typing import Dict, List, Optional

from transforms.progress import set_progress_listener

__all__ = ["ProgressDisplay", "progress_line", "progress_wanted"]

IN_PROCESS_RUNNERS = ("", "directrunner", "bundlebasedirectrunner", "fnapirunner")


def progress_wanted(argv: List[str], no_progress: bool, stream=None) -> bool:
    """Whether a run with this command line should show progress on `stream` (stderr)."""
    if no_progress:
        return False
    stream = stream or sys.stderr
    try:
        if not stream.isatty():
            return False
    except Exception:
        return False
    from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions
    options = PipelineOptions(argv)
    runner = options.view_as(StandardOptions).runner or ""
    name = (runner if isinstance(runner, str) else type(runner).__name__).rsplit(".", 1)[-1].lower()
    mode = options.view_as(DirectOptions).direct_running_mode or "in_memory"
    return name in IN_PROCESS_RUNNERS and mode == "in_memory"


def progress_line(counts: Dict[str, int], elapsed: float) -> str:
    """'feeds 7/10 fetched · 132 entries parsed · 12.4 s · 10.6 entries/s'."""
    listed, fetched = counts.get("feeds_listed", 0), counts.get("feeds_fetched", 0)
    entries = counts.get("entries_parsed", 0)
    rate = entries / elapsed if elapsed > 0 else 0.0
    return (f"feeds {fetched}/{max(listed, fetched)} fetched · {entries:,} entries parsed · "
            f"{elapsed:.1f} s · {rate:.1f} entries/s")


class ProgressDisplay:
    """Context manager around a run: `with ProgressDisplay(enabled): run()`. Disabled, it does
    nothing at all; enabled, it listens to the steps' notes and redraws one line on stderr
    four times a second until the run ends, then clears it."""

    def __init__(self, enabled: bool, stream=None):
        self.enabled = enabled
        self.counts: Dict[str, int] = {}
        self._stream = stream or sys.stderr
        self._started = 0.0
        self._live = None
        self._lock = threading.Lock()

    def note(self, kind: str, n: int) -> None:
        with self._lock:
            self.counts[kind] = self.counts.get(kind, 0) + n

    def render(self):
        from rich.text import Text
        with self._lock:
            counts = dict(self.counts)
        return Text("wirefeed: " + progress_line(counts, time.monotonic() - self._started))

    def __enter__(self) -> "ProgressDisplay":
        if not self.enabled:
            return self
        self._started = time.monotonic()
        try:
            from rich.console import Console
            from rich.live import Live
            console = Console(file=self._stream, stderr=True)

            class _Line:  # rich asks for the renderable at each refresh
                def __rich__(inner):
                    return self.render()

            self._live = Live(_Line(), console=console, refresh_per_second=4, transient=True,
                              redirect_stdout=False, redirect_stderr=False)
            self._live.start()
            set_progress_listener(self.note)
        except Exception:   # no display is better than a failed run
            self._live = None
            set_progress_listener(None)
        return self

    def __exit__(self, *exc) -> Optional[bool]:
        if self._live is not None:
            set_progress_listener(None)
            try:
                self._live.stop()
            except Exception:
                pass
            self._live = None
        return None
