"""What the read tests share: ReadFeedList run in a real pipeline and its outputs checked."""
import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.read import ReadFeedList


def assert_read(args, sources, dead):
    """ReadFeedList(args) gives exactly these source locations and these dead letters, as
    (stage, source, entry, error) tuples."""
    with TestPipeline() as p:
        out = p | ReadFeedList(args)
        assert_that(out["sources"] | beam.Map(lambda s: s.location), equal_to(sources), label="sources")
        assert_that(out["dead_letter"] | "d" >> beam.Map(lambda d: (d.stage, d.source, d.entry, d.error)),
                    equal_to(dead), label="dead")
