"""Reading sky positions from the tables other tools send, writing ours as a VOTable."""

import numpy as np
import pytest
from astropy import units as u
from astropy.io.votable import parse_single_table
from astropy.table import Table

from skyglass.processing.errors import SkyglassError
from skyglass.processing.io.skytable import read_table, sky_positions, write_votable


def test_positions_by_ucd_before_names(tmp_path):
    t = Table(
        {"RAJ2000": [1.0, 2.0], "DEJ2000": [3.0, 4.0], "alpha": [10.0, 20.0], "delta": [30.0, 40.0]}
    )
    t["alpha"].meta["ucd"] = "pos.eq.ra;meta.main"
    t["delta"].meta["ucd"] = "pos.eq.dec;meta.main"
    path = tmp_path / "t.xml"
    t.write(path, format="votable")
    sky = sky_positions(read_table(path, "votable"))
    assert sky.ra == pytest.approx([10, 20]) and sky.dec == pytest.approx([30, 40])


@pytest.mark.parametrize(
    ("ra_name", "dec_name"),
    [("RA", "DEC"), ("RAJ2000", "DEJ2000"), ("ALPHA_J2000", "DELTA_J2000"), ("ra_icrs", "de_icrs")],
)
def test_positions_by_the_usual_names(tmp_path, ra_name, dec_name):
    t = Table({ra_name: [150.5], dec_name: [-20.25], "id": ["star A"]})
    path = tmp_path / "t.fits"
    t.write(path)
    sky = sky_positions(read_table(path, "fits"))
    assert sky.ra == pytest.approx([150.5]) and sky.dec == pytest.approx([-20.25])
    assert sky.labels == ["star A"]


def test_sexagesimal_strings_and_units():
    t = Table({"ra": ["10:00:00", "12:30:00"], "dec": ["+30:30:00", "-05:15:00"]})
    sky = sky_positions(t)
    assert sky.ra == pytest.approx([150.0, 187.5]) and sky.dec == pytest.approx([30.5, -5.25])
    t = Table({"ra": [10.0] * u.hourangle, "dec": [1800.0] * u.arcmin})
    sky = sky_positions(t)
    assert sky.ra == pytest.approx([150.0]) and sky.dec == pytest.approx([30.0])


def test_masked_rows_are_dropped():
    t = Table({"ra": [1.0, 2.0, 3.0], "dec": [4.0, 5.0, 6.0]}, masked=True)
    t["dec"].mask = [False, True, False]
    sky = sky_positions(t)
    assert len(sky) == 2 and sky.labels == ["1", "3"]


def test_no_positions_or_unreadable_files_say_so(tmp_path):
    with pytest.raises(SkyglassError, match="no RA/Dec columns"):
        sky_positions(Table({"x": [1.0], "y": [2.0]}), "pixels.xml")
    bad = tmp_path / "bad.xml"
    bad.write_text("<VOTABLE><RESOURCE>")
    with pytest.raises(SkyglassError, match="bad.xml"):
        read_table(bad, "votable")
    with pytest.raises(SkyglassError, match="no such file"):
        read_table(tmp_path / "missing.fits", "fits")


def test_catalogue_votable_has_ucds_and_round_trips(tmp_path):
    t = Table(
        {
            "id": [1, 2],
            "x": [10.0, 20.0],
            "ra": [150.0, 150.1],
            "dec": [2.0, 2.1],
            "saturated": [False, True],
        }
    )
    t["ra"].unit = t["dec"].unit = "deg"
    path = tmp_path / "stars.xml"
    write_votable(t, path)
    vt = parse_single_table(path)
    ucds = {f.name: f.ucd for f in vt.fields}
    assert ucds["ra"] == "pos.eq.ra;meta.main" and ucds["id"] == "meta.id;meta.main"
    np.testing.assert_allclose(vt.array["ra"], [150.0, 150.1])
    assert list(vt.array["saturated"]) == [False, True]
    assert "ucd" not in t["ra"].meta  # the catalogue itself is left alone
    sky = sky_positions(read_table(path, "votable"))
    assert sky.ra == pytest.approx([150.0, 150.1])
