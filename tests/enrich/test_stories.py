"""Enrich: language, agencies, credit, dateline and word count on cleaned stories."""
import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.enrich.stories import Enrich
from transforms.records import Story


def story(**kw):
    base = dict(story_id="s", feed_url="f", title="", text="")
    base.update(kw)
    return Story(**base)


def test_enrich_values():
    wire = story(story_id="w", title="Pacific states sign ocean data pact",
                 text="XIAMEN, Nov. 27 (Xinhua) -- Twelve countries signed a pact on Friday to share "
                      "ocean readings from buoys and tide gauges across the region.", feed_agency="Xinhua")
    reprint = story(story_id="r", title="Ocean pact signed",
                    text="Twelve countries signed a pact on Friday to share ocean readings.\n\n"
                         "Delegates tour the centre [Xinhua]\n\nThe Harbour Times with inputs from Agencies",
                    declared_language="en-NZ")
    german = story(story_id="d", title="Niedrigwasser am Rhein",
                   text="Kaub (dpa) - Der Pegel am Rhein ist weiter gefallen, Schiffe fahren nur noch halb beladen.")
    own = story(story_id="o", title="Council meets", text="The council met on Monday to discuss the budget for roads.",
                feed_agency="Reuters")
    tiny = story(story_id="t", title="OK", text="", declared_language="fr-FR")
    with TestPipeline() as p:
        out = p | beam.Create([wire, reprint, german, own, tiny]) | Enrich()
        assert_that(out["stories"] | beam.Map(lambda s: (
            s.story_id, s.language, s.agencies, s.agencies_inferred, s.agency_sourced, s.dateline, s.word_count)),
            equal_to([
                ("w", "en", ["Xinhua"], [], True, "XIAMEN", 24),
                ("r", "en", ["Xinhua", "Agencies"], [], True, None, 23),
                ("d", "de", ["dpa"], [], True, "Kaub", 16),
                ("o", "en", [], ["Reuters"], True, None, 11),
                ("t", "fr", [], [], False, None, 0),
            ]))
        assert_that(out["dead_letter"], equal_to([]), label="no dead letters")


def test_enrich_credit_position():
    from transforms.enrich.language import LanguageDetector
    from transforms.enrich.stories import enrich_story

    s = story(title="Ferry pact signed", text="ATHENS (Reuters) - Two ferry lines signed a pact on Monday.\n\n"
                                                  "Boats at the quay on Monday. (Photo: AFP)")
    enrich_story(s, LanguageDetector(seed=0))
    assert (s.agencies, s.credit_position) == (["Reuters", "AFP"], "dateline,photo")
    plain = enrich_story(story(title="Council meets", text="The council met on Monday."), LanguageDetector(seed=0))
    assert plain.credit_position is None
