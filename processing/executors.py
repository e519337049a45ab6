"""Where the per-frame and per-band tasks of a night run: here, a local process pool, or
an existing Dask cluster.

Every task is a module-level function of picklable arguments (paths, numbers, headers)
that reads its own files, so the same task runs in a process of this machine or on a
Dask worker reading a shared filesystem. Results come back as tasks finish; each says
where it ran, so a run can report which workers did the work.
"""

from __future__ import annotations

import logging
import os
import socket
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from skyglass.processing.errors import InvalidParameterError, SkyglassError
from skyglass.processing.progress import Cancelled

log = logging.getLogger(__name__)

#: Install hint when ``--scheduler`` is given without dask.distributed.
CLUSTER_EXTRA = "pip install 'skyglass[cluster]'"


def where() -> str:
    """A name for the process running a task: the Dask worker's address, else host:pid."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return f"{socket.gethostname()}:{os.getpid()}"


def _call(fn: Callable, args: tuple) -> tuple[Any, str]:
    return fn(*args), where()


class Executor:
    """Runs tasks; :meth:`run` yields ``(index, result, error)`` in completion order.

    ``ran`` counts finished tasks by worker name.
    """

    name = "here"
    #: Fewer tasks than this run in the caller's own loop instead (starting processes
    #: costs more than a few tasks gain): 1 when the user asked for this executor.
    min_tasks = 1

    def __init__(self) -> None:
        self.ran: Counter[str] = Counter()

    def run(
        self, fn: Callable, tasks: Sequence[tuple]
    ) -> Iterator[tuple[int, Any, BaseException | None]]:
        for i, args in enumerate(tasks):
            try:
                result, worker = _call(fn, args)
            except (SkyglassError, OSError, ValueError) as exc:
                yield i, None, exc
                continue
            self.ran[worker] += 1
            yield i, result, None

    def share(self, value: Any) -> Any:
        """``value`` as an argument many tasks take: sent to the workers once where the
        executor can (a Dask cluster), else the value itself."""
        return value

    def close(self) -> None:
        """Release workers and connections (idempotent)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def summary(self) -> str:
        """``"3 on tcp://a, 2 on tcp://b"``: where the tasks ran."""
        return ", ".join(f"{n} on {w}" for w, n in sorted(self.ran.items()))


class ProcessExecutor(Executor):
    """``jobs`` processes of this machine (``--jobs N``)."""

    def __init__(self, jobs: int) -> None:
        super().__init__()
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.name = f"{jobs} local processes"
        # forkserver: no copy of a parent's threads or locks (the window has both).
        self.pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("forkserver"))

    def run(self, fn, tasks):
        from concurrent.futures import as_completed

        futures = {self.pool.submit(_call, fn, args): i for i, args in enumerate(tasks)}
        try:
            for future in as_completed(futures):
                yield from self._outcome(futures[future], future)
        finally:
            for future in futures:
                future.cancel()

    def _outcome(self, index: int, future):
        from concurrent.futures.process import BrokenProcessPool

        try:
            result, worker = future.result()
        except BrokenProcessPool:
            raise SkyglassError(
                "a worker process died (out of memory?); nothing after it was written"
            ) from None
        except (SkyglassError, OSError, ValueError) as exc:
            yield index, None, exc
            return
        self.ran[worker] += 1
        yield index, result, None

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """Tasks on an existing ``dask.distributed`` cluster (``--scheduler tcp://host:port``).

    The workers read the files themselves: inputs and outputs must be on a filesystem
    every worker sees under the same paths. A worker that dies mid-task has its tasks
    run again elsewhere by the scheduler.
    """

    def __init__(self, address: str, timeout: float = 10.0) -> None:
        super().__init__()
        try:
            from distributed import Client
        except ImportError:
            raise SkyglassError(
                f"--scheduler needs dask.distributed, which is not installed: {CLUSTER_EXTRA}"
            ) from None
        self.name = address
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise SkyglassError(f"cannot reach the Dask scheduler at {address}: {exc}") from None

    def run(self, fn, tasks):
        from distributed import as_completed

        futures = [
            self.client.submit(_call, fn, args, pure=False, key=f"{fn.__name__}-{i}-{id(tasks)}")
            for i, args in enumerate(tasks)
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for future in as_completed(futures, loop=self.client.loop):
                try:
                    result, worker = future.result()
                except (SkyglassError, OSError, ValueError) as exc:
                    yield index[future.key], None, exc
                    continue
                except Exception as exc:  # the scheduler gave up: its workers kept dying
                    if type(exc).__name__ != "KilledWorker":
                        raise
                    raise SkyglassError(
                        "the Dask workers running a task kept dying and the scheduler "
                        "gave up on it; see the workers' logs (out of memory?)"
                    ) from None
                self.ran[worker] += 1
                yield index[future.key], result, None
        finally:
            self.client.cancel(futures)

    def share(self, value: Any) -> Any:
        # One copy on every worker instead of one per task in the graph (a band task of
        # 10,000 frames would otherwise carry 10,000 paths and matrices each).
        return self.client.scatter(value, broadcast=True, hash=False)

    def close(self) -> None:
        client, self.client = getattr(self, "client", None), None
        if client is not None:
            client.close()


def executor_for(scheduler: str | None = None, jobs: int | None = None) -> Executor | None:
    """The executor a command line asks for: a Dask cluster, ``jobs`` local processes, or
    None (the command's own in-process engine)."""
    if scheduler and jobs is not None:
        raise InvalidParameterError("give --scheduler or --jobs, not both.")
    if scheduler:
        if "://" not in scheduler:
            scheduler = "tcp://" + scheduler
        return DaskExecutor(scheduler)
    if jobs is None:
        return None
    if jobs < 1:
        raise InvalidParameterError("--jobs must be 1 or more.")
    return Executor() if jobs == 1 else ProcessExecutor(jobs)


def gather(
    executor: Executor,
    fn: Callable,
    tasks: Sequence[tuple],
    on_result: Callable[[int, Any], None],
    on_error: Callable[[int, BaseException], None] | None = None,
    progress=None,
    message: Callable[[int], str] = lambda done: "",
) -> None:
    """Run ``tasks`` on ``executor``; ``on_result(index, result)`` as each finishes.

    An error raises unless ``on_error`` takes it; ``progress`` (fraction, message)
    returning True cancels what has not started (:class:`Cancelled`).
    """
    from skyglass.processing.progress import report

    done = 0
    outcomes = executor.run(fn, tasks)
    try:
        for i, result, error in outcomes:
            done += 1
            if error is not None:
                if on_error is None:
                    raise error
                on_error(i, error)
            else:
                on_result(i, result)
            report(progress, done / max(1, len(tasks)), message(done))
    except Cancelled:
        raise
    finally:
        outcomes.close()
