"""Retry-safe commit (transforms/write/commit.py, partitioned._Commit, units.commit_unit): the commit
step run twice with the same inputs gives the same output, and a process killed between any two
of its steps — every file created, moved or deleted: the journal, each move, the manifest,
CURRENT, the folded deltas, the old generation, the summary, the staging folder — is finished
by a rerun of the step (a runner's retry) or by the next start's recovery, with the output
identical to an uninterrupted commit: nothing lost, nothing doubled. On local disk and on the
gs:// emulator.

Kill = a child process that counts the FileSystems operations of the commit (a multi-file
rename or delete counted file by file) and calls os._exit at the K-th, for every K."""
import contextlib
import datetime as _dt
import json
import os

import pytest
from apache_beam.io.filesystems import FileSystems

from transforms.records import CANONICAL, DUPLICATE, UTC, DeadLetter, FeedStatus, Story
from transforms.write.commit import join, recover
from transforms.write.units import recover_stream_summaries
from transforms.write.partitioned import PartitionWritten, RunSummaryFn, _Commit, partition_key, write_partition

T = _dt.datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
RUN = "20261120T100000Z-retry1"
OLD = "20261119T100000Z-older1"
STREAM_UNIT = "20261119T120000Z-stream-u0123456789abcdef"
HEADER = {"run_id": RUN, "started_at": "2026-11-20T10:00:00+00:00", "runner": "test"}


def story(sid, disposition=CANONICAL, duplicate_of=None, language="en", day=0):
    return Story(story_id=sid, cluster_id=duplicate_of or sid, duplicate_of=duplicate_of,
                 similarity=0.9 if duplicate_of else None, feed_url="http://f/feed.xml", source_name="F",
                 url=f"http://f/{sid}", canonical_url=f"http://f/{sid}", title=f"title {sid}", text="some text",
                 published=T - _dt.timedelta(days=day), fetched_at=T, language=language, language_confidence=0.9,
                 disposition=disposition, word_count=2)


def write_bytes(path, data: bytes):
    with FileSystems.create(path) as f:
        f.write(data)


def read_bytes(path) -> bytes:
    with FileSystems.open(path, compression_type="uncompressed") as f:
        return f.read()


def prepare(output: str) -> dict:
    """An output with an earlier run's state (generation OLD, CURRENT, one stream delta) and this
    run's staging folder: two story partitions, a duplicate, a dead letter, the next state
    generation. Returns the summary the commit step receives."""
    state = join(output, "state")
    write_bytes(join(state, f"gen-{OLD}", "part-0.parquet"), b"old generation")
    write_bytes(join(state, "CURRENT"), f"gen-{OLD}\n".encode())
    write_bytes(join(state, "deltas", STREAM_UNIT + ".parquet"), b"a stream's delta")
    records = [story("a"), story("b", language="de"), story("c", DUPLICATE, "a"), story("d", day=1),
               DeadLetter("parse", "http://f/feed.xml", "e1", "E: bad", None, "2026-11-20T10:00:00+00:00")]
    partitions = {}
    for r in records:
        partitions.setdefault(partition_key(r, 1), []).append(r)
    receipts = [write_partition(output, RUN, ("parquet", "jsonl"), key, rows) for key, rows in sorted(partitions.items())]
    staged = join(output, ".staging", RUN, "state", f"gen-{RUN}", "part-0.parquet")
    write_bytes(staged, b"the new generation")
    receipts.append(PartitionWritten("state", [(staged, join(state, f"gen-{RUN}", "part-0.parquet"))], 4))
    fn = RunSummaryFn()
    acc = fn.create_accumulator()
    for record in receipts + [FeedStatus("http://f/feed.xml", "ok", entries=5)]:
        acc = fn.add_input(acc, record)
    return fn.extract_output(acc)


def commit_step(output: str, summary: dict) -> list:
    """partitioned._Commit, the DoFn a runner may retry, on one summary."""
    return list(_Commit(output, RUN, HEADER, join(output, "state"),
                        folded=[join(output, "state", "deltas", STREAM_UNIT + ".parquet")]).process(summary))


def commit_unit_step(output: str, _summary=None):
    """units.commit_unit (a stream's unit) on fixed records."""
    from transforms.dedupe.state import STATE_SCHEMA
    from transforms.write.units import commit_unit
    rows = [{"story_id": sid, "root_key": f"0|0|x|f|000000000|{sid}", "seen_at": T, "content_key": None,
             "feed_agency": None, "n_shingles": 3, "sketch": [1, 2, 3], "keys": [7, 8], "language": "en"}
            for sid in ("a", "c")]
    commit_unit(output, RUN, ("parquet",), 1, [story("a"), story("c", DUPLICATE, "a")],
                [DeadLetter("parse", "http://f/feed.xml", "e1", "E: bad", None, "2026-11-20T10:00:00+00:00")],
                rows, join(output, "state"), STATE_SCHEMA)


def snapshot(output: str) -> dict:
    """Every file under OUTPUT (but the lock) -> its bytes; in summaries, `finished_at` dropped
    and the output's own path written OUTPUT (so two outputs compare)."""
    prefix = output.rstrip("/") + "/"
    found = FileSystems.match([prefix + "**"])[0].metadata_list
    files = {}
    for m in found:
        rel = m.path[len(prefix):]
        if rel == ".lock" or rel.endswith("/") or (("://" not in output) and os.path.isdir(m.path)):
            continue
        data = read_bytes(m.path)
        if rel.startswith("runs/") or rel.startswith(".units/"):
            record = json.loads(data)
            record.pop("finished_at", None)
            record.pop("committed_at", None)
            data = json.dumps(record, sort_keys=True).encode().replace(output.rstrip("/").encode(), b"OUTPUT")
        files[rel] = data
    return files


def killed_at(step, output: str, summary, kill_at: int) -> int:
    """Runs `step(output, summary)` in a forked child process that counts the FileSystems
    operations (create, mkdirs, and each file of a rename or delete) and calls os._exit(9) as
    it would start the `kill_at`-th. Returns the number of operations of a whole step when it
    was not killed (kill_at 0), else 9."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:                                                    # the child
        try:
            os.close(read_end)
            done = [0]

            def tick():
                done[0] += 1
                if done[0] == kill_at:
                    os._exit(9)
            create, rename, delete, mkdirs = FileSystems.create, FileSystems.rename, FileSystems.delete, FileSystems.mkdirs

            def one_by_one_rename(sources, destinations):
                for s, d in zip(sources, destinations):
                    tick()
                    rename([s], [d])

            def one_by_one_delete(paths):
                for p in paths:
                    tick()
                    delete([p])

            def counted_create(path, *a, **k):
                tick()
                return create(path, *a, **k)

            def counted_mkdirs(path):
                tick()
                return mkdirs(path)
            FileSystems.create, FileSystems.rename = staticmethod(counted_create), staticmethod(one_by_one_rename)
            FileSystems.delete, FileSystems.mkdirs = staticmethod(one_by_one_delete), staticmethod(counted_mkdirs)
            step(output, summary)
            os.write(write_end, str(done[0]).encode())
            os._exit(0)
        except BaseException:
            import traceback
            traceback.print_exc()
            os._exit(3)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read_end) as f:
        steps = f.read()
    code = os.waitstatus_to_exitcode(status)
    assert code in (0, 9), f"the commit step failed in the child (exit {code})"
    return int(steps) if code == 0 else code


@contextlib.contextmanager
def outputs(kind, tmp_path):
    """A function giving fresh output roots on local disk or in the gs:// emulator."""
    if kind == "local":
        yield lambda name: str(tmp_path / name)
        return
    pytest.importorskip("gcp_storage_emulator")
    pytest.importorskip("apache_beam.io.gcp.gcsfilesystem")
    from tests.support.runner_services import gcs_emulator
    with gcs_emulator() as bucket:
        yield lambda name: f"gs://{bucket}/{name}"


@pytest.mark.parametrize("kind", ["local", "gs"])
def test_the_commit_step_run_twice_gives_the_same_output(kind, tmp_path):
    with outputs(kind, tmp_path) as root:
        once, twice = root("once"), root("twice")
        summary = prepare(once)
        [first] = commit_step(once, json.loads(json.dumps(summary)))
        summary = prepare(twice)
        [again] = commit_step(twice, summary)
        [retried] = commit_step(twice, summary)          # the same element, retried by the runner
        assert retried == again                          # the summary of the commit that happened
        assert snapshot(twice) == snapshot(once)
        want = snapshot(once)
        part = f"part-00000-{RUN}"
        assert sorted(p for p in want if p.split("/")[0] in ("stories", "duplicates", "dead_letter")) == sorted(
            [f"stories/date=2026-11-20/lang=en/{part}.parquet", f"stories/date=2026-11-20/lang=en/{part}.jsonl",
             f"stories/date=2026-11-20/lang=de/{part}.parquet", f"stories/date=2026-11-20/lang=de/{part}.jsonl",
             f"stories/date=2026-11-19/lang=en/{part}.parquet", f"stories/date=2026-11-19/lang=en/{part}.jsonl",
             f"duplicates/date=2026-11-20/lang=en/{part}.parquet", f"duplicates/date=2026-11-20/lang=en/{part}.jsonl",
             f"dead_letter/date=2026-11-20/{part}.jsonl"])
        assert not [p for p in want if p.startswith(".staging/")]
        assert read_bytes(join(twice, "state", "CURRENT")) == f"gen-{RUN}\n".encode()
        assert first["counts"]["stories"] == 3 and first["state"]["rows"] == 4
        assert again["state"]["rows"] == 4 and again["counts"] == first["counts"]


def restart(output: str, step) -> None:
    """What the next start does before it runs: finish or drop interrupted commits (a stream's
    start also writes the summary of a killed stream from its units)."""
    recover(output)
    if step is commit_unit_step:
        recover_stream_summaries(output)


def prepare_unit(output: str) -> None:
    """A stream's unit stages its own files: nothing before the step."""
    return None


def journaled(output: str) -> bool:
    return bool(FileSystems.match([join(output, ".staging", "*", "COMMIT.json")])[0].metadata_list)


STEPS = {"batch": (prepare, commit_step), "unit": (prepare_unit, commit_unit_step)}


@pytest.mark.parametrize("step", sorted(STEPS))
@pytest.mark.parametrize("kind", ["local", "gs"])
def test_killed_between_any_two_steps_the_rerun_or_recovery_gives_the_same_output(kind, step, tmp_path):
    prepare_, step_ = STEPS[step]
    with outputs(kind, tmp_path) as root:
        reference = root("reference")
        steps = killed_at(step_, reference, prepare_(reference), 0)
        restart(reference, step_)
        want = snapshot(reference)
        untouched = root("untouched")
        prepare_(untouched)
        before = {p: b for p, b in snapshot(untouched).items() if not p.startswith(".staging/")}
        if step == "batch":
            assert f"state/gen-{RUN}/MANIFEST.json" in want and f"runs/{RUN}.json" in want
            assert f"state/deltas/{STREAM_UNIT}.parquet" not in want and f"state/gen-{OLD}/part-0.parquet" not in want
        else:
            assert [p for p in want if p.startswith("state/deltas/")] and [p for p in want if p.startswith(".units/")]
            assert f"runs/{RUN}.json" in want and not before
        assert steps >= 12
        # Every step on local disk; on the emulator (about 20 s a step here) every 4th and the
        # last, which still covers each kind of step (all of them were run once: see the report).
        kills = range(1, steps + 1) if kind == "local" else sorted({*range(1, steps + 1, 4), steps})
        with_journal = 0
        for k in kills:
            out, retried = root(f"killed{k}"), root(f"retried{k}")
            assert killed_at(step_, out, prepare_(out), k) == 9
            summary = prepare_(retried)
            assert killed_at(step_, retried, summary, k) == 9
            has_journal = journaled(out)
            with_journal += has_journal
            restart(out, step_)                              # the next start
            assert snapshot(out) == (want if has_journal else before), f"recovery after a kill at step {k} of {steps}"
            step_(retried, summary)                          # the runner retries the step
            restart(retried, step_)
            assert snapshot(retried) == want, f"a retry after a kill at step {k} of {steps}"
        assert 0 < with_journal < len(kills)  # kills before the journal and after it were both tried


@pytest.mark.parametrize("kind", ["local", "gs"])
def test_a_unit_committed_twice_is_written_once(kind, tmp_path):
    with outputs(kind, tmp_path) as root:
        once, twice = root("once"), root("twice")
        commit_unit_step(once)
        commit_unit_step(twice)
        commit_unit_step(twice)                          # a retried bundle, the same records
        assert snapshot(twice) == snapshot(once)
        assert len([p for p in snapshot(twice) if p.startswith(".units/")]) == 1
        assert not journaled(twice) and not [p for p in snapshot(twice) if p.startswith(".staging/")]

