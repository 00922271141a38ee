"""State integrity: a generation carries a manifest (sizes, checksums); a missing generation or
shard, or a truncated file, stops the run with one line naming the file and the remedy, never a
silent rewrite; --reset-state starts anew on purpose."""
import json
import shutil

import pytest

from tests.support import EXAMPLES, read_summary
from pipeline.main import run

ARGS = ["--feeds", str(EXAMPLES / "feeds.opml"), "--as-of", "2026-11-28T06:00:00Z"]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("state") / "out"
    assert run(ARGS + ["--output", str(out), "--run-id", "first"]) == 0
    return out


def damaged_copy(first_run, tmp_path, damage):
    out = tmp_path / "out"
    shutil.copytree(first_run, out)
    generation = out / "state" / (out / "state" / "CURRENT").read_text().strip()
    damage(out, generation)
    return out


def test_a_generation_has_a_manifest_of_its_files(first_run):
    generation = first_run / "state" / "gen-first"
    manifest = json.loads((generation / "MANIFEST.json").read_text())["files"]
    on_disk = {p.name for p in generation.iterdir() if p.name != "MANIFEST.json"}
    assert set(manifest) == on_disk and any(n.startswith("stories-") for n in on_disk)
    for name, entry in manifest.items():
        assert entry["bytes"] == (generation / name).stat().st_size and len(entry["sha256"]) == 64


def shard_removed(out, generation):
    next(generation.glob("stories-*.parquet")).unlink()


def shard_truncated(out, generation):
    path = next(generation.glob("stories-*.parquet"))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def shard_changed(out, generation):
    path = next(generation.glob("stories-*.parquet"))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def generation_removed(out, generation):
    shutil.rmtree(generation)


def current_emptied(out, generation):
    (out / "state" / "CURRENT").write_text("")


@pytest.mark.parametrize("damage,message", [
    (shard_removed, "a file is missing ("),
    (shard_truncated, "bytes instead of"),
    (shard_changed, "checksum differs from the manifest"),
    (generation_removed, "the generation is missing"),
    (current_emptied, "names no generation"),
])
def test_a_damaged_state_stops_the_run_with_one_line(first_run, tmp_path, capsys, damage, message):
    out = damaged_copy(first_run, tmp_path, damage)
    before = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    capsys.readouterr()
    assert run(ARGS + ["--output", str(out), "--run-id", "second"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("wirefeed: the cross-run state") and err.count("\n") == 1, err
    assert message in err and "--reset-state" in err and "Traceback" not in err
    assert sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file()) == before   # nothing written


def test_reset_state_starts_anew_and_writes_the_stories_again(first_run, tmp_path):
    out = damaged_copy(first_run, tmp_path, shard_removed)
    assert run(ARGS + ["--output", str(out), "--run-id", "second", "--reset-state"]) == 0
    counts = read_summary(out)["counts"]
    assert counts["already_seen"] == 0 and counts["stories"] + counts["duplicates"] == 47
    assert (out / "state" / "CURRENT").read_text().strip() == "gen-second"
    assert run(ARGS + ["--output", str(out), "--run-id", "third"]) == 0      # the new state is whole
    assert read_summary(out)["counts"]["already_seen"] == 47
