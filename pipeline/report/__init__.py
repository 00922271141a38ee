"""The run report and the terminal views: what a run did, for people.

    tables.py    reads a run back from the output alone: summary, rows, dead letters, earlier runs
    model.py     the page's values: feed health, trend, distributions, clusters, dead letters, quality
    plots.py     matplotlib (Agg) -> inline SVG
    html.py      the self-contained page (no script, no network)
    writer.py    OUTPUT/reports/RUN_ID.html; `write_run_report` never fails a run
    show.py      `wirefeed show OUTPUT ID`: one cluster in the terminal, with diffs and evidence
    cli.py       the `wirefeed report` and `wirefeed show` subcommands
    progress.py  the terminal progress display (rich) of a run in this process

Imports flow one way: `pipeline.main` and `pipeline.streaming` import this package, never the
reverse; here, cli imports show and writer, writer imports html, model and tables.
"""
from pipeline.report.cli import SUBCOMMANDS, run_subcommand
from pipeline.report.progress import ProgressDisplay, progress_wanted
from pipeline.report.tables import RunNotFound, latest_run_id, read_run
from pipeline.report.writer import generate_report, report_path, write_run_report

__all__ = ["ProgressDisplay", "RunNotFound", "SUBCOMMANDS", "generate_report", "latest_run_id",
           "progress_wanted", "read_run", "report_path", "run_subcommand", "write_run_report"]
