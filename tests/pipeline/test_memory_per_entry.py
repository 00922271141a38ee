"""Memory per entry is bounded: one entry with a ~14 MB description costs that entry at most
(truncated and flagged), never the run, under an address-space limit (RLIMIT_AS)."""
import json
import subprocess
import sys

from tests.support import ROOT, read_summary, read_table
from transforms.clean import MAX_TEXT_CHARS

LIMIT_BYTES = 4 * 1024 ** 3          # the run's address space: 4 GiB
RUN = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from pipeline.main import run
sys.exit(run(sys.argv[1:]))
"""
WORDS = ("harbour council ferry timetable winter storm season budget vote mayor port cargo "
         "shipping union strike talks minister coast guard rescue fishermen weather").split()


def item(i, description):
    return (f"<item><title>Story {i} about the harbour</title><link>https://paper.example/{i}</link>"
            f"<guid>https://paper.example/{i}</guid><pubDate>Fri, 27 Nov 2026 0{i}:00:00 +0000</pubDate>"
            f"<description>{description}</description></item>")


def test_a_14_mb_description_is_truncated_not_a_failed_run(tmp_path):
    words = " ".join(WORDS[(i * 7 + i // 3) % len(WORDS)] + str(i % 97) for i in range(1_500_000))
    huge = "\n\n".join(words[i:i + 2000] for i in range(0, len(words), 2000))      # ~14 MB
    assert len(huge) > 13_000_000
    normal = [f"The council voted {n} to {n + 3} on the ferry timetable after a long debate about "
              f"winter storms, cargo traffic and the fishermen's union, officials said on day {n}."
              for n in (1, 2)]
    feed = tmp_path / "feeds" / "paper.xml"
    feed.parent.mkdir()
    feed.write_text('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                    "<title>Paper</title><link>https://paper.example/</link>"
                    + item(1, normal[0]) + item(2, huge) + item(3, normal[1]) + "</channel></rss>",
                    encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-c", RUN.format(limit=LIMIT_BYTES), "--feeds", str(feed),
                           "--output", str(out), "--max-feed-bytes", "30000000"],
                          capture_output=True, text=True, cwd=str(ROOT), timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    c = read_summary(out)["counts"]
    assert (c["entries_total"], c["stories"], c["entry_dead_letters"]) == (3, 3, 0), c
    assert read_summary(out)["quality"].get("text_truncated") == 1
    rows = {r["title"]: r for r in read_table(out, "stories")}
    assert MAX_TEXT_CHARS // 2 < len(rows["Story 2 about the harbour"]["text"]) <= MAX_TEXT_CHARS
    assert rows["Story 1 about the harbour"]["text"] == normal[0]
    assert json.dumps(rows["Story 3 about the harbour"]["text"]) == json.dumps(normal[1])
