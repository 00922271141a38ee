"""Fingerprints: shingles without credits, LSH keys, similarity, boilerplate paragraphs."""
import numpy as np

from transforms.dedupe.fingerprint import (MIN_SHINGLES, boilerplate_paragraphs, is_duplicate, lsh_keys, shingles,
                                    similarity, sketch, without_paragraphs)

TEXT = ("MOSCOW, Oct 7 (Reuters) - The city council approved a plan on Tuesday to rebuild the old river bridge "
        "within three years, after engineers warned that its supports had weakened badly in the floods. "
        "The project will cost about 40 million euros and traffic will move to a temporary crossing.")


def sets(text):
    h = shingles(text)
    return np.sort(h), h.size


def test_credits_do_not_change_shingles():
    bare = TEXT.split(" - ", 1)[1]
    assert np.array_equal(shingles(TEXT), shingles(bare + "\n\nThe Harbour Times with inputs from Agencies"))


def test_containment_of_abridged_copy_is_one():
    a, na = sets(TEXT)
    lead, nl = sets(TEXT.split(". ")[0] + ".")
    containment, jaccard = similarity(lead, nl, a, na)
    assert containment == 1.0 and jaccard < 0.7


def test_tiny_texts_are_never_duplicates():
    a, na = sets("Weather forecast for Monday")
    assert na < MIN_SHINGLES and lsh_keys(shingles("Weather forecast for Monday")) == []
    assert not is_duplicate(1.0, na, na)


def test_lsh_keys_stable_and_shared_by_copies():
    k1, k2 = lsh_keys(shingles(TEXT)), lsh_keys(shingles(TEXT.replace("Tuesday", "Wednesday")))
    assert k1 == lsh_keys(shingles(TEXT)) and len(k1) == 42 + 12
    assert len(set(k1) & set(k2)) >= 5


def test_bottom_k_estimate_close_to_exact():
    rng = np.random.RandomState(0)
    universe = rng.randint(0, 2**32 - 1, size=5000, dtype=np.uint64).astype(np.uint32)
    a, b = np.unique(universe[:3000]), np.unique(universe[1000:4000])
    exact, _ = similarity(a, a.size, b, b.size)
    est, _ = similarity(sketch(a), a.size, sketch(b), b.size)
    assert abs(exact - 2 / 3) < 0.01 and abs(est - exact) < 0.12


def test_cjk_uses_character_shingles():
    zh = "新华社北京11月27日电 中国外交部发言人表示，中方愿同太平洋岛国加强海洋观测合作，共同应对自然灾害带来的挑战。"
    assert shingles(zh).size > MIN_SHINGLES


def test_a_short_cjk_text_uses_character_shingles_too():
    """Under 40 CJK characters (a lead without its stripped dateline) the text is still shingled
    by characters: by 'words' it would be one or two grams and never match its copies."""
    zh = "中国外交部发言人表示，中方愿同太平洋岛国加强海洋观测合作。"
    assert len(zh) < 40 and shingles(zh).size == len(zh.replace("，", "").replace("。", "")) - 4


def test_boilerplate_paragraphs_found_and_removed():
    footer = "Follow the Gazette for more local news every day."
    texts = ["Story one body.\n\n" + footer, "Story two body.\n\n" + footer, "Story three."]
    drop = boilerplate_paragraphs(texts)
    assert len(drop) == 1
    assert without_paragraphs(texts[0], drop) == "Story one body."


def test_identical_copies_in_one_feed_are_not_boilerplate():
    """A feed that carries the same story twice (same text, e.g. under two URLs) repeats its
    paragraphs, but that is one story, not a template: its text stays, and the copies keep
    their shingles (they used to lose them all and get similarity 0.0)."""
    import datetime as dt
    from transforms.dedupe.candidates import fingerprint_feed
    from transforms.records import UTC, Story
    footer = "Follow the Gazette for more local news every day."
    texts = [TEXT, TEXT, "A different story about the harbour and its new ferry line. " * 3 + "\n\n" + footer,
             "Yet another story, about the school board's budget for next year. " * 3 + "\n\n" + footer]
    assert boilerplate_paragraphs(texts) == {" ".join(footer.lower().replace(".", " ").split())}
    stories = [Story(story_id=f"s{i}", feed_url="feed", title=f"t{i}", text=t, entry_index=i,
                     fetched_at=dt.datetime(2026, 11, 1, tzinfo=UTC)) for i, t in enumerate(texts)]
    fps = list(fingerprint_feed(stories))
    assert fps[0].n_shingles == fps[1].n_shingles == shingles(TEXT).size > MIN_SHINGLES
    assert similarity(fps[0].shingles, fps[0].n_shingles, fps[1].shingles, fps[1].n_shingles)[0] == 1.0
    assert fps[2].n_shingles < shingles(texts[2]).size          # the footer is still boilerplate
