"""What the commands share: the parser class, image options, output guards, progress."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable

from skyglass.processing.errors import SkyglassError


class Parser(argparse.ArgumentParser):
    """argparse with the error line the CLI contract asks for (``skyglass: error: ...``)."""

    def error(self, message: str):  # noqa: D102 - argparse API
        self.exit(2, f"skyglass: error: {message}\n")


def add_log_options(parser: argparse.ArgumentParser) -> None:
    """``--verbose`` / ``--debug`` (read before parsing too, so imports can log)."""
    group = parser.add_argument_group("logging")
    group.add_argument("--verbose", action="store_true", help="report each step (INFO log)")
    group.add_argument("--debug", action="store_true", help="everything, for bug reports")


def hdu_arg(text: str) -> int | str:
    """An HDU number (0 is the primary) or an EXTNAME."""
    return int(text) if text.strip().lstrip("-").isdigit() else text


def plane_arg(text: str) -> int:
    """A cube plane counted from 1, as in DS9's cube dialog."""
    try:
        plane = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"plane must be a whole number, got {text!r}") from None
    if plane < 1:
        raise argparse.ArgumentTypeError("planes are numbered from 1 (as in DS9's cube dialog)")
    return plane


def add_image_options(parser: argparse.ArgumentParser) -> None:
    """The input image and how to pick an HDU, a plane and display limits in it."""
    parser.add_argument("file", help="FITS (.fits, .fits.gz, .fz) or PNG/JPEG/TIFF file")
    parser.add_argument(
        "--hdu",
        type=hdu_arg,
        default=None,
        help="HDU number (0 = primary) or EXTNAME; default: first image HDU",
    )
    parser.add_argument(
        "--plane",
        type=plane_arg,
        default=None,
        help="plane of a cube, from 1 (default 1; a colour image shows in colour)",
    )
    parser.add_argument(
        "--limits", default=None, help="minmax, zscale, zmax, a percentage (99.5) or LOW,HIGH"
    )


def load_image(args: argparse.Namespace):
    """Open the image ``args`` names (``file``, ``hdu``, ``plane``)."""
    from skyglass.processing.io.reader import open_image

    return open_image(args.file, hdu=args.hdu, plane=(args.plane or 1) - 1)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_output(
    output: str,
    inputs: Iterable[str] = (),
    overwrite: bool = False,
    suffixes: tuple[str, ...] = (),
    what: str = "output",
) -> None:
    """Refuse an output before any work: wrong suffix, an input (links too), or one that exists.

    Parameters
    ----------
    output : str
        The path the command will write.
    inputs : iterable of str
        Every file the command reads; the output may never be one of them, even with
        ``overwrite``.
    overwrite : bool
        Whether an existing output (that is not an input) may be replaced.
    suffixes : tuple of str
        Lower-case suffixes the writer can honour (empty: any).
    what : str
        How the message names the output ("the catalogue", ...).
    """
    if suffixes and not output.lower().endswith(suffixes):
        raise SkyglassError(f"{output}: {what} must be one of {' '.join(suffixes)}.")
    if os.path.exists(output):
        if any(_same_file(output, f) for f in inputs):
            raise SkyglassError(f"{output}: refusing to write over an input file.")
        if not overwrite:
            raise SkyglassError(f"{output}: already exists; use --overwrite or another name.")


def terminal_progress(stream=None) -> Callable[[float, str], None]:
    """A progress callback for the terminal.

    On a TTY one line updates in place; anywhere else (a log file, a pipe, CI) each new
    step is printed once on its own line, without carriage returns or percentages
    repeated per frame.
    """
    stream = stream or sys.stderr
    tty = stream.isatty()
    last = {"text": "", "step": None}

    def progress(fraction: float, message: str) -> None:
        if tty:
            text = f"  [{fraction * 100:5.1f}%] {message}"
            if text != last["text"]:
                print(f"\r{text:<60}", end="", file=stream, flush=True)
                last["text"] = text
        elif message != last["step"]:
            print(f"  [{fraction * 100:3.0f}%] {message}", file=stream, flush=True)
            last["step"] = message

    def done() -> None:
        if tty and last["text"]:
            print(file=stream, flush=True)

    progress.done = done  # type: ignore[attr-defined]
    return progress


def add_executor_options(parser: argparse.ArgumentParser, jobs_help: str) -> None:
    """``--jobs N`` (local processes) and ``--scheduler ADDRESS`` (a Dask cluster)."""
    group = parser.add_argument_group("where the work runs")
    group.add_argument("--jobs", type=int, metavar="N", help=jobs_help)
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the tasks on an existing Dask cluster (tcp://host:port); every worker must "
        "see the files under the same paths (needs: pip install 'skyglass[cluster]')",
    )


def open_executor(args: argparse.Namespace, default_jobs: int | None = None):
    """The executor ``--scheduler``/``--jobs`` ask for (None: the in-process engine).

    ``default_jobs``: local processes when neither is given, used only for at least four
    tasks per process (fewer do not repay the processes' start).
    """
    from skyglass.processing.executors import executor_for

    if args.jobs is not None or args.scheduler or not default_jobs or default_jobs < 2:
        return executor_for(args.scheduler, args.jobs)
    executor = executor_for(None, default_jobs)
    executor.min_tasks = 4 * default_jobs
    return executor


def report_executor(executor) -> None:
    """One line saying where the tasks ran (a cluster user checks the workers did it)."""
    if executor is not None and executor.ran:
        print(f"tasks: {executor.summary()}")
