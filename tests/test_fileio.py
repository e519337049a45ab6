"""Atomic writes: a failed write leaves the old file whole; modes are sensible."""

import os
import stat

import pytest

from skyglass.processing.errors import SkyglassError
from skyglass.processing.io.fileio import atomic_write


def test_failed_write_keeps_the_original(tmp_path):
    path = tmp_path / "keep.txt"
    path.write_text("original")

    def crash(tmp):
        with open(tmp, "w") as fh:
            fh.write("half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        atomic_write(path, crash, overwrite=True)
    assert path.read_text() == "original"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]  # no temporary left behind


def test_refuses_to_overwrite_unless_asked(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("x")
    with pytest.raises(SkyglassError, match="already exists"):
        atomic_write(path, lambda tmp: open(tmp, "w").write("y"))
    atomic_write(path, lambda tmp: open(tmp, "w").write("y"), overwrite=True)
    assert path.read_text() == "y"


def test_modes_follow_umask_or_the_replaced_file(tmp_path):
    new = tmp_path / "new.txt"
    atomic_write(new, lambda tmp: open(tmp, "w").write("n"))
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
    old = tmp_path / "old.txt"
    old.write_text("o")
    old.chmod(0o640)
    atomic_write(old, lambda tmp: open(tmp, "w").write("p"), overwrite=True)
    assert stat.S_IMODE(old.stat().st_mode) == 0o640
