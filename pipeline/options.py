"""WirefeedOptions: the pipeline's own flags, beside every Beam flag.

Multi-word flags accept both spellings (`--dedupe-window-days` and `--dedupe_window_days`):
dashes on the command line, underscores where Beam rebuilds options from a dictionary.
"""
import argparse
import math

from apache_beam.options.pipeline_options import PipelineOptions

from transforms.dedupe.fingerprint import CONTAINMENT
from transforms.write.partitioned import ROWS_PER_FILE

FORMATS = ("parquet", "jsonl")
DEFAULT_MAX_BYTES = 20_000_000


def finite_float(text: str) -> float:
    """A float flag's value: a finite number (nan and inf are typos, never settings)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid float value: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def positive_int(text: str) -> int:
    """A count flag that must be at least 1 (--fetch-articles WORDS)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _flag(parser, name, **kwargs):
    spellings = ["--" + name] + (["--" + name.replace("-", "_")] if "-" in name else [])
    parser.add_argument(*spellings, dest=name.replace("-", "_"), **kwargs)


class WirefeedOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser):
        _flag(parser, "feeds", action="append", metavar="FEEDLIST",
              help="Feeds to read; repeatable. An OPML file, a text file with one URL or path per "
                   "line, a feed file, a folder or glob of feed files, an http(s) URL, or any of "
                   "these on gs:// or s3://. Example: --feeds examples/feeds.opml")
        _flag(parser, "output", metavar="DIR",
              help="Output root (local, gs://, s3://). Example: --output ./out")
        _flag(parser, "format", default="parquet", metavar="FMT",
              help="parquet (default), jsonl, or both: --format parquet,jsonl")
        _flag(parser, "state", default=None, metavar="PATH",
              help="Cross-run state folder (default: OUTPUT/state). Example: --state gs://b/wirefeed-state")
        _flag(parser, "reset-state", action="store_true", default=False,
              help="Start a new cross-run state instead of the current one (after the run stopped on a "
                   "damaged state and no backup can be restored; stories it remembered may be written "
                   "again). Example: --reset-state")
        _flag(parser, "dedupe-window-days", type=finite_float, default=7.0, metavar="DAYS",
              help="Remember stories this long for dedupe across runs (default 7). Example: --dedupe-window-days 3")
        _flag(parser, "near-duplicate-threshold", type=finite_float, default=CONTAINMENT, metavar="C",
              help=f"Shingle containment from which a story is a reprint of another (default {CONTAINMENT}). "
                   "Example: --near-duplicate-threshold 0.6")
        _flag(parser, "as-of", default=None, metavar="TIMESTAMP",
              help="Measure the dedupe window from this UTC time instead of now (backfills, tests). "
                   "Example: --as-of 2026-11-28T06:00:00Z")
        _flag(parser, "run-id", default=None, metavar="ID",
              help="Run id for runs/ID.json and file names (default: UTC time + random suffix): letters, "
                   "digits, '.', '_', '-', at most 100. An id already committed runs as ID.2 (ID.3 …), "
                   "keeping the earlier attempt's output. Example: --run-id nightly-2026-11-28")
        _flag(parser, "shards", type=int, default=None, metavar="N",
              help="Files per table partition, fixed (default: sized by --rows-per-file). Example: --shards 4")
        _flag(parser, "rows-per-file", type=int, default=ROWS_PER_FILE, metavar="N",
              help=f"Target rows per file: a partition (table, date, language) of R rows is written as "
                   f"ceil(R / N) files, so no worker holds more than about N rows of it (default {ROWS_PER_FILE}; "
                   "--shards overrides). Example: --rows-per-file 50000")
        _flag(parser, "fetch-timeout", type=finite_float, default=30.0, metavar="SECONDS",
              help="Whole-feed HTTP deadline per attempt, headers and body (default 30). Example: --fetch-timeout 20")
        _flag(parser, "connect-timeout", type=finite_float, default=10.0, metavar="SECONDS",
              help="HTTP connect timeout (default 10). Example: --connect-timeout 5")
        _flag(parser, "max-retries", type=int, default=3, metavar="N",
              help="HTTP retries on connection errors, 5xx, 408 and 429 (default 3). Example: --max-retries 1")
        _flag(parser, "max-feed-bytes", type=int, default=DEFAULT_MAX_BYTES, metavar="BYTES",
              help="Largest feed body, before and after decompression (default 20 MB). "
                   "Example: --max-feed-bytes 5000000")
        _flag(parser, "max-concurrency", type=int, default=8, metavar="N",
              help="Parallel HTTP fetches per worker (default 8). Example: --max-concurrency 16")
        _flag(parser, "per-host-concurrency", type=int, default=2, metavar="N",
              help="Parallel HTTP fetches per host (default 2). Example: --per-host-concurrency 1")
        _flag(parser, "allow-private-networks", action="store_true", default=False,
              help="Allow feeds on loopback and private addresses (link-local and cloud metadata "
                   "addresses stay refused). Example: --allow-private-networks")
        _flag(parser, "fetch-articles", type=positive_int, default=None, metavar="WORDS",
              help="Fetch the article page of every story whose feed text has fewer than WORDS words "
                   "(robots.txt honoured, same HTTP guards as feeds) and keep its main text when it is "
                   "longer (default: off). Example: --fetch-articles 150")
        _flag(parser, "max-future-hours", type=finite_float, default=24.0, metavar="HOURS",
              help="Dates further than this past the fetch time are clamped to it (default 24). "
                   "Example: --max-future-hours 2")
        _flag(parser, "language-seed", type=int, default=0, metavar="N",
              help="Seed of the language detector's random draws (langdetect's model and decision rule, "
                   "vectorised with numpy): the same seed gives the same languages (default 0). "
                   "Example: --language-seed 7")
        _flag(parser, "no-progress", action="store_true", default=False,
              help="Never show the progress line (it is shown only when stderr is a terminal and the "
                   "run is in this process). Example: --no-progress")
        _flag(parser, "fail-on-dead-letters", action="store_true", default=False,
              help="Exit with code 3 when the run wrote any dead letter. Example: --fail-on-dead-letters")
        # Streaming mode: --streaming (Beam's StandardOptions flag) plus these; docs/streaming.md.
        _flag(parser, "poll-interval", type=finite_float, default=300.0, metavar="SECONDS",
              help="With --streaming: poll the feeds this often (default 300). Example: --poll-interval 60")
        _flag(parser, "max-poll-interval", type=finite_float, default=None, metavar="SECONDS",
              help="With --streaming: unchanged feeds back off up to this, and ttl/sy:updatePeriod hints "
                   "are respected up to it (default 12 x --poll-interval; equal to --poll-interval: "
                   "poll every feed every time). Example: --max-poll-interval 3600")
        _flag(parser, "flush-interval", type=finite_float, default=None, metavar="SECONDS",
              help="With --streaming: commit what the stream decided (rows and their state) at least "
                   "this often, as one unit (default: --poll-interval). Example: --flush-interval 60")
        _flag(parser, "settle-seconds", type=finite_float, default=None, metavar="SECONDS",
              help="With --streaming: hold each new story this long before deciding it, so that the "
                   "stories of one poll round are ordered as batch orders them (the agency's own item "
                   "first, then the earliest published) (default: --poll-interval; 0: decide on "
                   "arrival). Example: --settle-seconds 60")
        _flag(parser, "dedupe-shards", type=int, default=16, metavar="N",
              help="With --streaming: split each language's near-duplicate index over N keys "
                   "(default 16). Example: --dedupe-shards 64")
        _flag(parser, "run-for", type=finite_float, default=None, metavar="SECONDS",
              help="With --streaming: stop polling after this long, commit the last units and exit "
                   "(default: run until SIGINT/SIGTERM). Example: --run-for 3600")
        _flag(parser, "max-polls", type=int, default=None, metavar="N",
              help="With --streaming: stop after N polling rounds, commit the last units and exit. "
                   "Example: --max-polls 3")
