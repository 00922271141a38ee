"""The report's plots: matplotlib (its SVG backend, no pyplot, no Axes) to inline SVG strings.

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


class _Canvas:
    """Draws in inches from the figure's top-left corner with figure-level artists only
    (rectangles and text): no Axes, no ticks, no layout engine — a bar chart needs none of them,
    and they are most of matplotlib's drawing time."""

    def __init__(self, width: float, height: float):
        from matplotlib.patches import Rectangle
        self.fig, self.width, self.height, self._rect = _figure(width, height), width, height, Rectangle

    def _xy(self, x: float, y: float) -> Tuple[float, float]:
        return x / self.width, 1 - y / self.height

    def bar(self, x: float, y: float, w: float, h: float, color: str) -> None:
        """A filled rectangle whose top-left corner is (x, y), in inches."""
        fx, fy = self._xy(x, y + h)
        self.fig.add_artist(self._rect((fx, fy), w / self.width, h / self.height, color=color, lw=0))

    def text(self, x: float, y: float, s: str, **kw) -> None:
        self.fig.text(*self._xy(x, y), s, **kw)

    def svg(self) -> str:
        return _svg(self.fig)


@_with_rc
def bar_svg(items: Sequence[Tuple[str, float]], title: str, xlabel: str = "stories",
            limit: int = 10, share: Dict[str, float] = None) -> str:
    """Horizontal bars, biggest on top: the first `limit` items (the title says so when there
    are more; the page's tables list them all). With `share` (label -> 0–1) each bar's value is
    followed by that share as a percentage (an outlet's agency dependence)."""
    items = list(items)
    if len(items) > limit:
        title = f"{title} (top {limit} of {len(items)})"
        items = items[:limit]
    row, top = 0.2, 0.34
    width, height = 5.2, top + 0.1 + row * max(1, len(items))
    c = _Canvas(width, height)
    c.text(0.07, 0.26, title, fontsize=10, va="bottom")
    labels = [(label or "(none)")[:LABEL_CHARS] for label, _ in items]
    left = min(0.45 * width, max((len(x) for x in labels), default=4) * CHAR_INCHES + 0.15)
    span = 0.9 * width - left                      # the biggest bar's length, room left for its value
    biggest = max((v for _, v in items), default=0) or 1
    for i, ((key, v), label) in enumerate(zip(items, labels)):
        y = top + i * row
        c.text(left - 0.05, y + row / 2, label, ha="right", va="center", fontsize=9)
        length = span * v / biggest
        c.bar(left, y + row * 0.175, length, row * 0.65, COLORS["bar"])
        sh = None if share is None else share.get(key)
        c.text(left + length, y + row / 2, f" {v:g}" + ("" if sh is None else f" · {sh:.0%}"), va="center",
               fontsize=8, color=COLORS["share"] if sh is not None and sh >= 0.5 else "#333")
    return c.svg()


@_with_rc
def runs_svg(runs: List[dict], panels: Sequence[Tuple[str, Sequence[str]]]) -> str:
    """Stacked bars per run (oldest left), one panel per (title, keys of each run's dict), one
    above the other in one drawing, each with its legend and a few run ids below."""
    panel_h, plot_h, left, right = 1.9, 1.1, 0.45, 5.1
    c = _Canvas(5.2, panel_h * len(panels))
    slots = max(len(runs), 3)
    slot = (right - left) / slots
    bar_w = slot * (0.7 if len(runs) > 3 else 0.35)
    ticks = sorted({0, len(runs) // 2, len(runs) - 1}) if len(runs) > 3 else range(len(runs))
    for p, (title, keys) in enumerate(panels):
        y0 = p * panel_h
        base = y0 + 0.55 + plot_h                  # the panel's baseline, in inches from the top
        c.text(0.07, y0 + 0.22, title, fontsize=10, va="bottom")
        lx = 0.07
        for key in keys:                           # the legend: a square and a name per key
            name = key.replace("feeds_", "")
            c.bar(lx, y0 + 0.3, 0.1, 0.1, COLORS.get(name, COLORS["bar"]))
            label = name.replace("_", " ")
            c.text(lx + 0.14, y0 + 0.35, label, fontsize=7, va="center")
            lx += 0.14 + len(label) * 0.06 + 0.2
        totals = [sum(r.get(k, 0) for k in keys) for r in runs]
        biggest = max(totals, default=0) or 1
        c.text(left - 0.05, base - plot_h, f"{biggest:g}", ha="right", va="center", fontsize=7, color="#555")
        c.text(left - 0.05, base, "0", ha="right", va="center", fontsize=7, color="#555")
        c.bar(left, base, right - left, 0.01, "#999")
        for i, r in enumerate(runs):
            x, stacked = left + i * slot + (slot - bar_w) / 2, 0.0
            for key in keys:
                v = r.get(key, 0) or 0
                if v:
                    h = plot_h * v / biggest
                    c.bar(x, base - stacked - h, bar_w, h, COLORS.get(key.replace("feeds_", ""), COLORS["bar"]))
                    stacked += h
        for t in ticks:                            # the outer labels aligned with their bars' outer edges
            x, ha = ((left + t * slot + (slot - bar_w) / 2, "left") if t == 0 and len(runs) > 3 else
                     (left + t * slot + (slot + bar_w) / 2, "right") if t == len(runs) - 1 and len(runs) > 3 else
                     (left + t * slot + slot / 2, "center"))
            c.text(x, base + 0.08, runs[t]["run_id"][:18], ha=ha, va="top", fontsize=7)
    return c.svg()
