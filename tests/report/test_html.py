"""The page: self-contained, numbers equal to the summary, plots inline, regenerated identically."""
import html.parser
import json
import re

from pipeline.main import run
from pipeline.report.html import render_page
from pipeline.report.model import report_model
from pipeline.report.plots import bar_svg, runs_svg
from tests.report.conftest import CLUSTER, RUN_ID
from tests.support import read_summary


class _Keys(html.parser.HTMLParser):
    """(data-key path, text, data-value) of every element marked with data-key; every URL-bearing attribute."""

    def __init__(self):
        super().__init__()
        self.marked, self.urls, self._open = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href", "action", "srcset", "poster", "data", "xlink:href"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        if "data-key" in attrs:
            self._open.append([json.loads(attrs["data-key"]), "", attrs.get("data-value"), tag])

    def handle_data(self, data):
        for item in self._open:
            item[1] += data

    def handle_endtag(self, tag):
        if self._open and self._open[-1][3] == tag:
            self.marked.append(tuple(self._open.pop()[:3]))


def summary_value(summary, path):
    value = summary
    for key in path:
        value = next(f for f in value if f["feed"] == key) if isinstance(value, list) else value[key]
    return value


def check_marked_numbers(page, summary):
    """Every data-key number on the page equals the summary's; returns how many were checked."""
    parser = _Keys()
    parser.feed(page)
    for path, text, data_value in parser.marked:
        want = summary_value(summary, path)
        if path[-1] == "share":
            assert float(data_value) == want and text == f"{want:.0%}", (path, text, want)
        elif path[-1] == "outcome":
            assert text.replace(" ", "_") == want, (path, text, want)
        elif path[-1] in ("verbatim_share", "median_lag_seconds"):     # measured: may be missing
            assert (None if data_value == "" else float(data_value)) == want, (path, data_value, want)
            assert (text == "") == (want is None), (path, text)
        else:
            assert int(text.replace(",", "")) == want, (path, text, want)
    return parser


def test_page_numbers_equal_the_summary(example_output):
    page = (example_output / "reports" / f"{RUN_ID}.html").read_text(encoding="utf-8")
    summary = read_summary(example_output)
    parser = check_marked_numbers(page, summary)
    paths = {tuple(p[0]) for p in parser.marked}
    for key in ("feeds_total", "feeds_ok", "feeds_failed", "stories", "duplicates", "already_seen", "dead_letters"):
        assert ("counts", key) in paths
    assert {("by_language", k) for k in summary["by_language"]} <= paths
    assert {("by_outlet", k, "share") for k in summary["by_outlet"]} <= paths
    assert len(parser.marked) > 60


def test_page_is_self_contained_and_for_phones(example_output):
    page = (example_output / "reports" / f"{RUN_ID}.html").read_text(encoding="utf-8")
    parser = _Keys()
    parser.feed(page)
    assert all(u.startswith("#") for u in parser.urls), parser.urls       # in-page anchors only
    assert "<script" not in page and "@import" not in page and not re.search(r"url\((?!#)", page)
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))                                         # one id space for all plots
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "default-src 'none'" in page                                      # CSP: nothing may load
    assert page.count("<svg") == 5 and "<?xml" not in page and "DOCTYPE svg" not in page
    assert 'class="scroll"' in page and "overflow-x:auto" in page
    assert f'data-cluster="{CLUSTER}"' in page
    assert "NotAFeed: not a feed: got an HTML page titled" in page


def test_wirefeed_report_regenerates_the_same_bytes_from_the_tables(example_copy, capsys):
    page = example_copy / "reports" / f"{RUN_ID}.html"
    before = page.read_bytes()
    page.unlink()
    assert run(["report", str(example_copy)]) == 0                 # the latest run
    assert capsys.readouterr().out.startswith(f"wirefeed: report {page} (")
    assert page.read_bytes() == before
    page.unlink()
    assert run(["report", str(example_copy), "--run-id", RUN_ID]) == 0
    assert page.read_bytes() == before


def test_report_command_line_errors(example_output, tmp_path, capsys):
    cases = [(["report"], 2, "wirefeed: error: wirefeed report: the following arguments are required: OUTPUT"),
             (["report", str(example_output), "--bogus"], 2, "wirefeed: error: wirefeed report: unrecognized arguments: --bogus"),
             (["report", str(example_output), "--run-id", "../x"], 2, "wirefeed: error: --run-id '../x' is not a name"),
             (["report", str(tmp_path / "absent")], 1, f"wirefeed: report: no output at {tmp_path / 'absent'}"),
             (["report", str(example_output), "--run-id", "nope"], 1, "wirefeed: report: no run nope in "),
             (["report", str(tmp_path)], 1, "wirefeed: report: no committed run in ")]
    for argv, code, message in cases:
        assert run(argv) == code, argv
        err = capsys.readouterr().err
        assert err.startswith(message) and err.count("\n") == 1, (argv, err)


def test_svg_plots_are_deterministic_and_scalable():
    a = bar_svg([("en", 37), ("de", 6)], "Per language")
    assert a == bar_svg([("en", 37), ("de", 6)], "Per language")
    assert a.startswith('<svg role="img" class="plot"') and 'viewBox="' in a
    assert not re.match(r'<svg[^>]* width="', a) and "<metadata" not in a
    assert "<text" in a and ">en<" in a and ">37<" in a.replace(" 37", "37")   # text stays text (any script)
    runs = [{"run_id": f"r{i}", "feeds_ok": i, "feeds_failed": 1} for i in range(3)]
    two = runs_svg(runs, (("feeds", ("feeds_ok", "feeds_failed")), ("entries", ("stories",))))
    assert two.count("<svg") == 1 and ">feeds<" in two and ">entries<" in two and ">r2<" in two


def test_render_page_escapes_feed_text():
    from pipeline.report.tables import RunRows
    evil = '<img src="https://evil.example/x.png">'
    summary = {"run_id": "r", "counts": {"feeds_total": 1, "feeds_ok": 1}, "by_language": {},
               "by_agency": {evil: 1}, "by_outlet": {evil: {"stories": 1, "agency_sourced": 1, "share": 1.0}},
               "feeds": [{"feed": "https://a/f", "outcome": "ok", "entries": 1, "bozo": False, "retries": 0}]}
    page = render_page(report_model(RunRows(summary=summary, history=[summary],
                                            stories=[{"story_id": "s", "cluster_id": "s", "title": evil}])))
    assert evil not in page and "&lt;img src=&quot;https://evil.example/x.png&quot;&gt;" in page


def test_a_second_run_reports_the_trend_and_already_seen(example_copy):
    from tests.report.conftest import run_examples
    assert run_examples(example_copy, "examples-2") == 0
    page = (example_copy / "reports" / "examples-2.html").read_text(encoding="utf-8")
    summary = read_summary(example_copy)
    assert summary["run_id"] == "examples-2" and summary["counts"]["already_seen"] == 47
    check_marked_numbers(page, summary)
    rows = re.findall(r"<tr><td>(examples-[12])</td>", page)
    assert rows == ["examples-2", "examples-1"]                       # the runs table, newest first
    # each feed's last runs: this run's outcome after the first run's
    assert page.count('<td class="trend"><span class="ok" title="ok"></span><span class="ok" title="ok"></span></td>') == 9
    assert page.count('<span class="failed" title="failed"></span><span class="failed" title="failed"></span>') == 1
    m = re.search(r'<b data-key="\[&quot;counts&quot;, &quot;already_seen&quot;\]">([\d,]+)</b>', page)
    assert m and m.group(1) == "47"
