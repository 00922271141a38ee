"""FetchArticles (--fetch-articles WORDS): the full text of stories whose feed carries only a summary.

For every cleaned story whose text has fewer than `min_words` words and whose url is http(s):
- robots.txt of the page's origin (`scheme://host[:port]/robots.txt`) is fetched once per worker
  through the same `HttpFetcher` as the feeds and read with protego (RFC 9309: a 4xx answer means
  no rules, everything allowed; a 5xx, an unreachable host or any other failure means nothing is
  allowed); a page it forbids to wirefeed's user agent is never requested;
- the page is fetched with the feeds' guards (deadline, retries, size cap before and after
  decompression, address checks, per-host concurrency) and its main text extracted by
  `trafilatura.extract` from the decoded HTML string (no network, no comments);
- when that text is longer than the feed text, it replaces `text`: `text_source` becomes
  "article", `content_hash` is recomputed from the new text (it is the hash of the text written,
  and dedupe's content key needs the text it counts the words of), `story_id` is kept (it comes
  from the story's identity, never from its text), and the story is flagged `article_text`.
  Enrich runs after this step, so language, agencies, dateline and word_count see the full text.

A page that cannot be used (fetch error, robots.txt forbids, not HTML, no main text) costs
nothing: the story keeps its feed text and `text_source = "feed"`, and a dead letter with stage
'article', the feed as source and the story's url as entry says why. Such dead letters are not
entry-level (`DeadLetter.is_entry_level`): the entry was kept, so
entries_total = stories + duplicates + already_seen + entry_dead_letters still holds.

Stories are grouped by host before fetching (as `FetchFeeds` groups feeds), so one host's pages
are fetched by one worker with a bounded number of connections; stories that need no fetch do
not cross the shuffle.

An article is fetched once per dedupe window: given the story ids remembered in the cross-run
state (`known_ids`), the stories that would be fetched are joined with them by `story_id`
(CoGroupByKey) before the per-host fetch, and a known story keeps its feed text without any
request (counter articles/known_skipped); only the ids of the stories that need no fetch join
them, not the stories. A known id carried by several stories of the run (copies from several
feeds) is fetched as before: a copy's derived id includes its content hash. Such a story is `already_seen` in Dedupe and not written
again, so its article text is never needed: what is cached is the decision that the story is
known, not the text.
"""
from __future__ import annotations

import html as _html
import re
import urllib.parse
from typing import Dict, Iterable, List, Optional, Tuple

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.clean.stories import MAX_TEXT_CHARS, TEXT_TRUNCATED, content_hash, truncate_text
from transforms.clean.text import clean_html, normalize_for_hash
from transforms.fetch.http import FetchError, FetchSettings, LazyClient
from transforms.records import ARTICLE_STAGE, DeadLetter, Story, replace
from transforms.tagged import TypedParDo

ARTICLE = "article"
FEED = "feed"
ARTICLE_TEXT = "article_text"           # the flag (counted in the run summary's quality)
ROBOTS_CACHE_SIZE = 10_000              # origins remembered per worker
HTML_TYPES = ("text/html", "application/xhtml+xml", "")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)


class ArticleUnusable(Exception):
    """The page was fetched but gives no text: not HTML, or no main text found."""


class RobotsForbidden(Exception):
    """robots.txt forbids the page, or could not be read (RFC 9309: then nothing is allowed)."""


def needs_article(story: Story, min_words: int) -> bool:
    """A story whose feed text is shorter than `min_words` words and whose url is http(s)."""
    return (story.url.lower().startswith(("http://", "https://"))
            and len(story.text.split()) < min_words)


def article_host(story: Story) -> str:
    """Politeness key: the page's host name (lower case)."""
    try:
        return urllib.parse.urlsplit(story.url).hostname or ""
    except ValueError:
        return ""


def robots_url(url: str) -> Optional[str]:
    """`scheme://host[:port]/robots.txt` for a page, None when the URL has no host."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return None
    if not parts.hostname or parts.scheme.lower() not in ("http", "https"):
        return None
    netloc = parts.netloc.rpartition("@")[2]   # never send a page's credentials to robots.txt
    return f"{parts.scheme.lower()}://{netloc}/robots.txt"


def decode_html(body: bytes, headers: Dict[str, str]) -> str:
    """The page as a string: the Content-Type charset, else a <meta charset>, else UTF-8."""
    candidates = []
    ctype = headers.get("content-type", "")
    m = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", ctype, re.I)
    if m:
        candidates.append(m.group(1))
    m = _META_CHARSET.search(body[:4096])
    if m:
        candidates.append(m.group(1).decode("ascii", "replace"))
    for charset in candidates:
        try:
            return body.decode(charset, "replace")
        except LookupError:
            continue
    return body.decode("utf-8", "replace")


def extract_text(page: str, url: str, title: str = "") -> str:
    """The page's main text as wirefeed text ("\\n\\n" between paragraphs, chrome removed), without
    a first paragraph that repeats the title; "" when trafilatura finds none."""
    import trafilatura

    extracted = trafilatura.extract(page, url=url, include_comments=False, include_tables=False,
                                    include_images=False, include_links=False)
    if not extracted:
        return ""
    lines = [line for line in extracted.splitlines() if line.strip()]
    if lines and title and normalize_for_hash(lines[0]) == normalize_for_hash(title):
        lines = lines[1:]
    # Through the same cleaning as feed text: characters, whitespace, site chrome.
    return clean_html("".join(f"<p>{_html.escape(line)}</p>" for line in lines))


def with_article_text(story: Story, text: str) -> Story:
    """`story` with the article's text: text_source, content_hash and flags follow; story_id stays."""
    flags = list(story.flags) + [ARTICLE_TEXT]
    if len(text) > MAX_TEXT_CHARS:
        text = truncate_text(text)
        if TEXT_TRUNCATED not in flags:
            flags.append(TEXT_TRUNCATED)
    return replace(story, text=text, text_source=ARTICLE, content_hash=content_hash(story.title, text),
                   flags=flags, feed_text=story.feed_text or story.text)


class ArticleFetcher(LazyClient):
    """Fetches one host's article pages: robots.txt first (cached per origin), then the pages.
    Yields every story (with the article text when it was usable) and tagged dead letters."""

    def __init__(self, settings: FetchSettings):
        super().__init__(settings)
        self._agent = settings.user_agent.split("/", 1)[0].strip() or "wirefeed"
        self._robots: Dict[str, object] = {}     # robots.txt URL -> Protego, or the error text
        self._fetched = Metrics.counter("articles", "fetched")
        self._used = Metrics.counter("articles", "used")
        self._not_longer = Metrics.counter("articles", "not_longer")
        self._failed = Metrics.counter("articles", "failed")
        self._forbidden = Metrics.counter("articles", "robots_forbidden")

    def close(self) -> None:
        super().close()
        self._robots.clear()

    # -- robots.txt

    def _load_robots(self, urls: Iterable[str]) -> None:
        from protego import Protego

        missing = sorted({u for u in urls if u not in self._robots})
        if not missing:
            return
        if len(self._robots) + len(missing) > ROBOTS_CACHE_SIZE:
            self._robots.clear()
        for url, outcome in self.client().fetch_many(missing):
            if isinstance(outcome, FetchError):
                if outcome.kind == "http_status" and outcome.status and 400 <= outcome.status < 500:
                    self._robots[url] = None          # unavailable: no rules
                else:
                    self._robots[url] = f"robots.txt could not be read ({outcome}): nothing is allowed"
                continue
            try:
                self._robots[url] = Protego.parse(outcome.body.decode("utf-8", "replace"))
            except Exception as e:     # a parser bug must not cost the host's stories
                self._robots[url] = None if not outcome.body.strip() else f"robots.txt unreadable: {e}"

    def _forbidden_reason(self, url: str) -> Optional[str]:
        robots_at = robots_url(url)
        if robots_at is None:
            return "the page's URL has no host"
        rules = self._robots.get(robots_at)
        if rules is None:
            return None
        if isinstance(rules, str):
            return rules
        if not rules.can_fetch(url, self._agent):
            return f"{robots_at} disallows {urllib.parse.urlsplit(url).path or '/'} for {self._agent}"
        return None

    # -- pages

    def fetch(self, stories: Iterable[Story]):
        self.open()
        stories = sorted(stories, key=lambda s: (s.url, s.feed_url, s.entry_index))
        self._load_robots(filter(None, (robots_url(s.url) for s in stories)))
        by_url: Dict[str, List[Story]] = {}
        for story in stories:
            reason = self._forbidden_reason(story.url)
            if reason is not None:
                self._forbidden.inc()
                yield from self._keep(story, RobotsForbidden(reason))
            else:
                by_url.setdefault(story.url, []).append(story)
        for url, outcome in self.client().fetch_many(list(by_url)):
            self._fetched.inc()
            for story in by_url[url]:
                yield from self._apply(story, outcome)

    def _apply(self, story: Story, outcome):
        if isinstance(outcome, FetchError):
            yield from self._keep(story, outcome)
            return
        try:
            text = self.page_text(story, outcome.body, outcome.headers, outcome.final_url)
        except Exception as e:
            yield from self._keep(story, e)
            return
        if len(text) > len(story.text):
            self._used.inc()
            yield with_article_text(story, text)
        else:
            self._not_longer.inc()       # the feed had it all: not a failure
            yield story

    @staticmethod
    def page_text(story: Story, body: bytes, headers: Dict[str, str], final_url: str) -> str:
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype not in HTML_TYPES:
            raise ArticleUnusable(f"not an HTML page ({ctype})")
        text = extract_text(decode_html(body, headers), final_url or story.url, story.title)
        if not text:
            raise ArticleUnusable("no main text found in the page")
        return text

    def _keep(self, story: Story, error: BaseException):
        self._failed.inc()
        yield beam.pvalue.TaggedOutput("dead_letter", DeadLetter.from_exception(
            ARTICLE_STAGE, story.feed_url, error, entry=story.url, excerpt=story.title))
        yield story


class _SplitKnown(beam.DoFn):
    """(story_id, {"story": [...], "other": [...], "known": [...]}) -> the stories to fetch, and
    on the tag 'known' the one story of an id the state remembers (not fetched).

    Only a story alone with its id in the run is skipped: it keeps its story_id in Dedupe and is
    already seen. Copies of one id (several feeds, same canonical URL) are fetched as before,
    since a copy's derived id includes its content hash, which follows the article text."""

    def __init__(self):
        self._known = Metrics.counter("articles", "known_skipped")

    def process(self, element):
        _, grouped = element
        stories = list(grouped["story"])
        if not stories:
            return
        if (len(stories) == 1 and not any(True for _ in grouped["other"])
                and any(True for _ in grouped["known"])):
            self._known.inc()
            yield beam.pvalue.TaggedOutput("known", stories[0])
        else:
            yield from stories


class _FetchArticleGroup(beam.DoFn):
    """(host, stories) -> ArticleFetcher's outputs."""

    def __init__(self, settings: FetchSettings):
        self._group = ArticleFetcher(settings)

    def setup(self):
        self._group.open()

    def teardown(self):
        self._group.close()

    def process(self, element: Tuple[str, Iterable[Story]]):
        _, stories = element
        yield from self._group.fetch(stories)


class FetchArticles(beam.PTransform):
    """Cleaned Story -> {'stories', 'dead_letter'}: every story comes out once, with its article's
    main text when its feed text had fewer than `min_words` words and the page could be used.
    `known_ids`: an optional PCollection of story ids remembered in the cross-run state; a story
    among them is not fetched (it is already seen: its text will not be written again)."""

    def __init__(self, settings: FetchSettings, min_words: int, known_ids=None):
        super().__init__()
        self._settings = settings
        self._min_words = min_words
        self._known_ids = known_ids

    def expand(self, stories):
        min_words = self._min_words
        split = stories | "NeedsArticle" >> beam.Partition(
            lambda s, _: 0 if needs_article(s, min_words) else 1, 2)
        wanted, passed = split[0], (split[1],)
        if self._known_ids is not None:
            joined = ({"story": wanted | "KeyByStoryId" >> beam.Map(lambda s: (s.story_id, s)),
                       "other": split[1] | "OtherIds" >> beam.Map(lambda s: (s.story_id, None)),
                       "known": self._known_ids | "KeyKnownId" >> beam.Map(lambda sid: (sid, None))}
                      | "JoinKnown" >> beam.CoGroupByKey()
                      | "SplitKnown" >> beam.ParDo(_SplitKnown()).with_outputs("known", main="unknown"))
            wanted, passed = joined.unknown, passed + (joined.known,)
        fetched = (wanted
                   | "KeyByHost" >> beam.Map(lambda s: (article_host(s), s))
                   | "GroupByHost" >> beam.GroupByKey()
                   | "Fetch" >> TypedParDo(_FetchArticleGroup(self._settings), {"stories": Story}))
        return {"stories": (fetched["stories"],) + passed | "AllStories" >> beam.Flatten(),
                "dead_letter": fetched["dead_letter"]}
