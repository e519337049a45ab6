"""Shared fixtures. The GUI runs offscreen in every test."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from astropy.io import fits  # noqa: E402

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def demo_night(tmp_path_factory):
    """A small demo night (256 x 256), generated once per test session."""
    from processing.demo import generate_night

    folder = tmp_path_factory.mktemp("night")
    return generate_night(folder, size=256, seed=7)


@pytest.fixture
def write_fits(tmp_path):
    """Write an array (and header cards) to a FITS file and return its path."""

    def _write(data, name="image.fits", **cards):
        hdu = fits.PrimaryHDU(np.asarray(data))
        for key, value in cards.items():
            hdu.header[key] = value
        path = tmp_path / name
        hdu.writeto(path, overwrite=True, output_verify="silentfix")
        return path

    return _write
