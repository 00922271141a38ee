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
from typing import Dict, List, Sequence, Tuple

__all__ = ["bar_svg", "stacked_runs_svg"]

COLORS = {"ok": "#2e7d32", "not_modified": "#90a4ae", "failed": "#c62828", "stories": "#1565c0",
          "duplicates": "#ef6c00", "already_seen": "#8e24aa", "bar": "#1565c0", "share": "#ef6c00"}
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
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
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
            limit: int = 15, share: Dict[str, float] = None) -> str:
    """Horizontal bars, biggest on top (the first `limit` items, 'N more' noted). With `share`
    (label -> 0–1) a second, orange bar on a 0–100 % axis beside each label."""
    items = list(items)[:limit]
    labels = [(label or "(none)")[:34] for label, _ in items][::-1]
    values = [v for _, v in items][::-1]
    height = 0.6 + 0.24 * max(1, len(items))
    fig = _figure(5.2, height)
    ax = fig.add_subplot(1, 1, 1)
    y = list(range(len(values)))
    ax.barh(y, values, color=COLORS["bar"], height=0.6 if share is None else 0.4,
            label=xlabel if share is not None else None)
    ax.set_yticks(y, labels)
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left", fontsize=10)
    for yi, v in zip(y, values):
        ax.text(v, yi, f" {v:g}", va="center", fontsize=8)
    if share is not None:
        ax2 = ax.twiny()
        shares = [share.get(label, 0.0) * 100 for label, _ in items][::-1]
        ax2.barh([yi - 0.4 for yi in y], shares, color=COLORS["share"], height=0.3, label="agency share %")
        ax2.set_xlim(0, 100)
        ax2.set_xlabel("agency-sourced share %", color=COLORS["share"])
        ax2.spines["top"].set_visible(True)
    if values:
        ax.set_xlim(0, max(values) * 1.15 or 1)
    return _svg(fig)


@_with_rc
def stacked_runs_svg(runs: List[dict], keys: Sequence[str], title: str) -> str:
    """One stacked bar per run (oldest left) of `keys` of each run's dict, run ids as labels."""
    fig = _figure(5.2, 1.9)
    ax = fig.add_subplot(1, 1, 1)
    x = list(range(len(runs)))
    bottom = [0] * len(runs)
    for key in keys:
        values = [r.get(key, 0) for r in runs]
        name = key.replace("feeds_", "")
        ax.bar(x, values, bottom=bottom, color=COLORS.get(name), label=name.replace("_", " "),
               width=0.7 if len(runs) > 3 else 0.35)
        bottom = [b + v for b, v in zip(bottom, values)]
    step = max(1, len(runs) // 8)
    ax.set_xlim(-0.6, max(len(runs), 3) - 0.4)
    ax.set_xticks(x[::step], [r["run_id"][:16] for r in runs][::step], rotation=30, ha="right", fontsize=7)
    ax.set_title(title, loc="left", fontsize=10)
    ax.legend(fontsize=7, frameon=False, ncols=len(keys), loc="lower left", bbox_to_anchor=(0, 1.08))
    return _svg(fig)
