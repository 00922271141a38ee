"""Versions end to end against a real local HTTP server: batch runs in sequence while the server
changes items (content edited under the same guid, a new guid with an UPDATE 1 / CORRECTED /
REFILE slug, a new URL under the same guid, a re-render that is no version), outlets reprinting the first version and then the
new one; and a stream across polls where the server changes an item. Every version chain
(version, previous_story_id) and every stale flag is asserted on the rows read back."""
import datetime as _dt
import email.utils
import html
import json

from tests.pipeline.test_streaming_e2e import check_with_shared_checker, write_list
from tests.support import assert_conserved, read_table
from tests.support.faultserver import FaultServer
from pipeline.main import run

NOW = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)

QUAKE_1 = ("A strong earthquake struck the coastal province of Marenna early on Tuesday, officials said. "
           "Rescue teams searched collapsed buildings in the port city of Ostrava while aftershocks continued. "
           "The quake killed 12 people and injured 40 others, the health ministry said in a statement. "
           "The seismology institute measured the quake at magnitude 6.4 at a depth of ten kilometres.")
QUAKE_2 = QUAKE_1.replace("killed 12 people and injured 40 others", "killed 19 people and injured 55 others")
PORT_1 = ("Dock workers ended a four day strike at Belmar, the country's busiest container port, on Friday. "
          "Unions and employers agreed on a wage rise of 6 percent and new safety rules after talks in Lisbon. "
          "Dozens of ships waiting offshore can now unload their cargo before the holiday season begins. "
          "The strike had cost exporters about 300 million euros, the chamber of commerce estimated.")
PORT_2 = (PORT_1.replace("a wage rise of 6 percent", "a wage rise of 7 percent")
          + " Port officials said the backlog would take about ten days to clear.")
RAIL_1 = ("Engineers began testing the new high speed rail line between Castel and Verona on Wednesday. "
          "The project was delayed for years by land disputes and rising costs, the operator Ferrovia said. "
          "Trains will reach 300 kilometres an hour and cut the journey to 90 minutes from next spring. "
          "The government has promised two more lines in the south by the end of the decade.")
RAIL_2 = RAIL_1.replace("cut the journey to 90 minutes", "cut the journey to 95 minutes")
BUDGET_1 = ("The finance ministry unveiled a draft budget on Monday that raises spending on schools and hospitals. "
            "It cuts subsidies for fuel by 4 billion in a plan that lawmakers in Parliament will debate next month. "
            "Minister Anna Weber said the deficit would narrow to 3 percent of output by the end of the decade. "
            "Opposition leaders called the plan unfair to drivers and farmers in the rural north.")
BUDGET_2 = BUDGET_1.replace("by 4 billion", "by 5 billion")
HARBOUR_1 = ("The city council of Norburg approved plans on Thursday to turn the old harbour warehouses into a library. "
             "The project includes a market hall and 120 low cost flats, ending a decade of debate over the waterfront. "
             "Mayor Lena Holm said construction would start in spring and finish within 3 years. "
             "Local traders in Norburg welcomed the plan but asked for more parking near the quay.")
HARBOUR_2 = HARBOUR_1.replace("120 low cost flats", "150 low cost flats")


def item(title, link, text, minutes_ago, guid=None):
    when = email.utils.format_datetime(NOW - _dt.timedelta(minutes=minutes_ago))
    return (f"<item><title>{html.escape(title)}</title><link>{html.escape(link)}</link>"
            f"<guid>{html.escape(guid or link)}</guid><pubDate>{when}</pubDate>"
            f"<description>{html.escape(text)}</description></item>")


def feed(name, *items):
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>'
            f'<link>http://{name.lower()}.example/</link>' + "".join(items) + "</channel></rss>").encode()


W = "http://wire.example/"
QUAKE_V1 = item("Quake kills 12 in Marenna", W + "quake", QUAKE_1, 300)
QUAKE_V2 = item("Quake kills 19 in Marenna", W + "quake", QUAKE_2, 300)          # guid kept, content edited
PORT_V1 = item("Belmar port strike ends", W + "port", PORT_1, 280)
PORT_U1 = item("UPDATE 1-Belmar port strike ends", W + "port-update-1", PORT_2, 200)   # new guid, slug
RAIL_V1 = item("Rail line tests begin", W + "rail", RAIL_1, 260)
# the same item re-rendered: spacing, a tracking parameter, curly quotes, the summary cut off
RAIL_RERENDER = item("Rail line tests begin", W + "rail?utm_source=rss&utm_medium=feed",
                     "  " + RAIL_1.replace("operator Ferrovia", "operator  Ferrovia").replace(". ", ".\n\n")[:300]
                     + " …", 260, guid=W + "rail")
RAIL_CORRECTED = item("CORRECTED-Rail line tests begin", W + "rail-corrected", RAIL_2, 100)
BUDGET_V1 = item("Draft budget raises school spending", W + "budget", BUDGET_1, 240)
BUDGET_REFILE = item("REFILE-Draft budget raises school spending", W + "budget-refile", BUDGET_2, 90)
HARBOUR_V1 = item("Norburg harbour plan approved", W + "harbour", HARBOUR_1, 230, guid="tag:wire.example,2026:harbour")
# the same guid under a new URL, with a corrected figure
HARBOUR_MOVED = item("Norburg harbour plan approved", W + "2026/harbour-plan", HARBOUR_2, 230,
                     guid="tag:wire.example,2026:harbour")


def reprint(link, title, text, minutes_ago, prefix="From the wires. "):
    return item(title, link, prefix + text + " Read our full coverage of the region every day.", minutes_ago)


def rows(out):
    return read_table(out, "stories") + read_table(out, "duplicates")


def by_url(out):
    found = {}
    for r in rows(out):
        found.setdefault(r["url"], []).append(r)
    return found


def predating_reprints(out):
    """README, "Versions": the reprints written before a newer version of their cluster was
    known (their stale flag predates it), read back with pyarrow as the README shows."""
    import json, pathlib, re
    import pyarrow.dataset as ds
    out = pathlib.Path(out)
    started = {p.stem: json.loads(p.read_text())["started_at"] for p in (out / "runs").glob("*.json")}

    def written(path, row):     # when a row was decided: a batch run decides its rows together
        m = re.search(r"part-\d{5}-(.+?)(-u[0-9a-f]+)?\.(?:parquet|jsonl)", path)    # a stream: on arrival
        return (started.get(m[1], ""), row["fetched_at"].isoformat() if m[2] else "")

    cols = ["story_id", "cluster_id", "url", "previous_story_id", "stale", "fetched_at"]
    rows = [dict(r, written=written(f.path, r)) for t in ("stories", "duplicates")
            for f in ds.dataset(out / t, partitioning="hive").get_fragments()
            for r in f.to_table(columns=cols).to_pylist()]
    newest = {}                                   # cluster -> when its newest version was decided
    for r in rows:
        if r["previous_story_id"] is not None:
            newest[r["cluster_id"]] = max(newest.get(r["cluster_id"], r["written"]), r["written"])
    versions = {r["previous_story_id"] for r in rows}
    predating = [r for r in rows if r["previous_story_id"] is None and r["story_id"] not in versions
                 and not r["stale"] and r["written"] < newest.get(r["cluster_id"], r["written"])]
    return predating


def counts(out, run_id):
    summary = json.loads((out / "runs" / f"{run_id}.json").read_text())
    assert_conserved(summary)
    return summary["counts"]


def test_batch_runs_find_every_version_chain_and_flag_every_stale_reprint(tmp_path):
    out = tmp_path / "out"
    with FaultServer() as srv:
        def batch(run_id, wire, daily=(), late=(), other=()):
            srv.static("/wire.xml", feed("Wire", *wire))
            srv.static("/daily.xml", feed("Daily", *daily))
            srv.static("/late.xml", feed("Late", *late))
            srv.static("/other.xml", feed("Other", *other))
            feeds = write_list(tmp_path, [srv.url(p) for p in ("/wire.xml", "/daily.xml", "/late.xml", "/other.xml")])
            assert run(["--feeds", str(feeds), "--output", str(out), "--allow-private-networks",
                        "--max-retries", "0", "--run-id", run_id]) == 0
            return counts(out, run_id)

        # run 1: first versions, and the daily reprints the quake's first version
        c1 = batch("r1", [QUAKE_V1, PORT_V1, RAIL_V1, BUDGET_V1, HARBOUR_V1],
                   daily=[reprint("http://daily.example/quake", "Deadly quake in Marenna", QUAKE_1, 250)],
                   other=[reprint("http://other.example/quake-early", "Quake in Marenna", QUAKE_1, 240)])
        assert (c1["stories"], c1["duplicates"]) == (5, 2)
        first = by_url(out)
        assert all(r["version"] == 1 and r["previous_story_id"] is None and r["stale"] is False
                   for rs in first.values() for r in rs)
        quake1 = first[W + "quake"][0]

        # run 2: the quake edited under the same guid, the port updated under a new guid (UPDATE 1),
        # the rail re-rendered; the daily updates its reprint, a late outlet still runs version 1,
        # another runs version 2
        c2 = batch("r2", [QUAKE_V2, PORT_U1, PORT_V1, RAIL_RERENDER, BUDGET_V1, HARBOUR_V1],
                   daily=[reprint("http://daily.example/quake", "Deadly quake in Marenna", QUAKE_2, 250)],
                   late=[reprint("http://late.example/quake", "Marenna quake toll", QUAKE_1, 60,
                                 prefix="By our correspondent. ")],
                   other=[reprint("http://other.example/quake", "Marenna quake toll rises", QUAKE_2, 50)])
        assert (c2["stories"] + c2["duplicates"], c2["already_seen"]) == (5, 4)   # rail, port, budget, harbour
        now = by_url(out)
        assert len(now[W + "rail"]) == 1                                          # the re-render: no version
        quake = sorted(now[W + "quake"], key=lambda r: r["version"])
        assert [r["version"] for r in quake] == [1, 2]
        assert quake[1]["previous_story_id"] == quake1["story_id"] != quake[1]["story_id"]
        assert quake[1]["cluster_id"] == quake1["cluster_id"] and quake[1]["link_rule"] == "version"
        assert quake[1]["text"] == QUAKE_2
        port_u1 = now[W + "port-update-1"][0]
        assert (port_u1["version"], port_u1["previous_story_id"]) == (2, now[W + "port"][0]["story_id"])
        daily = sorted(now["http://daily.example/quake"], key=lambda r: r["version"])
        assert [(r["version"], r["stale"]) for r in daily] == [(1, False), (2, False)]
        assert daily[1]["previous_story_id"] == daily[0]["story_id"]
        late, other = now["http://late.example/quake"][0], now["http://other.example/quake"][0]
        assert (late["stale"], other["stale"]) == (True, False)                     # version 1 / version 2
        assert late["cluster_id"] == other["cluster_id"] == quake1["cluster_id"]
        assert late["version"] == other["version"] == 1

        # run 3: a CORRECTED rail and a REFILE budget under new guids, the harbour item under a new
        # URL with its guid kept; an outlet reprints the port's first version (stale now) and its
        # update (fresh)
        c3 = batch("r3", [QUAKE_V2, PORT_U1, PORT_V1, RAIL_V1, RAIL_CORRECTED, BUDGET_V1, BUDGET_REFILE, HARBOUR_MOVED],
                   other=[reprint("http://other.example/port-old", "Belmar strike over", PORT_1, 30),
                          reprint("http://other.example/port-new", "Belmar strike over, backlog", PORT_2, 20)])
        assert (c3["stories"] + c3["duplicates"], c3["already_seen"]) == (5, 5)
        now = by_url(out)
        rail = now[W + "rail-corrected"][0]
        assert (rail["version"], rail["previous_story_id"]) == (2, now[W + "rail"][0]["story_id"])
        budget = now[W + "budget-refile"][0]
        assert (budget["version"], budget["previous_story_id"]) == (2, now[W + "budget"][0]["story_id"])
        assert now["http://other.example/port-old"][0]["stale"] is True
        assert now["http://other.example/port-new"][0]["stale"] is False
        moved = now[W + "2026/harbour-plan"][0]
        assert (moved["version"], moved["previous_story_id"]) == (2, now[W + "harbour"][0]["story_id"])

        # run 4: the same feeds again: nothing new, whatever version each item carries
        c4 = batch("r4", [QUAKE_V2, PORT_U1, PORT_V1, RAIL_V1, RAIL_CORRECTED, BUDGET_V1, BUDGET_REFILE,
                          HARBOUR_MOVED])
        assert (c4["stories"], c4["duplicates"], c4["already_seen"]) == (0, 0, 8)

    # every row of a chain points at a row that exists, with the version before it
    everything = {r["story_id"]: r for r in rows(out)}
    chained = [r for r in everything.values() if r["previous_story_id"] is not None]
    assert len(chained) == 6
    for r in chained:
        assert everything[r["previous_story_id"]]["version"] == r["version"] - 1
    assert sorted(r["url"] for r in everything.values() if r["stale"]) == [
        "http://late.example/quake", "http://other.example/port-old"]
    # written in run 1, before version 2 of the quake: not flagged, found by the README's reader
    assert everything_by_url(everything)["http://other.example/quake-early"]["stale"] is False
    assert [r["url"] for r in predating_reprints(out)] == ["http://other.example/quake-early"]
    check_with_shared_checker(out)


def everything_by_url(rows_by_id):
    return {r["url"]: r for r in rows_by_id.values()}


STREAM = ["--streaming", "--poll-interval", "1", "--max-poll-interval", "1", "--allow-private-networks",
          "--max-retries", "0"]


def test_a_stream_finds_a_version_across_polls_and_flags_the_stale_reprint(tmp_path):
    out = tmp_path / "out"
    from tests.support.faultserver import Reply
    rss = {"Content-Type": "application/rss+xml; charset=utf-8"}
    daily_v1 = reprint("http://daily.example/quake", "Deadly quake in Marenna", QUAKE_1, 250)
    fresh = reprint("http://other.example/quake", "Marenna quake toll rises", QUAKE_2, 50)
    late = reprint("http://late.example/quake", "Marenna quake toll", QUAKE_1, 40, prefix="By our correspondent. ")
    rail_rerender = RAIL_RERENDER
    with FaultServer() as srv:
        # poll 1: version 1; poll 2: re-rendered rail, the daily's reprint of version 1;
        # poll 3: version 2 under the same guid, another outlet's reprint of it; poll 4 on: a late
        # outlet's reprint of version 1
        srv.sequence("/wire.xml", [Reply(200, feed("Wire", *items), rss) for items in
                                   ([QUAKE_V1, RAIL_V1], [QUAKE_V1, rail_rerender], [QUAKE_V2, RAIL_V1])])
        srv.sequence("/daily.xml", [Reply(200, feed("Daily", *items), rss) for items in ([], [daily_v1])])
        srv.sequence("/other.xml", [Reply(200, feed("Other", *items), rss) for items in ([], [], [fresh])])
        srv.sequence("/late.xml", [Reply(200, feed("Late", *items), rss) for items in ([], [], [], [late])])
        feeds = write_list(tmp_path, [srv.url(p) for p in ("/wire.xml", "/daily.xml", "/other.xml", "/late.xml")])
        assert run([*STREAM, "--feeds", str(feeds), "--output", str(out), "--max-polls", "5",
                    "--run-id", "stream1"]) == 0
    c = counts(out, "stream1")
    assert c["stories"] + c["duplicates"] == 6          # quake v1, v2, rail, three reprints
    now = by_url(out)
    assert len(now[W + "rail"]) == 1                    # the re-render made no version
    quake = sorted(now[W + "quake"], key=lambda r: r["version"])
    assert [(r["version"], r["previous_story_id"]) for r in quake] == [(1, None), (2, quake[0]["story_id"])]
    assert quake[1]["cluster_id"] == quake[0]["cluster_id"] and quake[1]["link_rule"] == "version"
    assert now["http://daily.example/quake"][0]["stale"] is False     # written before version 2 was known
    assert now["http://other.example/quake"][0]["stale"] is False
    assert now["http://late.example/quake"][0]["stale"] is True
    predating = [r["url"] for r in predating_reprints(out)]
    # the daily's reprint of version 1 came a poll before version 2 (the fresh reprint of version 2
    # may be fetched a moment before it in the same poll)
    assert "http://daily.example/quake" in predating and "http://late.example/quake" not in predating
    assert set(predating) <= {"http://daily.example/quake", "http://other.example/quake"}
    # a batch run after the stream knows both versions: nothing new
    with FaultServer() as srv:
        srv.static("/wire.xml", feed("Wire", QUAKE_V2, RAIL_V1))
        feeds = write_list(tmp_path, [srv.url("/wire.xml")])
        assert run(["--feeds", str(feeds), "--output", str(out), "--allow-private-networks", "--run-id", "b1"]) == 0
    c = counts(out, "b1")
    assert (c["stories"], c["duplicates"], c["already_seen"]) == (0, 0, 2)
    check_with_shared_checker(out)
