"""`to_feed_files`: generated items as RSS 2.0 files (one per feed, in parts of at most 2,000
items) and an OPML list of them, as the pipeline reads feeds."""
from __future__ import annotations

import email.utils
import html
import pathlib
import re
from typing import Dict, List, Sequence
from xml.sax.saxutils import escape as _xml_escape
from xml.sax.saxutils import quoteattr as _xml_attr

from .generation import BASE_TIME, Item

MAX_ITEMS_PER_FILE = 2000


def _p_html(text: str) -> str:
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in text.split("\n\n") if p)


def _feed_file_stem(feed_url: str) -> str:
    s = re.sub(r"^https?://(www\.)?", "", feed_url)
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


def to_feed_files(items: Sequence[Item], folder,
                  max_items_per_file: int = MAX_ITEMS_PER_FILE) -> List[str]:
    """Write `items` as RSS 2.0 files (one per feed_url, split into parts of at most
    `max_items_per_file` items) plus `folder/feeds.opml` listing them; returns the feed file
    paths (not the OPML).

    Per item: title, link and guid (isPermaLink) = url, pubDate (RFC 822, GMT), description =
    the summary (plain escaped text, or escaped <p> HTML when it has several paragraphs),
    content:encoded = the text as <p> paragraphs in CDATA (omitted when the text is just the
    one-paragraph summary, i.e. summary-only items; title-only items have neither). Items are
    newest first. OPML outlines carry title/text = source name, xmlUrl relative to the OPML,
    and category="/agency/<Agency>" on agency feeds.
    """
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    groups: Dict[str, List[Item]] = {}
    for it in items:
        groups.setdefault(it.feed_url, []).append(it)
    paths: List[str] = []
    outlines: List[str] = []
    now = email.utils.format_datetime(max((it.published for it in items), default=BASE_TIME),
                                      usegmt=True)
    for feed_url in sorted(groups):
        group = sorted(groups[feed_url], key=lambda it: (it.published, it.id), reverse=True)
        first = group[0]
        site = re.match(r"^(https?://[^/]+)", feed_url).group(1) + "/"
        stem = _feed_file_stem(feed_url)
        chunks = [group[i:i + max_items_per_file] for i in range(0, len(group), max_items_per_file)]
        for ci, chunk in enumerate(chunks):
            name = f"{stem}.xml" if len(chunks) == 1 else f"{stem}-part{ci + 1:03d}.xml"
            out = [
                '<?xml version="1.0" encoding="utf-8"?>\n',
                '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">\n',
                "<channel>\n",
                f"<title>{_xml_escape(first.source_name)}</title>\n",
                f"<link>{_xml_escape(site)}</link>\n",
                f"<description>{_xml_escape(first.source_name)} ({_xml_escape(feed_url)})</description>\n",
                "<language>en</language>\n",
                f"<lastBuildDate>{now}</lastBuildDate>\n",
            ]
            for it in chunk:
                out.append("<item>\n")
                out.append(f"<title>{_xml_escape(it.title)}</title>\n")
                out.append(f"<link>{_xml_escape(it.url)}</link>\n")
                out.append(f'<guid isPermaLink="true">{_xml_escape(it.url)}</guid>\n')
                out.append(f"<pubDate>{email.utils.format_datetime(it.published, usegmt=True)}</pubDate>\n")
                if it.summary:
                    desc = _p_html(it.summary) if "\n\n" in it.summary else html.escape(it.summary, quote=False)
                    out.append(f"<description>{_xml_escape(desc)}</description>\n")
                if it.text and (it.text != it.summary or "\n\n" in it.text):
                    out.append(f"<content:encoded><![CDATA[{_p_html(it.text)}]]></content:encoded>\n")
                out.append("</item>\n")
            out.append("</channel>\n</rss>\n")
            path = folder / name
            path.write_text("".join(out), encoding="utf-8")
            paths.append(str(path))
            cat = f" category={_xml_attr('/agency/' + first.agency)}" if first.is_agency_feed and first.agency else ""
            outlines.append(
                f"    <outline type=\"rss\" text={_xml_attr(first.source_name)} "
                f"title={_xml_attr(first.source_name)}{cat} language=\"en\" "
                f"xmlUrl={_xml_attr(name)} htmlUrl={_xml_attr(site)}/>\n")
    opml = ['<?xml version="1.0" encoding="utf-8"?>\n', '<opml version="2.0">\n', "  <head>\n",
            "    <title>wirefeed reprint benchmark feeds</title>\n",
            f"    <dateCreated>{now}</dateCreated>\n", "  </head>\n", "  <body>\n"]
    opml += outlines
    opml += ["  </body>\n", "</opml>\n"]
    (folder / "feeds.opml").write_text("".join(opml), encoding="utf-8")
    return paths
