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
import hashlib
import json
import os
import posixpath
import socket
from typing import List, Optional

from apache_beam.io.filesystems import FileSystems

from transforms.records import UTC

JOURNAL = "COMMIT.json"
MANIFEST = "MANIFEST.json"
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
    """Writes a temporary file beside `path`, then renames it over `path`: a rename replaces
    the old file in one step (POSIX rename; a copy on object stores), so a process killed at
    any point leaves the old or the new text, never no file."""
    folder, name = path.rsplit("/", 1) if "/" in path else (".", path)
    tmp = join(folder, f".{name}.tmp")
    mkdirs_quietly(folder)
    with FileSystems.create(tmp) as f:
        f.write(text.encode("utf-8"))
    try:
        FileSystems.rename([tmp], [path])
    except Exception:
        # A filesystem whose rename does not replace: both files are still there. Otherwise
        # (the rename happened and then failed, or the temporary file is gone) the error stands.
        if not (FileSystems.exists(tmp) and FileSystems.exists(path)):
            raise
        FileSystems.delete([path])
        FileSystems.rename([tmp], [path])


def read_text(path: str) -> str:
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
        generation = join(state["dir"], state["generation"])
        write_manifest(generation, [f for _, f in journal["files"] if f.startswith(generation + "/")])
        write_text_atomically(join(state["dir"], "CURRENT"), state["generation"] + "\n")
        _delete_quietly(state.get("folded") or [])    # stream deltas the new generation holds
        for folder in _subfolders(state["dir"], "gen-*"):
            if posixpath.basename(folder) != state["generation"]:
                delete_folder(folder)
    write_text_atomically(journal["summary_path"], json.dumps(journal["summary"], indent=2, ensure_ascii=False))
    delete_folder(journal["staging"])


def file_digest(path: str) -> dict:
    """{"bytes": size, "sha256": hex digest} of a file, read through FileSystems."""
    digest, size = hashlib.sha256(), 0
    with FileSystems.open(path, compression_type="uncompressed") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return {"bytes": size, "sha256": digest.hexdigest()}


def write_manifest(folder: str, paths: List[str]) -> None:
    """FOLDER/MANIFEST.json: every file of a committed folder with its size and checksum."""
    files = {posixpath.basename(p): file_digest(p) for p in sorted(paths) if FileSystems.exists(p)}
    write_text_atomically(join(folder, MANIFEST), json.dumps({"files": files}, indent=1, sort_keys=True))


def manifest_problem(folder: str) -> Optional[str]:
    """The first way FOLDER differs from its manifest (a file missing, of another size or
    checksum), as '<problem> (<path>)'; None when it matches. Raises FileNotFoundError when
    the folder has no manifest."""
    path = join(folder, MANIFEST)
    if not FileSystems.exists(path):
        raise FileNotFoundError(path)
    try:
        files = json.loads(read_text(path))["files"]
    except Exception as e:
        return f"its manifest is unreadable: {type(e).__name__} ({path})"
    for name, want in sorted(files.items()):
        file = join(folder, name)
        if not FileSystems.exists(file):
            return f"a file is missing ({file}, {want['bytes']:,} bytes)"
        got = file_digest(file)
        if got["bytes"] != want["bytes"]:
            return f"a file has {got['bytes']:,} bytes instead of {want['bytes']:,} ({file})"
        if got["sha256"] != want["sha256"]:
            return f"a file's checksum differs from the manifest ({file})"
    return None


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


def commit(output: str, run_id: str, files, folders, summary: dict, state: Optional[dict],
           record_path: Optional[str] = None) -> dict:
    """Journals and applies the commit of `run_id`'s staging folder; `summary` is written last,
    to `record_path` (default runs/RUN_ID.json; a stream's unit record goes elsewhere). Returns
    the summary committed.

    Safe to run again (a runner retrying the step): a journal an earlier attempt wrote is
    finished as it was written (its summary, not this attempt's), and a commit whose summary
    exists and whose journal is gone is done: nothing is touched and its summary is returned."""
    staging = staging_root(output, run_id)
    journal_path = join(staging, JOURNAL)
    record_path = record_path or summary_path(output, run_id)
    if FileSystems.exists(journal_path):
        journal = json.loads(read_text(journal_path))
    elif FileSystems.exists(record_path):
        delete_folder(staging)     # what a retried upstream step may have staged again
        return json.loads(read_text(record_path))
    else:
        journal = {"run_id": run_id, "files": [list(f) for f in files], "folders": sorted(folders),
                   "state": state, "summary": summary, "summary_path": record_path, "staging": staging}
        write_text_atomically(journal_path, json.dumps(journal))
    apply_journal(journal)
    return journal["summary"]


def recover(output: str) -> List[str]:
    """Finish journaled commits and drop the staging folders of runs that died before theirs.
    Returns one line per action, for the log. Call it while holding the output lock."""
    actions = []
    for folder in _subfolders(join(output, ".staging"), "*"):
        run_id = posixpath.basename(folder)
        staging = staging_root(output, run_id)
        journal_path = join(staging, JOURNAL)
        if FileSystems.exists(journal_path):
            apply_journal(json.loads(read_text(journal_path)))
            actions.append(f"finished the interrupted commit of run {run_id}")
        else:
            delete_folder(staging)
            actions.append(f"removed the staged files of unfinished run {run_id}")
    return actions


class LockHeld(Exception):
    """Another run is writing to this output, or the lock could not be taken (one line)."""


_HELD = {}   # lock path -> open descriptor holding the flock (local outputs)


def _holder_text(holder: dict, output: str, path: str) -> str:
    return (f"another run ({holder.get('run_id')}, pid {holder.get('pid')} on {holder.get('host')}, "
            f"since {holder.get('since')}) is writing to {output}; wait for it to finish")


def _acquire_local(output: str, path: str, me: dict) -> None:
    """flock(2) on OUTPUT/.lock: taken atomically by one process, released by the kernel when
    the holder dies (a stale lock needs no breaking). After taking it, the path must still name
    the file locked (a holder that released and removed it in between makes us try again)."""
    import fcntl
    try:
        os.makedirs(output, exist_ok=True)
    except OSError as e:
        raise LockHeld(f"cannot create the output folder {output}: {e.strerror or e}") from None
    for _ in range(20):
        try:
            fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
        except OSError as e:
            raise LockHeld(f"cannot write the lock {path}: {e.strerror or e} (is OUTPUT writable?)") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            try:
                holder = json.loads(read_text(path))
            except Exception:
                holder = {}
            raise LockHeld(_holder_text(holder, output, path)) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if not same:            # released and removed by its holder after we opened it
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(me).encode("utf-8"))
        _HELD[path] = fd
        return
    raise LockHeld(f"could not take the lock {path}: it keeps being replaced")


def _gcs_blob(path: str):
    """The google-cloud-storage blob of a gs:// path, or None when the client is not installed."""
    try:
        from google.cloud import storage
    except ImportError:
        return None
    bucket, _, name = path[len("gs://"):].partition("/")
    kwargs = {}
    if os.environ.get("STORAGE_EMULATOR_HOST"):
        from google.auth.credentials import AnonymousCredentials
        kwargs = {"project": "wirefeed", "credentials": AnonymousCredentials()}
    return storage.Client(**kwargs).bucket(bucket).blob(name)


def _acquire_object(output: str, path: str, me: dict) -> None:
    """Object stores: create-if-absent (a generation precondition of 0 on GCS), and a stale lock
    is deleted only if it is still the generation judged stale, so two starters that both find it
    stale cannot both take it. Without a client that supports preconditions: best effort."""
    blob = _gcs_blob(path) if path.startswith("gs://") else None
    for _ in range(3):
        try:
            if blob is not None:
                from google.api_core import exceptions as gexc
                try:
                    blob.upload_from_string(json.dumps(me), if_generation_match=0)
                    return
                except gexc.PreconditionFailed:
                    pass
                blob.reload()
                generation, holder = blob.generation, json.loads(blob.download_as_bytes().decode("utf-8") or "{}")
            else:
                if not FileSystems.exists(path):
                    write_text_atomically(path, json.dumps(me))
                    return
                generation, holder = None, json.loads(read_text(path) or "{}")
        except LockHeld:
            raise
        except Exception as e:
            raise LockHeld(f"cannot take the lock {path}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from None
        since = holder.get("since")
        age_h = ((_dt.datetime.now(UTC) - _dt.datetime.fromisoformat(since)).total_seconds() / 3600
                 if since else STALE_LOCK_HOURS + 1)
        if age_h <= STALE_LOCK_HOURS:
            raise LockHeld(_holder_text(holder, output, path) + f", or remove {path} if it died")
        try:
            if blob is not None:
                blob.delete(if_generation_match=generation)   # only the stale one we read
            else:
                _delete_quietly([path])
        except Exception:
            pass        # another starter broke it first: look again
    raise LockHeld(f"could not take the lock {path}")


def acquire_lock(output: str, run_id: str) -> str:
    """Take OUTPUT/.lock for this run, atomically; raises LockHeld (one line) when another run
    holds it or the lock cannot be written."""
    path = join(output, LOCK)
    me = {"run_id": run_id, "host": socket.gethostname(), "pid": os.getpid(),
          "since": _dt.datetime.now(UTC).isoformat(timespec="seconds")}
    if "://" not in output:
        _acquire_local(output, path, me)
    else:
        _acquire_object(output, path, me)
    return path


def release_lock(output: str, run_id: str) -> None:
    """Give the lock back: remove OUTPUT/.lock if this run holds it."""
    path = join(output, LOCK)
    fd = _HELD.pop(path, None)
    if fd is not None:
        try:
            os.unlink(path)        # while still holding it, so no one takes a removed file
        except OSError:
            pass
        os.close(fd)
        return
    try:
        if FileSystems.exists(path) and json.loads(read_text(path)).get("run_id") == run_id:
            FileSystems.delete([path])
    except Exception:
        pass
