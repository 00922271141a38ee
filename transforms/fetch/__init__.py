"""Fetching: FeedSource -> FeedDocument (bytes + response headers), feed statuses, dead letters.

Batch runs fetch each listed feed once (`FetchFeeds`); streaming runs poll them (`PollFeeds`,
a splittable ticker with per-feed backoff and conditional GET). Both go through the same HTTP
client, `transforms.fetch.http` (deadlines, retries, redirects, size caps, address checks), and
read local and object-store paths with `read_path`.

    feeds.py   FetchFeeds: one fetch per source, grouped by host for politeness
               honoured, main text extracted with trafilatura
    poll.py    PollFeeds: the streaming twin (ticks, backoff, stop requests)
    http/      the HTTP client
"""
from transforms.fetch.feeds import FetchFeeds, GroupFetcher, politeness_key, read_path, validators_of
from transforms.fetch.http import FetchError, FetchResult, FetchSettings, HttpFetcher
from transforms.fetch.poll import FOREVER, PollFeeds, forget_stop, request_stop, stop_event

__all__ = [
    "FOREVER", "FetchError", "FetchFeeds", "GroupFetcher", "FetchResult", "FetchSettings",
    "HttpFetcher", "PollFeeds", "forget_stop", "politeness_key", "read_path", "request_stop",
    "stop_event", "validators_of",
]
