"""Scheduled runs from the scheduler's side: the Airflow DAG (checked statically, then the exact
command its BeamRunPythonPipelineOperator issues is run), the cron wrapper, and the exit codes
and locks a scheduler acts on.

Airflow is not installed (too heavy for the test extra): the DAG is read with `ast`, and the
command is built the way the Beam provider's BeamHook builds it — interpreter, py_options,
py_file, --runner=RUNNER, then every pipeline option as --key=value (lists repeat the flag,
True gives a bare --key, False/None are left out) plus the --labels=airflow-version=… it adds.
"""
import ast
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from tests.support import EXAMPLES, ROOT, assert_conserved, read_summary
from tests.support import runner_services as rs

DAG_FILE = ROOT / "examples" / "airflow_dag.py"
CRON_DIR = ROOT / "examples" / "cron"
WRAPPER = CRON_DIR / "run-wirefeed.sh"
BEAM_RUNNERS = {"DirectRunner", "DataflowRunner", "FlinkRunner", "SparkRunner", "PortableRunner", "PrismRunner"}


# --------------------------------------------------------------------------- the Airflow DAG

def _dag():
    tree = ast.parse(DAG_FILE.read_text(encoding="utf-8"))
    imports = {alias.name: node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               for alias in node.names}
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            constants[node.targets[0].id] = node.value
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    dag_call = next(c for c in calls if isinstance(c.func, ast.Name) and c.func.id == "DAG")
    operators = [c for c in calls if isinstance(c.func, ast.Name) and c.func.id == "BeamRunPythonPipelineOperator"]
    return imports, constants, dag_call, operators


def _evaluate(node, bindings):
    return eval(compile(ast.Expression(node), str(DAG_FILE), "eval"), {}, bindings)  # noqa: S307


def _known_flags():
    from apache_beam.options.pipeline_options import PipelineOptions
    from pipeline.main import make_parser
    wirefeed = {a.dest for a in make_parser()._actions} | {
        s.lstrip("-") for a in make_parser()._actions for s in a.option_strings}
    beam = set(PipelineOptions([]).get_all_options())
    return wirefeed, beam


def _operator_kwargs(bindings):
    imports, constants, _, (operator,) = _dag()
    values = {name: _evaluate(node, {}) for name, node in constants.items()}
    values.update(bindings)
    return {kw.arg: _evaluate(kw.value, values) for kw in operator.keywords}


def test_dag_uses_the_beam_providers_python_operator_on_pipeline_main():
    imports, constants, dag_call, operators = _dag()
    assert imports["BeamRunPythonPipelineOperator"] == "airflow.providers.apache.beam.operators.beam"
    assert len(operators) == 1
    dag_kwargs = {kw.arg: kw.value for kw in dag_call.keywords}
    assert _evaluate(dag_kwargs["max_active_runs"], {}) == 1, "two DAG runs must not write the same output"
    assert _evaluate(dag_kwargs["catchup"], {}) is False
    kwargs = _operator_kwargs({})
    assert kwargs["py_file"] == "pipeline.main" and kwargs["py_options"] == ["-m"]
    assert kwargs["runner"] in BEAM_RUNNERS
    import importlib.util
    assert importlib.util.find_spec(kwargs["py_file"]) is not None
    # Only parameters the operator has (providers/apache/beam/operators/beam.py).
    allowed = {"task_id", "py_file", "runner", "default_pipeline_options", "pipeline_options", "py_interpreter",
               "py_options", "py_requirements", "py_system_site_packages", "gcp_conn_id", "dataflow_config",
               "deferrable", "retries", "retry_delay"}
    assert set(kwargs) <= allowed, set(kwargs) - allowed


def test_dag_pipeline_options_are_wirefeed_or_beam_flags():
    wirefeed, beam = _known_flags()
    options = _operator_kwargs({})["pipeline_options"]
    assert {"feeds", "output", "run_id"} <= set(options)
    unknown = [k for k in options if k not in wirefeed and k not in beam]
    assert not unknown, f"not a wirefeed or Beam flag: {unknown}"
    assert "{{ ts_nodash }}" in options["run_id"], "each DAG run needs its own run id"


def _beam_hook_command(kwargs, airflow_version="v3-0-0"):
    """The command BeamHook.start_python_pipeline runs for these operator arguments."""
    options = dict(kwargs.get("default_pipeline_options") or {})
    options.update(kwargs.get("pipeline_options") or {})
    options.setdefault("labels", {}).update({"airflow-version": airflow_version})
    options["labels"] = [f"{k}={v}" for k, v in options["labels"].items()]
    args = []
    for key, value in options.items():
        if isinstance(value, bool):
            if value:
                args.append(f"--{key}")
        elif isinstance(value, list):
            args += [f"--{key}={v}" for v in value]
        elif isinstance(value, dict):
            args.append(f"--{key}={json.dumps(value)}")
        elif value is not None:
            args.append(f"--{key}={value}")
    return [kwargs.get("py_interpreter", "python3"), *kwargs.get("py_options", []), kwargs["py_file"],
            f"--runner={kwargs.get('runner', 'DirectRunner')}", *args]


def _render(command, ts_nodash):
    return [part.replace("{{ ts_nodash }}", ts_nodash) for part in command]


def test_the_command_the_dag_issues_runs_the_pipeline(tmp_path):
    out = tmp_path / "out"
    kwargs = _operator_kwargs({"WIREFEED_PYTHON": sys.executable, "FEEDS": [str(EXAMPLES / "feeds.opml")],
                               "OUTPUT": str(out)})
    command = _render(_beam_hook_command(kwargs), "20261128T021500")
    assert command[:3] == [sys.executable, "-m", "pipeline.main"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env=rs.service_env())
    assert done.returncode == 0, done.stderr[-3000:]
    summary = read_summary(out)
    assert summary["run_id"] == "airflow-20261128T021500"
    assert summary["counts"]["entries_total"] == 47 and summary["counts"]["dead_letters"] == 1
    assert_conserved(summary)


# --------------------------------------------------------------------------- cron

def test_crontab_line_runs_the_wrapper_daily():
    lines = [l for l in (CRON_DIR / "wirefeed.cron").read_text().splitlines() if l.strip() and not l.startswith("#")]
    env = dict(l.split("=", 1) for l in lines if "=" in l.split()[0])
    jobs = [l.split(None, 5) for l in lines if "=" not in l.split()[0]]
    assert len(jobs) == 1
    minute, hour, dom, month, dow, command = jobs[0]
    assert minute.isdigit() and hour.isdigit() and (dom, month, dow) == ("*", "*", "*")
    assert command.split()[0].endswith("examples/cron/run-wirefeed.sh")
    assert {"WIREFEED", "WIREFEED_FEEDS", "WIREFEED_OUTPUT", "WIREFEED_LOCK"} <= set(env)
    wirefeed, beam = _known_flags()
    for arg in command.split()[1:]:
        assert arg.startswith("--") and arg[2:].split("=")[0] in wirefeed | beam, arg
    assert os.access(WRAPPER, os.X_OK)


def _wrapper(tmp_path, *args, feeds=None, lock=None, out=None, timeout=300):
    if not shutil.which("flock"):
        pytest.skip("flock(1) is not installed")
    env = rs.service_env()
    exe = rs.VENV_BIN / "wirefeed"
    env.update({"WIREFEED": str(exe) if exe.exists() else str(rs.VENV_BIN / "python") + " -m pipeline.main",
                "WIREFEED_FEEDS": str(feeds or EXAMPLES / "feeds.opml"),
                "WIREFEED_OUTPUT": str(out or tmp_path / "out"), "WIREFEED_LOG_DIR": str(tmp_path / "logs"),
                "WIREFEED_LOCK": str(lock or tmp_path / "run.lock")})
    return subprocess.run(["bash", str(WRAPPER), *args], capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=tmp_path)


def test_cron_wrapper_exit_codes_are_wirefeeds(tmp_path):
    ok = _wrapper(tmp_path, "--run-id", "cron-ok")
    assert ok.returncode == 0 and ok.stderr == "", ok.stderr
    assert read_summary(tmp_path / "out")["counts"]["dead_letters"] == 1   # a dead letter is still success
    strict = _wrapper(tmp_path, "--fail-on-dead-letters", out=tmp_path / "strict")
    assert strict.returncode == 3 and "wrote dead letters (exit 3)" in strict.stderr
    bad = _wrapper(tmp_path, "--format", "csv", out=tmp_path / "bad")
    assert bad.returncode == 2 and "failed with exit 2" in bad.stderr
    logs = sorted((tmp_path / "logs").iterdir())
    assert any("unknown --format 'csv'" in p.read_text() for p in logs)
    dead = _wrapper(tmp_path, feeds=EXAMPLES / "feeds" / "not-a-feed.xml", out=tmp_path / "dead")
    assert dead.returncode == 1 and "failed with exit 1" in dead.stderr
    assert any("every feed failed" in p.read_text() for p in (tmp_path / "logs").iterdir())


def test_cron_wrapper_skips_while_a_run_holds_the_lock(tmp_path):
    lock = tmp_path / "run.lock"
    holder = subprocess.Popen(["flock", str(lock), "sleep", "30"], start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and subprocess.run(["flock", "-n", str(lock), "true"]).returncode == 0:
            time.sleep(0.05)
        skipped = _wrapper(tmp_path, lock=lock)
    finally:
        os.killpg(holder.pid, 9)
        holder.wait()
    assert skipped.returncode == 75 and "was skipped" in skipped.stderr
    assert not (tmp_path / "out").exists()


def test_two_runs_on_one_output_do_not_overlap(tmp_path):
    """Two schedulers (or a manual run during a scheduled one) on the same output: the second
    writer is refused with exit 1 and a message; the first one's output is complete."""
    out = tmp_path / "out"
    args = ["--feeds", str(EXAMPLES / "feeds.opml"), "--output", str(out)]
    env = rs.service_env()
    first = subprocess.Popen([str(rs.VENV_BIN / "python"), "-m", "pipeline.main", *args, "--run-id", "first"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not (out / ".lock").exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        second = rs.run_cli(args + ["--run-id", "second"], timeout=120)
    finally:
        first_out, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err[-2000:]
    assert second.returncode == 1 and "another run (first" in second.stderr, second.stderr[-2000:]
    assert json.loads((out / "runs" / "first.json").read_text())["counts"]["entries_total"] == 47
    assert not (out / "runs" / "second.json").exists()
