"""The streaming graph translates into a Dataflow streaming job (offline: --dry_run, nothing is
submitted). Needs apache-beam[gcp]; skipped without it."""
import time

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.options import WirefeedOptions
from pipeline.streaming import build_streaming
from transforms.records import FeedSource

pytest.importorskip("google.cloud.storage", reason="apache-beam[gcp] is not installed")


def test_streaming_graph_translates_for_dataflow():
    argv = ["--runner=DataflowRunner", "--dry_run=True", "--project=wirefeed-dry-run",
            "--region=us-central1", "--temp_location=gs://wirefeed-dry/tmp", "--streaming",
            "--feeds", "https://example.com/a.xml", "--output", "gs://wirefeed-dry/out",
            "--poll-interval", "60"]
    options = PipelineOptions(argv)
    p = beam.Pipeline(options=options)
    sources = [FeedSource("https://example.com/a.xml"), FeedSource("https://other.example/b.xml")]
    build_streaming(p, options.view_as(WirefeedOptions), "dry", {"run_id": "dry"}, sources, start=time.time())
    result = p.run()
    assert str(result.state).endswith("DONE")
    assert result.job.proto.type == 2            # JOB_TYPE_STREAMING
    names = {t.unique_name for t in result.job.proto_pipeline.components.transforms.values()}
    for step in ("PollFeeds/Ticks", "PollFeeds/Poll", "StreamDedupe/Identity", "StreamDedupe/FanOut",
                 "StreamDedupe/Shards", "StreamDedupe/Decide", "StreamDedupe/Clusters",
                 "WriteUnits/CommitUnits", "WriteUnits/CommitDeadLetters0", "WriteUnits/Commit"):
        assert step in names
