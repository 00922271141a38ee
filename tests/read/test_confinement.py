"""A feed list on object storage (gs://, s3:// ...) or HTTP names only http(s) URLs and paths in its
own bucket: never a local file (issue 19, bug 4). Only a local list may name local paths.

The gs:// cases run against a real GCS emulator on 127.0.0.1 (tests/support/runner_services.py)
through Beam's own gs:// FileSystem, as a run on Dataflow would read the list."""
import pytest

from tests.read.expect import assert_read
from tests.support import FIXTURES, assert_conserved, read_dead_letters, read_summary, read_table
from tests.support import runner_services as rs

pytestmark = pytest.mark.timeout(180)
BUCKET = "wirefeed-confine"
PASSWD = "root:x:0:0"             # the first line of /etc/passwd on every Linux
ESCAPE = "../" * 12 + "etc/hostname"  # enough ../ to leave any working directory
RSS = (FIXTURES / "feeds" / "coastal-rss.xml").read_bytes()


@pytest.fixture
def gcs():
    pytest.importorskip("apache_beam.io.gcp.gcsio", reason="needs apache-beam[gcp] (pip install -e '.[gcp]')")
    pytest.importorskip("gcp_storage_emulator", reason="needs gcp-storage-emulator (the test extra)")
    with rs.gcs_emulator(BUCKET) as bucket:
        yield bucket


def _put(path: str, data: bytes) -> str:
    from apache_beam.io.filesystems import FileSystems
    with FileSystems.create(path) as f:
        f.write(data)
    return path


def _refused(listed_in, ref, root=f"gs://{BUCKET}/"):
    return ("read", listed_in, None,
            f"FeedListEntryRefused: a feed list on {listed_in} may name only URLs and paths in {root}: "
            f"{ref} refused")


def test_url_list_on_gs_names_no_local_file(gcs):
    root = f"gs://{gcs}"
    listed = _put(f"{root}/lists/feeds.txt", "\n".join([
        "/etc/passwd", ESCAPE, "file:///etc/passwd", "gs://another-bucket/feed.xml",
        "../../outside.xml",              # above the bucket's root
        "https://news.example/rss", "../feeds/a.xml", "sub/b.xml", f"{root}/feeds/c.xml"]).encode())
    assert_read([listed], ["https://news.example/rss", f"{root}/feeds/a.xml", f"{root}/feeds/c.xml",
                            f"{root}/lists/sub/b.xml"],
                 [_refused(listed, ref) for ref in ("/etc/passwd", ESCAPE, "file:///etc/passwd",
                                                    "gs://another-bucket/feed.xml", "../../outside.xml")])


def test_opml_on_gs_names_no_local_file(gcs):
    outlines = "".join(f'<outline text="{i}" type="rss" xmlUrl="{url}"/>' for i, url in enumerate([
        "/etc/passwd", ESCAPE, "file:///etc/hostname", "https://news.example/rss", "../feeds/a.xml"]))
    listed = _put(f"gs://{gcs}/lists/feeds.opml",
                  f'<?xml version="1.0"?><opml version="2.0"><body>{outlines}</body></opml>'.encode())
    assert_read([listed], ["https://news.example/rss", f"gs://{gcs}/feeds/a.xml"],
                 [_refused(listed, ref) for ref in ("/etc/passwd", ESCAPE, "file:///etc/hostname")])


def test_whole_run_from_a_gs_list_leaks_no_local_file(gcs, tmp_path):
    """The run reads the in-bucket feed, refuses the rest, and no output file holds /etc/passwd."""
    from pipeline.main import run
    _put(f"gs://{gcs}/feeds/coastal.xml", RSS)
    listed = _put(f"gs://{gcs}/lists/feeds.txt",
                  f"/etc/passwd\n{ESCAPE}\n../feeds/coastal.xml\n".encode())
    out = tmp_path / "out"
    code = run(["--feeds", listed, "--output", str(out), "--format", "parquet,jsonl"])
    assert code == 0
    summary = read_summary(out)
    assert_conserved(summary)
    assert summary["counts"]["feeds_total"] == summary["counts"]["feeds_ok"] == 1
    assert {r["feed_url"] for r in read_table(out, "stories")} == {f"gs://{gcs}/feeds/coastal.xml"}
    assert sorted((d["stage"], d["error"]) for d in read_dead_letters(out)) == sorted(
        (stage, error) for stage, _, _, error in (_refused(listed, "/etc/passwd"), _refused(listed, ESCAPE)))
    for path in out.rglob("*"):
        if path.is_file():
            assert PASSWD.encode() not in path.read_bytes(), path


def test_local_list_may_still_name_local_paths(tmp_path):
    feed = tmp_path / "feeds" / "a.xml"
    feed.parent.mkdir()
    feed.write_bytes(RSS)
    listed = tmp_path / "lists" / "feeds.txt"
    listed.parent.mkdir()
    listed.write_text(f"{feed}\n../feeds/a.xml\nhttps://news.example/rss\ngs://{BUCKET}/x.xml\n")
    assert_read([str(listed)], [str(feed), "https://news.example/rss", f"gs://{BUCKET}/x.xml"], [])


@pytest.mark.parametrize("listed_in,ref,expected", [
    ("gs://b/lists/l.txt", "a.xml", "gs://b/lists/a.xml"),
    ("gs://b/lists/l.txt", "../feeds/a.xml", "gs://b/feeds/a.xml"),
    ("gs://b/lists/l.txt", "./x/../a.xml", "gs://b/lists/a.xml"),
    ("gs://b/lists/l.txt", "gs://b/other/a.xml", "gs://b/other/a.xml"),
    ("gs://b/lists/l.txt", "HTTPS://news.example/rss", "HTTPS://news.example/rss"),
    ("gs://b/l.txt", "feeds/a.xml", "gs://b/feeds/a.xml"),
    ("s3://b/deep/er/l.txt", "../../a.xml", "s3://b/a.xml"),
    ("https://lists.example/l/feeds.opml", "https://other.example/rss", "https://other.example/rss"),
    ("https://lists.example/l/feeds.opml", "rss.xml", "https://lists.example/l/rss.xml"),
    ("/local/l.txt", "/etc/feed.xml", "/etc/feed.xml"),
    ("/local/lists/l.txt", "../a.xml", "/local/a.xml"),
])
def test_confined_location_allows(listed_in, ref, expected):
    from transforms.read import confined_location
    assert confined_location(listed_in, ref) == expected


@pytest.mark.parametrize("listed_in,ref,root", [
    ("gs://b/lists/l.txt", "/etc/passwd", "gs://b/"),
    ("gs://b/lists/l.txt", "../../etc/hostname", "gs://b/"),
    ("gs://b/lists/l.txt", ESCAPE, "gs://b/"),
    ("gs://b/l.txt", "..", "gs://b/"),
    ("gs://b/lists/l.txt", "gs://b/../c/x.xml", "gs://b/"),
    ("gs://b/lists/l.txt", "gs://bb/x.xml", "gs://b/"),
    ("gs://b/lists/l.txt", "s3://b/x.xml", "gs://b/"),
    ("gs://b/lists/l.txt", "file:///etc/passwd", "gs://b/"),
    ("gs://b/lists/l.txt", "ftp://files.example/x.xml", "gs://b/"),
    ("s3://b/l.txt", "~/.aws/credentials", None),      # a key named "~/...": confined, allowed
    ("https://lists.example/l.opml", "/etc/passwd", "https://lists.example/"),
    ("https://lists.example/l.opml", "file:///etc/passwd", "https://lists.example/"),
    ("https://lists.example/l.opml", "gs://b/x.xml", "https://lists.example/"),
])
def test_confined_location_refuses(listed_in, ref, root):
    from transforms.read import FeedListEntryRefused, confined_location
    if root is None:
        assert confined_location(listed_in, ref).startswith("s3://b/")
        return
    with pytest.raises(FeedListEntryRefused) as e:
        confined_location(listed_in, ref)
    assert str(e.value) == f"a feed list on {listed_in} may name only URLs and paths in {root}: {ref} refused"
