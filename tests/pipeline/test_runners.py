"""Runner parity: the same input gives the same tables on every runner that executes here.

Input: examples/ (47 entries) plus a generated set of 2,000 entries (runner_services.generate_feeds:
seven languages, multi-paragraph texts, exact copies across feeds, edited reprints).
1. DirectRunner, in process (pipeline.main.run)          -> the reference
2. DirectRunner, --direct_num_workers=2 --direct_running_mode=multi_processing (CLI)
3. PortableRunner -> Beam's local job service, SDK harness in an external worker pool (CLI);
   the Job API path Flink and Spark job servers use
4. DataflowRunner --dry_run=True --setup_file: the translated job and the staged sdist
plus gs:// --feeds/--output/--state through Beam's GCS FileSystem against a loopback emulator.
"Identical": sorted rows of stories/ and duplicates/ without file names and fetched_at
(runner_services.table_rows). Services run as context managers that stop their whole process
group with bounded time and fail the test if any process is left.
"""
import glob
import io
import json
import os
import tarfile
import time

import pytest

from tests.support import EXAMPLES, ROOT, assert_conserved
from tests.support import runner_services as rs

TOP_LEVEL = ("ReadFeedList", "FetchFeeds", "ParseFeeds", "Clean", "Enrich", "Dedupe", "WritePartitioned")
BUCKET = "wirefeed-test"      # a valid bucket name: an invalid one sends Beam looking for a default bucket


def _summary(out, run_id):
    with open(os.path.join(str(out), "runs", f"{run_id}.json"), encoding="utf-8") as f:
        return json.load(f)


def _comparable(summary):
    return {"counts": summary["counts"], "by_language": summary["by_language"],
            "by_agency": summary["by_agency"]}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated")
    made = rs.generate_feeds(folder, n_entries=2000, seed=7)
    assert made["entries"] >= 2000 and made["copies"] > 50 and made["reprints"] > 50
    return {"feeds": ["--feeds", str(EXAMPLES / "feeds.opml"), "--feeds", made["opml"]],
            "entries": 47 + made["entries"]}


def _args(inputs, out, run_id):
    return inputs["feeds"] + ["--output", str(out), "--run-id", run_id, "--as-of", rs.AS_OF]


@pytest.fixture(scope="module")
def reference(inputs, tmp_path_factory):
    """DirectRunner in this process: the rows every other runner must reproduce."""
    from pipeline.main import run
    out = tmp_path_factory.mktemp("direct") / "out"
    started = time.monotonic()
    assert run(_args(inputs, out, "parity-direct")) == 0
    summary = _summary(out, "parity-direct")
    assert summary["counts"]["entries_total"] == inputs["entries"]
    assert_conserved(summary)
    rows = rs.table_rows(out)
    assert rows["stories"] and rows["duplicates"]
    return {"rows": rows, "summary": summary, "seconds": time.monotonic() - started}


def test_direct_reference_is_complete(reference, inputs):
    c = reference["summary"]["counts"]
    assert len(reference["rows"]["stories"]) == c["stories"] > 1500
    assert len(reference["rows"]["duplicates"]) == c["duplicates"] > 200
    langs = set(reference["summary"]["by_language"])
    assert {"en", "de", "fr", "es", "it", "pt", "nl", "ru"} <= langs


def _assert_same(reference, out, run_id, done):
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-3000:]}"
    assert not done.leftovers, f"processes left behind: {done.leftovers}"
    rows = rs.table_rows(out)
    assert rows["stories"] and rows["duplicates"]
    assert rows == reference["rows"], rs.diff_rows(reference["rows"], rows)
    summary = _summary(out, run_id)
    assert_conserved(summary)
    assert _comparable(summary) == _comparable(reference["summary"])


def test_direct_multi_processing_matches(reference, inputs, tmp_path):
    out = tmp_path / "out"
    done = rs.run_cli(_args(inputs, out, "parity-multi") + [
        "--direct_num_workers=2", "--direct_running_mode=multi_processing"], timeout=240)
    _assert_same(reference, out, "parity-multi", done)


def test_portable_runner_with_external_worker_pool_matches(reference, inputs, tmp_path):
    out = tmp_path / "out"
    logs = tmp_path / "logs"
    logs.mkdir()
    with rs.job_service_and_worker_pool(logs) as svc:
        done = rs.run_cli(_args(inputs, out, "parity-portable") + [
            "--runner=PortableRunner", f"--job_endpoint={svc['job_endpoint']}",
            "--environment_type=EXTERNAL", f"--environment_config={svc['environment_config']}"], timeout=300)
        pool_log = svc["services"][0].log.read_text(errors="replace")
    # The context manager stopped both services and raised if any process was left.
    assert rs.leftovers(svc["services"]) == []
    _assert_same(reference, out, "parity-portable", done)
    # The SDK harness really ran in the external pool, not in the job service.
    assert "sdk_worker_main" in pool_log or "Starting worker" in pool_log or "worker_id" in pool_log, pool_log[-2000:]


# --------------------------------------------------------------------------- Dataflow, offline

class _CaptureDataflow:
    """Keeps the result DataflowRunner.run_pipeline returns (its .job in a dry run)."""

    def __init__(self, monkeypatch):
        from apache_beam.runners.dataflow import dataflow_runner
        self.results = []
        original = dataflow_runner.DataflowRunner.run_pipeline

        def run_pipeline(runner, pipeline, options, pipeline_proto=None):
            result = original(runner, pipeline, options, pipeline_proto)
            self.results.append(result)
            return result

        monkeypatch.setattr(dataflow_runner.DataflowRunner, "run_pipeline", run_pipeline)


def _staged(job):
    """{staged name: local path} of the artifacts of the job's environments."""
    from apache_beam.portability.api import beam_runner_api_pb2
    staged = {}
    for env in job.proto_pipeline.components.environments.values():
        for dep in env.dependencies:
            role = beam_runner_api_pb2.ArtifactStagingToRolePayload.FromString(dep.role_payload)
            path = beam_runner_api_pb2.ArtifactFilePayload.FromString(dep.type_payload).path
            staged[role.staged_name] = path
    return staged


def _package_modules():
    return sorted(os.path.relpath(p, ROOT) for pkg in ("pipeline", "transforms")
                  for p in glob.glob(str(ROOT / pkg / "**" / "*.py"), recursive=True))


@pytest.fixture
def gcs(monkeypatch):
    pytest.importorskip("apache_beam.io.gcp.gcsio", reason="needs apache-beam[gcp] (pip install -e '.[gcp]')")
    pytest.importorskip("gcp_storage_emulator", reason="needs gcp-storage-emulator (the test extra)")
    with rs.gcs_emulator(BUCKET) as bucket:
        yield bucket


def _upload_examples(bucket):
    from apache_beam.io.filesystems import FileSystems
    for path in [EXAMPLES / "feeds.opml", *sorted((EXAMPLES / "feeds").glob("*.xml"))]:
        with FileSystems.create(f"gs://{bucket}/in/{path.relative_to(EXAMPLES)}") as f:
            f.write(path.read_bytes())
    return f"gs://{bucket}/in/feeds.opml"


def test_dataflow_dry_run_translates_the_graph_and_stages_the_sdist(gcs, monkeypatch):
    """--runner DataflowRunner --dry_run=True builds the Dataflow job offline; the gs:// paths of
    --feeds/--output/--state are read (feed list, lock, state) through the emulator."""
    from pipeline.main import run
    capture = _CaptureDataflow(monkeypatch)
    feeds = _upload_examples(gcs)
    started = time.monotonic()
    code = run(["--feeds", feeds, "--output", f"gs://{gcs}/out", "--state", f"gs://{gcs}/state",
         "--run-id", "dry-run", "--runner", "DataflowRunner", "--dry_run=True",
         "--setup_file", str(ROOT / "setup.py"), "--project", "wirefeed-test", "--region", "us-central1",
         "--temp_location", f"gs://{gcs}/tmp"])
    assert time.monotonic() - started < 120
    assert code == 0      # translated, not submitted: not a failure
    assert capture.results, "DataflowRunner.run_pipeline was not reached"
    job = capture.results[-1].job
    names = {t.unique_name for t in job.proto_pipeline.components.transforms.values()}
    for label in TOP_LEVEL:
        assert label in names, f"{label} missing from the Dataflow job: {sorted(n for n in names if '/' not in n)}"
    assert {"Dedupe/ConnectedComponents", "WritePartitioned/Commit"} <= names
    # The pipeline options Dataflow would receive carry wirefeed's own flags.
    options = json.dumps(job.options.get_all_options(drop_default=True), default=str)
    assert f"gs://{gcs}/out" in options and f"gs://{gcs}/state" in options
    # --setup_file staged an sdist of this repository (workflow.tar.gz) holding every module.
    staged = _staged(job)
    assert "workflow.tar.gz" in staged, staged
    with tarfile.open(staged["workflow.tar.gz"]) as sdist:
        members = {m.split("/", 1)[1] for m in sdist.getnames() if "/" in m}
    missing = [m for m in _package_modules() if m not in members]
    assert not missing, (f"the sdist Dataflow workers install lacks {missing}: setup.py's `packages` "
                         "must list every package (find_packages)")
    assert {"setup.py", "README.md"} <= members
    # Nothing was written: a dry run submits nothing.
    from apache_beam.io.filesystems import FileSystems
    assert not FileSystems.exists(f"gs://{gcs}/out/runs/dry-run.json")


def test_gs_paths_through_beam_filesystems(gcs, tmp_path):
    """--feeds, --output and --state on gs:// resolve to Beam's GCS FileSystem (the [gcp] extra):
    two DirectRunner runs against the emulator; the second remembers the first through the state."""
    from apache_beam.io.filesystems import FileSystems
    from apache_beam.io.gcp.gcsfilesystem import GCSFileSystem
    from pipeline.main import run
    assert isinstance(FileSystems.get_filesystem(f"gs://{gcs}/out"), GCSFileSystem)
    feeds = _upload_examples(gcs)
    out, state = f"gs://{gcs}/out", f"gs://{gcs}/wirefeed-state"
    assert run(["--feeds", feeds, "--output", out, "--state", state, "--run-id", "gs-1", "--as-of", rs.AS_OF]) == 0
    assert run(["--feeds", feeds, "--output", out, "--state", state, "--run-id", "gs-2", "--as-of", rs.AS_OF]) == 0
    paths = sorted(m.path for m in FileSystems.match([f"gs://{gcs}/**"])[0].metadata_list)
    first = json.loads(FileSystems.open(f"{out}/runs/gs-1.json").read())
    second = json.loads(FileSystems.open(f"{out}/runs/gs-2.json").read())
    assert_conserved(first)
    assert_conserved(second)      # (`a() and b()` never ran b: assert_conserved returns None)
    assert first["counts"]["stories"] > 40 and first["counts"]["entries_total"] == 47
    assert second["counts"]["already_seen"] == 47 - second["counts"]["entry_dead_letters"], second["counts"]
    assert any(p.startswith(f"{out}/stories/date=") and p.endswith(".parquet") for p in paths)
    assert any(p.startswith(f"{state}/") and p.endswith(".parquet") for p in paths), paths
    assert f"{state}/CURRENT" in paths
    assert not [p for p in paths if "/.staging/" in p or p.endswith("/.lock")], paths
    # The tables read back from gs:// like local ones.
    import pyarrow.parquet as pq
    story_file = next(p for p in paths if p.startswith(f"{out}/stories/"))
    assert pq.read_table(io.BytesIO(FileSystems.open(story_file).read())).num_rows > 0


def test_relative_paths_work_with_workers_in_another_folder(tmp_path):
    """A user runs `wirefeed --feeds examples/feeds.opml …` from the checkout; the worker pool
    runs elsewhere (as Flink/Spark/Dask workers do). Exit 0 must mean the feeds were read."""
    logs = tmp_path / "logs"
    logs.mkdir()
    with rs.job_service_and_worker_pool(logs) as svc:
        done = rs.run_cli(["--feeds", os.path.relpath(EXAMPLES / "feeds.opml", ROOT), "--output", str(tmp_path / "out"),
                           "--run-id", "relative", "--as-of", rs.AS_OF, "--runner=PortableRunner",
                           f"--job_endpoint={svc['job_endpoint']}",
                           "--environment_type=EXTERNAL", f"--environment_config={svc['environment_config']}"],
                          timeout=240, cwd=ROOT)
    # The run must succeed and give the rows an in-process run on the absolute path gives.
    from pipeline.main import run
    assert run(["--feeds", str(EXAMPLES / "feeds.opml"), "--output", str(tmp_path / "absolute"),
                "--run-id", "absolute", "--as-of", rs.AS_OF]) == 0
    expected = {"rows": rs.table_rows(tmp_path / "absolute"), "summary": _summary(tmp_path / "absolute", "absolute")}
    assert expected["summary"]["counts"]["entries_total"] == 47
    _assert_same(expected, tmp_path / "out", "relative", done)
    assert _summary(tmp_path / "out", "relative")["counts"]["entries_total"] == 47, done.stdout
