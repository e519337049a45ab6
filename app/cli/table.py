"""The command table: every ``skyglass COMMAND`` is one :class:`Command` registered here.

A new command is one ``register(Command(...))`` call (a built-in one also has its module
named in ``BUILTIN_MODULES`` so it loads); the parser, ``skyglass --help`` and the
dispatcher are built from the table, so a command cannot be half-added.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from dataclasses import dataclass

from skyglass.processing.registries import Registry


@dataclass(frozen=True)
class Command:
    """One subcommand of ``skyglass``.

    Attributes
    ----------
    name : str
        What the user types (``skyglass NAME ...``).
    help : str
        One line for ``skyglass --help``.
    add_arguments : callable
        ``add_arguments(parser)`` declares the command's options.
    run : callable
        ``run(args) -> int`` does the work; raises ``SkyglassError`` for what the user can fix.
    description : str
        Longer text for ``skyglass NAME --help`` (defaults to ``help``).
    quick_exit : bool
        The command leaves nothing for the interpreter's clean-up to do (no worker
        processes, temporary folders or open clients): the ``skyglass`` process ends as
        soon as its output is flushed, skipping 0.1 s of tearing down astropy's modules.
    """

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    description: str = ""
    quick_exit: bool = False


#: Modules (in this package) that register the built-in commands, in help order.
BUILTIN_MODULES = ("info", "header", "render", "stars", "calibrate", "stack", "replay", "demo")


def _load_builtin() -> None:
    for module in BUILTIN_MODULES:
        importlib.import_module(f"{__package__}.{module}")


#: Every command by name. A new command is one ``COMMANDS.register(Command(...))``.
COMMANDS: Registry[Command] = Registry("command", load=_load_builtin)
register = COMMANDS.register
unregister = COMMANDS.unregister


def commands() -> dict[str, Command]:
    """Every registered command by name, the built-in ones first."""
    return dict(COMMANDS.items())
