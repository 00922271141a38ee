"""Credentials in feed URLs (issue 19, row 8): used for the fetch, written nowhere.

A real local HTTP server serves a feed only to a request that carries its `api_key` (or Basic
auth); whole runs go through `pipeline.main.run`, then every file under the output folder
(Parquet read back and as raw bytes, JSONL, runs/*.json, state) and everything printed or
logged is searched for the secret strings.
"""
import base64
import json
import logging
import socket
import urllib.parse

import pyarrow.parquet as pq
import pytest

from pipeline.main import run
from tests.support import read_dead_letters, read_summary, read_table
from tests.support.faultserver import FaultServer, Reply
from transforms.records import redact_text, redact_url

USER, PASSWORD = "alice-user-K1", "alice-pw-7Q3"
API_KEY = "APIKEY-9f8e7d"
SECRETS = (USER, PASSWORD, API_KEY, "MOVEDKEY-3e4f", "AMZSIG-77ab", "TOKEN-5c4b3a", "SIG-1a2b3c",
           "ACCESS-0z9y8x", "BOB-pw-55")

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title></title><link>https://news.example/</link>
<description>A feed behind a key.</description>
<item><title>Harbour cranes idle after the strike vote</title>
<link>https://news.example/harbour/cranes-idle</link><guid isPermaLink="false">k-1</guid>
<pubDate>Wed, 15 Jan 2025 08:00:00 GMT</pubDate>
<description>Dock workers kept the cranes idle on Wednesday after a strike vote at the harbour,
and the port authority said ships would wait offshore until the talks resume.</description></item>
<item><title>Council approves the new ferry timetable</title>
<link>stories/ferry-timetable.html</link><guid isPermaLink="false">k-2</guid>
<pubDate>Wed, 15 Jan 2025 09:00:00 GMT</pubDate>
<description>The council approved a new ferry timetable with more crossings in the morning
and fewer late at night, starting in the spring.</description></item>
</channel></rss>"""


def _authorised(ex, api_key=None, user=None, password=None) -> bool:
    query = dict(urllib.parse.parse_qsl(ex.request.query))
    if api_key and query.get("api_key") == api_key:
        return True
    if user:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        return ex.request.headers.get("authorization") == f"Basic {token}"
    return False


def _private(api_key=None, user=None, password=None):
    """A feed served (with an ETag, 304 when unchanged) only with the right credentials."""
    def fn(ex):
        if not _authorised(ex, api_key, user, password):
            ex.reply(Reply(401, b"credentials required\n", {"Content-Type": "text/plain",
                                                             "WWW-Authenticate": 'Basic realm="feeds"'}))
        elif ex.request.headers.get("if-none-match") == '"v1"':
            ex.reply(Reply(304, b"", {"ETag": '"v1"'}))
        else:
            ex.reply(Reply(200, RSS, {"ETag": '"v1"'}))
    return fn


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _with_userinfo(url: str, user: str, password: str) -> str:
    return url.replace("http://", f"http://{user}:{password}@", 1)


def _leaks(root) -> list:
    """(file, secret) for every secret found in any file under root."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        texts = [path.read_bytes().decode("utf-8", "replace")]
        if path.suffix == ".parquet":
            texts.append(json.dumps(pq.read_table(path).to_pylist(), default=str, ensure_ascii=False))
        found += [(str(path.relative_to(root)), s) for s in SECRETS for t in texts if s in t]
    return found


@pytest.fixture
def server():
    with FaultServer() as srv:
        srv.route("/private.xml", _private(api_key=API_KEY))
        srv.route("/basic.xml", _private(user="bob", password="BOB-pw-55"))
        srv.redirect("/moved.xml", srv.url(f"/private.xml?api_key={API_KEY}&X-Amz-Signature=AMZSIG-77ab"),
                     status=301)
        yield srv


def _feeds(srv):
    return {
        "keyed": _with_userinfo(srv.url(f"/private.xml?lang=en&api_key={API_KEY}"), USER, PASSWORD),
        "moved": srv.url("/moved.xml?apikey=MOVEDKEY-3e4f"),
        "missing": srv.url("/missing.xml?Token=TOKEN-5c4b3a&sig=SIG-1a2b3c#top"),
        "refused": f"http://127.0.0.1:{_closed_port()}/feed.xml?access_token=ACCESS-0z9y8x",
    }


def _run(feeds, out):
    argv = []
    for url in feeds:
        argv += ["--feeds", url]
    return run(argv + ["--output", str(out), "--allow-private-networks", "--format", "parquet,jsonl",
                       "--max-retries", "0", "--fetch-timeout", "5", "--connect-timeout", "2"])


def test_secrets_in_feed_urls_are_used_but_never_written(server, tmp_path, capfd, caplog):
    caplog.set_level(logging.INFO)
    feeds = _feeds(server)
    out = tmp_path / "out"
    assert _run(feeds.values(), out) == 0

    # The credentials were used: the keyed feed (and the one redirected to it) were fetched.
    assert {r.query for r in server.requests_for("/private.xml")} == {
        f"lang=en&api_key={API_KEY}", f"api_key={API_KEY}&X-Amz-Signature=AMZSIG-77ab"}
    stories = read_table(out, "stories") + read_table(out, "duplicates")
    assert len(stories) == 4
    summary = read_summary(out)
    c = summary["counts"]
    assert (c["feeds_total"], c["feeds_ok"], c["feeds_failed"]) == (4, 2, 2)

    # ... and written redacted, with everything else as it was.
    assert {r["feed_url"] for r in stories} == {
        server.url("/private.xml?lang=en&api_key=***").replace("http://", "http://***@"),
        server.url("/moved.xml?apikey=***")}
    assert {r["source_name"] for r in stories} == {r["feed_url"] for r in stories}
    assert "https://news.example/harbour/cranes-idle" in {r["url"] for r in stories}
    assert summary["permanent_redirects"] == [
        [server.url("/moved.xml?apikey=***"), server.url("/private.xml?api_key=***&X-Amz-Signature=***")]]
    assert sorted(summary["options"]["feeds"]) == sorted([
        server.url("/private.xml?lang=en&api_key=***").replace("http://", "http://***@"),
        server.url("/moved.xml?apikey=***"),
        server.url("/missing.xml?Token=***&sig=***#top"),
        feeds["refused"].replace("ACCESS-0z9y8x", "***")])
    dead = {d["source"]: d for d in read_dead_letters(out)}
    assert set(dead) == {server.url("/missing.xml?Token=***&sig=***#top"),
                         feeds["refused"].replace("ACCESS-0z9y8x", "***")}
    assert any("404" in d["error"] for d in dead.values())

    printed = capfd.readouterr()
    assert [s for s in SECRETS if s in printed.out + printed.err + caplog.text] == []
    assert _leaks(out) == []


def test_validators_of_a_keyed_feed_still_make_the_next_fetch_conditional(server, tmp_path):
    feeds = _feeds(server)
    out = tmp_path / "out"
    assert _run([feeds["keyed"]], out) == 0
    assert _run([feeds["keyed"]], out) == 0
    second = server.requests_for("/private.xml")[-1]
    assert second.headers.get("if-none-match") == '"v1"'
    assert read_summary(out)["counts"]["feeds_not_modified"] == 1
    assert _leaks(out) == []


def test_secrets_of_failing_feeds_never_reach_dead_letters_or_output(server, tmp_path, capfd, caplog):
    caplog.set_level(logging.INFO)
    feeds = _feeds(server)
    out = tmp_path / "out"
    assert _run([feeds["missing"], feeds["refused"]], out) == 1   # every feed failed
    dead = read_dead_letters(out)
    assert len(dead) == 2 and all(d["stage"] == "fetch" for d in dead)
    printed = capfd.readouterr()
    assert [s for s in SECRETS if s in printed.out + printed.err + caplog.text] == []
    assert _leaks(out) == []


def test_basic_auth_credentials_in_the_url_are_sent(server, tmp_path):
    out = tmp_path / "out"
    url = _with_userinfo(server.url("/basic.xml"), "bob", "BOB-pw-55")
    assert _run([url], out) == 0
    assert len(read_table(out, "stories")) == 2
    assert _leaks(out) == []


# --------------------------------------------------------------------------- redact_url / redact_text


@pytest.mark.parametrize("url, redacted", [
    ("https://user:pass@host.example/feed.xml", "https://***@host.example/feed.xml"),
    ("https://token-only@host.example/feed.xml", "https://***@host.example/feed.xml"),
    ("https://u:p%40ss@host.example:8443/f", "https://***@host.example:8443/f"),
    ("https://u:p@host.example", "https://***@host.example"),
    ("https://u:p@host.example?api_key=k", "https://***@host.example?api_key=***"),
    ("https://host.example/@user/feed.xml?email=a@b.example", "https://host.example/@user/feed.xml?email=a@b.example"),
])
def test_redact_url_userinfo(url, redacted):
    assert redact_url(url) == redacted


@pytest.mark.parametrize("name", [
    "api_key", "API_KEY", "apikey", "ApiKey", "api-key", "key", "KEY", "token", "Token", "access_token",
    "refresh_token", "accessToken", "auth", "password", "Password", "passwd", "secret", "client_secret",
    "signature", "sig", "X-Amz-Signature", "x-amz-signature", "X-Goog-Signature", "X-Amz-Security-Token",
    "X-Amz-Credential", "X-Goog-Credential", "api%5Fkey",
])
def test_redact_url_each_secret_parameter(name):
    url = f"https://host.example/feed.xml?lang=en&{name}=S3cr3t%2F&page=2"
    assert redact_url(url) == f"https://host.example/feed.xml?lang=en&{name}=***&page=2"


@pytest.mark.parametrize("url", [
    "https://host.example/feed.xml",
    "https://host.example/feed.xml?lang=en&page=2&sort_key=date&keyword=port&tokens=3&monkey=1",
    "https://host.example/feed.xml?key&token=&a=b=c&&",       # no value: nothing to hide
    "https://host.example/feed.xml?utm_source=x#section-2",
    "HTTPS://Host.Example:443/a/../b.xml?Q=%20x;y",
    "https://hôst.example/flüsse.xml?q=straße",
    "/data/feeds/feed?.xml",                                     # a glob, not a URL
    "feeds/token=abc.xml",
    "user:pass@host.example/feed.xml",                           # no scheme: not a URL
    "gs://bucket/feeds/*.xml",
    "",
])
def test_redact_url_without_secrets_is_unchanged(url):
    assert redact_url(url) is url


def test_redact_url_fragments_and_non_ascii():
    assert redact_url("https://h.example/f.xml?api_key=k#top") == "https://h.example/f.xml?api_key=***#top"
    assert redact_url("https://h.example/f.xml#access_token=t&state=1") == "https://h.example/f.xml#access_token=***&state=1"
    assert redact_url("https://h.example/f.xml?a=1#key") == "https://h.example/f.xml?a=1#key"
    assert (redact_url("https://jürgen:pässwört@nachrichten.example/flüsse.xml?Token=schlüssel&ort=Köln")
            == "https://***@nachrichten.example/flüsse.xml?Token=***&ort=Köln")
    assert redact_url(None) is None


def test_redact_text_every_url_in_a_message():
    assert (redact_text("FetchError: HTTP 404 Not Found from http://127.0.0.1:8/m.xml?token=T&sig=S#top.")
            == "FetchError: HTTP 404 Not Found from http://127.0.0.1:8/m.xml?token=***&sig=***#top.")
    assert (redact_text("redirect loop: https://u:p@a.example/x -> 'https://b.example/y?apikey=K'")
            == "redirect loop: https://***@a.example/x -> 'https://b.example/y?apikey=***'")
    assert (redact_text('<a href="https://h.example/x?a=1&amp;token=Q">see (https://h.example/z?key=K)</a>')
            == '<a href="https://h.example/x?a=1&amp;token=***">see (https://h.example/z?key=***)</a>')
    # Without a scheme (urllib3's "Max retries exceeded with url: /f.xml?…"):
    assert (redact_text("Max retries exceeded with url: /f.xml?access_token=A (Caused by x)")
            == "Max retries exceeded with url: /f.xml?access_token=*** (Caused by x)")


@pytest.mark.parametrize("text", [
    "", "no URL here", "a=b and token=x without a query mark", "see https://host.example/feed.xml, then stop.",
    "Größe: 3 MB von https://nachrichten.example/flüsse.xml?ort=Köln", "key=value; key2=value2",
])
def test_redact_text_without_secrets_is_unchanged(text):
    assert redact_text(text) == text
