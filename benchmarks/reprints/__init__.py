"""A deterministic generator of agency originals, outlet reprints and hard negatives: evaluation
data for a near-duplicate (MinHash/LSH) clusterer of news stories.

    items = generate(2000, seed=7)                  # originals + reprints + negatives
    gold = gold_labels(items)                       # id -> cluster, for benchmarks.cluster_metrics
    paths = to_feed_files(items, "/tmp/bench")      # RSS 2.0 files + /tmp/bench/feeds.opml

The modules, from the words up (each imports only the ones above it):
  vocabulary  word lists: names, cities, roles, nouns, verbs and their forms, synonyms,
              the agencies (domain, weight, dateline style), outlet names, stopwords
  grammar     `Topic`, `make_topic`, and the `Grammar` that writes sentences, quotes,
              paragraphs and headlines about a topic; the seeded random helpers
  articles    `Story` (paragraphs as sentence lists), `synthetic_story`, `synthetic_articles`
  real        real single-paragraph originals from the rumca archive: `load_articles`,
              `real_story`, `DEFAULT_REAL_PATH`
  outlets     the outlets and their boilerplate, agency datelines and feed URLs
  edits       light text edits of a reprint: word edits, a changed figure, a new headline
  generation  `generate` (originals, reprints, hard negatives; its docstring lists every
              reprint transform and negative type), `Item`, `gold_labels`
  feeds       `to_feed_files`: RSS 2.0 files and an OPML list
"""
from .feeds import to_feed_files
from .generation import NEGATIVE_TYPES, REPRINT_TRANSFORMS, Item, generate, gold_labels
from .articles import synthetic_articles
from .grammar import Topic
from .real import DEFAULT_REAL_PATH, load_articles
from .vocabulary import AGENCIES

__all__ = ["Item", "Topic", "load_articles", "synthetic_articles", "generate", "to_feed_files",
           "gold_labels", "REPRINT_TRANSFORMS", "NEGATIVE_TYPES", "DEFAULT_REAL_PATH", "AGENCIES"]
