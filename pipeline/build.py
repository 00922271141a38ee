"""The whole graph on one screen: feed list -> fetch -> parse -> clean -> enrich -> dedupe -> write."""
import apache_beam as beam

from pipeline.options import WirefeedOptions
from transforms import (Clean, Dedupe, Enrich, FetchFeeds, FetchSettings, ParseFeeds,
                        ReadFeedList, WritePartitioned)


def fetch_settings(opts: WirefeedOptions) -> FetchSettings:
    return FetchSettings(connect_timeout=opts.connect_timeout, total_timeout=opts.fetch_timeout,
                         max_retries=opts.max_retries, max_bytes=opts.max_feed_bytes,
                         max_concurrency=opts.max_concurrency,
                         per_host_concurrency=opts.per_host_concurrency,
                         allow_private=opts.allow_private_networks)


def build(p: beam.Pipeline, opts: WirefeedOptions, run_id: str, header: dict):
    """Adds wirefeed's graph to `p`; returns the PCollection holding the committed run summary."""
    listed = p | "ReadFeedList" >> ReadFeedList(opts.feeds)
    fetched = listed["sources"] | "FetchFeeds" >> FetchFeeds(fetch_settings(opts))
    parsed = fetched["documents"] | "ParseFeeds" >> ParseFeeds()
    cleaned = parsed["stories"] | "Clean" >> Clean(max_future_hours=opts.max_future_hours)
    enriched = cleaned["stories"] | "Enrich" >> Enrich(seed=opts.language_seed)
    stories = enriched["stories"] | "Dedupe" >> Dedupe()

    dead_letters = ((listed["dead_letter"], fetched["dead_letter"], parsed["dead_letter"],
                     cleaned["dead_letter"], enriched["dead_letter"])
                    | "DeadLetters" >> beam.Flatten())
    statuses = (fetched["status"], parsed["status"]) | "FeedStatuses" >> beam.Flatten()
    return ({"stories": stories, "dead_letter": dead_letters, "status": statuses}
            | "WritePartitioned" >> WritePartitioned(
                opts.output, run_id, formats=opts.format.split(","), header=header,
                shards=opts.shards))
