"""A story whose fingerprint or label a runner lost between two steps fails the run.

Every new story has one fingerprint and one label (Fingerprint, ConnectedComponents). A story
that reaches JoinLabels without them was not dropped by wirefeed but by the runner (Beam's local
data plane did, pipeline/dataplane.py): carrying it on without a state row, as this step once
did, committed a run whose decisions and state silently lacked it. Now the step raises, the run
fails and nothing is committed."""
import datetime as dt

import pytest

from transforms.dedupe.batch import _ByRoot
from transforms.dedupe.candidates import _labelled
from transforms.records import Story

T0 = dt.datetime(2026, 11, 20, 6, tzinfo=dt.timezone.utc)


def _story(sid="a" * 20):
    return Story(story_id=sid, feed_url="https://feed.example/rss", title="Rates", text="Rates rose.",
                 published=T0)


@pytest.mark.parametrize("missing", ["fp", "label"])
def test_a_story_without_its_fingerprint_or_label_fails_the_step(missing):
    g = {"story": [_story()], "fp": ["a fingerprint"], "label": ["a label"], "evidence": []}
    g[missing] = []
    with pytest.raises(RuntimeError, match=r"story a{20} reached Dedupe/JoinLabels without its (fingerprint|label)"):
        list(_ByRoot(T0).process(("a" * 20, g)))


def test_evidence_alone_is_not_a_loss():
    """An id with evidence but no story (a neighbour remembered from an earlier run whose
    fingerprint is there) yields nothing and raises nothing."""
    assert list(_ByRoot(T0).process(("b" * 20, {"story": [], "fp": [], "label": [], "evidence": [("l", "x", "r", 1, 1)]}))) == []


def test_a_large_bucket_member_without_its_label_fails_the_step():
    with pytest.raises(RuntimeError, match="without its label"):
        list(_labelled(("c" * 20, {"bucket": [b"bucket"], "label": []})))
