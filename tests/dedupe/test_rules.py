"""The decision core (transforms/dedupe/rules.py): size-partitioned keys, the same-feed update
rule, the link evidence in batch (Dedupe) and streaming (NearDuplicateIndex.decide)."""
import datetime as dt

import apache_beam as beam
import numpy as np
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from benchmarks.reprints import synthetic_articles
from transforms.clean.stories import content_hash, stable_id
from transforms.dedupe import Dedupe
from transforms.dedupe import rules
from transforms.dedupe.candidates import fingerprint_feed
from transforms.dedupe.fingerprint import lsh_keys, shingles
from transforms.dedupe.index import NearDuplicateIndex
from transforms.records import Story

T0 = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.timezone.utc)

# An outlet's own story and its update: a paragraph added, words reworded, a figure corrected.
V1 = [
    "Flood defences along the Marten river failed overnight near Oldbridge, forcing the evacuation of "
    "about 2,400 residents from low-lying streets, the regional council said on Friday morning.",
    "Council leader Anya Petrov said emergency crews had opened three shelters in school halls and that "
    "the army had sent 160 soldiers with pumps and sandbags to protect the water treatment plant.",
    "The river peaked at 5.8 metres above its normal level, the highest reading since records began in "
    "1947, according to the Environment Agency, which kept its severe warning in place for the town.",
    "Rail services between Oldbridge and Kessington were suspended and the main road bridge was closed "
    "after engineers found cracks in one of its supports, the transport operator Northline said.",
]
V2 = [
    "Flood defences along the Marten river gave way overnight near Oldbridge, forcing the evacuation of "
    "about 2,400 residents from low-lying streets, the regional council said on Friday.",
    "Council leader Anya Petrov said rescue crews had opened three shelters in school halls and that "
    "the army had deployed 160 soldiers with pumps and sandbags to guard the water treatment plant.",
    "The river peaked at 5.9 metres above its usual level, the highest reading since records began in "
    "1947, according to the Environment Agency, which kept its severe warning in place for the town.",
    "Insurers said early estimates of the damage ran into tens of millions, and the government said it "
    "would release emergency funds once the water had receded and homes could be inspected safely.",
    V1[3],
]


def template(company, firm, analyst, day, p0, p1, rev, close):
    """An outlet's templated analyst note: the same words around different facts."""
    return (f"{firm} analysts kept their Market Perform rating on {company} on {day} and raised their "
            f"price target to ${p1} from ${p0}, according to a research note sent to clients on that "
            f"day. The analysts, led by {analyst}, said revenue of ${rev} million in the latest quarter "
            "was broadly in line with their expectations and that the outlook for the rest of the year "
            f"remained balanced. Shares of {company} closed at ${close}. A Market Perform rating means the "
            "analysts expect the stock to perform in line with the broader market over the next twelve "
            "months, and the note does not constitute a recommendation to buy or sell any security.")


T1 = template("Valtrix Holdings", "Lombardi Research", "Carmen Mwangi", "Friday", 272, 290, 6122, "77.40")
T2 = template("Yorex Logistics", "Hartley Capital", "Jonas Berg", "Monday", 41, 45, 812, "38.15")


def side(text, feed):
    ordered = shingles(text)
    return rules.Side(np.sort(ordered), int(ordered.size), feed, rules.story_facts(text))


def skewed_pair():
    """A short wire item and a long feature that embeds it among four times as much text."""
    arts = synthetic_articles(6, seed=5)
    wire = arts[0]["paragraphs"][0]
    own = [p for a in arts[1:] for p in a["paragraphs"]]
    n = len(wire.split())
    out, words = [], 0
    for p in own:
        if words >= 4 * n:
            break
        out.append(p)
        words += len(p.split())
    feature = "\n\n".join(out[:2] + [wire] + out[2:])
    return wire, feature


def test_size_partitioned_keys_find_a_length_skewed_copy_the_jaccard_bands_miss():
    wire, feature = skewed_pair()
    a, b = shingles(wire), shingles(feature)
    assert b.size > 3 * a.size
    assert not set(lsh_keys(a)) & set(lsh_keys(b))                  # the old keys never meet
    assert set(rules.candidate_keys(a)) & set(rules.candidate_keys(b))
    link = rules.verify(side(wire, "https://wire.example/rss"), side(feature, "https://feature.example/rss"))
    assert link is not None and link.rule == "near_duplicate"
    assert link.containment >= 0.9 and link.containment_reverse < 0.3


def test_keys_per_story_is_fixed():
    _, feature = skewed_pair()
    long_keys = rules.candidate_keys(shingles(feature))
    short_keys = rules.candidate_keys(shingles(V1[0] + " " + V1[1]))
    assert len(long_keys) == rules.keys_per_story()      # at most this many (small classes have no
    assert len(short_keys) <= rules.keys_per_story()     # smaller partner classes)


def test_same_feed_update_is_linked_and_its_evidence_set():
    feed = "https://gazette.example/rss"
    old, new = side("\n\n".join(V1), feed), side("\n\n".join(V2), feed)
    c = max(rules.containments(old, new))
    assert 0.5 <= c < rules.SAME_FEED_CONTAINMENT               # the former 0.80 rule refused it
    link = rules.verify(new, old)
    assert link == rules.Link("same_feed_update", *rules.containments(new, old))
    # without facts (too few to tell) the 0.80 rule applies, and refuses it
    assert rules.verify(new._replace(facts=None), old._replace(facts=None)) is None


def test_templated_siblings_of_one_feed_are_not_linked():
    feed = "https://gazette.example/rss"
    a, b = side(T1, feed), side(T2, feed)
    assert max(rules.containments(a, b)) >= 0.5
    assert rules.facts_agree(a.facts, b.facts) is False
    assert rules.verify(a, b) is None
    assert rules.verify(a, b, threshold=0.1) is None                # refused at any containment
    # the same pair in two feeds is a plain containment decision: the refusal is the facts rule
    assert rules.verify(a, b._replace(feed="https://other.example/rss")) is not None


def test_a_story_carried_again_keeps_its_repeated_paragraphs():
    feed = "https://gazette.example/rss"
    added = V1[:2] + [V2[3]] + V1[2:]                      # an update that only adds a paragraph
    s1, s2 = story("v1", feed, "\n\n".join(V1)), story("v2", feed, "\n\n".join(added), minutes=90)
    fps = {f.story_id: f for f in fingerprint_feed([s1, s2])}
    assert fps["v1"].n_shingles == shingles(s1.text).size           # not removed as boilerplate
    assert fps["v2"].n_shingles == shingles(s2.text).size


def story(sid, feed, text, minutes=0, agency=None, title=None, url=None):
    s = Story(story_id=sid, feed_url=feed, title=title or sid, text=text, url=url or "",
              canonical_url=url or "", published=T0 + dt.timedelta(minutes=minutes),
              fetched_at=T0 + dt.timedelta(minutes=minutes), feed_agency=agency, word_count=len(text.split()),
              language="en")
    s.content_hash = content_hash(s.title, text)
    return s


def evidence_stories():
    wire, feature = skewed_pair()
    return [
        story("w", "https://wire.example/rss", wire, agency="Reuters", title="Wire"),
        story("f", "https://feature.example/rss", feature, minutes=60, title="Feature"),
        story("v1", "https://gazette.example/rss", "\n\n".join(V1), minutes=5, title="Floods"),
        story("v2", "https://gazette.example/rss", "\n\n".join(V2), minutes=95, title="Floods update"),
        story("t1", "https://gazette.example/rss", T1, minutes=10, title="Note"),
        story("t2", "https://gazette.example/rss", T2, minutes=20, title="Note"),
        # the same URL in a second feed (exact identity), the same title and text under another id
        story("u", "https://a.example/rss", OTHER, minutes=30, title="Snow", url="https://a.example/snow"),
        story("u", "https://b.example/rss", OTHER, minutes=40, title="Snow", url="https://a.example/snow"),
        story("h", "https://c.example/rss", OTHER, minutes=50, title="Snow"),
    ]


OTHER = ("Heavy snow closed three mountain passes on Tuesday and left hundreds of drivers stranded overnight in "
         "their cars, police said, as crews worked through the night to clear drifts up to two metres deep "
         "along the main highway to the border.")


def expected_evidence():
    stories = evidence_stories()
    copy_id = stable_id("u", "https://b.example/rss", "", stories[7].content_hash, "0")
    return copy_id, {
        "w": (None, None), "f": ("near_duplicate", "w"), "v1": (None, None),
        "v2": ("same_feed_update", "v1"), "t1": (None, None), "t2": (None, None),
        "u": (None, None), copy_id: ("url", "u"), "h": ("content_hash", "u"),
    }


def test_batch_evidence_per_rule():
    copy_id, expected = expected_evidence()
    with TestPipeline() as p:
        out = (p | beam.Create(evidence_stories()) | Dedupe())["stories"] | beam.Map(
            lambda s: (s.story_id, s.link_rule, s.linked_to,
                       s.containment is not None and 0 < s.containment <= 1,
                       s.containment_reverse is not None and 0 < s.containment_reverse <= 1))
        assert_that(out, equal_to([(sid, rule, to, rule is not None, rule is not None)
                                   for sid, (rule, to) in expected.items()]))


def test_batch_evidence_values_are_the_rules_containments():
    wire, feature = skewed_pair()
    with TestPipeline() as p:
        out = (p | beam.Create(evidence_stories()[:2]) | Dedupe())["stories"] | beam.Map(
            lambda s: (s.story_id, s.containment, s.containment_reverse))
        a, b = side(feature, "f"), side(wire, "w")
        c_fw, c_wf = rules.containments(a, b)
        assert_that(out, equal_to([("w", None, None), ("f", c_fw, c_wf)]))


def test_streaming_decide_links_with_the_same_rules():
    copy_id, expected = expected_evidence()
    index = NearDuplicateIndex()
    got = {}
    seen = set()
    for s in sorted(evidence_stories(), key=lambda s: s.fetched_at):
        exact_of = None
        if s.story_id in seen:                  # StreamDedupe's identity step: a derived id
            exact_of = s.story_id
            s.story_id = copy_id
        seen.add(s.story_id)
        index.decide(s, exact_of, shingles(s.text), s.fetched_at.timestamp(), 7 * 86400.0)
        got[s.story_id] = (s.link_rule, s.linked_to)
        assert (s.containment is None) == (s.link_rule is None)
    assert got == expected


def test_index_replays_logs_written_before_the_evidence_fields():
    index = NearDuplicateIndex()
    index.apply(("add", "old", 1.0, 1.0, "old", np.array([1, 2, 3], dtype=np.uint32), 3, (7,), None, None))
    assert index.entries["old"][7:] == [None, None]
    assert index.records()[0][:10] == ("add", "old", 1.0, 1.0, "old", index.entries["old"][3], 3, (7,), None,
                                       None)


def test_fingerprint_pickles_its_feed_and_facts():
    import pickle
    from transforms.dedupe.candidates import Fingerprint
    h = np.sort(shingles(V1[0]))
    fp = Fingerprint("s", "label", h, int(h.size), rules.candidate_keys(shingles(V1[0])), None, None,
                     feed="https://gazette.example/rss", facts=rules.story_facts(V1[0]))
    back = pickle.loads(pickle.dumps(fp, 5))
    assert (back.feed, back.facts, back.keys) == (fp.feed, fp.facts, fp.keys) and back.facts
    assert back.side().facts == fp.facts


# ---------------------------------------------------------------- short_copy and shared_facts

# A one-line teaser of V1: its first sentence cut to 11 words (7 shingles), with three facts.
TEASER = "Flood defences along the Marten river failed near Oldbridge on Friday."
STORY = ("Flood defences along the Marten river failed near Oldbridge on Friday. " + V1[0]
         + "\n\n" + "\n\n".join(V1[1:]))
# A generic one-liner two outlets both post: the same words, a single fact.
GENERIC = "Here are the winning numbers for the Monday draw tonight."
# One paragraph of V1 and an outlet's own paragraph without new facts: containment 0.35-0.50.
OWN = ("residents of the lowest streets were told to stay away from the river banks until the water "
       "went down and to boil their drinking water for at least a week, while volunteers handed out "
       "blankets and hot meals in the school halls")
CUT = V1[0] + "\n\n" + OWN.capitalize() + "."
# The same cut with an outlet's own paragraph of other names and numbers: another report.
OWN_FACTS = ("Mayor Lena Ortiz said 35 homes in Brackley and Fenwick were flooded and that Dr Tomas "
             "Reyes of the Northfield clinic had treated 12 people for cold, while volunteers handed out "
             "blankets and hot meals in the school halls")
CUT_OTHER = V1[0] + "\n\n" + OWN_FACTS + "."


def test_short_copy_links_a_teaser_to_its_story_across_feeds():
    teaser, story = side(TEASER, "https://outlet.example/rss"), side(STORY, "https://wire.example/rss")
    assert rules.SHORT_MIN_SHINGLES <= teaser.n < rules.MIN_SHINGLES
    link = rules.verify(teaser, story)
    assert link is not None and link.rule == "short_copy" and link.containment == 1.0
    assert rules.verify(story, teaser).rule == "short_copy"
    # the lead keys make them candidates: a 7-shingle text has no Jaccard band in common
    assert set(rules.candidate_keys(shingles(TEASER))) & set(rules.candidate_keys(shingles(STORY)))
    # the same teaser in the story's own feed is never linked (a feed's one-liners are its templates)
    assert rules.verify(teaser, story._replace(feed="https://outlet.example/rss")) is None


def test_short_copy_refuses_a_generic_one_liner_of_two_outlets():
    a, b = side(GENERIC, "https://a.example/rss"), side(GENERIC, "https://b.example/rss")
    assert rules.SHORT_MIN_SHINGLES <= a.n < rules.MIN_SHINGLES
    assert rules.containments(a, b) == (1.0, 1.0)
    assert rules.fact_overlap(a.facts, b.facts).shared < rules.SHORT_FACTS   # one fact: "Monday"
    assert rules.verify(a, b) is None
    # too short to compare at all
    tiny = side("Breaking news: more to follow.", "https://c.example/rss")
    assert tiny.n < rules.SHORT_MIN_SHINGLES and rules.verify(tiny, tiny._replace(feed="x")) is None


def test_shared_facts_links_a_cut_below_the_threshold_when_its_facts_are_in_the_story():
    cut, story = side(CUT, "https://outlet.example/rss"), side("\n\n".join(V1), "https://wire.example/rss")
    c = max(rules.containments(cut, story))
    assert rules.CONTAINMENT - rules.FACTS_MARGIN <= c < rules.CONTAINMENT
    link = rules.verify(cut, story)
    assert link is not None and link.rule == "shared_facts"
    assert link == rules.Link("shared_facts", *rules.containments(cut, story))
    # a stricter threshold moves the margin with it
    assert rules.verify(cut, story, threshold=c + rules.FACTS_MARGIN + 0.01) is None
    # the same pair in one feed is the same-feed rule's: below its threshold, refused
    assert rules.verify(cut, story._replace(feed="https://outlet.example/rss")) is None


def test_shared_facts_refuses_a_cut_with_facts_of_its_own():
    other, story = side(CUT_OTHER, "https://outlet.example/rss"), side("\n\n".join(V1), "https://wire.example/rss")
    assert rules.CONTAINMENT - rules.FACTS_MARGIN <= max(rules.containments(other, story)) < rules.CONTAINMENT
    o = rules.fact_overlap(other.facts, story.facts)
    assert o.shared >= rules.SHARED_FACTS_MIN and o.shared < rules.SHARED_FACTS_SHARE * (o.shared + o.only_a)
    assert rules.verify(other, story) is None
    # unknown facts (a story remembered from an earlier run) never give a second signal
    assert rules.verify(side(CUT, "o"), side("\n\n".join(V1), "w")._replace(facts=None)) is None


def test_fact_overlap_compares_facts_samples_only_where_both_are_complete():
    big = tuple(range(0, 2 * rules.MAX_FACTS, 2))[:rules.MAX_FACTS]      # a sample: the 96 smallest
    small = (2, 4, 6, big[-1] + 1, big[-1] + 3)                          # the last two beyond it
    o = rules.fact_overlap(small, big)
    assert (o.shared, o.only_a) == (3, 0)                                # unknown, not lost
    assert rules.fact_overlap(small, big[:10]).only_a == 2               # a whole set: lost
    assert rules.fact_overlap(None, big) is None


def test_size_keys_large_side_holds_the_smallest_values_of_each_band():
    from transforms.dedupe.fingerprint import bottom_hashes, minhash
    _, feature = skewed_pair()
    h = shingles(feature)
    depth = bottom_hashes(h, 16, rules.SIZE_DEPTH)
    assert depth.shape == (rules.SIZE_DEPTH, 16)
    assert (depth.min(axis=0) == minhash(h)[:16]).all()
    assert (np.sort(depth, axis=0) == np.sort(bottom_hashes(h[::-1], 16, rules.SIZE_DEPTH), axis=0)).all()
    assert bottom_hashes(h[:2], 16, rules.SIZE_DEPTH).shape == (2, 16)


def test_batch_and_streaming_give_the_new_rules_the_same_evidence():
    stories = [story("w", "https://wire.example/rss", STORY, agency="Reuters", title="Floods"),
               story("t", "https://outlet.example/rss", TEASER, minutes=30, title="Teaser"),
               story("c", "https://cut.example/rss", CUT, minutes=40, title="Cut")]
    expected = {"w": (None, None), "t": ("short_copy", "w"), "c": ("shared_facts", "w")}
    index = NearDuplicateIndex()
    got = {}
    for s in sorted(evidence_copy(stories), key=lambda s: s.fetched_at):
        index.decide(s, None, shingles(s.text), s.fetched_at.timestamp(), 7 * 86400.0)
        got[s.story_id] = (s.link_rule, s.linked_to)
    assert got == expected
    with TestPipeline() as p:
        out = (p | beam.Create(evidence_copy(stories)) | Dedupe())["stories"] | beam.Map(
            lambda s: (s.story_id, s.link_rule, s.linked_to))
        assert_that(out, equal_to([(sid, rule, to) for sid, (rule, to) in expected.items()]))


def evidence_copy(stories):
    import copy
    return [copy.deepcopy(s) for s in stories]
