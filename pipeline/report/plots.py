"""The report's plots: matplotlib (Agg, no pyplot) to inline SVG strings.

Each function returns one `<svg …>` element, ready to sit inside the page: no XML prolog, no
width/height (the viewBox scales it to the page width), text as `<text>` in a generic
sans-serif font (the browser draws it: any script, no font file), ids salted with a constant
and no date, so the same numbers give the same bytes.
"""
from __future__ import annotations

import hashlib
import io
import re
import warnings
from typing import Dict, List, Sequence, Tuple

__all__ = ["bar_svg", "runs_svg"]

COLORS = {"ok": "#2e7d32", "not_modified": "#90a4ae", "failed": "#c62828", "stories": "#1565c0",
          "duplicates": "#ef6c00", "already_seen": "#8e24aa", "bar": "#1565c0", "share": "#ef6c00"}
LABEL_CHARS = 30
CHAR_INCHES = 0.075    # about one character of the 9-point sans-serif labels
_RC = {"svg.fonttype": "none", "svg.hashsalt": "wirefeed", "font.family": "sans-serif",
       "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}


def _figure(width: float, height: float):
    from matplotlib.figure import Figure
    return Figure(figsize=(width, height), dpi=72)


def _svg(fig) -> str:
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    FigureCanvasSVG(fig)
    buf = io.StringIO()
    with matplotlib.rc_context(_RC):
        with warnings.catch_warnings():   # glyphs DejaVu lacks (CJK, Arabic): the browser draws the text
            warnings.simplefilter("ignore")
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r'^<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1', text, count=1)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, count=1, flags=re.S)
    # ids unique across the page's plots (several inline SVGs share one id space)
    prefix = "s" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:6] + "-"
    text = re.sub(r'(\bid="|url\(#|href="#)', lambda m: m.group(1) + prefix, text)
    return text.replace('<svg', '<svg role="img" class="plot"', 1)


def _with_rc(fn):
    def wrapped(*args, **kwargs):
        import matplotlib
        with matplotlib.rc_context(_RC):
            return fn(*args, **kwargs)
    wrapped.__doc__, wrapped.__name__ = fn.__doc__, fn.__name__
    return wrapped


@_with_rc
def bar_svg(items: Sequence[Tuple[str, float]], title: str, xlabel: str = "stories",
            limit: int = 10, share: Dict[str, float] = None) -> str:
    """Horizontal bars, biggest on top: the first `limit` items (the title says so when there
    are more; the page's tables list them all — each bar costs matplotlib a few ms of text
    layout). With `share` (label -> 0–1) each bar's value is followed by that share as a
    percentage (an outlet's agency dependence)."""
    items = list(items)
    if len(items) > limit:
        title = f"{title} (top {limit} of {len(items)})"
        items = items[:limit]
    labels = [(label or "(none)")[:LABEL_CHARS] for label, _ in items][::-1]
    values = [v for _, v in items][::-1]
    width, height = 5.2, 0.44 + 0.2 * max(1, len(items))
    fig = _figure(width, height)
    left = min(0.45, (max((len(x) for x in labels), default=4) * CHAR_INCHES + 0.15) / width)
    fig.subplots_adjust(left=left, right=0.9, top=1 - 0.32 / height, bottom=0.12 / height)
    ax = fig.add_subplot(1, 1, 1)
    y = list(range(len(values)))
    ax.barh(y, values, color=COLORS["bar"], height=0.65)
    ax.set_yticks(y, labels)
    ax.tick_params(axis="y", length=0)
    ax.set_xticks([])
    ax.spines["bottom"].set_visible(False)
    fig.text(0.01, 1 - 0.26 / height, title, fontsize=10, va="bottom")   # from the figure's edge: never cut
    shares = [None] * len(values) if share is None else [share.get(label) for label, _ in items][::-1]
    for yi, v, sh in zip(y, values, shares):
        ax.text(v, yi, f" {v:g}" + ("" if sh is None else f" · {sh:.0%}"), va="center", fontsize=8,
                color=COLORS["share"] if sh is not None and sh >= 0.5 else "#333")
    ax.set_ylim(-0.6, len(values) - 0.4)
    if values:
        ax.set_xlim(0, max(values) * 1.02 or 1)
    return _svg(fig)


@_with_rc
def runs_svg(runs: List[dict], panels: Sequence[Tuple[str, Sequence[str]]]) -> str:
    """Stacked bars per run (oldest left), one panel per (title, keys of each run's dict), one
    above the other in one figure (one drawing, however many panels)."""
    height = 1.9 * len(panels)
    fig = _figure(5.2, height)
    fig.subplots_adjust(left=0.09, right=0.99, top=1 - 0.5 / height, bottom=0.4 / height, hspace=0.9)
    x = list(range(len(runs)))
    ticks = sorted({0, len(runs) // 2, len(runs) - 1}) if len(runs) > 3 else x   # few labels: cheap, legible
    for i, (title, keys) in enumerate(panels):
        ax = fig.add_subplot(len(panels), 1, i + 1)
        bottom = [0] * len(runs)
        for key in keys:
            values = [r.get(key, 0) for r in runs]
            name = key.replace("feeds_", "")
            ax.bar(x, values, bottom=bottom, color=COLORS.get(name), label=name.replace("_", " "),
                   width=0.7 if len(runs) > 3 else 0.35)
            bottom = [b + v for b, v in zip(bottom, values)]
        ax.set_xlim(-0.6, max(len(runs), 3) - 0.4)
        ax.set_xticks(ticks, [runs[t]["run_id"][:18] for t in ticks], fontsize=7)
        ax.set_title(title, loc="left", fontsize=10, pad=16)
        ax.legend(fontsize=7, frameon=False, ncols=len(keys), loc="lower left", bbox_to_anchor=(0, 1.0),
                  borderaxespad=0.1, handlelength=1)
    return _svg(fig)
