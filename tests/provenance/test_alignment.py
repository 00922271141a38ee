"""The provenance decision code on known edits: sentence splitting, alignment, the reprint row,
the origin and the cluster row (plain Python, no Beam)."""
import datetime as _dt

import pytest

from transforms.provenance import (
    align,
    choose_origin,
    cluster_row,
    cluster_rows,
    copy_of_row,
    copy_of_story,
    measure,
    split_sentences,
)
from transforms.provenance.alignment import (
    copy_columns,
    credit_change,
    is_boilerplate,
    normalise_title,
)
from transforms.provenance.sentences import normalise, sentence_hash, strip_dateline
from transforms.records import CANONICAL, DUPLICATE, Story

UTC = _dt.timezone.utc
T0 = _dt.datetime(2026, 11, 27, 6, 0, tzinfo=UTC)

LEAD = ("LONDON (Reuters) - The Bank of England held interest rates at 4.25% on Thursday. "
        "Governor Andrew Bailey said inflation was falling faster than expected.")
BODY = [
    "Markets had priced in a cut after weak retail figures. Sterling rose 0.4% against the dollar.",
    "Mr. Bailey told reporters the U.S. tariffs were a risk. \"We are watching closely,\" he said.",
    "The next decision is due on Feb. 5. Economists expect a cut then.",
]
ORIGIN_TEXT = "\n\n".join([LEAD] + BODY + ["Reporting by Jane Doe; Editing by John Roe"])


def story(sid, text, title="Bank of England holds rates", source="Reuters", feed_agency=None, agencies=(),
          minutes=0, disposition=DUPLICATE, credit=None, language="en"):
    return Story(story_id=sid, feed_url=f"https://{source.lower().replace(' ', '')}.example/rss", source_name=source,
                 title=title, text=text, published=T0 + _dt.timedelta(minutes=minutes), language=language,
                 feed_agency=feed_agency, agencies=list(agencies), credit=credit, disposition=disposition)


def origin():
    return copy_of_story(story("orig", ORIGIN_TEXT, feed_agency="Reuters", disposition=CANONICAL))


# ---------------------------------------------------------------- sentences

def test_split_respects_abbreviations_initials_numbers_and_quotes():
    text = ("Mr. Smith met Gen. J. R. Allen in Washington on Jan. 5. Prices rose 3.5% in the U.S. "
            "economy. \"It was great.\" She left! Did he stay? Yes.")
    assert split_sentences(text) == [
        "Mr. Smith met Gen. J. R. Allen in Washington on Jan. 5.",
        "Prices rose 3.5% in the U.S. economy.",
        "\"It was great.\"", "She left!", "Did he stay?", "Yes."]


def test_dateline_is_cut_but_a_headline_like_dash_stays():
    assert strip_dateline("BEIJING, Dec. 2 (Xinhua) -- China launched") == "China launched"
    assert strip_dateline("LONDON (Reuters) - The Bank") == "The Bank"
    assert strip_dateline("US - china talks resume") == "US - china talks resume"


def test_normalise_folds_case_quotes_and_punctuation():
    assert normalise("“It’s  DONE,” he said.") == normalise('"It\'s done" he said')
    assert sentence_hash(normalise("A b.")) == sentence_hash(normalise("a  B"))
    assert sentence_hash(normalise("A b.")) != sentence_hash(normalise("A c."))


def test_boilerplate_lines():
    for line in ("Follow us on: Facebook, X", "Share this article", "Reporting by Jane Doe; Editing by John Roe",
                 "October 7, 2026, 5:16 pm", "About The Harbour Times: founded in 1901 in Port Alba."):
        assert is_boilerplate(line), line
    assert not is_boilerplate("The Bank of England held interest rates at 4.25% on Thursday.")


# ---------------------------------------------------------------- alignment and the reprint row

def test_verbatim_copy_keeps_everything_and_adds_nothing():
    o = origin()
    assert len(o.sentences) == 8 and o.lead == 2          # the footer is boilerplate, not content
    row = measure(o, copy_of_story(story("r1", ORIGIN_TEXT, source="Daily")), "orig")
    assert row["kept_share"] == 1.0 and row["sentences_kept"] == 8
    assert row["sentences_added"] == 0 and row["first_added_sentence"] is None
    assert row["lead_only"] is False and row["headline_changed"] is False
    assert row["boilerplate_removed"] is False and row["lag_seconds"] == 0.0


def test_lead_only_reprint_with_a_new_headline_and_its_own_sentence():
    text = LEAD.split(" - ", 1)[1] + "\n\nOur readers asked what this means for mortgages."
    reprint = story("r2", text, title="Rates on hold, says central bank | The Daily", source="The Daily", minutes=90)
    row = measure(origin(), copy_of_story(reprint), "orig")
    assert row["kept_share"] == 0.25 and row["lead_only"] is True
    assert row["sentences_added"] == 1
    assert row["first_added_sentence"] == "Our readers asked what this means for mortgages."
    assert row["headline_changed"] is True and row["lag_seconds"] == 5400.0
    assert row["boilerplate_removed"] is True          # the agency's footer is gone


def test_edited_swapped_and_cut_sentences():
    paras = [LEAD, BODY[0], BODY[1]]                  # the last paragraph cut (2 of 8 sentences)
    edited = "\n\n".join(paras).replace("falling faster", "falling quicker").replace("0.4%", "0.5%")
    a, b = "Markets had priced in a cut after weak retail figures.", "Sterling rose 0.5% against the dollar."
    edited = edited.replace(a + " " + b, b + " " + a)  # swapped
    row = measure(origin(), copy_of_story(story("r3", edited, source="Courier")), "orig")
    assert row["sentences_kept"] == 6 and row["kept_share"] == 0.75
    assert row["sentences_added"] == 0 and row["lead_only"] is False


def test_near_match_threshold_refuses_an_unrelated_sentence():
    o = [(1, frozenset(range(10)))]
    assert align(o, [(2, frozenset(range(8)) | {50, 51})]).kept == (0,)     # Jaccard 8/12
    assert align(o, [(2, frozenset(range(4)) | set(range(50, 60)))]).kept == ()   # 4/20


def test_alignment_is_one_to_one():
    same = (7, frozenset({1, 2, 3}))
    a = align([same], [same, same])
    assert a.kept == (0,) and len(a.added) == 1


def test_title_suffix_of_the_outlet_is_no_headline_change():
    assert normalise_title("Bank holds rates | The Daily", "The Daily") == normalise_title("Bank holds rates")
    assert normalise_title("Bank holds rates - The Daily", "The Daily") == normalise_title("Bank holds rates")
    assert normalise_title("Bank holds rates", "") != normalise_title("Rates on hold")


@pytest.mark.parametrize("agencies,credit,want", [
    (("Reuters",), "(Reuters)", "kept"), (("AFP",), "(AFP)", "changed"), ((), None, "removed")])
def test_credit_change(agencies, credit, want):
    reprint = copy_of_story(story("r", ORIGIN_TEXT, source="Daily", agencies=agencies, credit=credit))
    assert credit_change(origin(), reprint) == want
    plain = copy_of_story(story("o", ORIGIN_TEXT, source="Blog"))
    assert credit_change(plain, reprint) == ("added" if agencies else "none")


# ---------------------------------------------------------------- origin, cluster, state rows

def test_origin_is_the_agency_item_even_when_published_later():
    early = copy_of_story(story("early", ORIGIN_TEXT, source="Daily", minutes=-30))
    agency = copy_of_story(story("wire", ORIGIN_TEXT, feed_agency="Reuters", minutes=10))
    assert choose_origin([early, agency]).story_id == "wire"
    later = copy_of_story(story("later", ORIGIN_TEXT, source="Courier", minutes=5))
    assert choose_origin([later, early]).story_id == "early"


def test_cluster_row_counts_outlets_copies_languages_and_headlines():
    copies = [origin(), copy_of_story(story("r1", ORIGIN_TEXT, source="Daily", minutes=5)),
              copy_of_story(story("r2", ORIGIN_TEXT, source="Daily", minutes=9, title="Rates on hold")),
              copy_of_story(story("r3", ORIGIN_TEXT, source="Zeitung", minutes=20, language="de"))]
    row = cluster_row("orig", copies, choose_origin(copies), T0)
    assert row["origin_story_id"] == "orig" and row["origin_agency"] == "Reuters"
    assert (row["n_outlets"], row["n_copies"], row["languages"]) == (3, 4, ["de", "en"])
    assert row["headlines"] == [{"headline": "Bank of England holds rates", "count": 3},
                                {"headline": "Rates on hold", "count": 1}]
    assert row["first_published"] == T0 and row["last_published"] == T0 + _dt.timedelta(minutes=20)


def test_a_state_row_measures_like_the_story_it_remembers():
    o = origin()
    remembered = copy_of_row(dict(copy_columns(o), story_id="orig", feed_agency="Reuters", language="en"))
    reprint = copy_of_story(story("r1", "\n\n".join([LEAD, BODY[0]]), source="Daily"))
    a, b = measure(o, reprint, "orig"), measure(remembered, reprint, "orig")
    assert a == b and a["kept_share"] == 0.5
    assert copy_of_row({"story_id": "old", "sentences": None}) is None   # a generation before the columns


def test_cluster_rows_remeasure_remembered_copies_when_the_agency_item_arrives_late():
    reprint = copy_of_story(story("r1", ORIGIN_TEXT, source="Daily", minutes=-20))
    old = copy_of_row(dict(copy_columns(reprint), story_id="r1", feed_agency=None, language="en"))
    wire = copy_of_story(story("wire", ORIGIN_TEXT, feed_agency="Reuters", disposition=DUPLICATE))
    rows = cluster_rows("r1", [wire], [old], T0, "run2")
    tables = [(r.table, r.key) for r in rows]
    assert tables == [("clusters", "r1"), ("reprints", "r1")]
    assert rows[0].row["origin_story_id"] == "wire" and rows[1].row["origin_story_id"] == "wire"
    assert rows[1].row["lag_seconds"] == -1200.0
    # an origin remembered from an earlier run: only the new copy is measured
    again = cluster_rows("r1", [copy_of_story(story("r9", ORIGIN_TEXT, source="Courier"))], [old], T0)
    assert [(r.table, r.key) for r in again] == [("clusters", "r1"), ("reprints", "r9")]
