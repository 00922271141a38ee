"""`wirefeed show`: one cluster in the terminal, against a checked-in golden file."""
import os
import subprocess
import sys

from pipeline.main import run
from pipeline.report.show import diff_texts, sentences
from tests.report.conftest import CLUSTER
from tests.support import FIXTURES, ROOT

GOLDEN = FIXTURES / "report" / f"show-{CLUSTER}.txt"


def normalised(text: str) -> str:
    """The output with the ids that depend on where examples/ lies (an exact copy's derived id
    includes its feed's path) replaced by <id-N> in order of appearance; ids from URLs stay."""
    import re
    names: dict = {}

    def name(m):
        found = m.group(0)
        if found in KEEP:
            return found
        return names.setdefault(found, f"<id-{len(names) + 1}>")
    return re.sub(r"\b[0-9a-f]{20}\b", name, text)


KEEP = {CLUSTER, "ec0bfc5eb9d16df5cd0b"}


def test_show_matches_the_golden_file(example_output, capsys):
    assert run(["show", str(example_output), CLUSTER]) == 0
    out = capsys.readouterr().out
    if os.environ.get("WIREFEED_UPDATE_GOLDEN"):
        GOLDEN.write_text(out, encoding="utf-8")
    assert normalised(out) == normalised(GOLDEN.read_text(encoding="utf-8"))
    assert str(example_output) not in out and "fetched" not in out      # stable: no paths, no fetch times


def test_show_by_a_member_story_id_shows_the_same_cluster(example_output, capsys):
    member = "ec0bfc5eb9d16df5cd0b"        # The Meridian Post's reworded copy
    assert run(["show", str(example_output), member]) == 0
    assert normalised(capsys.readouterr().out) == normalised(GOLDEN.read_text(encoding="utf-8"))


def test_show_of_a_story_without_duplicates(example_output, capsys):
    from tests.support import read_table
    alone = next(r for r in read_table(example_output, "stories") if r["story_id"] != CLUSTER)
    assert run(["show", str(example_output), alone["story_id"]]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"cluster {alone['story_id']}: 1 copies, 1 outlets, 1 headlines\n")
    assert "copy 1/" not in out


def test_show_errors_are_one_line(example_output, tmp_path, capsys):
    cases = [(["show", str(example_output)], 2, "wirefeed: error: wirefeed show: the following arguments are required"),
             (["show", str(example_output), CLUSTER, "extra"], 2, "wirefeed: error: wirefeed show: unrecognized arguments: extra"),
             (["show", str(tmp_path / "absent"), CLUSTER], 1, f"wirefeed: show: no output at {tmp_path / 'absent'}"),
             (["show", str(example_output), "0000"], 1, "wirefeed: show: no story or cluster 0000 in "),
             (["show", str(tmp_path), CLUSTER], 1, "wirefeed: show: no stories in ")]
    for argv, code, message in cases:
        assert run(argv) == code, argv
        err = capsys.readouterr().err
        assert err.startswith(message) and err.count("\n") == 1 and "Traceback" not in err, (argv, err)


def test_console_script_subcommands_and_runs_side_by_side(example_output):
    """`wirefeed show` through the module entry point; `--feeds` command lines are still runs."""
    cmd = [sys.executable, "-m", "pipeline.main"]
    shown = subprocess.run(cmd + ["show", str(example_output), CLUSTER], capture_output=True, text=True,
                           cwd=ROOT, timeout=300)
    assert shown.returncode == 0, shown.stderr
    assert normalised(shown.stdout) == normalised(GOLDEN.read_text(encoding="utf-8"))
    bad = subprocess.run(cmd + ["--output", "x", "report"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert bad.returncode == 2      # 'report' is a subcommand only as the first word
    assert bad.stderr.startswith("wirefeed: error: unrecognised argument report: neither a wirefeed flag")


def test_diff_texts_kept_cut_added_edited():
    origin = ("XIAMEN, Nov. 27 (Xinhua) -- China opened a centre on Friday. It will share data. "
              "Officials praised it warmly today. Training starts in March.")
    copy = ("China opened a centre on Friday. It will share data. Officials praised it warmly on Monday. "
            "A new line of the outlet's own.")
    assert sentences(origin)[0] == "China opened a centre on Friday."       # the dateline is no sentence
    d = diff_texts(origin, copy)
    assert d["sentences"] == 4 and d["kept"] == 3 and d["verbatim"] == 2
    assert d["edited"] == [("Officials praised it warmly today.", "Officials praised it warmly on Monday.")]
    assert d["cut"] == ["Training starts in March."]
    assert d["added"] == ["A new line of the outlet's own."]


def test_show_counts_agree_with_the_reprints_table(example_output, capsys):
    """The kept figures `wirefeed show` prints are the reprints/ rows' (one alignment)."""
    import re
    from pipeline.report.tables import provenance_rows
    assert run(["show", str(example_output), CLUSTER]) == 0
    out = capsys.readouterr().out
    _, reprints = provenance_rows(str(example_output), CLUSTER)
    assert len(reprints) == 4
    for r in reprints:
        block = out.split(r["story_id"], 1)[1].split("\ncopy ", 1)[0]
        kept = re.search(r"kept: +(\d+) of (\d+) sentences \((\d+)%\)", block)
        assert kept, block
        assert (int(kept[1]), int(kept[2])) == (r["sentences_kept"], r["origin_sentences"])
        assert int(kept[3]) == round(100 * r["kept_share"])
