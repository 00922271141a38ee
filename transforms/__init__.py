"""wirefeed's transforms: one subpackage per role, one Story record flowing through.

    records.py  tagged.py   the shared base: Story, FeedSource, FeedDocument, DeadLetter …;
                            TypedParDo (one output per record type, dead letters uniform)
    coders.py               RecordCoder: how records cross shuffles and live in streaming state
    progress.py             a process-local progress hook (read, fetch, parse call it)
    read.py                 feed lists (OPML, URL lists, paths, globs)   -> FeedSource
    fetch/                  FetchFeeds, PollFeeds; http/ the client      -> FeedDocument
    parse/                  ParseFeeds (charset, XML guard, feedparser)  -> Story
    clean/                  Clean (text, chrome, URLs, ids, dates)       -> Story
    enrich/                 Enrich (language, agencies/)                 -> Story
    dedupe/                 Dedupe, StreamDedupe                         -> Story + disposition
    write/                  WritePartitioned, WriteUnits (schema, commit) -> tables, run summary

Imports flow one way: parse -> fetch; enrich -> fetch, clean; dedupe -> clean, enrich, write
(its state is staged and committed with the run's files); read, fetch, clean and write import
only the shared base.
"""
from transforms.clean import Clean
from transforms.dedupe import Dedupe, StreamDedupe
from transforms.enrich import Enrich
from transforms.fetch import FetchFeeds, FetchSettings, PollFeeds
from transforms.parse import ParseFeeds
from transforms.read import ReadFeedList
from transforms.records import DeadLetter, FeedDocument, FeedSource, FeedStatus, Story
from transforms.write import WritePartitioned, WriteUnits

__all__ = [
    "Clean", "DeadLetter", "Dedupe", "Enrich", "FeedDocument", "FeedSource", "FeedStatus",
    "FetchFeeds", "FetchSettings", "ParseFeeds", "PollFeeds", "ReadFeedList", "Story",
    "StreamDedupe", "WritePartitioned", "WriteUnits",
]
