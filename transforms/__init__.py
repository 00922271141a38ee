"""wirefeed's transforms: one subpackage per role, one Story record flowing through.

    records.py  tagged.py   the shared base: Story, FeedSource, FeedDocument, DeadLetter …;
                            TypedParDo (one output per record type, dead letters uniform)
    read.py                 feed lists (OPML, URL lists, paths, globs)   -> FeedSource
    fetch/                  FetchFeeds, PollFeeds; http/ the client      -> FeedDocument
    parse/                  ParseFeeds (charset, XML guard, feedparser)  -> Story
    clean/                  Clean (text, chrome, URLs, ids, dates)       -> Story
    enrich/                 Enrich (language, agencies/)                 -> Story
    dedupe/                 Dedupe, StreamDedupe                         -> Story + disposition
    write/                  WritePartitioned, WindowedWrite (schema, commit) -> tables, run summary

Imports flow one way: a role imports the base and the roles before it, never one after it
(`dedupe/state.py` uses `write`'s staging helpers; `write` imports no other role).
"""
from transforms.clean import Clean
from transforms.dedupe import Dedupe, StreamDedupe
from transforms.enrich import Enrich
from transforms.fetch import FetchFeeds, FetchSettings, PollFeeds
from transforms.parse import ParseFeeds
from transforms.read import ReadFeedList
from transforms.records import DeadLetter, FeedDocument, FeedSource, FeedStatus, Story
from transforms.write import WindowedWrite, WritePartitioned

__all__ = [
    "Clean", "DeadLetter", "Dedupe", "Enrich", "FeedDocument", "FeedSource", "FeedStatus",
    "FetchFeeds", "FetchSettings", "ParseFeeds", "PollFeeds", "ReadFeedList", "Story",
    "StreamDedupe", "WindowedWrite", "WritePartitioned",
]
