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


def test_a_full_disk_or_a_locked_folder_is_one_clear_message(tmp_path, monkeypatch):
    """The whole-file save and the header edit: the original intact, no temporary file."""
    import errno
    import tempfile

    import numpy as np
    import pytest
    from astropy.io import fits

    from skyglass.processing.errors import SkyglassError
    from skyglass.processing.io.frame import Frame
    from skyglass.processing.io.header_edit import edit_file_header, make_edit
    from skyglass.processing.io.save import save_edited

    source = tmp_path / "in.fits"
    fits.HDUList(
        [fits.PrimaryHDU(np.ones((8, 8), np.float32)), fits.ImageHDU(np.zeros(3), name="X")]
    ).writeto(source)
    before = source.read_bytes()
    frame = Frame(np.full((8, 8), 2, np.float32), fits.Header())

    def full_disk(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fits.HDUList, "writeto", full_disk)
    with pytest.raises(SkyglassError, match="No space left"):
        save_edited(source, 0, 0, frame, source, overwrite=True)
    with pytest.raises(SkyglassError, match="No space left"):
        edit_file_header(source, 0, [make_edit("set", "OBJECT", "x")], source, overwrite=True)
    monkeypatch.undo()

    def locked(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", locked)
    with pytest.raises(SkyglassError, match="Permission denied"):
        save_edited(source, 0, 0, frame, tmp_path / "out.fits")
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.fits"]


def test_writing_through_a_symlink_keeps_the_link(tmp_path):
    from skyglass.processing.io.fileio import atomic_write

    target = tmp_path / "data" / "real.txt"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    atomic_write(link, lambda tmp: open(tmp, "w").write("new"), overwrite=True)
    assert link.is_symlink() and target.read_text() == "new"


def test_a_killed_write_leaves_nothing_for_long(tmp_path):
    """A kill during a save left a hidden temporary file for ever (issue 18)."""
    import os
    import time

    from skyglass.processing.io.fileio import atomic_write

    stale = tmp_path / ".skyglass-abc.fits"
    stale.write_bytes(b"partial")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    fresh = tmp_path / ".skyglass-def.fits"  # another process writing right now
    fresh.write_bytes(b"partial")
    atomic_write(tmp_path / "out.txt", lambda tmp: open(tmp, "w").write("x"))
    assert not stale.exists() and fresh.exists()
