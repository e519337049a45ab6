"""The ``skyglass`` entry point: dispatch to a command or the window, and the error contract.

Every failure a user can cause ends in one line, ``skyglass: error: ...``, and exit status
2; a broken pipe (``skyglass info f.fits | head -1``) ends quietly.
"""

from __future__ import annotations

import difflib
import logging
import os
import sys

from skyglass import logs
from skyglass.cli import window
from skyglass.cli.options import Parser, add_log_options
from skyglass.cli.table import commands
from skyglass.processing.errors import SkyglassError

log = logging.getLogger(__name__)

#: Exit status after a broken pipe, as a program killed by SIGPIPE reports it.
BROKEN_PIPE_STATUS = 141


def command_parser(command) -> Parser:
    """The parser of one command."""
    parser = Parser(
        prog=f"skyglass {command.name}", description=command.description or command.help
    )
    command.add_arguments(parser)
    add_log_options(parser)
    return parser


def _unknown_command(word: str, names) -> str | None:
    """A message if ``word`` reads like a mistyped command rather than a file to open."""
    if word.startswith("-") or os.path.exists(word) or "." in word or os.sep in word:
        return None
    close = difflib.get_close_matches(word, names, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"'{word}' is neither a command nor a file{hint}; 'skyglass --help' lists the commands."


def dispatch(argv: list[str]) -> int:
    """Run what ``argv`` asks for and return the exit status."""
    table = commands()
    # The log flags may stand anywhere, before the command too: skyglass --debug info F.
    flags = [a for a in argv if a in logs.VERBOSE_FLAGS]
    argv = [a for a in argv if a not in logs.VERBOSE_FLAGS] + flags
    if argv and argv[0] in table:
        command = table[argv[0]]
        args = command_parser(command).parse_args(argv[1:])
        log.debug("command %s: %s", command.name, vars(args))
        return command.run(args)
    if argv and not argv[0].startswith("-"):
        problem = _unknown_command(argv[0], list(table))
        if problem:
            raise SkyglassError(problem)
    from skyglass.ds9 import split_command_line

    # DS9's single-dash options (-scale log, -zoom to fit ...) and the files, in order;
    # Skyglass's own --options go to argparse.
    own, actions = split_command_line(argv)
    args = window.window_parser(table).parse_intermixed_args(own)
    args.actions = actions
    args.files = [value for kind, value in actions if kind == "open"]
    return window.run(args)


def _silence_stdout() -> None:
    # Python would report the broken pipe again while flushing stdout at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def one_line(exc: BaseException) -> str:
    """The message on one line (wcslib's span several, with file and line numbers)."""
    return " ".join(str(exc).split())


def console() -> None:
    """The ``skyglass`` console script and ``python -m skyglass``: :func:`main`, then exit
    with its status - at once, without the interpreter's clean-up, after a command that
    asks for it (:attr:`Command.quick_exit`)."""
    argv = sys.argv[1:]
    code = main(argv)
    name = next((a for a in argv if a not in logs.VERBOSE_FLAGS), None)
    command = commands().get(name) if name else None
    if command is not None and command.quick_exit:
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``skyglass`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    logs.configure(logs.level_from_argv(argv))
    try:
        try:
            code = dispatch(argv)
        except SystemExit as exc:  # argparse: --help printed, or a usage error reported
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _silence_stdout()
        return BROKEN_PIPE_STATUS
    except SkyglassError as exc:
        print(f"skyglass: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except MemoryError:
        print("skyglass: error: not enough memory for this image.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("skyglass: interrupted", file=sys.stderr)
        return 130
    except InterruptedError as exc:
        print(f"skyglass: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: say so in one line, never a traceback
        log.debug("internal error", exc_info=True)
        print(
            f"skyglass: error: internal error ({type(exc).__name__}: {one_line(exc)}); "
            "please report it "
            "(run again with --debug for the details).",
            file=sys.stderr,
        )
        return 2
