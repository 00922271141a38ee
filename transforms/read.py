"""ReadFeedList: feed list arguments -> FeedSource records.

A `--feeds` argument is one of
- an http(s) URL: one feed;
- an OPML file (listparser): every outline with an xmlUrl, its title as `source_name`;
  `category="/agency/NAME"` marks an agency's own wire;
- a text file: one URL or path per line, `#` comments and blank lines ignored;
- a feed file, a directory of feed files, or a glob of them;
- any of the above on a path Beam's FileSystems can read (gs://, s3:// with the extras).
Relative paths inside a list are resolved against the list's own folder.

A file is XML when its first non-blank character is '<' (in UTF-8, UTF-16 or UTF-32, with or
without a BOM): an OPML list when its first element after the prolog is <opml>, however long the
prolog, else a feed (parsing says what it is); only other files are URL lists. A list's entry
that is neither an http(s) URL nor a plausible path is a 'read' dead letter, never fetched.

Confinement: a list on object storage (gs://, s3:// ...) or HTTP may name only http(s) URLs and
paths in its own bucket; anything else (/etc/passwd, ../../.., file://, another bucket) is a
'read' dead letter. Only a local list may name local paths.
"""
from __future__ import annotations

import codecs
import posixpath
import re
import urllib.parse
from typing import Iterable, Iterator, List, Optional, Union

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from transforms.progress import note_progress
from transforms.records import DeadLetter, FeedSource
from transforms.tagged import TypedParDo

_SNIFF_BYTES = 1 << 20          # how far sniff_kind looks for the first element
_GLOB_CHARS = re.compile(r"[*?\[]")
_MAX_LIST_BYTES = 50 * 1024 * 1024
_FILESYSTEM_SCHEMES = ("gs", "s3", "azfs", "hdfs")   # Beam's FileSystems besides local paths


class FeedListEntryRefused(ValueError):
    """A feed list names something wirefeed does not read: a 'read' dead letter, never fetched."""

    def __init__(self, listed_in: str, message: str):
        super().__init__(message)
        self.listed_in = listed_in

    def __reduce__(self):
        return type(self), (self.listed_in, str(self))


def is_url(s: str) -> bool:
    return s.lower().startswith(("http://", "https://"))


def _scheme(s: str) -> Optional[str]:
    m = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://", s)
    return m.group(1).lower() if m else None


def _join(base_file: str, ref: str) -> str:
    """Resolve `ref` from a local list file against the list's folder."""
    if _scheme(ref) or ref.startswith("/"):
        return ref
    folder = base_file.rsplit("/", 1)[0] if "/" in base_file else "."
    return posixpath.normpath(posixpath.join(folder, ref))


def _below(root: str, target: str) -> Optional[str]:
    """`target` with its '.' and '..' resolved when it stays below `root` ("gs://b/"), else None."""
    if not target.startswith(root):
        return None
    kept: List[str] = []
    for part in target[len(root):].split("/"):
        if part == "..":
            if not kept:
                return None
            kept.pop()
        elif part not in ("", "."):
            kept.append(part)
    return root + "/".join(kept)


def confined_location(listed_in: str, ref: str) -> str:
    """Where `ref`, named by the feed list `listed_in`, points. A local list may name anything;
    a list on object storage (gs://, s3:// ...) or HTTP only http(s) URLs and paths in its own
    bucket (host): never a local file, another bucket, or '..' above the bucket's root.
    Raises FeedListEntryRefused."""
    if not _scheme(listed_in):
        return _join(listed_in, ref)
    if is_url(ref):
        return ref
    parts = urllib.parse.urlsplit(listed_in)
    root = f"{parts.scheme}://{parts.netloc}/"
    if _scheme(ref):
        target = ref
    elif ref.startswith("/"):
        target = None
    else:
        target = listed_in.rsplit("/", 1)[0] + "/" + ref
    location = _below(root, target) if target else None
    if location is None:
        raise FeedListEntryRefused(listed_in, f"a feed list on {listed_in} may name only URLs and "
                                              f"paths in {root}: {ref} refused")
    return location


_NOT_IN_A_PATH = re.compile(r'[\x00-\x1f\x7f<>"{}|^`]')
_FILE_NAME = re.compile(r"[^/\s]\.[A-Za-z0-9]{1,8}$")


def is_plausible_entry(ref: str) -> bool:
    """An http(s) URL with a host, a FileSystems path (gs://bucket/...), or something that can
    be a file's path: no markup or control characters, and no spaces unless it ends in a file
    name ("My Feeds/a.xml"). A line of prose or of XML is neither."""
    if len(ref) > 4096 or _NOT_IN_A_PATH.search(ref):
        return False
    scheme = _scheme(ref)
    if scheme is not None:
        if any(c.isspace() for c in ref) or scheme not in ("http", "https", *_FILESYSTEM_SCHEMES):
            return False
        try:
            return bool(urllib.parse.urlsplit(ref).hostname)
        except ValueError:
            return False
    return not any(c.isspace() for c in ref) or _FILE_NAME.search(ref) is not None


def list_entry(listed_in: str, ref: str, where: str, source_name: Optional[str] = None,
               agency: Optional[str] = None) -> Union[FeedSource, FeedListEntryRefused]:
    """The FeedSource `ref` names (confined: see confined_location), or why it is refused;
    `where` says where the list names it ("line 3 of feeds.txt")."""
    try:
        location = confined_location(listed_in, ref)
    except FeedListEntryRefused as e:
        return e
    if not is_plausible_entry(ref):
        return FeedListEntryRefused(listed_in, f"{where} is neither an http(s) URL nor a path: {ref!r}")
    return FeedSource(location=location, source_name=source_name, agency=agency, listed_in=listed_in)


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


def _read(path: str, n: int) -> bytes:
    with FileSystems.open(path) as f:
        return f.read(n)


_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
# Where the NUL bytes fall in the first four bytes of UTF-16/32 text without a BOM whose first
# characters are ASCII ('<', '<?', whitespace): the XML spec's appendix F, generalised.
_NUL_PATTERNS = {(1, 1, 1, 0): "utf-32-be", (0, 1, 1, 1): "utf-32-le",
                 (1, 0, 1, 0): "utf-16-be", (0, 1, 0, 1): "utf-16-le"}


def _list_codec(data: bytes):
    """(codec, BOM length): the BOM's encoding, else UTF-16/32 by where the NUL bytes are, else UTF-8."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec, len(bom)
    return _NUL_PATTERNS.get(tuple(int(b == 0) for b in data[:4]), "utf-8"), 0


def decode_list(data: bytes) -> str:
    """A list file's text (bytes that do not decode become U+FFFD)."""
    codec, bom = _list_codec(data)
    return data[bom:].decode(codec, "replace")


# The prolog before the first element: whitespace, the XML declaration and other processing
# instructions, comments, and a DOCTYPE with its internal subset.
_PROLOG = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\]\s*)?>", re.S | re.I)
_ELEMENT = re.compile(r"<([A-Za-z_][\w.:-]*)")


def sniff_kind(head: bytes) -> str:
    """'opml', 'feed' or 'list' from a file's first bytes (up to _SNIFF_BYTES): the first
    element's name after the prolog, in whatever encoding. A file whose first non-blank
    character is '<' is XML ('feed' unless its root is <opml>: parsing says what it is),
    never a URL list."""
    text = decode_list(head)
    pos = 0
    while True:
        m = _PROLOG.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    element = _ELEMENT.match(text, pos)
    if element:
        return "opml" if element.group(1).rsplit(":", 1)[-1].lower() == "opml" else "feed"
    return "feed" if text.lstrip().startswith("<") else "list"


def _from_opml(path: str, data: bytes) -> Iterator[Union[FeedSource, FeedListEntryRefused]]:
    import listparser
    if _list_codec(data)[0] != "utf-8":
        # listparser (lxml's HTML parser) reads UTF-16/32 only with a BOM: give it UTF-8.
        data = codecs.BOM_UTF8 + decode_list(data).encode("utf-8")
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
            title = feed.get("title") or None
            yield list_entry(path, url, f"the outline {title or url!r} of {path}",
                             source_name=title, agency=agency)


def _from_text(path: str, data: bytes) -> Iterator[Union[FeedSource, FeedListEntryRefused]]:
    for number, line in enumerate(decode_list(data).splitlines(), 1):
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        yield list_entry(path, line, f"line {number} of {path}")


def read_feed_arg(arg: str) -> Iterator[Union[FeedSource, FeedListEntryRefused]]:
    """What one --feeds argument names: FeedSources, and a FeedListEntryRefused for each entry
    of a list that is refused (may raise IOError/ValueError for the argument as a whole)."""
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
        head = _read(path, _SNIFF_BYTES)
        kind = sniff_kind(head)
        if kind == "feed":
            yield FeedSource(location=path)
            continue
        data = head if len(head) < _SNIFF_BYTES else _read(path, _MAX_LIST_BYTES + 1)
        if len(data) > _MAX_LIST_BYTES:
            raise ValueError(f"feed list larger than the {_MAX_LIST_BYTES >> 20} MB limit: {path}")
        yield from (_from_opml if kind == "opml" else _from_text)(path, data)


def expand_feed_arg(arg: str) -> Iterator[FeedSource]:
    """The FeedSources one --feeds argument names (may raise IOError/ValueError). When a list
    has refused entries, one FeedListEntryRefused naming them all is raised after its last
    source (read_feed_arg gives one per entry)."""
    refused = []
    for item in read_feed_arg(arg):
        if isinstance(item, FeedListEntryRefused):
            refused.append(item)
        else:
            yield item
    if refused:
        raise FeedListEntryRefused(refused[0].listed_in, "; ".join(str(e) for e in refused))


def sources_of(arg: str) -> Iterator[Union[FeedSource, DeadLetter]]:
    """One --feeds argument as FeedSources and 'read' DeadLetters (a refused list entry, an
    unreadable list): never raises. Batch (ReadFeedList) and streaming read lists with it."""
    try:
        for item in read_feed_arg(arg):
            if isinstance(item, FeedListEntryRefused):
                yield DeadLetter.from_exception("read", item.listed_in, item)
            else:
                yield item
    except Exception as e:  # an unreadable list is a dead letter, never a crash
        yield DeadLetter.from_exception("read", arg, e)


class _ExpandFeedArg(beam.DoFn):
    def process(self, arg: str) -> Iterable:
        for item in sources_of(arg):
            yield beam.pvalue.TaggedOutput("dead_letter", item) if isinstance(item, DeadLetter) else item


def unique_source(sources: Iterable[FeedSource]) -> FeedSource:
    """Several lists naming one feed: keep one, preferring the richest metadata."""
    ranked = sorted(sources, key=lambda s: (s.agency is None, s.source_name is None,
                                            s.source_name or "", s.listed_in or ""))
    return ranked[0]


def listed_source(sources: Iterable[FeedSource]) -> FeedSource:
    """unique_source, counted for the progress display (transforms/progress.py)."""
    note_progress("feeds_listed")
    return unique_source(sources)


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
                   | "OnePerFeed" >> beam.MapTuple(lambda _, group: listed_source(group)))
        return {"sources": sources, "dead_letter": expanded["dead_letter"]}
