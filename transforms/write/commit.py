"""Committing a run: a journal, idempotent moves, the state swap, recovery and the output lock.

A run writes everything (table files, the next state generation) under OUTPUT/.staging/RUN_ID/.
Its commit first writes OUTPUT/.staging/RUN_ID/COMMIT.json — the list of moves, the state
generation to switch to and the run summary — and then applies it: move every staged file into
place, point STATE/CURRENT at the new generation (write new state, then swap), write
runs/RUN_ID.json, remove the staging folder. Applying a journal is idempotent, so a run killed
in the middle of its commit is finished by the next run (`recover`), and a run killed before
its journal existed left nothing visible: recovery deletes its staging folder.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import posixpath
import socket
from typing import List, Optional

from apache_beam.io.filesystems import FileSystems

from transforms.records import UTC

JOURNAL = "COMMIT.json"
LOCK = ".lock"
STALE_LOCK_HOURS = 24


def join(root: str, *parts: str) -> str:
    return FileSystems.join(root, *parts) if parts else root


def staging_root(output: str, run_id: str) -> str:
    return join(output, ".staging", run_id)


def summary_path(output: str, run_id: str) -> str:
    return join(output, "runs", f"{run_id}.json")


def mkdirs_quietly(path: str):
    try:
        FileSystems.mkdirs(path)
    except IOError:
        pass  # exists already (local); object stores have no folders


def write_text_atomically(path: str, text: str):
    folder, name = path.rsplit("/", 1) if "/" in path else (".", path)
    tmp = join(folder, f".{name}.tmp")
    mkdirs_quietly(folder)
    with FileSystems.create(tmp) as f:
        f.write(text.encode("utf-8"))
    if FileSystems.exists(path):
        FileSystems.delete([path])
    FileSystems.rename([tmp], [path])


def _read_text(path: str) -> str:
    with FileSystems.open(path) as f:
        return f.read().decode("utf-8")


def _delete_quietly(paths: List[str]):
    existing = [p for p in paths if FileSystems.exists(p)]
    if existing:
        FileSystems.delete(existing)


def apply_journal(journal: dict) -> None:
    """Finish a commit (idempotent: safe to apply again after a crash at any point)."""
    moves = [(s, f) for s, f in journal["files"] if FileSystems.exists(s)]
    for folder in sorted({posixpath.dirname(f) for _, f in journal["files"]} | set(journal["folders"])):
        mkdirs_quietly(folder)
    if moves:
        _delete_quietly([f for _, f in moves])
        FileSystems.rename([s for s, _ in moves], [f for _, f in moves])
    state = journal.get("state")
    if state:
        write_text_atomically(join(state["dir"], "CURRENT"), state["generation"] + "\n")
        for folder in _subfolders(state["dir"], "gen-*"):
            if posixpath.basename(folder) != state["generation"]:
                delete_folder(folder)
    write_text_atomically(journal["summary_path"], json.dumps(journal["summary"], indent=2, ensure_ascii=False))
    delete_folder(journal["staging"])


def _subfolders(root: str, pattern: str) -> List[str]:
    """Folders matching root/pattern that hold files (object stores have no empty folders)."""
    prefix = root.rstrip("/") + "/"
    found = {prefix + m.path[len(prefix):].split("/")[0] for m in _match(join(root, pattern, "**"))
             if m.path.startswith(prefix)}
    return sorted(found)


def delete_folder(path: str) -> None:
    """Remove a folder and everything in it, locally or on an object store."""
    try:
        if "://" in path:
            FileSystems.delete([path.rstrip("/") + "/"])
        elif FileSystems.exists(path):
            FileSystems.delete([path])
    except Exception:
        pass


def _match(pattern: str):
    try:
        return FileSystems.match([pattern])[0].metadata_list
    except Exception:
        return []


def commit(output: str, run_id: str, files, folders, summary: dict, state: Optional[dict]) -> None:
    staging = staging_root(output, run_id)
    journal = {"run_id": run_id, "files": [list(f) for f in files], "folders": sorted(folders),
               "state": state, "summary": summary, "summary_path": summary_path(output, run_id),
               "staging": staging}
    write_text_atomically(join(staging, JOURNAL), json.dumps(journal))
    apply_journal(journal)


def recover(output: str) -> List[str]:
    """Finish journaled commits and drop the staging folders of runs that died before theirs.
    Returns one line per action, for the log. Call it while holding the output lock."""
    actions = []
    for folder in _subfolders(join(output, ".staging"), "*"):
        run_id = posixpath.basename(folder)
        staging = staging_root(output, run_id)
        journal_path = join(staging, JOURNAL)
        if FileSystems.exists(journal_path):
            apply_journal(json.loads(_read_text(journal_path)))
            actions.append(f"finished the interrupted commit of run {run_id}")
        else:
            delete_folder(staging)
            actions.append(f"removed the staged files of unfinished run {run_id}")
    return actions


class LockHeld(Exception):
    """Another run is writing to this output."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def acquire_lock(output: str, run_id: str) -> str:
    """Take OUTPUT/.lock for this run; breaks a lock whose process died or that is stale."""
    path = join(output, LOCK)
    me = {"run_id": run_id, "host": socket.gethostname(), "pid": os.getpid(),
          "since": _dt.datetime.now(UTC).isoformat(timespec="seconds")}
    for _ in range(2):
        if "://" not in output:
            os.makedirs(output, exist_ok=True)
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as f:
                    json.dump(me, f)
                return path
        elif not FileSystems.exists(path):   # object stores: best effort (see README)
            write_text_atomically(path, json.dumps(me))
            return path
        try:
            holder = json.loads(_read_text(path))
        except Exception:
            holder = {}
        since = holder.get("since")
        age_h = ((_dt.datetime.now(UTC) - _dt.datetime.fromisoformat(since)).total_seconds() / 3600
                 if since else STALE_LOCK_HOURS + 1)
        dead = holder.get("host") == me["host"] and not _pid_alive(int(holder.get("pid", 0) or 0))
        if dead or age_h > STALE_LOCK_HOURS:
            _delete_quietly([path])
            continue
        raise LockHeld(f"another run ({holder.get('run_id')}, pid {holder.get('pid')} on "
                       f"{holder.get('host')}, since {since}) is writing to {output}; "
                       f"wait for it, or remove {path} if it died")
    raise LockHeld(f"could not take the lock {path}")


def release_lock(output: str, run_id: str) -> None:
    path = join(output, LOCK)
    try:
        if FileSystems.exists(path) and json.loads(_read_text(path)).get("run_id") == run_id:
            FileSystems.delete([path])
    except Exception:
        pass
