"""The report page: one self-contained HTML file (inline CSS and SVG, no script, no link out).

`render_page(model)` turns model.report_model's dict into the page. Every number taken from the
run summary carries `data-key` (a JSON list: its path in runs/RUN_ID.json) so a test can check
the page against the summary; the page is readable on a phone (viewport meta, one column, wide
tables scroll sideways) and the same model gives the same bytes (no generation time).
"""
from __future__ import annotations

import html
import json
from typing import Iterable, List, Optional, Sequence

from pipeline.report.model import changes, evidence_parts, format_lag
from pipeline.report.plots import bar_svg, runs_svg

__all__ = ["CSS", "render_page"]

CSS = """
:root{--fg:#1b1b1b;--muted:#5f6368;--line:#e0e0e0;--bg:#fff;--ok:#2e7d32;--nm:#607d8b;--bad:#c62828}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);
margin:0 auto;padding:12px;max-width:1100px}
h1{font-size:1.35em;margin:.2em 0}h2{font-size:1.15em;margin:1.4em 0 .4em;border-bottom:1px solid var(--line)}
h3{font-size:1em;margin:1em 0 .3em}
.muted{color:var(--muted)}code{font-size:.9em;word-break:break-all}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(104px,1fr));gap:8px;margin:.6em 0}
.card{border:1px solid var(--line);border-radius:8px;padding:6px 10px}
.card b{display:block;font-size:1.3em}.card span{color:var(--muted);font-size:.85em}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,420px),1fr));gap:12px}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;max-width:100%}
table{border-collapse:collapse;font-size:.88em;min-width:100%}
th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f6f6f6;white-space:nowrap}td.n,th.n{text-align:right;white-space:nowrap}
td.t{min-width:14em}td.u{word-break:break-all;min-width:12em}
.ok{color:var(--ok)}.not_modified{color:var(--nm)}.failed{color:var(--bad);font-weight:600}
.trend span{display:inline-block;width:.7em;height:.9em;margin-right:1px;border-radius:2px;background:#ddd}
.trend .ok{background:var(--ok)}.trend .not_modified{background:var(--nm)}.trend .failed{background:var(--bad)}
svg.plot{width:100%;height:auto;max-width:560px;display:block}
details{border:1px solid var(--line);border-radius:8px;padding:4px 8px;margin:6px 0}
summary{cursor:pointer}
footer{margin:2em 0 1em;font-size:.85em;color:var(--muted)}
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _key(*path) -> str:
    return _e(json.dumps(list(path), ensure_ascii=False))


def _num(value, *path, fmt: str = "{:,}", cls: str = "n", tag: str = "td") -> str:
    """A number cell; `path` (when given) is its place in the run summary."""
    text = "" if value is None else (fmt.format(value) if isinstance(value, (int, float)) else str(value))
    attr = f' data-key="{_key(*path)}"' if path else ""
    return f'<{tag} class="{cls}"{attr}>{_e(text)}</{tag}>'


def _measured(value, fmt: Optional[str], *path) -> str:
    """A cell of a measured figure that may be missing (None: empty), its exact value in
    data-value; `fmt` None formats seconds as a lag."""
    text = "" if value is None else (format_lag(value) if fmt is None else fmt.format(value))
    return (f'<td class="n" data-key="{_key(*path)}" data-value="{"" if value is None else value}">'
            f'{_e(text)}</td>')


def _table(head: Sequence[str], rows: Iterable[str], numeric: Sequence[int] = (), ident: str = "") -> str:
    ths = "".join(f'<th class="n">{_e(h)}</th>' if i in numeric else f"<th>{_e(h)}</th>"
                  for i, h in enumerate(head))
    body = "".join(f"<tr>{r}</tr>" for r in rows)
    id_attr = f' id="{_e(ident)}"' if ident else ""
    return f'<div class="scroll"><table{id_attr}><thead><tr>{ths}</tr></thead><tbody>{body}</tbody></table></div>'


def _card(label: str, value, *path) -> str:
    return (f'<div class="card"><b data-key="{_key(*path)}">{value:,}</b><span>{_e(label)}</span></div>'
            if path else f'<div class="card"><b>{value:,}</b><span>{_e(label)}</span></div>')


def _bytes(n: Optional[int]) -> str:
    if n is None:
        return ""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return ""


def _short(feed: str) -> str:
    """A local feed path as its last two parts (the full path is the cell's title)."""
    if "://" in feed or feed.count("/") < 3:
        return feed
    return "…/" + "/".join(feed.rstrip("/").split("/")[-2:])


def _seconds(value: Optional[float]) -> str:
    return "" if value is None else f"{value:.2f} s"


def _overview(m: dict) -> str:
    c = m["counts"]
    cards = [("feeds", "feeds_total"), ("feeds ok", "feeds_ok"), ("not modified", "feeds_not_modified"),
             ("feeds failed", "feeds_failed"), ("entries", "entries_total"), ("stories", "stories"),
             ("duplicates", "duplicates"), ("already seen", "already_seen"), ("dead letters", "dead_letters")]
    return '<div class="cards" id="overview">' + "".join(
        _card(label, c.get(key, 0), "counts", key) for label, key in cards) + "</div>"


def _feeds(m: dict) -> str:
    out = ['<h2 id="feeds">Feed health</h2>']
    hist = m["history"]
    rows = []
    for i, f in enumerate(m["feeds"]):
        trend = "".join(f'<span class="{_e(o or "none")}" title="{_e(o or "not in that run")}"></span>'
                        for o in f["trend"])
        redirect = f.get("permanent_redirect") or ""
        rows.append(
            f'<td class="u" title="{_e(f["feed"])}">{_e(_short(f["feed"]))}</td><td class="{_e(f["outcome"])}" data-key="{_key("feeds", f["feed"], "outcome")}">'
            f'{_e(f["outcome"].replace("_", " "))}</td>'
            + _num(f["entries"], "feeds", f["feed"], "entries")
            + f'<td class="n">{_e(_bytes(f.get("bytes")))}</td>'
            + f'<td class="n">{_seconds(f.get("seconds"))}</td>'
            + _num(f["retries"], "feeds", f["feed"], "retries")
            + f'<td class="u">{_e(redirect)}</td><td class="t">{_e(f["error"])}</td>'
            + f'<td class="trend">{trend}</td>')
    out.append(_table(["feed", "outcome", "entries", "bytes", "time", "retries", "moved permanently to",
                       "error", "last runs"], rows, numeric=(2, 3, 4, 5), ident="feed-table"))
    out.append('<h3>Last runs</h3>')
    out.append(runs_svg(hist, ((f"Feeds per run (last {len(hist)})", ("feeds_ok", "feeds_not_modified", "feeds_failed")),
                               (f"Entries per run (last {len(hist)})", ("stories", "duplicates", "already_seen")))))
    hrows = [f'<td>{_e(h["run_id"])}</td><td>{_e(h["finished_at"])}</td>'
             + "".join(f'<td class="n">{h[k]:,}</td>' for k in (
                 "feeds_ok", "feeds_not_modified", "feeds_failed", "stories", "duplicates", "already_seen",
                 "dead_letters")) for h in reversed(hist)]
    out.append(_table(["run", "finished", "ok", "not modified", "failed", "stories", "duplicates",
                       "already seen", "dead letters"], hrows, numeric=range(2, 9), ident="run-table"))
    if m["permanent_redirects"]:
        out.append("<h3>Moved permanently (update the feed list)</h3>")
        out.append(_table(["listed", "now at"], (f'<td class="u">{_e(a)}</td><td class="u">{_e(b)}</td>'
                                                  for a, b in m["permanent_redirects"])))
    if m["discovered_feeds"]:
        out.append("<h3>Feeds found on pages (list them instead)</h3>")
        out.append(_table(["page", "feed"], (f'<td class="u">{_e(a)}</td><td class="u">{_e(b)}</td>'
                                              for a, b in m["discovered_feeds"])))
    return "".join(out)


def _stories(m: dict) -> str:
    out = ['<h2 id="stories">Stories</h2>',
           '<p class="muted">Stories and duplicates written by this run.</p><div class="grid">']
    lang, agency, outlet = m["by_language"], m["by_agency"], m["by_outlet"]
    if lang:
        out.append(bar_svg(list(lang.items()), "Per language"))
    if agency:
        out.append(bar_svg(list(agency.items()), "Per agency (credited or inferred)"))
    if outlet:
        out.append(bar_svg([(k, v["stories"]) for k, v in outlet.items()], "Per outlet, with agency dependence",
                           share={k: v["share"] for k, v in outlet.items()}))
    out.append("</div>")
    out.append('<div class="grid"><div><h3>Languages</h3>' + _table(
        ["language", "stories"], (f"<td>{_e(k)}</td>" + _num(v, "by_language", k) for k, v in lang.items()),
        numeric=(1,), ident="language-table") + "</div>")
    out.append("<div><h3>Agencies</h3>" + _table(
        ["agency", "stories"], (f"<td>{_e(k)}</td>" + _num(v, "by_agency", k) for k, v in agency.items()),
        numeric=(1,), ident="agency-table") + "</div></div>")
    out.append("<h3>Outlets: agency dependence and reprints</h3>" + _table(
        ["outlet", "stories", "agency-sourced", "share", "reprints", "verbatim", "median lag"],
        (f"<td>{_e(k or '(no name)')}</td>" + _num(v["stories"], "by_outlet", k, "stories")
         + _num(v["agency_sourced"], "by_outlet", k, "agency_sourced")
         + f'<td class="n" data-key="{_key("by_outlet", k, "share")}" data-value="{v["share"]}">{v["share"]:.0%}</td>'
         + _num(v.get("reprints", 0), "by_outlet", k, "reprints")
         + _measured(v.get("verbatim_share"), "{:.0%}", "by_outlet", k, "verbatim_share")
         + _measured(v.get("median_lag_seconds"), None, "by_outlet", k, "median_lag_seconds")
         for k, v in outlet.items()), numeric=(1, 2, 3, 4, 5, 6), ident="outlet-table"))
    out.append('<p class="muted">reprints: this outlet\'s duplicates measured against their cluster\'s origin '
               '(reprints/); verbatim: the share of them keeping at least 80 % of the origin\'s sentences; '
               'median lag: behind the origin\'s publication.</p>')
    return "".join(out)


def _dedupe(m: dict) -> str:
    d, c = m["dedupe"], m["counts"]
    out = ['<h2 id="dedupe">Dedupe</h2><div class="cards">',
           f'<div class="card"><b id="clusters">{d["clusters"]:,}</b><span>clusters</span></div>',
           f'<div class="card"><b id="clusters-with-duplicates">{d["with_duplicates"]:,}</b><span>with duplicates</span></div>',
           _card("duplicates", c.get("duplicates", 0), "counts", "duplicates"),
           _card("already seen (earlier runs)", c.get("already_seen", 0), "counts", "already_seen"),
           f'<div class="card"><b id="duplicates-of-earlier">{d["duplicates_of_earlier_runs"]:,}</b>'
           f'<span>reprints of earlier runs\' stories</span></div></div>']
    if d["sizes"]:
        out.append(bar_svg([(f"{size} {'copy' if size == 1 else 'copies'}", n) for size, n in
                            sorted(d["sizes"].items(), key=lambda kv: -int(kv[0]))], "Clusters by size",
                           xlabel="clusters"))
    if d["biggest"]:
        out.append(f"<h3>Biggest clusters ({len(d['biggest'])})</h3>")
    for cl in d["biggest"]:
        origin = cl["origin"]
        head = (f'{_e(origin["title"])} <span class="muted">— {_e(origin["source_name"])}</span>' if origin
                else f'<span class="muted">origin {_e(cl["origin_source_name"] or cl["cluster_id"])} '
                     f'(an earlier run)</span>')
        rows = []
        if origin:
            agency = f' <span class="muted">({_e(origin["agency"])})</span>' if origin["agency"] else ""
            rows.append(f'<td>origin</td><td>{_e(origin["source_name"])}{agency}</td><td class="t">{_e(origin["title"])}</td>'
                        f'<td>{_e(origin["published"])}</td><td class="n"></td><td class="n"></td><td></td><td></td>'
                        f'<td><code>{_e(origin["story_id"])}</code></td>')
        for cp in cl["copies"]:
            kept = "" if cp["kept_share"] is None else f'{cp["kept_share"]:.0%}' + (" lead" if cp["lead_only"] else "")
            rows.append(f'<td>copy</td><td>{_e(cp["source_name"])}</td><td class="t">{_e(cp["title"])}</td>'
                        f'<td>{_e(cp["published"])}</td><td class="n">{_e(cp["lag"])}</td>'
                        f'<td class="n" data-kept="{_e(cp["story_id"])}">{_e(kept)}</td>'
                        f'<td>{_e(", ".join(changes(cp)))}</td>'
                        f'<td>{_e(", ".join(evidence_parts(cp)))}</td><td><code>{_e(cp["story_id"])}</code></td>')
        variants = "".join(f'<li>{_e(h["headline"])} <span class="muted">× {h["count"]}</span></li>'
                           for h in cl["headline_variants"])
        out.append(f'<details data-cluster="{_e(cl["cluster_id"])}"><summary><b>{cl["size"]}</b> copies · '
                   f'{cl["outlets"]} outlets · {cl["headlines"]} headlines: {head}</summary>'
                   + _table(["", "outlet", "headline", "published", "lag", "kept", "changed", "evidence",
                             "story id"], rows, numeric=(4, 5))
                   + (f'<p class="muted">Headlines:</p><ul class="headlines">{variants}</ul>' if variants else "")
                   + f'<p class="muted">wirefeed show OUTPUT {_e(cl["cluster_id"])}</p></details>')
    return "".join(out)


def _dead_letters(m: dict) -> str:
    out = ['<h2 id="dead-letters">Dead letters</h2>']
    groups = m["dead_letters"]
    if not groups:
        return out[0] + '<p>None.</p>'
    rows = []
    for g in groups:
        ex = "".join(f'<div><code>{_e(x["source"])}</code>{" · " + _e(x["entry"]) if x["entry"] else ""}<br>'
                     f'{_e(x["error"])}</div>' for x in g["examples"])
        rows.append(f'<td>{_e(g["stage"])}</td><td>{_e(g["error_type"])}</td><td class="n">{g["count"]:,}</td>'
                    f'<td class="t">{ex}</td>')
    out.append(_table(["stage", "error", "count", "examples"], rows, numeric=(2,), ident="dead-letter-table"))
    return "".join(out)


def _quality(m: dict) -> str:
    q = m["quality"]
    out = ['<h2 id="quality">Quality</h2>']
    if not q:
        return out[0] + "<p>No corrections were needed.</p>"
    rows = []
    for k, v in q.items():
        path = ("counts", k) if k in ("bozo_feeds", "fetch_retries") else ("quality", k)
        rows.append(f"<td>{_e(k.replace('_', ' '))}</td>" + _num(v, *path))
    out.append(_table(["counter", "count"], rows, numeric=(1,), ident="quality-table"))
    return "".join(out)


def render_page(m: dict) -> str:
    title = f"wirefeed run {m['run_id']}"
    sub = (f"{_e(m['runner'])} · {_e(m['mode'])} · started {_e(m['started_at'])} · finished {_e(m['finished_at'])}"
           + (f" · attempt of {_e(m['attempt_of'])}" if m.get("attempt_of") else ""))
    nav = " · ".join(f'<a href="#{a}">{t}</a>' for a, t in (
        ("feeds", "feeds"), ("stories", "stories"), ("dedupe", "dedupe"), ("dead-letters", "dead letters"),
        ("quality", "quality")))
    parts: List[str] = [
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "img-src data:\">",
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        f'<h1 id="run-id" data-run-id="{_e(m["run_id"])}">{_e(title)}</h1><p class="muted">{sub}</p>',
        f"<nav>{nav}</nav>",
        _overview(m), _feeds(m), _stories(m), _dedupe(m), _dead_letters(m), _quality(m),
        f'<footer>Generated from the output tables by wirefeed; regenerate with '
        f'<code>wirefeed report OUTPUT --run-id {_e(m["run_id"])}</code>.</footer></body></html>\n',
    ]
    return "\n".join(parts)
