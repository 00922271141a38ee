"""Writing OUTPUT/reports/RUN_ID.html: after every committed run, and on demand.

`generate_report(output, run_id)` reads the run back (tables.py), computes the page's values
(model.py) and writes the page atomically (transforms/write/commit.py). `write_run_report` is
what the batch and streaming runs call after their commit: it never raises — a failure is
logged, recorded in the run summary as `"report": {"error": …}` (runs/RUN_ID.json rewritten
atomically) and the run's exit code stays what it was.
"""
from __future__ import annotations

import gc
import json
import logging
import time
from typing import Optional, Tuple

from pipeline.report.html import render_page
from pipeline.report.model import report_model
from pipeline.report.tables import read_run
from transforms.records import redact_text
from transforms.write import join, summary_path, write_text_atomically

__all__ = ["REPORTS", "generate_report", "report_path", "write_run_report"]

REPORTS = "reports"


def report_path(output: str, run_id: str) -> str:
    return join(output.rstrip("/") or "/", REPORTS, f"{run_id}.html")


def generate_report(output: str, run_id: Optional[str] = None) -> Tuple[str, int]:
    """Writes the report of run `run_id` (default: the latest) from the output alone; returns
    (path, size in bytes). Raises tables.RunNotFound when there is no such run."""
    collecting = gc.isenabled()
    gc.disable()   # after a run the heap is large: collections triggered by matplotlib's import and
    try:           # drawing would walk it again and again (bounded garbage: one run's rows)
        rows = read_run(output, run_id)
        page = render_page(report_model(rows)).encode("utf-8")
    finally:
        if collecting:
            gc.enable()
    path = report_path(output, rows.summary["run_id"])
    write_text_atomically(path, page.decode("utf-8"))
    return path, len(page)


def write_run_report(output: str, run_id: str, summary: Optional[dict] = None) -> Optional[dict]:
    """The report of a run that has just committed, never failing the run: returns the summary,
    with `report.error` added (and written to runs/RUN_ID.json) when the report failed."""
    started = time.monotonic()
    try:
        path, size = generate_report(output, run_id)
        logging.info("wirefeed: report %s (%d bytes, %.2f s)", path, size, time.monotonic() - started)
        return summary
    except Exception as e:
        reason = redact_text(f"{type(e).__name__}: {e}")[:500]
        logging.warning("wirefeed: the report of run %s failed (the run itself succeeded): %s", run_id, reason)
        try:
            record = dict(summary) if summary is not None else None
            if record is None:
                from pipeline.report.tables import read_summary_file
                record = read_summary_file(summary_path(output, run_id))
            record["report"] = {"error": reason}
            write_text_atomically(summary_path(output, run_id), json.dumps(record, indent=2, ensure_ascii=False))
            return record
        except Exception as e2:
            logging.warning("wirefeed: could not record the report failure in the run summary: %s: %s",
                            type(e2).__name__, e2)
            return summary
