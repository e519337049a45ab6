"""Run many ``skyglass`` command lines in one process, each with a deadline and a memory
measurement, and print one JSON line per run (issue 18's corpus runner).

Usage: ``python hostile_driver.py JOBS.json`` where the file holds a list of argv lists.
The installed console script's entry point is what runs (checked), so this is the command a
user types, without paying Python's start-up a few hundred times.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import signal
import sys
import time
import tracemalloc
from importlib.metadata import entry_points


class Deadline(BaseException):
    pass


def _alarm(signum, frame):
    raise Deadline


def main() -> int:
    jobs = json.loads(open(sys.argv[1]).read())
    deadline = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "skyglass"]
    # The console script is main() and then the exit; main returns the status, so many
    # commands run in this one process.
    entry = importlib.import_module(script.load().__module__).main
    signal.signal(signal.SIGALRM, _alarm)
    tracemalloc.start()
    for argv in jobs:
        out, err = io.StringIO(), io.StringIO()
        tracemalloc.reset_peak()
        start = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, deadline)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = entry(argv)
                except SystemExit as exc:
                    code = exc.code
            outcome = "done"
        except Deadline:
            code, outcome = None, "timeout"
        except BaseException as exc:  # noqa: BLE001 - a raise out of main is a failure
            code, outcome = None, f"raised {type(exc).__name__}: {exc}"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        peak = tracemalloc.get_traced_memory()[1]
        print(
            json.dumps(
                {
                    "argv": argv,
                    "code": code,
                    "outcome": outcome,
                    "stderr": err.getvalue()[-2000:],
                    "seconds": round(time.perf_counter() - start, 3),
                    "peak_bytes": peak,
                }
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
