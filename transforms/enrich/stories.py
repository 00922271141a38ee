"""Enrich: language, agency attribution, credit and its position, dateline, word count.

Agency patterns live in transforms/enrich/agencies/attribution.py and language detection in
transforms/enrich/language.py; this module applies them to cleaned Stories.
"""
from __future__ import annotations

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.enrich.agencies.attribution import attribute
from transforms.enrich.language import LanguageDetector
from transforms.records import DeadLetter, Story
from transforms.tagged import TypedParDo


def enrich_story(story: Story, detector: LanguageDetector) -> Story:
    language, confidence = detector.detect(story.title, story.text, story.declared_language)
    credited = attribute(story.title, story.text or story.summary)
    inferred = list(story.agencies_inferred)
    if story.feed_agency and story.feed_agency not in credited.agencies and story.feed_agency not in inferred:
        inferred.append(story.feed_agency)  # the agency's own wire
    story.language = language
    story.language_confidence = confidence
    story.agencies = list(credited.agencies)
    story.agencies_inferred = inferred
    story.agency_sourced = bool(story.agencies or inferred)
    story.credit = credited.credit
    story.credit_position = credited.position
    story.dateline = credited.dateline
    story.word_count = len(story.text.split())
    return story


class _EnrichStory(beam.DoFn):
    def __init__(self, seed: int = 0):
        self._seed = seed
        self._detector = None
        self._und = Metrics.counter("enrich", "language_und")

    def setup(self):
        self._detector = LanguageDetector(seed=self._seed)

    def process(self, story: Story):
        try:
            enriched = enrich_story(story, self._detector)
        except Exception as e:
            yield beam.pvalue.TaggedOutput("dead_letter", DeadLetter.from_exception(
                "enrich", story.feed_url, e, entry=story.story_id, excerpt=story.title))
            return
        if enriched.language == "und":
            self._und.inc()
        yield enriched


class Enrich(beam.PTransform):
    """Cleaned Story -> enriched Story ({'stories', 'dead_letter'})."""

    def __init__(self, seed: int = 0):
        super().__init__()
        self._seed = seed

    def expand(self, stories):
        return stories | "EnrichStory" >> TypedParDo(_EnrichStory(self._seed), {"stories": Story})
