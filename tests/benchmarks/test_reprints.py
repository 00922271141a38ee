"""The reprint benchmark generator (benchmarks/reprints/) and the clustering metrics
(benchmarks/cluster_metrics.py)."""
import collections
import datetime as dt
import difflib
import itertools
import os
import random
import re
import time

import pytest

from tests.support import shared_path


from benchmarks import reprints as R  # noqa: E402
from benchmarks.cluster_metrics import pairwise_scores  # noqa: E402

WORD = re.compile(r"\w+")
BOILERPLATE_PARAS = {"follow-us": 1, "date-line": 1, "photo-caption": 2, "inputs-credit": 1,
                     "about-para": 1, "share-line": 1}


def grams(text, k=8):
    w = WORD.findall(text.lower())
    return {" ".join(w[i:i + k]) for i in range(len(w) - k + 1)}


def paras(text):
    return [p for p in text.split("\n\n") if p] if text else []


def tokens(item):
    return item.kind.split(":", 1)[1].split("+")


@pytest.fixture(scope="module")
def items():
    return R.generate(1500, seed=5)


@pytest.fixture(scope="module")
def by_id(items):
    return {it.id: it for it in items}


@pytest.fixture(scope="module")
def original_of(items):
    return {it.cluster: it for it in items if it.kind == "original"}


# ---------------------------------------------------------------------------------------------
# Determinism, kinds, gold invariants
# ---------------------------------------------------------------------------------------------

def test_same_seed_same_items_and_different_seed_different():
    a = R.generate(60, seed=11)
    b = R.generate(60, seed=11)
    c = R.generate(60, seed=12)
    assert a == b
    assert [x.text for x in a] != [x.text for x in c]
    assert R.synthetic_articles(20, seed=3) == R.synthetic_articles(20, seed=3)
    assert R.synthetic_articles(20, seed=3) != R.synthetic_articles(20, seed=4)
    # The global RNG is neither used nor disturbed.
    random.seed(99)
    before = random.random()
    random.seed(99)
    R.generate(20, seed=1)
    assert random.random() == before


def test_every_reprint_transform_and_negative_type_appears_in_200_originals():
    items = R.generate(200, seed=0)
    seen = collections.Counter()
    negs = collections.Counter()
    for it in items:
        if it.kind.startswith("reprint:"):
            seen.update(tokens(it))
        elif it.kind.startswith("negative:"):
            negs[it.kind.split(":", 1)[1]] += 1
        else:
            assert it.kind == "original"
    assert set(seen) == set(R.REPRINT_TRANSFORMS), set(R.REPRINT_TRANSFORMS) ^ set(seen)
    assert set(negs) == set(R.NEGATIVE_TYPES)
    assert sum(it.kind == "original" for it in items) == 200
    # about a quarter as many negatives as originals, spread over the four types
    assert 45 <= sum(negs.values()) <= 60 and min(negs.values()) >= 10


def test_gold_clusters_have_one_agency_original_and_later_reprints(items, original_of):
    assert len({it.id for it in items}) == len(items)
    assert len({it.url for it in items}) == len(items)
    clusters = collections.defaultdict(list)
    for it in items:
        clusters[it.cluster].append(it)
        assert it.published.tzinfo is not None and it.published.utcoffset() == dt.timedelta(0)
    for label, members in clusters.items():
        if any(m.kind.startswith("negative:") for m in members):
            continue
        agency_items = [m for m in members if m.is_agency_feed]
        assert len(agency_items) == 1, label
        orig = agency_items[0]
        assert orig.kind == "original" and orig.agency in R.AGENCIES
        assert orig.source_name == orig.agency and "/rss/" in orig.feed_url
        outlets = [m.source_name for m in members if m is not orig]
        assert len(outlets) == len(set(outlets))  # one reprint per outlet
        for m in members:
            if m is orig:
                continue
            assert m.kind.startswith("reprint:") and not m.is_agency_feed
            assert m.agency == orig.agency  # gold agency of a reprint
            assert m.published > orig.published
    sizes = collections.Counter(len(v) for v in clusters.values())
    assert max(sizes) == 7 and sizes[1] > 0  # 0..6 reprints per original
    # items come back in publication order with sequential ids
    assert [it.published for it in items] == sorted(it.published for it in items)
    assert items[0].id == "i0000000"


def test_negatives_are_alone_in_their_gold_cluster(items, by_id):
    counts = collections.Counter(it.cluster for it in items)
    negs = [it for it in items if it.kind.startswith("negative:")]
    assert negs
    for n in negs:
        assert counts[n.cluster] == 1, n.kind
        assert n.near in by_id and by_id[n.near].cluster != n.cluster


# ---------------------------------------------------------------------------------------------
# Reprint transforms, checked against the original
# ---------------------------------------------------------------------------------------------

def test_reprint_paragraph_counts_follow_their_transforms(items, original_of):
    checked = collections.Counter()
    for it in items:
        if not it.kind.startswith("reprint:"):
            continue
        t = tokens(it)
        orig = original_of[it.cluster]
        n_orig = len(paras(orig.text))
        extra = sum(BOILERPLATE_PARAS.get(x, 0) for x in t) + ("insert-para" in t)
        mode = t[0]
        if mode == "full":
            expect = n_orig - ("drop-para" in t) + extra
        elif mode.startswith("truncate"):
            expect = int(mode[-1]) + extra
            assert int(mode[-1]) < n_orig
            assert it.text == it.summary
        else:
            assert mode == "summary-only"
            expect = 1
            assert it.text == it.summary
        assert len(paras(it.text)) == expect, it.kind
        checked[mode] += 1
    assert set(checked) == {"full", "truncate1", "truncate2", "truncate3", "summary-only"}


def test_reprint_boilerplate_headline_and_dateline(items, original_of):
    checked = collections.Counter()
    for it in items:
        if not it.kind.startswith("reprint:"):
            continue
        t = set(tokens(it))
        orig = original_of[it.cluster]
        ps = paras(it.text)
        if "follow-us" in t:
            assert ps[0].startswith("Follow us on:")
        if "photo-caption" in t:
            caps = [i for i in range(len(ps) - 1) if ps[i] == ps[i + 1]]
            assert caps and ps[caps[0]].endswith(f"[{orig.agency}]")
        if "inputs-credit" in t:
            assert any("with inputs from" in p.lower() for p in ps[-3:])
        if "about-para" in t:
            about = [p for p in ps if p.startswith(f"About {it.source_name}:")]
            assert about and 30 <= len(about[0].split()) <= 50
        if "title-suffix" in t:
            assert it.title.endswith(f" | {it.source_name}")
        if "headline" in t:
            new = set(WORD.findall(it.title.lower())) - set(WORD.findall(it.source_name.lower()))
            old = set(WORD.findall(orig.title.lower()))
            assert it.title.split(" | ")[0] != orig.title and len(new & old) <= 3
        elif "title-suffix" not in t:
            assert it.title == orig.title
        credit = {"TASS": "/TASS/", "Anadolu": "(AA)"}.get(orig.agency, f"({orig.agency})")
        if "dateline-remove" in t:
            assert credit in paras(orig.text)[0] and credit not in it.text
        if "dateline-add" in t:
            assert credit not in paras(orig.text)[0] and credit in it.text
        checked.update(t)
    assert all(checked[k] for k in ("follow-us", "photo-caption", "inputs-credit", "about-para",
                                    "title-suffix", "headline", "dateline-add",
                                    "dateline-remove"))


def _single(items, kind):
    return [it for it in items if it.kind == kind]


def test_light_edits_change_little(items, original_of):
    verbatim = _single(items, "reprint:full")
    assert verbatim
    for it in verbatim:
        orig = original_of[it.cluster]
        assert (it.title, it.text) == (orig.title, orig.text)

    edited = _single(items, "reprint:full+word-edits")
    assert edited
    for it in edited:
        a, b = original_of[it.cluster].text.split(), it.text.split()
        sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
        changed = sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in sm.get_opcodes()
                      if op != "equal")
        assert 1 <= changed <= max(2, 0.06 * len(a)), (changed, len(a))

    swapped = _single(items, "reprint:full+sentence-swap")
    assert swapped
    for it in swapped:
        orig = original_of[it.cluster]
        assert it.text != orig.text
        assert sorted(it.text.split()) == sorted(orig.text.split())

    renumbered = _single(items, "reprint:full+number-change")
    assert renumbered
    for it in renumbered:
        a, b = original_of[it.cluster].text.split(), it.text.split()
        diff = [(x, y) for x, y in zip(a, b) if x != y]
        assert len(a) == len(b) and len(diff) == 1
        assert re.search(r"\d", diff[0][0]) and re.search(r"\d", diff[0][1])


def test_reprints_keep_most_of_the_original_text(items, original_of):
    """Sanity of the gold: full-text reprints keep a good part of the original's 8-word runs
    (a 3% word edit alone breaks up to a quarter of them; a dropped paragraph another
    quarter), while unrelated originals share none."""
    kept = []
    for it in items:
        if it.kind.startswith("reprint:full"):
            g_orig = grams(original_of[it.cluster].text)
            if len(g_orig) >= 50:
                kept.append(len(g_orig & grams(it.text)) / len(g_orig))
    assert min(kept) >= 0.25 and sorted(kept)[len(kept) // 2] >= 0.8


# ---------------------------------------------------------------------------------------------
# Synthetic articles and hard negatives
# ---------------------------------------------------------------------------------------------

def test_synthetic_articles_shape_and_no_shared_8_word_runs():
    arts = R.synthetic_articles(200, seed=21)
    for a in arts:
        assert 4 <= len(a["paragraphs"]) <= 8
        for q in a["quotes"]:
            assert 15 <= len(q.split()) <= 25
            assert any(q in p for p in a["paragraphs"])
    assert sum(bool(a["quotes"]) for a in arts) > 100
    for x, y in zip(arts[0::2], arts[1::2]):  # 100 unrelated pairs
        gx = grams(x["title"] + "\n" + "\n".join(x["paragraphs"]))
        gy = grams(y["title"] + "\n" + "\n".join(y["paragraphs"]))
        assert not gx & gy, sorted(gx & gy)[:3]


CALENDAR = set("Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February "
               "March April May June July August September October November December".split())


def _jaccard(a, b):
    return len(a & b) / max(1, len(a | b))


def test_hard_negatives_resemble_their_anchor_in_the_intended_way(items, by_id):
    kinds = collections.defaultdict(list)
    for it in items:
        if it.kind.startswith("negative:"):
            kinds[it.kind.split(":", 1)[1]].append(it)

    for n in kinds["agency-versions"]:
        a = by_id[n.near]
        assert n.is_agency_feed and a.is_agency_feed and n.agency != a.agency
        quotes_a = re.findall(r"\u201c(.+?)[,.]?\u201d", a.text)
        shared = [q for q in quotes_a if q in n.text]
        assert 1 <= len(shared) <= 2 and all(15 <= len(q.split()) <= 25 for q in shared)
        assert _jaccard(grams(n.text), grams(a.text)) < 0.2

    def names(text):  # capitalised words inside sentences: people, places, organisations
        return set(re.findall(r"(?<=[a-z,] )[A-Z][a-z]+", text)) - CALENDAR

    for n in kinds["same-topic"]:
        a = by_id[n.near]
        if len(paras(a.text)) > 1:
            assert len(names(n.text) & names(a.text)) >= 3
        else:  # a real one-paragraph anchor: its names or key word pairs
            whole = a.title + ". " + a.text
            pairs = {g for g in grams(whole, 2) if min(map(len, g.split())) >= 4}
            assert names(n.text) & names(whole) or pairs & grams(n.text, 2)
        assert _jaccard(grams(n.text), grams(a.text)) < 0.2

    for n in kinds["outlet-boilerplate"]:
        a = by_id[n.near]
        assert n.source_name == a.source_name and not n.is_agency_feed and n.agency is None
        about = [p for p in paras(n.text) if p.startswith(f"About {n.source_name}:")]
        assert len(about) == 1 and len(about[0].split()) >= 30 and about[0] in paras(a.text)
        assert paras(n.text)[0].startswith("Follow us on:")
        body_n = [p for p in paras(n.text) if p not in paras(a.text)]
        body_a = [p for p in paras(a.text) if p not in paras(n.text)]
        assert body_n and not grams(" ".join(body_n)) & grams(" ".join(body_a))

    titles = collections.Counter(n.title for n in kinds["short"])
    assert any(c > 1 for c in titles.values())  # identical generic titles, different stories
    for n in kinds["short"]:
        assert len(re.findall(r"[.!?]", n.text)) <= 1 and n.text == n.summary
    assert any(n.text == "" for n in kinds["short"])


# ---------------------------------------------------------------------------------------------
# Feed files
# ---------------------------------------------------------------------------------------------

def test_feed_files_parse_back_with_feedparser_and_listparser(tmp_path):
    feedparser = pytest.importorskip("feedparser")
    listparser = pytest.importorskip("listparser")
    items = R.generate(120, seed=4)
    paths = R.to_feed_files(items, tmp_path, max_items_per_file=40)  # exercise the splitting
    assert paths and all(os.path.exists(p) for p in paths)
    by_url = {it.url: it for it in items}
    n = 0
    for p in paths:
        parsed = feedparser.parse(p)
        assert not parsed.bozo, (p, parsed.bozo_exception)
        assert 1 <= len(parsed.entries) <= 40
        n += len(parsed.entries)
        for e in parsed.entries:
            it = by_url[e.link]
            assert e.id == it.url and e.title == it.title
            assert dt.datetime(*e.published_parsed[:6], tzinfo=dt.timezone.utc) == it.published
            if it.text and (it.text != it.summary or "\n\n" in it.text):
                html = e.content[0].value
                assert html.count("<p>") == len(paras(it.text))
                assert paras(it.text)[-1].split()[-1].replace("&", "&amp;") in html
            if it.summary and "\n\n" not in it.summary:
                assert e.summary == it.summary
    assert n == len(items)

    opml = listparser.parse((tmp_path / "feeds.opml").read_bytes())
    assert not opml.bozo
    assert sorted(f.url for f in opml.feeds) == sorted(os.path.basename(p) for p in paths)
    agencies = {it.feed_url: it.agency for it in items if it.is_agency_feed}
    for f in opml.feeds:
        assert (tmp_path / f.url).exists()
        cats = f.get("categories") or []
        if ["agency", f.title] in cats:
            assert f.title in agencies.values()
        else:
            assert f.title not in R.AGENCIES
    assert {f.title for f in opml.feeds if ["agency", f.title] in (f.get("categories") or [])} \
        == set(agencies.values())


def test_feed_files_default_limit_is_2000(tmp_path):
    items = R.generate(40, seed=2, reprints_per_original=(0, 1), negatives=False)
    big = [R.Item(**{**it.__dict__, "id": f"x{i}", "url": f"https://x.example/{i}",
                     "feed_url": "https://x.example/rss"}) for i, it in
           enumerate(items * (4100 // len(items) + 1))][:4100]
    paths = R.to_feed_files(big, tmp_path)
    sizes = [open(p, encoding="utf-8").read().count("<item>") for p in paths]
    assert sizes == [2000, 2000, 100]


# ---------------------------------------------------------------------------------------------
# Real data
# ---------------------------------------------------------------------------------------------

def test_real_articles_are_single_paragraph_items():
    path = shared_path("data", "real-feeds", "parsed-entries", "rumca-2022-01to08.jsonl")
    rows = R.load_articles(path)
    assert len(rows) > 10000
    assert len({r["title"].lower() for r in rows}) == len(rows)
    for r in rows[:2000]:
        assert len(r["paragraphs"]) == 1 and "\n" not in r["paragraphs"][0]
        assert "<" not in r["paragraphs"][0] and 10 <= len(r["paragraphs"][0].split()) <= 120
    descs = {r["paragraphs"][0] for r in rows}
    items = R.generate(150, seed=8, source="real", real_path=path)
    originals = [it for it in items if it.kind == "original"]
    assert len(originals) == 150
    for o in originals:  # the description, perhaps behind an agency dateline
        assert len(paras(o.text)) == 1 and o.summary in descs and o.text.endswith(o.summary)
    mixed = R.generate(200, seed=8, source="mixed", real_path=path)
    n_real = sum(it.summary in descs for it in mixed if it.kind == "original")
    assert 60 <= n_real <= 140


def test_missing_real_data_falls_back_to_synthetic(tmp_path):
    missing = tmp_path / "absent.jsonl"
    assert R.load_articles(missing) == []
    items = R.generate(30, seed=1, source="real", real_path=missing)
    assert sum(it.kind == "original" for it in items) == 30
    assert all(len(paras(it.text)) >= 4 for it in items if it.kind == "original")
    with pytest.raises(ValueError):
        R.generate(3, source="fake")


# ---------------------------------------------------------------------------------------------
# pairwise_scores
# ---------------------------------------------------------------------------------------------

GOLD = {"a": "x", "b": "x", "c": "x", "d": "y", "e": "y", "f": "z"}


def test_perfect_clustering_scores_one():
    relabelled = {k: "P" + v for k, v in GOLD.items()}
    s = pairwise_scores(GOLD, relabelled)
    assert (s["precision"], s["recall"], s["f1"], s["ari"]) == (1.0, 1.0, 1.0, 1.0)
    assert s["pairs_gold"] == s["pairs_predicted"] == s["pairs_correct"] == 4  # 3 + 1


def test_all_singletons_predicted():
    s = pairwise_scores(GOLD, {k: k for k in GOLD})
    assert s["pairs_predicted"] == 0 and s["pairs_correct"] == 0 and s["pairs_gold"] == 4
    assert s["precision"] == 1.0  # documented convention: no predicted pairs -> 1.0
    assert s["recall"] == 0.0 and s["f1"] == 0.0 and s["ari"] == 0.0


def test_all_in_one_predicted():
    s = pairwise_scores(GOLD, {k: "one" for k in GOLD})
    assert s["pairs_predicted"] == 15 and s["pairs_correct"] == 4
    assert s["precision"] == pytest.approx(4 / 15) and s["recall"] == 1.0
    assert s["f1"] == pytest.approx(2 * (4 / 15) / (4 / 15 + 1))
    assert s["ari"] == 0.0


def test_hand_computed_ari():
    # gold {a,b | c,d}, predicted {a,b | c | d}: contingency n_ij = 2, 1, 1
    # index = C(2,2) = 1; gold pairs 2; predicted pairs 1; all pairs C(4,2) = 6
    # expected = 2 * 1 / 6 = 1/3; max = (2 + 1) / 2 = 3/2
    # ARI = (1 - 1/3) / (3/2 - 1/3) = (2/3) / (7/6) = 4/7
    s = pairwise_scores({"a": 0, "b": 0, "c": 1, "d": 1}, {"a": 0, "b": 0, "c": 1, "d": 2})
    assert s["ari"] == pytest.approx(4 / 7)
    assert (s["precision"], s["recall"]) == (1.0, 0.5)
    # GOLD = {a,b,c | d,e | f}, predicted {a,b | c,d,e,f}: n_ij = (x,P)2 (x,Q)1 (y,Q)2 (z,Q)1
    # index = 1 + 0 + 1 + 0 = 2; gold pairs 3 + 1 = 4; predicted pairs 1 + 6 = 7; all 15
    # expected = 4 * 7 / 15 = 28/15; max = 11/2
    # ARI = (2 - 28/15) / (11/2 - 28/15) = (2/15) / (109/30) = 4/109
    pred = {"a": "P", "b": "P", "c": "Q", "d": "Q", "e": "Q", "f": "Q"}
    s = pairwise_scores(GOLD, pred)
    assert s["ari"] == pytest.approx(4 / 109)
    assert s["precision"] == pytest.approx(2 / 7) and s["recall"] == pytest.approx(2 / 4)


def _brute_force(gold, pred):
    ids = sorted(gold)
    tp = fp = fn = tn = 0
    for i, j in itertools.combinations(ids, 2):
        g, p = gold[i] == gold[j], pred[i] == pred[j]
        tp += g and p
        fp += p and not g
        fn += g and not p
        tn += not g and not p
    # ARI from the pair-confusion counts (equivalent form of Hubert & Arabie)
    den = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn)
    ari = 2 * (tp * tn - fn * fp) / den if den else 1.0
    return tp, tp + fp, tp + fn, ari


def test_matches_pair_enumeration_on_random_partitions():
    r = random.Random(5)
    for _ in range(40):
        n = r.randint(2, 40)
        gold = {f"i{k}": r.randint(0, r.randint(0, 8)) for k in range(n)}
        pred = {f"i{k}": r.randint(0, r.randint(0, 8)) for k in range(n)}
        s = pairwise_scores(gold, pred)
        tp, n_pred, n_gold, ari = _brute_force(gold, pred)
        assert (s["pairs_correct"], s["pairs_predicted"], s["pairs_gold"]) == (tp, n_pred, n_gold)
        assert s["ari"] == pytest.approx(ari)


def test_matches_sklearn_if_available():
    sk = pytest.importorskip("sklearn.metrics", reason="scikit-learn is not installed")
    r = random.Random(6)
    for _ in range(20):
        n = r.randint(2, 200)
        gold = {k: r.randint(0, 20) for k in range(n)}
        pred = {k: r.randint(0, 20) for k in range(n)}
        assert pairwise_scores(gold, pred)["ari"] == pytest.approx(
            sk.adjusted_rand_score([gold[k] for k in range(n)], [pred[k] for k in range(n)]))


def test_edge_cases_and_mismatched_ids():
    assert pairwise_scores({}, {})["ari"] == 1.0
    s = pairwise_scores({"a": 1}, {"a": 2})
    assert (s["precision"], s["recall"], s["f1"], s["ari"]) == (1.0, 1.0, 1.0, 1.0)
    with pytest.raises(ValueError):
        pairwise_scores({"a": 1, "b": 1}, {"a": 1, "c": 1})


def test_scores_on_generated_gold():
    items = R.generate(300, seed=9)
    gold = R.gold_labels(items)
    assert gold == {it.id: it.cluster for it in items}
    # a predicted clustering that splits off every reprint with word edits
    pred = {it.id: (it.id if "word-edits" in it.kind else it.cluster) for it in items}
    s = pairwise_scores(gold, pred)
    assert s["precision"] == 1.0 and 0.0 < s["recall"] < 1.0 and 0.0 < s["ari"] < 1.0
    assert s["n_items"] == len(items)


def test_scores_100k_items_fast():
    r = random.Random(10)
    gold, pred = {}, {}
    for k in range(100_000):
        gold[f"i{k}"] = f"g{k // 4}"                       # clusters of four
        pred[f"i{k}"] = f"p{k // 8}" if r.random() < 0.9 else f"s{k}"  # merged pairs, strays
    t = time.perf_counter()
    s = pairwise_scores(gold, pred)
    assert time.perf_counter() - t < 2.0
    assert s["pairs_gold"] == 25_000 * 6 and s["n_items"] == 100_000
    assert 0.3 < s["precision"] < 0.5 and 0.7 < s["recall"] < 0.9
