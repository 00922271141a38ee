"""The whole graph on one screen: feed list -> fetch -> parse -> clean -> enrich -> dedupe -> write."""
import datetime as _dt
from typing import Optional

import apache_beam as beam

from pipeline.options import WirefeedOptions
from transforms import (Clean, Dedupe, Enrich, FetchFeeds, FetchSettings, ParseFeeds,
                        ReadFeedList, WritePartitioned)
from transforms.dedupe.state import ReadState, ReadValidators, WriteState, delta_files, in_window
from transforms.enrich import FetchArticles
from transforms.fetch import validators_of
from transforms.parse import FollowDiscovered
from transforms.provenance import Provenance


def fetch_settings(opts: WirefeedOptions) -> FetchSettings:
    return FetchSettings(connect_timeout=opts.connect_timeout, total_timeout=opts.fetch_timeout,
                         max_retries=opts.max_retries, max_bytes=opts.max_feed_bytes,
                         max_concurrency=opts.max_concurrency,
                         per_host_concurrency=opts.per_host_concurrency,
                         allow_private=opts.allow_private_networks)


def build(p: beam.Pipeline, opts: WirefeedOptions, run_id: str, header: dict, state_dir: str,
          generation: Optional[str], as_of: _dt.datetime):
    """Adds wirefeed's graph to `p`; returns the PCollection holding the committed run summary.
    `generation` is the state folder to remember from (None on a first run or --reset-state);
    the stream deltas committed after it are read too, folded into the new generation and
    removed by the commit (with --reset-state they are removed unread)."""
    deltas = delta_files(state_dir)
    validators = p | "ReadValidators" >> ReadValidators(generation)
    remembered = p | "ReadState" >> ReadState(generation, () if opts.reset_state else deltas)

    listed = p | "ReadFeedList" >> ReadFeedList(opts.feeds)
    fetched = listed["sources"] | "FetchFeeds" >> FetchFeeds(fetch_settings(opts), validators=validators)
    parsed = fetched["documents"] | "ParseFeeds" >> ParseFeeds()
    followed = ({"discovered": parsed["discovered"], "listed": listed["sources"]}   # indexes, pages
                | "FollowDiscovered" >> FollowDiscovered(fetch_settings(opts), validators=validators))
    stories = (parsed["stories"], followed["stories"]) | "AllStories" >> beam.Flatten()
    cleaned = stories | "Clean" >> Clean(max_future_hours=opts.max_future_hours)
    articles = cleaned                       # --fetch-articles: full text, before Enrich, of unknown stories
    if opts.fetch_articles is not None:
        window = opts.dedupe_window_days
        known = remembered | "KnownIds" >> beam.FlatMap(
            lambda r: [r["story_id"]] if in_window(r, as_of, window) else [])
        articles = cleaned["stories"] | "FetchArticles" >> FetchArticles(
            fetch_settings(opts), opts.fetch_articles, known_ids=known)
    enriched = articles["stories"] | "Enrich" >> Enrich(seed=opts.language_seed)
    deduped = enriched["stories"] | "Dedupe" >> Dedupe(
        remembered, as_of=as_of, window_days=opts.dedupe_window_days, threshold=opts.near_duplicate_threshold,
        run_id=run_id)
    provenance = {"stories": deduped["stories"], "state_rows": deduped["state_rows"]} | "Provenance" >> Provenance(
        as_of, run_id)

    staged_state = ({"rows": provenance["state_rows"], "validators_old": validators,
                     "validators_new": ((parsed["documents"], followed["documents"]) | "Validated" >> beam.Flatten()
                                        | "NewValidators" >> beam.FlatMap(validators_of))}
                    | "WriteState" >> WriteState(opts.output, run_id, state_dir, as_of, opts.dedupe_window_days))
    dead_letters = ((listed["dead_letter"], fetched["dead_letter"], parsed["dead_letter"],
                     followed["dead_letter"], cleaned["dead_letter"], enriched["dead_letter"])
                    + ((articles["dead_letter"],) if articles is not cleaned else ())
                    | "DeadLetters" >> beam.Flatten())
    statuses = (fetched["status"], parsed["status"], followed["status"]) | "FeedStatuses" >> beam.Flatten()
    return ({"stories": deduped["stories"], "dead_letter": dead_letters, "status": statuses,
             "state_receipts": staged_state, "cluster_events": deduped["events"],
             "provenance": provenance["rows"]}
            | "WritePartitioned" >> WritePartitioned(
                opts.output, run_id, formats=opts.format.split(","), header=header,
                shards=opts.shards, rows_per_file=opts.rows_per_file, state_dir=state_dir,
                folded=deltas))
