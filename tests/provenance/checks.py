"""A checker for the provenance tables, in the style of ../shared/tools/check_output.py: read
clusters/ and reprints/ back from Parquet and list every way they break the contract (README,
"Provenance tables"). `provenance_problems(OUTPUT)` returns the problems, one line each."""
import glob
import os
import re

CLUSTER_COLUMNS = {"cluster_id", "origin_story_id", "origin_agency", "first_published", "last_published",
                   "n_outlets", "n_copies", "languages", "headlines"}
REPRINT_COLUMNS = {"story_id", "cluster_id", "origin_story_id", "lag_seconds", "kept_share", "lead_only",
                   "sentences_added", "first_added_sentence", "headline_changed", "credit_change"}
CREDIT_CHANGES = {"kept", "changed", "removed", "added", "none"}
PARTITION = re.compile(r"^date=\d{4}-\d{2}-\d{2}$")


def read_rows(root, table):
    """(rows, problems) of a provenance table: every Parquet file under date= partitions."""
    import pyarrow.parquet as pq
    rows, problems = [], []
    for f in sorted(glob.glob(os.path.join(str(root), table, "**", "*.parquet"), recursive=True)):
        rel = os.path.relpath(f, os.path.join(str(root), table)).split(os.sep)
        if len(rel) != 2 or not PARTITION.match(rel[0]):
            problems.append(f"{table}: file outside date= partitions: {'/'.join(rel)}")
            continue
        t = pq.read_table(f)
        want = CLUSTER_COLUMNS if table == "clusters" else REPRINT_COLUMNS
        missing = want - set(t.column_names)
        if missing:
            problems.append(f"{table}: {rel[-1]} lacks {sorted(missing)}")
        for row in t.to_pylist():
            row["_date"] = rel[0][5:]
            rows.append(row)
    return rows, problems


def newest(rows, key):
    """The newest row per key (a stream writes a cluster again as it grows)."""
    out = {}
    for r in rows:
        have = out.get(r[key])
        if have is None or (r.get("updated_at"), r.get("n_copies") or 0) >= (have.get("updated_at"), have.get("n_copies") or 0):
            out[r[key]] = r
    return out


def provenance_problems(root, story_ids=None, per_run=True):
    """Every problem of OUTPUT's provenance tables. `story_ids`: the ids of the story tables
    (stories/ and duplicates/ plus any remembered ids), that every origin and reprint must be
    among; None to skip that check. `per_run`: no story twice in one run's reprints."""
    clusters, problems = read_rows(root, "clusters")
    reprints, more = read_rows(root, "reprints")
    problems += more
    current = newest(clusters, "cluster_id")
    for c in clusters:
        cid = c["cluster_id"]
        if not c["origin_story_id"]:
            problems.append(f"clusters: {cid} has no origin")
        if c["n_copies"] is None or c["n_copies"] < 1 or c["n_outlets"] is None or not 1 <= c["n_outlets"] <= c["n_copies"]:
            problems.append(f"clusters: {cid} counts inconsistent (outlets {c['n_outlets']}, copies {c['n_copies']})")
        if sum(h["count"] for h in c["headlines"] or ()) > (c["n_copies"] or 0):
            problems.append(f"clusters: {cid} has more headlines than copies")
        if c["first_published"] and c["last_published"] and c["first_published"] > c["last_published"]:
            problems.append(f"clusters: {cid} first_published after last_published")
        if story_ids is not None and c["origin_story_id"] not in story_ids:
            problems.append(f"clusters: {cid}'s origin {c['origin_story_id']} is in no story table")
    seen = {}
    for r in reprints:
        sid = r["story_id"]
        if r["cluster_id"] not in current:
            problems.append(f"reprints: {sid}'s cluster {r['cluster_id']} is not in clusters/")
        if r["story_id"] == r["origin_story_id"]:
            problems.append(f"reprints: {sid} is measured against itself")
        if r["kept_share"] is None or not 0.0 <= r["kept_share"] <= 1.0:
            problems.append(f"reprints: {sid} kept_share {r['kept_share']} outside [0, 1]")
        if r["sentences_added"] is None or r["sentences_added"] < 0:
            problems.append(f"reprints: {sid} sentences_added {r['sentences_added']}")
        if (r["sentences_added"] or 0) > 0 and r.get("disposition") and r["first_added_sentence"] is None \
                and r.get("sentences_kept") is None:
            problems.append(f"reprints: {sid} added sentences but names none")
        if r["credit_change"] not in CREDIT_CHANGES:
            problems.append(f"reprints: {sid} credit_change {r['credit_change']!r}")
        if r["lead_only"] and r["kept_share"] is not None and r["kept_share"] >= 1.0:
            problems.append(f"reprints: {sid} lead_only but kept everything")
        if story_ids is not None:
            for name in ("story_id", "origin_story_id"):
                if r[name] not in story_ids:
                    problems.append(f"reprints: {sid}'s {name} {r[name]} is in no story table")
        run_key = (r.get("run_id"), r.get("updated_at")) if per_run else None
        k = (sid, run_key)
        if k in seen:
            problems.append(f"reprints: {sid} twice in one run")
        seen[k] = True
    by_run = {}
    for r in reprints:
        by_run.setdefault((r["cluster_id"], r.get("run_id")), set()).add(r["story_id"])
    for (cid, run), sids in by_run.items():
        copies = max((c["n_copies"] or 0 for c in clusters if c["cluster_id"] == cid and c.get("run_id") == run),
                     default=None)
        if copies is not None and len(sids) > copies - 1:
            problems.append(f"clusters: {cid} has {copies} copies but {len(sids)} reprints in run {run}")
    return problems
