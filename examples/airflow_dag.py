"""Apache Airflow DAG: wirefeed every night with the Beam provider's BeamRunPythonPipelineOperator.

Needs `apache-airflow-providers-apache-beam` on the Airflow workers and wirefeed installed in a
venv those workers can run (WIREFEED_PYTHON). The operator runs
    WIREFEED_PYTHON -m pipeline.main --runner=DirectRunner --feeds=… --output=… --run_id=… …
and fails the task (so Airflow retries it) when the exit code is not 0:
    0 success (feeds that failed are dead letters, not a failed run)   1 the run failed or every
    feed failed   2 a wrong command line   3 dead letters with fail_on_dead_letters.
`max_active_runs=1` keeps two runs from writing the same output (wirefeed also refuses a second
writer: OUTPUT/.lock). tests/pipeline/test_scheduling.py checks this file and runs the command it issues.

On Dataflow, set RUNNER = "DataflowRunner" and add the Dataflow options (project, region,
temp_location, setup_file) to `pipeline_options`; the provider then follows the Dataflow job
(it needs apache-airflow-providers-google) instead of wirefeed's exit code — see
README.md ("Running at scale").
"""
from __future__ import annotations

import datetime as dt

from airflow import DAG
from airflow.providers.apache.beam.operators.beam import BeamRunPythonPipelineOperator

WIREFEED_PYTHON = "/opt/wirefeed/.venv/bin/python"   # the venv wirefeed is installed in
FEEDS = ["/srv/wirefeed/feeds.opml"]                  # --feeds, repeatable (also gs://…)
OUTPUT = "/srv/wirefeed/out"                          # --output (also gs://…)
RUNNER = "DirectRunner"

with DAG(
    dag_id="wirefeed_nightly",
    schedule="15 2 * * *",
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": dt.timedelta(minutes=15)},
    tags=["wirefeed"],
) as dag:
    BeamRunPythonPipelineOperator(
        task_id="wirefeed",
        runner=RUNNER,
        py_interpreter=WIREFEED_PYTHON,
        py_options=["-m"],
        py_file="pipeline.main",
        pipeline_options={
            "feeds": FEEDS,
            "output": OUTPUT,
            "format": "parquet",
            # one runs/RUN_ID.json per DAG run; a retry after a committed attempt (exit 1 or 3)
            # runs as airflow-….2 and keeps the first attempt's files (README: Scheduling)
            "run_id": "airflow-{{ ts_nodash }}",
            # "fail_on_dead_letters": True,            # exit 3 (task fails) when any feed failed
        },
    )
