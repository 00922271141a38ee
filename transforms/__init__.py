"""wirefeed's transforms: one composite PTransform per step, one Story record flowing through."""
from transforms.clean import Clean
from transforms.dedupe import Dedupe
from transforms.enrich import Enrich
from transforms.fetch import FetchFeeds
from transforms.http_fetch import FetchSettings
from transforms.parse import ParseFeeds
from transforms.read import ReadFeedList
from transforms.records import DeadLetter, FeedDocument, FeedSource, FeedStatus, Story
from transforms.write import WritePartitioned

__all__ = [
    "Clean", "DeadLetter", "Dedupe", "Enrich", "FeedDocument", "FeedSource", "FeedStatus",
    "FetchFeeds", "FetchSettings", "ParseFeeds", "ReadFeedList", "Story", "WritePartitioned",
]
