"""agencies_inferred: a reprint with its credit lines removed gets the agency of the agency's own
item it clusters with, in the same run and across runs (the agency item only in the state)."""
import pytest

from pipeline.main import run
from tests.support import read_table
from transforms.enrich.agencies import attribute, strip_credits

AS_OF = "2026-03-06T12:00:00Z"
PARAGRAPHS = [
    "Engineers at the Qinling ridge observatory switched on a tide gauge network on Wednesday that "
    "links forty-two coastal stations from Dalian to Beihai and reports sea levels every ninety seconds.",
    "The network, built over three winters at a cost of 1.8 billion yuan, replaces paper charts that "
    "harbour masters in smaller ports still filled in by hand, said project director Wen Lihua.",
    "Fishing cooperatives in Zhoushan asked for the readings to be broadcast on marine radio as well, "
    "because many of their older trawlers carry no satellite receiver and no mobile data link at all.",
    "A second phase will add buoys in the Bohai Strait next spring, the director said, once the winter "
    "ice has cleared from the anchoring sites chosen by the survey ships last autumn.",
]
WIRE_TEXT = "BEIJING, March 4 (Xinhua) -- " + "\n\n".join(PARAGRAPHS)
REPRINT_TEXT = strip_credits("Tide gauge network goes live | Photo: Xinhua\n\n" + WIRE_TEXT
                             + "\n\n(With inputs from Xinhua)")


def rss(title, items):
    body = "".join(
        f"<item><title>{t}</title><link>{url}</link><guid>{url}</guid><pubDate>{date}</pubDate>"
        f"<description><![CDATA[{''.join(f'<p>{p}</p>' for p in text.split(chr(10) * 2))}]]></description></item>"
        for t, url, date, text in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://example.org/</link><description>{title}</description>{body}</channel></rss>")


@pytest.fixture
def feeds(tmp_path):
    (tmp_path / "wire.xml").write_text(rss("Xinhua", [
        ("Coastal tide gauge network goes live", "https://xinhua.example/2026/03/04/tide-gauges.html",
         "Wed, 04 Mar 2026 06:00:00 GMT", WIRE_TEXT)]), encoding="utf-8")
    (tmp_path / "outlet.xml").write_text(rss("Harbour Ledger", [
        ("New tide gauges to help fishing fleets", "https://harbourledger.example/news/tide-gauges",
         "Wed, 04 Mar 2026 09:30:00 GMT", REPRINT_TEXT)]), encoding="utf-8")
    wire = '<outline text="Xinhua" title="Xinhua" category="/agency/Xinhua" type="rss" xmlUrl="wire.xml"/>'
    outlet = '<outline text="Harbour Ledger" title="Harbour Ledger" type="rss" xmlUrl="outlet.xml"/>'
    lists = {}
    for name, outlines in (("both", wire + outlet), ("wire", wire), ("outlet", outlet)):
        path = tmp_path / f"{name}.opml"
        path.write_text(f'<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head>'
                        f"<body>{outlines}</body></opml>", encoding="utf-8")
        lists[name] = str(path)
    return lists


def rows(out):
    return {r["source_name"]: r for r in read_table(out, "stories") + read_table(out, "duplicates")}


def test_the_reprint_credits_nothing():
    assert "Xinhua" not in REPRINT_TEXT
    assert list(attribute("New tide gauges to help fishing fleets", REPRINT_TEXT).agencies) == []
    assert list(attribute("Coastal tide gauge network goes live", WIRE_TEXT).agencies) == ["Xinhua"]


def test_inferred_in_the_same_run(feeds, tmp_path):
    out = tmp_path / "out"
    assert run(["--feeds", feeds["both"], "--output", str(out), "--as-of", AS_OF, "--run-id", "r1"]) == 0
    got = rows(out)
    wire, copy = got["Xinhua"], got["Harbour Ledger"]
    assert wire["duplicate_of"] is None and wire["agencies"] == ["Xinhua"]
    assert copy["duplicate_of"] == wire["story_id"] == copy["cluster_id"]
    assert copy["agencies"] == [] and copy["agencies_inferred"] == ["Xinhua"] and copy["agency_sourced"]
    assert copy["credit"] is None


def test_inferred_across_runs(feeds, tmp_path):
    out = tmp_path / "out"
    assert run(["--feeds", feeds["wire"], "--output", str(out), "--as-of", AS_OF, "--run-id", "day1"]) == 0
    wire = rows(out)["Xinhua"]
    assert run(["--feeds", feeds["outlet"], "--output", str(out), "--as-of", AS_OF, "--run-id", "day2"]) == 0
    copy = rows(out)["Harbour Ledger"]
    assert copy["duplicate_of"] == wire["story_id"] == copy["cluster_id"]
    assert copy["agencies"] == [] and copy["agencies_inferred"] == ["Xinhua"] and copy["agency_sourced"]


def test_no_inference_without_the_agency_item(feeds, tmp_path):
    out = tmp_path / "out"
    assert run(["--feeds", feeds["outlet"], "--output", str(out), "--as-of", AS_OF, "--run-id", "r1"]) == 0
    copy = rows(out)["Harbour Ledger"]
    assert copy["agencies"] == [] and copy["agencies_inferred"] == [] and not copy["agency_sourced"]
