"""The installed ``skyglass`` command itself: help, logging, pipes, desktop files, Qt checks."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import installed_command

from skyglass.cli.table import Command, commands, register, unregister


def test_help_lists_the_window_options_and_every_command(skyglass_cli):
    result = skyglass_cli("--help")
    assert result.returncode == 0
    for text in (
        "FILE",
        "--follow",
        "--samp",
        "--version",
        "--install-desktop",
        "--verbose",
        "--debug",
        "demo night",
    ):
        assert text in result.stdout, text
    for name, command in commands().items():
        assert f"  {name}" in result.stdout and command.help in result.stdout


def test_a_new_command_is_one_registration(capsys, tmp_path):
    from skyglass.cli import main

    ran = []

    def add_arguments(parser):
        parser.add_argument("word")

    register(
        Command(
            "echo-word", "print a word back", add_arguments, lambda args: ran.append(args.word) or 0
        )
    )
    try:
        assert main(["--help"]) == 0
        assert "echo-word" in capsys.readouterr().out
        assert main(["echo-word", "hello"]) == 0
        assert ran == ["hello"]
        assert main(["echo-word"]) == 2
        assert "the following arguments are required: word" in capsys.readouterr().err
    finally:
        unregister("echo-word")


def test_a_mistyped_command_is_not_opened_as_a_file(skyglass_cli):
    result = skyglass_cli("infos", "x.fits")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "skyglass: error: 'infos' is neither a command nor a file (did you mean 'info'?); "
        "'skyglass --help' lists the commands."
    )


def test_verbose_and_debug_log_on_stderr_and_quiet_by_default(skyglass_cli, write_fits):
    path = write_fits(np.ones((4, 5)))
    quiet = skyglass_cli("info", path)
    assert quiet.returncode == 0 and quiet.stderr == ""
    verbose = skyglass_cli("info", path, "--verbose")
    assert verbose.returncode == 0
    assert "skyglass: INFO: skyglass.processing.io.reader: opened" in verbose.stderr
    assert "DEBUG" not in verbose.stderr
    debug = skyglass_cli("--debug", "info", path)
    assert "skyglass: DEBUG: skyglass.cli.entry: command info" in debug.stderr
    assert debug.stdout == quiet.stdout


def test_a_broken_pipe_ends_quietly(write_fits):
    path = write_fits(np.ones((4, 5)))
    proc = subprocess.Popen(
        [installed_command(), "info", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    proc.stdout.close()  # the reader is gone before the first line is written (like head -0)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 128 + signal.SIGPIPE
    assert err == ""


def test_progress_off_a_terminal_is_one_line_per_step(skyglass_cli, tmp_path):
    result = skyglass_cli("demo", tmp_path / "night", "--size", "64")
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) > 5 and len(lines) == len(set(lines))
    assert all(line.startswith("  [") for line in lines)


def test_install_desktop_for_the_user_only(skyglass_cli, tmp_path):
    data = tmp_path / "share"
    result = skyglass_cli("--install-desktop", env={"XDG_DATA_HOME": str(data)})
    assert result.returncode == 0, result.stderr
    desktop = data / "applications" / "skyglass.desktop"
    entry = dict(line.split("=", 1) for line in desktop.read_text().splitlines() if "=" in line)
    assert entry["Exec"] == f"{Path(installed_command()).resolve()} %F"
    assert "image/fits" in entry["MimeType"].split(";")
    assert entry["Icon"] == "skyglass"
    icon = data / "icons" / "hicolor" / "256x256" / "apps" / "skyglass.png"
    assert icon.exists() and (data / "icons/hicolor/scalable/apps/skyglass.svg").exists()
    assert f"installed {desktop}" in result.stdout
    removed = skyglass_cli("--uninstall-desktop", env={"XDG_DATA_HOME": str(data)})
    assert removed.returncode == 0 and not desktop.exists() and not icon.exists()


def test_window_without_a_display_says_so(skyglass_cli, tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("X11 displays are a Linux matter")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = ""
    result = subprocess.run(
        [installed_command()],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("skyglass: error: the window needs a display")


def test_a_missing_qt_library_is_named_with_its_package(monkeypatch):
    from skyglass import qt_check
    from skyglass.processing.errors import SkyglassError

    monkeypatch.setattr(
        qt_check, "LIBRARIES", {**qt_check.LIBRARIES, "libxcb-nothere.so.7": "libxcb-nothere7"}
    )
    with pytest.raises(SkyglassError) as err:
        qt_check.check_window_can_start({"DISPLAY": ":0"})
    assert "libxcb-nothere.so.7" in str(err.value)
    assert "sudo apt-get install " in str(err.value) and "libxcb-nothere7)" in str(err.value)
    message = qt_check.explain_import_error(
        ImportError("libEGL.so.1: cannot open shared object file: No such file or directory")
    )
    assert message == (
        "the window cannot start: the system library libEGL.so.1 is missing "
        "(Debian/Ubuntu: sudo apt-get install libegl1)."
    )


def test_the_window_starts_from_the_command_and_logs_to_the_cache(tmp_path, write_fits):
    """The console script opens a file in the window (offscreen) and writes its log file."""
    path = write_fits(np.arange(100, dtype=np.float32).reshape(10, 10))
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        SKYGLASS_BENCH_FIRST_FRAME="1",
    )
    result = subprocess.run(
        [installed_command(), str(path), "--verbose"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("first-frame ")
    log = (tmp_path / "cache" / "skyglass" / "skyglass.log").read_text()
    assert "window: files" in log and f"opened {path}" in log
