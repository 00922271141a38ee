"""Inputs and services for benchmarks/runners.py (and, re-exported by tests/support/runner_services.py,
for the runner tests).

- `generate_feeds(folder, n_entries)`: deterministic RSS 2.0 files + feeds.opml: multi-paragraph
  stories in seven languages, agency datelines, exact copies of one item in several feeds,
  and edited reprints (a paragraph dropped, an outlet line added).
- `table_rows(out)`, `diff_rows(a, b)`: the rows of stories/ and duplicates/, comparable across
  runs and runners, and a short account of how two such results differ.
- `Service`: a process started in its own process group, stopped (TERM, then KILL) with bounded
  time, and checked to have left nothing behind (`leftovers()` scans /proc).
- `job_service_and_worker_pool()`: Beam's local job service (pipeline/job_service.py) + an
  external SDK worker pool on 127.0.0.1.
- `run_cli(args, timeout)`: `python -m pipeline.main` in its own process group, with what it
  left running afterwards.

Nothing here talks to anything but 127.0.0.1.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import glob
import html
import json
import os
import pathlib
import random
import signal
import socket
import subprocess
import sys
import time
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENV_BIN = pathlib.Path(sys.executable).parent
AS_OF = "2026-11-28T06:00:00Z"   # fixed dedupe clock: every run of the same input is comparable


# --------------------------------------------------------------------------- generated feeds

_WORDS = {
    "en": ("the of and to in a is that for on with as was by at from it an be this are which has "
           "have not but were their they its been after also more had one about over than said "
           "government minister council city officials report market company workers plan year "
           "week police court election budget water energy prices school hospital river bridge "
           "project farmers villages region coast storm harvest trade exports museum festival "
           "players season coach vote parliament agreement talks researchers study network "
           "residents weather service data schedule transport railway airport houses support"),
    "de": ("der die das und zu in den von mit ist nicht sich auf für des dem ein eine im auch als "
           "wird bei sind noch wie nach aus einer hat wurde über vor zum zur werden dass aber "
           "Regierung Stadt Bürgermeister Gemeinde Bericht Unternehmen Arbeiter Jahr Woche Polizei "
           "Gericht Wahl Haushalt Wasser Energie Preise Schule Krankenhaus Fluss Brücke Bauern Dörfer "
           "Region Küste Sturm Ernte Handel Museum Verein Spieler Saison Trainer Abstimmung Landtag "
           "Vereinbarung Gespräche Forscher Studie Bewohner Wetter Verkehr Bahn Flughafen Häuser"),
    "fr": ("le la les de des et à en un une du est que pour dans qui sur pas par au avec ce il "
           "sont ont été mais plus comme leur aux cette ses selon après aussi entre gouvernement "
           "ministre conseil ville responsables rapport marché entreprise travailleurs projet année "
           "semaine police tribunal élection budget eau énergie prix école hôpital rivière pont "
           "agriculteurs villages région côte tempête récolte commerce musée festival joueurs saison "
           "entraîneur vote parlement accord négociations chercheurs étude habitants météo transport"),
    "es": ("el la los las de del y en un una que es por para con no se su al lo como más pero sus "
           "ha fue son este esta entre cuando también según durante gobierno ministro consejo "
           "ciudad funcionarios informe mercado empresa trabajadores proyecto año semana policía "
           "tribunal elecciones presupuesto agua energía precios escuela hospital río puente "
           "agricultores pueblos región costa tormenta cosecha comercio museo festival jugadores "
           "temporada entrenador votación parlamento acuerdo negociaciones investigadores estudio"),
    "it": ("il la le di del della e in un una che è per con non si sono al alla dei delle anche "
           "come più ma suo sua gli nel nella dopo tra questo questa governo ministro consiglio "
           "città funzionari rapporto mercato azienda lavoratori progetto anno settimana polizia "
           "tribunale elezioni bilancio acqua energia prezzi scuola ospedale fiume ponte "
           "agricoltori paesi regione costa tempesta raccolto commercio museo festival giocatori "
           "stagione allenatore voto parlamento accordo trattative ricercatori studio abitanti"),
    "pt": ("o a os as de do da dos das e em um uma que é para com não se por ao mais mas seu sua "
           "foi são este esta entre quando também segundo durante governo ministro conselho "
           "cidade funcionários relatório mercado empresa trabalhadores projeto ano semana polícia "
           "tribunal eleições orçamento água energia preços escola hospital rio ponte agricultores "
           "aldeias região costa tempestade colheita comércio museu festival jogadores temporada "
           "treinador votação parlamento acordo negociações pesquisadores estudo moradores"),
    "nl": ("de het een en van in is dat op te zijn met voor niet aan er om ook als bij door maar "
           "naar dan nog wordt werd heeft hebben over uit tot deze na regering minister raad stad "
           "ambtenaren rapport markt bedrijf werknemers project jaar week politie rechtbank "
           "verkiezingen begroting water energie prijzen school ziekenhuis rivier brug boeren "
           "dorpen regio kust storm oogst handel museum festival spelers seizoen trainer stemming"),
}
_CITY = {"en": ["LONDON", "CHICAGO", "SYDNEY", "TORONTO"], "de": ["BERLIN", "HAMBURG", "WIEN"],
         "fr": ["PARIS", "LYON", "GENÈVE"], "es": ["MADRID", "BOGOTÁ", "LIMA"],
         "it": ["ROMA", "MILANO", "NAPOLI"], "pt": ["LISBOA", "PORTO", "RECIFE"],
         "nl": ["AMSTERDAM", "ROTTERDAM", "UTRECHT"]}
_AGENCIES = [("Reuters", "{city}, Nov {day} (Reuters) - "), ("AFP", "{city} (AFP) - "),
             ("dpa", "{city} (dpa) - "), ("EFE", "{city}, {day} nov (EFE).- "), ("ANSA", "{city} (ANSA) - ")]
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _sentence(r: random.Random, words: List[str], n=(10, 18)) -> str:
    s = " ".join(r.choice(words) for _ in range(r.randint(*n)))
    return s[0].upper() + s[1:] + "."


def _story(r: random.Random, lang: str, paragraphs=(3, 6), sentences=(2, 4)) -> Tuple[str, List[str]]:
    words = _WORDS[lang].split()
    title = _sentence(r, words, (6, 10))[:-1]
    paras = [" ".join(_sentence(r, words) for _ in range(r.randint(*sentences)))
             for _ in range(r.randint(*paragraphs))]
    return title, paras


def _rfc822(when: _dt.datetime) -> str:
    return when.strftime("%a, %d ") + _MONTHS[when.month - 1] + when.strftime(" %Y %H:%M:%S +0000")


def _item_xml(item: dict) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in item["paras"])
    return ("<item>"
            f"<title>{html.escape(item['title'])}</title>"
            f"<link>{html.escape(item['link'])}</link>"
            f"<guid isPermaLink=\"false\">{html.escape(item['guid'])}</guid>"
            f"<pubDate>{_rfc822(item['published'])}</pubDate>"
            f"<description>{html.escape(item['paras'][0][:200])}</description>"
            f"<content:encoded><![CDATA[{body}]]></content:encoded>"
            "</item>")


def generate_feeds(folder, n_entries: int = 2000, seed: int = 7, paragraphs=(3, 6),
                   sentences=(2, 4), n_outlets: int = 14, languages: Optional[Sequence[str]] = None,
                   days: int = 8, wire_feeds: int = 1) -> Dict[str, object]:
    """Writes outlet and agency RSS files and `feeds.opml` under `folder`; returns
    {"opml": path, "entries": n, "copies": exact copies, "reprints": edited reprints}.

    About 8% of the entries are the same item carried by a second feed (same link, title and
    text: exact duplicates) and 6% are edited reprints of an agency item (new URL, one paragraph
    dropped, an outlet line added: near duplicates). Dates are 2026-11-20 .. 2026-11-27 UTC
    (`days` days from 2026-11-20; with `days=1` all on 2026-11-20 but reprints of the day's last
    two hours); `languages` narrows the outlets' languages (default all seven; wires are English).
    `wire_feeds` feeds per agency wire (Reuters, AFP) share its items (large corpora: a feed file
    stays a few MB).
    """
    r = random.Random(seed)
    folder = pathlib.Path(folder)
    (folder / "feeds").mkdir(parents=True, exist_ok=True)
    langs = list(languages or _WORDS)
    outlets = [{"name": f"Outlet {i:02d}", "slug": f"outlet{i:02d}", "lang": langs[i % len(langs)],
                "items": []} for i in range(n_outlets)]
    wires = [{"name": f"{a} wire" + (f" {j + 1}" if j else ""), "slug": a.lower() + "-wire" + (f"-{j + 1}" if j else ""),
              "lang": "en", "agency": a, "items": []}
             for a, _ in _AGENCIES[:2] for j in range(wire_feeds)]
    base = _dt.datetime(2026, 11, 20, 0, 0, tzinfo=_dt.timezone.utc)
    originals, wire_originals, copies, reprints = [], [], 0, 0     # wire_originals: originals of agency wires
    total = 0
    while total < n_entries:
        roll = r.random()
        if originals and roll < 0.08:            # the same item in a second feed
            src, item = r.choice(originals)
            target = r.choice([o for o in outlets if o is not src])
            target["items"].append(dict(item))
            copies += 1
        elif originals and roll < 0.14:          # an edited reprint of a wire item
            wire_items = wire_originals       # kept as they come: scanning originals made N entries O(N^2)
            if not wire_items:
                continue
            src, item = r.choice(wire_items)
            target = r.choice([o for o in outlets if o["lang"] == item["lang"]] or outlets)
            paras = list(item["paras"])
            if len(paras) > 3:
                del paras[r.randrange(1, len(paras))]
            paras.append(f"{target['name']} staff contributed to this report.")
            n = len(target["items"])
            target["items"].append(dict(item, paras=paras, title=item["title"] + " | " + target["name"],
                                        link=f"https://{target['slug']}.example/news/{n}-{item['guid'][-8:]}.html",
                                        guid=f"{target['slug']}-{n}",
                                        published=item["published"] + _dt.timedelta(hours=2)))
            reprints += 1
        else:
            src = r.choice(wires) if r.random() < 0.2 else r.choice(outlets)
            lang = src["lang"]
            title, paras = _story(r, lang, paragraphs, sentences)
            n = len(src["items"])
            when = base + _dt.timedelta(minutes=r.randrange(0, days * 24 * 60 - 1))
            if "agency" in src or r.random() < 0.15:
                agency, fmt = _AGENCIES[0 if src.get("agency") == "Reuters" else 1] if "agency" in src \
                    else r.choice(_AGENCIES)
                paras[0] = fmt.format(city=r.choice(_CITY[lang]), day=when.day) + paras[0]
            item = {"title": title, "paras": paras, "lang": lang, "published": when,
                    "link": f"https://{src['slug']}.example/{lang}/{when:%Y/%m/%d}/story-{n}.html",
                    "guid": f"{src['slug']}-{n:06d}"}
            src["items"].append(item)
            originals.append((src, item))
            if "agency" in src:
                wire_originals.append((src, item))
        total += 1
    outlines = []
    for feed in wires + outlets:
        path = folder / "feeds" / f"{feed['slug']}.xml"
        items = "".join(_item_xml(i) for i in feed["items"])
        path.write_text('<?xml version="1.0" encoding="utf-8"?>\n'
                        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
                        f"<channel><title>{html.escape(feed['name'])}</title>"
                        f"<link>https://{feed['slug']}.example/</link>"
                        f"<description>{html.escape(feed['name'])}</description>"
                        f"<language>{feed['lang']}</language>{items}</channel></rss>\n", encoding="utf-8")
        category = f' category="/agency/{feed["agency"]}"' if "agency" in feed else ""
        outlines.append(f'<outline type="rss" text="{feed["name"]}" title="{feed["name"]}" '
                        f'xmlUrl="feeds/{feed["slug"]}.xml"{category}/>')
    opml = folder / "feeds.opml"
    opml.write_text('<?xml version="1.0" encoding="utf-8"?>\n<opml version="2.0"><head><title>generated'
                    "</title></head><body>" + "".join(outlines) + "</body></opml>\n", encoding="utf-8")
    return {"opml": str(opml), "entries": total, "copies": copies, "reprints": reprints,
            "feeds": len(outlines)}


# --------------------------------------------------------------------------- reading output back

RUN_SPECIFIC = ("fetched_at",)


def table_rows(out) -> Dict[str, List[str]]:
    """Sorted rows of stories/ and duplicates/ as canonical JSON, without file names and
    run-specific values: `fetched_at` is dropped, and a `published` (and partition date) that is
    the fetch time (a story without a usable date) becomes "<fetched_at>"."""
    import pyarrow.parquet as pq
    result = {}
    for table in ("stories", "duplicates"):
        rows = []
        for f in glob.glob(os.path.join(str(out), table, "date=*", "lang=*", "*.parquet")):
            parts = f.split(os.sep)
            for row in pq.read_table(f).to_pylist():
                fetched = row.pop("fetched_at", None)
                date = parts[-3]
                if row.get("published") is not None and row["published"] == fetched:
                    row["published"], date = "<fetched_at>", "date=<fetched_at>"
                row["_partition"] = [date, parts[-2]]
                rows.append(json.dumps(row, sort_keys=True, default=str, ensure_ascii=False))
        result[table] = sorted(rows)
    return result


def diff_rows(a: Dict[str, List[str]], b: Dict[str, List[str]], limit: int = 2) -> str:
    """A short human-readable difference between two `table_rows` results."""
    lines = []
    for table in a:
        sa, sb = set(a[table]), set(b.get(table, []))
        if a[table] != b.get(table):
            lines.append(f"{table}: {len(a[table])} vs {len(b.get(table, []))} rows, "
                         f"{len(sa - sb)} only in the first, {len(sb - sa)} only in the second")
            lines += ["  first only: " + x[:400] for x in sorted(sa - sb)[:limit]]
            lines += ["  second only: " + x[:400] for x in sorted(sb - sa)[:limit]]
    return "\n".join(lines)


# --------------------------------------------------------------------------- processes

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float, proc: Optional[subprocess.Popen] = None, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"service exited with {proc.returncode} before listening on {port}: "
                               + (_tail(log) if log else ""))
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s: "
                       + (_tail(log) if log else ""))


def _tail(path, n=3000) -> str:
    try:
        return pathlib.Path(path).read_text(errors="replace")[-n:]
    except OSError:
        return ""


def service_env() -> dict:
    """The environment for services and CLI runs: the venv's bin first on PATH (the worker pool
    starts plain `python`), the repository importable."""
    env = dict(os.environ)
    env["PATH"] = str(VENV_BIN) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)]
                                        + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _proc_groups() -> Dict[int, List[Tuple[int, str, str]]]:
    """pgid -> [(pid, state, command)] of every process on the machine (from /proc)."""
    groups: Dict[int, List[Tuple[int, str, str]]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode("utf-8", "replace")
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:
            continue
        rest = stat[stat.rfind(")") + 2:].split()
        state, pgid = rest[0], int(rest[2])
        groups.setdefault(pgid, []).append((int(entry), state, cmd))
    return groups


class Service:
    """A command run in its own process group (its own session), logged to a file."""

    def __init__(self, name: str, cmd: Sequence[str], log_dir, env=None, cwd=None):
        self.name = name
        self.cmd = list(cmd)
        self.log = pathlib.Path(log_dir) / f"{name}.log"
        self._fh = open(self.log, "wb")
        self.proc = subprocess.Popen(self.cmd, stdout=self._fh, stderr=subprocess.STDOUT, env=env,
                                     cwd=cwd, start_new_session=True)
        self.pgid = self.proc.pid

    def alive(self) -> List[Tuple[int, str, str]]:
        """Live (non-zombie) processes of this service's group."""
        return [p for p in _proc_groups().get(self.pgid, []) if p[1] != "Z"]

    def stop(self, grace: float = 10.0) -> None:
        """TERM the whole group, wait up to `grace` seconds, then KILL what is left."""
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and self.alive():
                time.sleep(0.1)
            if not self.alive():
                break
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self._fh.close()


def leftovers(services: Sequence[Service]) -> List[str]:
    """Processes still alive in the groups of `services` (should be none after stop())."""
    groups = _proc_groups()
    return [f"{s.name}: pid {pid} {cmd[:120]}" for s in services
            for pid, state, cmd in groups.get(s.pgid, []) if state != "Z"]


@contextlib.contextmanager
def services_stopped_cleanly(services: List[Service]):
    """Yields the list to fill; on exit stops every service and raises if any process is left."""
    try:
        yield services
    finally:
        for s in reversed(services):
            s.stop()
        left = leftovers(services)
        if left:
            raise AssertionError("processes left behind after teardown:\n" + "\n".join(left))


@contextlib.contextmanager
def job_service_and_worker_pool(log_dir, startup_timeout: float = 60.0) -> Iterator[dict]:
    """Beam's local job service (with pipeline.dataplane's fix) and an external SDK worker pool on 127.0.0.1.
    Yields {"job_endpoint", "environment_config", "services"}."""
    env = service_env()
    with services_stopped_cleanly([]) as started:
        job_port, pool_port = free_port(), free_port()
        pool = Service("worker-pool", [str(VENV_BIN / "python"), "-m",
                                       "apache_beam.runners.worker.worker_pool_main",
                                       f"--service_port={pool_port}"], log_dir, env=env, cwd=log_dir)
        started.append(pool)
        jobs = Service("job-service", [str(VENV_BIN / "python"), "-m",
                                       "pipeline.job_service",
                                       f"--port={job_port}"], log_dir, env=env, cwd=log_dir)
        started.append(jobs)
        wait_for_port(pool_port, startup_timeout, pool.proc, pool.log)
        wait_for_port(job_port, startup_timeout, jobs.proc, jobs.log)
        yield {"job_endpoint": f"localhost:{job_port}", "environment_config": f"localhost:{pool_port}",
               "services": started}


# --------------------------------------------------------------------------- running wirefeed

def run_cli(args: Sequence[str], timeout: float, env=None, cwd=None) -> subprocess.CompletedProcess:
    """`python -m pipeline.main ARGS` in a subprocess (own process group, killed on timeout).
    A timeout gives returncode None and stderr ending in 'TIMEOUT'."""
    proc = subprocess.Popen([str(VENV_BIN / "python"), "-m", "pipeline.main", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env or service_env(), cwd=cwd or ROOT,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        done = subprocess.CompletedProcess(proc.args, None, out, (err or "") + f"\nTIMEOUT after {timeout:.0f} s")
    # Whatever the run started (SDK workers of multi_processing mode, ...) must be gone with it.
    deadline = time.monotonic() + 10
    while True:
        done.leftovers = [f"pid {pid} {cmd[:120]}" for pid, state, cmd in _proc_groups().get(proc.pid, [])
                          if state != "Z"]
        if not done.leftovers or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return done
