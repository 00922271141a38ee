"""ReadFeedList: feed list arguments -> FeedSource records.

A `--feeds` argument is one of
- an http(s) URL: one feed;
- an OPML file (listparser): every outline with an xmlUrl, its title as `source_name`;
  `category="/agency/NAME"` marks an agency's own wire;
- a text file: one URL or path per line, `#` comments and blank lines ignored;
- a feed file, a directory of feed files, or a glob of them;
- any of the above on a path Beam's FileSystems can read (gs://, s3:// with the extras).
Relative paths inside a list are resolved against the list's own folder.
"""
from __future__ import annotations

import posixpath
import re
from typing import Iterable, Iterator, List

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from transforms.records import DeadLetter, FeedSource
from transforms.tagged import TypedParDo

_SNIFF_BYTES = 4096
_FEED_ROOT = re.compile(rb"<(rss|feed|rdf:RDF|RDF|channel)[\s>]", re.I)
_OPML_ROOT = re.compile(rb"<opml[\s>]", re.I)
_GLOB_CHARS = re.compile(r"[*?\[]")
_MAX_LIST_BYTES = 50 * 1024 * 1024


def is_url(s: str) -> bool:
    return s.lower().startswith(("http://", "https://"))


def _has_scheme(s: str) -> bool:
    return re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", s) is not None


def _join(base_file: str, ref: str) -> str:
    """Resolve `ref` from a list file against the list's folder."""
    if _has_scheme(ref) or ref.startswith("/"):
        return ref
    folder = base_file.rsplit("/", 1)[0] if "/" in base_file else "."
    if _has_scheme(base_file):
        return posixpath.normpath(folder + "/" + ref).replace(":/", "://", 1)
    return posixpath.normpath(posixpath.join(folder, ref))


def match_paths(pattern: str) -> List[str]:
    """Files a path, directory or glob names (sorted); [] when nothing matches."""
    if not _GLOB_CHARS.search(pattern):
        try:
            if FileSystems.exists(pattern) and not FileSystems.exists(pattern.rstrip("/") + "/"):
                return [pattern]
        except Exception:
            pass
        # A directory: every file below it.
        pattern = pattern.rstrip("/") + "/**"
    try:
        result = FileSystems.match([pattern])[0]
    except Exception:
        return []
    return sorted(m.path for m in result.metadata_list)


def _read_head(path: str, n: int) -> bytes:
    with FileSystems.open(path) as f:
        return f.read(n)


def sniff_kind(head: bytes) -> str:
    """'opml', 'feed' or 'list' from a file's first bytes."""
    if _OPML_ROOT.search(head):
        return "opml"
    if _FEED_ROOT.search(head):
        return "feed"
    return "list"


def _from_opml(path: str, data: bytes) -> Iterator[FeedSource]:
    import listparser
    parsed = listparser.parse(data)
    if not parsed.feeds and parsed.bozo:
        raise ValueError(f"unreadable OPML: {parsed.bozo_exception}")
    for feed in parsed.feeds:
        agency = None
        for cat in feed.get("categories") or []:
            if len(cat) >= 2 and cat[0].lower() == "agency":
                agency = cat[1]
        url = (feed.get("url") or "").strip()
        if url:
            yield FeedSource(location=_join(path, url), source_name=feed.get("title") or None,
                             agency=agency, listed_in=path)


def _from_text(path: str, data: bytes) -> Iterator[FeedSource]:
    for line in data.decode("utf-8-sig", "replace").splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        yield FeedSource(location=_join(path, line), listed_in=path)


def expand_feed_arg(arg: str) -> Iterator[FeedSource]:
    """All FeedSources one --feeds argument names (may raise IOError/ValueError)."""
    if is_url(arg):
        yield FeedSource(location=arg)
        return
    paths = match_paths(arg)
    if not paths:
        raise FileNotFoundError(f"no file matches {arg}")
    single = len(paths) == 1 and not _GLOB_CHARS.search(arg)
    for path in paths:
        if not single:  # a glob or folder lists feed files
            yield FeedSource(location=path)
            continue
        head = _read_head(path, _SNIFF_BYTES)
        kind = sniff_kind(head)
        if kind == "feed":
            yield FeedSource(location=path)
            continue
        with FileSystems.open(path) as f:
            data = f.read(_MAX_LIST_BYTES)
        yield from (_from_opml if kind == "opml" else _from_text)(path, data)


class _ExpandFeedArg(beam.DoFn):
    def process(self, arg: str) -> Iterable:
        try:
            for source in expand_feed_arg(arg):
                yield source
        except Exception as e:  # an unreadable list is a dead letter, never a crash
            yield beam.pvalue.TaggedOutput(
                "dead_letter", DeadLetter.from_exception("read", arg, e))


def unique_source(sources: Iterable[FeedSource]) -> FeedSource:
    """Several lists naming one feed: keep one, preferring the richest metadata."""
    ranked = sorted(sources, key=lambda s: (s.agency is None, s.source_name is None,
                                            s.source_name or "", s.listed_in or ""))
    return ranked[0]


class ReadFeedList(beam.PTransform):
    """--feeds arguments -> one FeedSource per distinct feed, plus read dead letters."""

    def __init__(self, feed_args: List[str]):
        super().__init__()
        self._feed_args = list(feed_args)

    def expand(self, pbegin):
        expanded = (pbegin
                    | "FeedArgs" >> beam.Create(self._feed_args, reshuffle=False)
                    | "Expand" >> TypedParDo(_ExpandFeedArg(), {"sources": FeedSource}))
        sources = (expanded["sources"]
                   | "KeyByLocation" >> beam.Map(lambda s: (s.location, s))
                   | "GroupByLocation" >> beam.GroupByKey()
                   | "OnePerFeed" >> beam.MapTuple(lambda _, group: unique_source(group)))
        return {"sources": sources, "dead_letter": expanded["dead_letter"]}
