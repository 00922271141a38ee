"""fetch_many's scheduler: bounded overall and per host (politeness).

A feed is only handed to a worker of the pool when its host (the host of the URL as requested;
redirects are not re-scheduled) has fewer than ``per_host_concurrency`` fetches running, so one
busy host cannot occupy every worker. Results are yielded as they finish; ``fetch_one`` must
return a result or a `FetchError`, never raise.
"""
from __future__ import annotations

import collections
import concurrent.futures
from typing import Callable, Dict, Iterable, Iterator, Tuple
from urllib.parse import urlsplit

from transforms.fetch.http.types import FetchError

def host_key(url: str) -> str:
    try:
        return (urlsplit(url).hostname or url).lower()
    except ValueError:
        return url


def schedule(fetch_one: Callable, get_executor: Callable[[], concurrent.futures.Executor],
             requests: Iterable, max_concurrency: int, per_host_concurrency: int) -> Iterator[tuple]:
    """Run ``fetch_one(url, etag, last_modified)`` for (url, etag, last_modified) triples (or
    bare URLs); yield (url, outcome) as each finishes."""
    per_host = max(1, per_host_concurrency)
    overall = max(1, max_concurrency)
    queues: "collections.OrderedDict[str, collections.deque]" = collections.OrderedDict()
    for item in requests:
        if isinstance(item, str):
            item = (item,)
        url, etag, last_modified = (tuple(item) + (None, None))[:3]
        queues.setdefault(host_key(url), collections.deque()).append((url, etag, last_modified))
    if not queues:
        return
    executor = get_executor()
    running: Dict[concurrent.futures.Future, Tuple[str, str]] = {}
    per_host_running: Dict[str, int] = collections.Counter()

    def dispatch() -> None:
        progressed = True
        while progressed and len(running) < overall:
            progressed = False
            for host in list(queues):
                if len(running) >= overall:
                    break
                if per_host_running[host] >= per_host:
                    continue
                url, etag, last_modified = queues[host].popleft()
                if not queues[host]:
                    del queues[host]
                fut = executor.submit(fetch_one, url, etag, last_modified)
                running[fut] = (url, host)
                per_host_running[host] += 1
                progressed = True

    try:
        dispatch()
        while running:
            done, _ = concurrent.futures.wait(list(running), return_when=concurrent.futures.FIRST_COMPLETED)
            finished = []
            for fut in done:
                url, host = running.pop(fut)
                per_host_running[host] -= 1
                try:
                    outcome = fut.result()
                except BaseException as e:  # cancelled by close()
                    outcome = FetchError("internal", f"fetch of {url} did not run: {e!r}", url=url)
                finished.append((url, outcome))
            dispatch()     # keep the pool busy while the caller handles these results
            yield from finished
    finally:
        for fut in running:
            fut.cancel()
