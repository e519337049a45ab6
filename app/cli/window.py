"""``skyglass [FILE ...]``: the window, and the options that act on the installation."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from skyglass.cli.options import Parser, add_log_options
from skyglass.processing.errors import SkyglassError

log = logging.getLogger(__name__)

USAGE = (
    "skyglass [FILE ...] [--follow DIR] [--samp] [--verbose | --debug]\n"
    "       skyglass COMMAND [options]     (skyglass COMMAND --help for its options)\n"
    "       skyglass --version | --install-desktop | --uninstall-desktop"
)
DESCRIPTION = (
    "Skyglass: a FITS viewer and editor in the spirit of SAOImage DS9.\n\n"
    "With no command, opens the window on FILEs (FITS .fits/.fit/.fts, .fits.gz, .fz,\n"
    "PNG, JPEG, TIFF), one frame each; with no file, on the built-in demo night.\n"
    "Headless commands need no display."
)


def window_parser(commands: dict | None = None) -> argparse.ArgumentParser:
    """The top-level parser: the window's options, and the commands listed in the help."""
    from skyglass.ds9 import HELP

    epilog = HELP
    if commands:
        width = max(len(name) for name in commands) + 2
        rows = "\n".join(f"  {name:<{width}}{cmd.help}" for name, cmd in commands.items())
        epilog = f"commands:\n{rows}\n\n{HELP}"
    p = Parser(
        prog="skyglass",
        usage=USAGE,
        description=DESCRIPTION,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="images to open, one frame each")
    p.add_argument(
        "--follow", metavar="DIR", help="show each new FITS file written to DIR (night log)"
    )
    p.add_argument("--samp", action="store_true", help="connect to SAMP (start a hub if none)")
    p.add_argument("--empty", action="store_true", help="start with no image (not the demo night)")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    p.add_argument(
        "--install-desktop",
        action="store_true",
        help="add Skyglass to this user's application menu and FITS 'Open with' list",
    )
    p.add_argument(
        "--uninstall-desktop", action="store_true", help="remove what --install-desktop added"
    )
    add_log_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Act on the parsed top-level options: version, desktop files, or the window."""
    if args.version:
        from skyglass import __version__

        print(f"skyglass {__version__}")
        return 0
    if args.install_desktop or args.uninstall_desktop:
        return _desktop(install=args.install_desktop)
    return run_window(args)


def _desktop(install: bool) -> int:
    from skyglass.desktop import install_desktop, uninstall_desktop

    files = install_desktop() if install else uninstall_desktop()
    verb = "installed" if install else "removed"
    for path in files:
        print(f"{verb} {path}")
    if not files:
        print("nothing to remove")
    return 0


def run_window(args: argparse.Namespace) -> int:
    """Start the window (checks first what would make Qt abort, and says so)."""
    from skyglass import logs, paths
    from skyglass.qt_check import check_window_can_start

    if args.follow and not os.path.isdir(args.follow):
        raise SkyglassError(f"--follow {args.follow}: no such folder.")
    check_window_can_start()
    logs.configure(logs.level_from_argv(sys.argv[1:]), log_file=paths.log_file())
    log.info(
        "starting the window: files %s, follow %s, samp %s", args.files, args.follow, args.samp
    )
    from skyglass.main_window import run as run_main_window

    actions = getattr(args, "actions", None) or [("open", f) for f in args.files]
    code = run_main_window(actions, follow=args.follow, samp=args.samp, empty=args.empty)
    # PySide6 can abort while the interpreter tears down Qt and pyqtgraph objects after
    # the window has closed; everything is saved by now, so skip that teardown.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
