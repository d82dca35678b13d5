"""`make bench`: the benchmarks of the performance table in one run, the output also kept in bench/results/.

    .venv/bin/python -m bench                  # bench_feeds, bench_pages, bench_reach, bench_load (the README's table)
    .venv/bin/python -m bench feeds load       # some of them
    BENCH_SHORT=1 .venv/bin/python -m bench    # tiny sizes, one round: what CI runs (make bench-short)

bench_reach: every reach page and CSV and the suggestions page, in-process, at 100,000 invitations (bench_pages
times the dashboard and the suggestions page over HTTP). bench_people_import and bench_dispatch run on their own.
"""

from __future__ import annotations

import importlib
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from . import harness

DEFAULT = ["feeds", "pages", "reach", "load"]
RESULTS = Path(__file__).parent / "results"


class Tee:
    """Everything printed goes to the terminal and to the results file."""

    def __init__(self, *streams) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


def main(argv: list[str]) -> None:
    names = argv or DEFAULT
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{stamp}{'-short' if harness.SHORT else ''}.txt"
    with path.open("w") as results:
        sys.stdout = Tee(sys.__stdout__, results)
        try:
            print(f"organiser benchmarks {stamp}: {', '.join(names)}; short={harness.SHORT}, rounds={harness.ROUNDS}")
            print(f"{platform.platform()}, Python {platform.python_version()}")
            for name in names:
                began = time.monotonic()
                print(f"\n== bench_{name}", flush=True)
                importlib.import_module(f"bench.bench_{name}").main()
                print(f"(bench_{name}: {time.monotonic() - began:.0f} s)", flush=True)
        finally:
            sys.stdout = sys.__stdout__
    print(f"\nkept in {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
