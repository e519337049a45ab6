"""Stars, photometry, regions, masks, annotated PNGs and safe saving."""

import os

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from regions import (
    CirclePixelRegion,
    PixCoord,
    PolygonPixelRegion,
    RectanglePixelRegion,
)
from scipy.spatial import cKDTree

from skyglass.cli import main
from skyglass.processing.display.render import DisplaySettings
from skyglass.processing.errors import SkyglassError
from skyglass.processing.io.fileio import atomic_write_fits
from skyglass.processing.io.frame import Frame
from skyglass.processing.io.reader import open_image
from skyglass.processing.measure import masks
from skyglass.processing.measure.photometry import aperture_photometry, star_profile
from skyglass.processing.measure.regionstats import (
    line_profile,
    projection,
    read_regions,
    region_stats,
    write_regions,
)
from skyglass.processing.measure.stars import StarOptions, detect_stars
from skyglass.processing.overlays.annotate import Annotations, render_annotated


@pytest.fixture(scope="module")
def field(tmp_path_factory):
    """A bias-subtracted 768 x 768 demo light and its truth."""
    from skyglass.processing.demo import NightPlan, generate_night

    plan = NightPlan(
        n_bias=1, darks=((60.0, 1),), flats=(("V", 10.0, 1),), lights=(("V", 60.0, 1),)
    )
    night = generate_night(tmp_path_factory.mktemp("field"), size=768, seed=4, plan=plan)
    data = fits.getdata(night.lights[0]).astype(np.float32) - 1000.0
    return data, fits.getheader(night.lights[0]), Table.read(night.truth + "/light_V_001.ecsv")


def test_detection_against_the_demo_truth(field):
    data, header, truth = field
    cat = detect_stars(data, header)
    tree = cKDTree(np.column_stack([cat["x"], cat["y"]]))
    dist, _ = tree.query(np.column_stack([truth["x"], truth["y"]]))
    n = data.shape[0]
    inside = (truth["x"] > 5) & (truth["x"] < n - 5) & (truth["y"] > 5) & (truth["y"] < n - 5)
    sel = (truth["snr"] > 10) & inside
    assert (dist[sel] < 1.5).mean() >= 0.95
    back, _ = cKDTree(np.column_stack([truth["x"], truth["y"]])).query(
        np.column_stack([cat["x"], cat["y"]])
    )
    assert (back > 2.0).mean() < 0.02
    bright = sel & (truth["snr"] > 50) & (dist < 1.5)
    assert np.sqrt(np.mean(dist[bright] ** 2)) < 0.1
    assert abs(cat.meta["fwhm"] - truth.meta["fwhm"]) < 0.6
    # RA/Dec from the WCS, and saturated stars flagged.
    assert "ra" in cat.colnames and cat["saturated"].dtype == bool
    sat = truth[truth["peak_adu"] > 80000]
    if len(sat):
        _, j = tree.query(np.column_stack([sat["x"], sat["y"]]))
        assert cat["saturated"][j].all()


def test_cosmic_rays_and_hot_pixels_are_not_stars():
    rng = np.random.default_rng(1)
    img = rng.normal(100, 5, (200, 200)).astype(np.float32)
    yy, xx = np.mgrid[0:200, 0:200]
    for x, y in ((50.3, 60.7), (140.1, 120.4)):
        img += 3000 * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * 1.6**2))
    img[30, 170] = 5000  # hot pixel
    img[150, 20:23] = 4000  # a short cosmic-ray track
    cat = detect_stars(img, options=StarOptions(fwhm=3.8))
    assert len(cat) == 2
    assert sorted(np.round(cat["x"], 1)) == [51.3, 141.1]


def test_close_pair_is_separated_and_min_separation():
    rng = np.random.default_rng(2)
    img = rng.normal(0, 3, (100, 100)).astype(np.float32)
    yy, xx = np.mgrid[0:100, 0:100]
    for x, y, a in ((45.0, 50.0, 2000), (52.0, 50.0, 1200)):  # 7 px apart, FWHM ~3.8
        img += a * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * 1.6**2))
    cat = detect_stars(img, options=StarOptions(fwhm=3.8))
    assert len(cat) == 2
    assert (
        detect_stars(img, options=StarOptions(fwhm=3.8, min_separation=10)).meta
        and len(detect_stars(img, options=StarOptions(fwhm=3.8, min_separation=10))) == 1
    )


def test_photometry_known_answer_and_photutils():
    rng = np.random.default_rng(3)
    img = (200 + rng.normal(0, 4, (120, 120))).astype(np.float64)
    yy, xx = np.mgrid[0:120, 0:120]
    beta, alpha, amp = 3.0, 2.5, 5000.0
    img += amp * (1 + ((xx - 60.2) ** 2 + (yy - 58.7) ** 2) / alpha**2) ** -beta
    t = aperture_photometry(img, 61.2, 59.7, radius=10, r_in=15, r_out=22, gain=2.0, read_noise=5)
    total = amp * np.pi * alpha**2 / (beta - 1)
    enclosed = 1 - (1 + (10 / alpha) ** 2) ** (1 - beta)
    assert t["flux"][0] == pytest.approx(total * enclosed, rel=0.01)
    assert t["sky"][0] == pytest.approx(200, abs=0.5)
    assert t["mag"][0] == pytest.approx(-2.5 * np.log10(t["flux"][0]))
    photutils = pytest.importorskip("photutils.aperture")
    ap = photutils.CircularAperture([(60.2, 58.7)], r=10)
    ref = photutils.aperture_photometry(img - 200.0, ap)["aperture_sum"][0]
    assert t["flux"][0] == pytest.approx(ref, rel=0.005)


def test_star_profile_fits():
    yy, xx = np.mgrid[0:80, 0:80]
    img = 100 + 5000 * (1 + ((xx - 40.3) ** 2 + (yy - 38.6) ** 2) / 2.5**2) ** -3
    p = star_profile(img, 41, 40)
    assert (p.x, p.y) == pytest.approx((41.3, 39.6), abs=0.01)
    assert p.fwhm_moffat == pytest.approx(2 * 2.5 * np.sqrt(2 ** (1 / 3) - 1), rel=0.01)
    assert p.background == pytest.approx(100, abs=1) and p.beta == pytest.approx(3.0, abs=0.05)


def test_region_statistics_match_numpy():
    rng = np.random.default_rng(4)
    data = rng.normal(10, 2, (60, 80)).astype(np.float32)
    data[20, 30] = np.nan
    circle = CirclePixelRegion(PixCoord(30, 25), radius=8)
    yy, xx = np.mgrid[0:60, 0:80]
    inside = ((xx - 30) ** 2 + (yy - 25) ** 2 < 64) & np.isfinite(data)  # centres inside
    s = region_stats(data, circle)
    vals = data[inside].astype(np.float64)
    assert s["count"] == vals.size
    assert s["sum"] == pytest.approx(vals.sum()) and s["median"] == pytest.approx(np.median(vals))
    assert s["std"] == pytest.approx(vals.std()) and s["max"] == pytest.approx(vals.max())
    mask = np.zeros(data.shape, bool)
    mask[25, :] = True
    assert region_stats(data, circle, mask)["count"] == vals.size - (inside & mask).sum()
    poly = PolygonPixelRegion(PixCoord([10, 40, 25], [10, 10, 40]))
    assert region_stats(data, poly)["count"] > 0


def test_projection_extracts_a_spectrum():
    data = np.zeros((50, 100), np.float32)
    data[20:30, :] = np.arange(100, dtype=np.float32)  # a trace along x
    data[24, 10] = np.nan  # a masked hole is filled from the rest of the column
    mask = np.zeros(data.shape, bool)
    mask[22, 50] = True
    x, spec = projection(data, 1, 21, 100, 30, axis="x", mask=mask)
    assert x[0] == 1 and spec[5] == pytest.approx(10 * 5)
    assert spec[9] == pytest.approx(10 * 9) and spec[49] == pytest.approx(10 * 49)
    d, v = line_profile(data, 1, 25, 100, 25)
    assert v[50] == pytest.approx(d[50], abs=1.0)


def test_ds9_region_files_round_trip(tmp_path, field):
    _, header, _ = field
    from astropy.wcs import WCS

    wcs = WCS(header)
    regs = [
        CirclePixelRegion(PixCoord(100.5, 200.25), radius=12.5),
        RectanglePixelRegion(
            PixCoord(300, 310),
            width=40,
            height=20,
            angle=__import__("astropy.units").units.Quantity(30, "deg"),
        ),
        PolygonPixelRegion(PixCoord([10, 50, 30], [10, 12, 60])),
    ]
    path = tmp_path / "a.reg"
    write_regions(regs, path)
    again = read_regions(path)
    assert [type(r) for r in again] == [type(r) for r in regs]
    assert (again[0].center.x, again[0].center.y, again[0].radius) == (100.5, 200.25, 12.5)
    assert (again[1].width, again[1].height) == (40, 20)
    assert again[1].angle.to_value("deg") == pytest.approx(30)
    np.testing.assert_allclose(again[2].vertices.x, [10, 50, 30])
    # From then on, writing and reading give the same file.
    write_regions(again, tmp_path / "b.reg")
    write_regions(read_regions(tmp_path / "b.reg"), tmp_path / "c.reg")
    assert (tmp_path / "b.reg").read_text() == (tmp_path / "c.reg").read_text()
    sky = tmp_path / "sky.reg"
    write_regions(regs, sky, wcs=wcs, sky=True)
    assert "fk5" in sky.read_text() or "icrs" in sky.read_text()
    back = read_regions(sky, wcs)
    assert back[0].center.x == pytest.approx(100.5, abs=1e-3)  # 8 decimals of a degree
    assert back[0].radius == pytest.approx(12.5, abs=1e-3)
    with pytest.raises(SkyglassError, match="no WCS"):
        read_regions(sky, None)


def test_mask_survives_a_fits_round_trip(tmp_path):
    data = np.arange(400, dtype=np.float32).reshape(20, 20)
    mask = masks.from_threshold(data, high=300)
    masks.paint(mask, 5, 5, 2)
    mask |= masks.from_regions(data.shape, exclude=[CirclePixelRegion(PixCoord(15, 5), 2)])
    frame = Frame(data, fits.Header({"BUNIT": "adu"}), mask=mask)
    cat = Table({"x": [1.0, 2.0], "y": [3.0, 4.0]})
    path = tmp_path / "m.fits"
    frame.write(path, catalog=cat)
    with fits.open(path) as hdul:
        assert [h.name for h in hdul] == ["PRIMARY", "MASK", "STARS"]
        np.testing.assert_array_equal(masks.from_hdulist(hdul), mask)
        assert hdul["MASK"].data.dtype == np.uint8
        assert list(hdul["STARS"].data["x"]) == [1.0, 2.0]
    assert open_image(path).hdu_index == 0


def test_interrupted_save_leaves_the_original_intact(tmp_path, monkeypatch):
    path = tmp_path / "keep.fits"
    fits.PrimaryHDU(np.ones((10, 10), np.float32)).writeto(path)
    before = path.read_bytes()

    def crash(self, name, *args, **kwargs):
        with open(name, "wb") as fh:
            fh.write(b"SIMPLE  =   half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fits.HDUList, "writeto", crash)
    with pytest.raises(SkyglassError, match="No space left"):
        atomic_write_fits(fits.HDUList([fits.PrimaryHDU(np.zeros((10, 10)))]), path, overwrite=True)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["keep.fits"]


def test_annotated_png(field):
    data, header, _ = field
    cat = detect_stars(data, header)
    regs = [CirclePixelRegion(PixCoord(100, 100), radius=20)]
    rgb = render_annotated(
        data,
        DisplaySettings(limits="zscale"),
        header,
        Annotations(stars=cat, regions=regs, unit="adu"),
        zoom=0.5,
    )
    assert rgb.shape == (384 + 46, 384, 3)
    plain = render_annotated(
        data,
        DisplaySettings(limits="zscale"),
        header,
        Annotations(colorbar=False, compass=False, scalebar=False),
        0.5,
    )
    assert plain.shape == (384, 384, 3)
    assert (rgb[:384] != plain).any(axis=2).sum() > 1000  # overlays were drawn
    # Each circle, at the aperture radius, is green for a clean star and magenta for a
    # saturated one (orange for blended, edge or poor fit).
    from skyglass.processing.measure.catalogue import marker_kinds

    kinds = marker_kinds(cat)
    r = cat.meta["aperture_radius"] * 0.5
    checked = set()
    for i, kind in enumerate(kinds):
        if kind in checked or kind == "flagged":
            continue
        x, y = cat["x"][i], cat["y"][i]
        px, py = int((x - 0.5) * 0.5 + r), int((768 - (y - 0.5)) * 0.5)
        window = rgb[py - 2 : py + 3, px - 2 : px + 3].astype(int)
        if kind == "clean":
            assert ((window[..., 1] > 200) & (window[..., 0] < 80)).any()
        else:
            assert ((window[..., 0] > 200) & (window[..., 1] < 80) & (window[..., 2] > 200)).any()
        checked.add(kind)
    assert checked == {"clean", "saturated"}


def test_cli_stars_and_annotated_render(tmp_path, field, capsys):
    data, header, _ = field
    path = tmp_path / "light.fits"
    fits.PrimaryHDU(data, header=header).writeto(path)
    cat = tmp_path / "cat.ecsv"
    assert main(["stars", str(path), "-o", str(cat), "--threshold", "3", "--fwhm", "3.8"]) == 0
    table = Table.read(cat)
    assert len(table) > 20 and {"x", "y", "ra", "dec", "flux", "fwhm"} <= set(table.colnames)
    assert main(["stars", str(path), "-o", str(cat)]) == 2  # no silent overwrite
    reg = tmp_path / "r.reg"
    reg.write_text("image\ncircle(100,100,20)\nbox(300,300,50,30,0)\n")
    png = tmp_path / "a.png"
    code = main(
        [
            "render",
            str(path),
            "-o",
            str(png),
            "--stars",
            "--regions",
            str(reg),
            "--colorbar",
            "--compass",
            "--limits",
            "zscale",
        ]
    )
    assert code == 0 and "2 regions" in capsys.readouterr().out
    import imageio.v3 as iio

    assert iio.imread(png).shape == (768 + 46, 768, 3)


def test_a_spectrum_has_no_stars(skyglass_cli, tmp_path):
    """astroscrappy's long-slit spectrum (gmos.fits) gave three 'stars' 50-90 px across
    (issue 14, item 6): extended features are not point sources."""
    import importlib.util
    from pathlib import Path

    root = Path(next(iter(importlib.util.find_spec("astroscrappy").submodule_search_locations)))
    spectrum = next(root.rglob("gmos.fits"))
    out = tmp_path / "cat.ecsv"
    run = skyglass_cli("stars", spectrum, "-o", out)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("0 stars in gmos.fits: no point sources found")
    assert len(Table.read(out)) == 0


def test_stars_command_ends_at_once_with_everything_written(skyglass_cli, tmp_path):
    """``skyglass stars`` exits without the interpreter's clean-up (0.1 s) - after its
    lines are flushed and the catalogue is whole; an error still exits 2 with its line."""
    import re
    from pathlib import Path

    import astropy

    m13 = Path(astropy.__file__).parent / "io/fits/hdu/compressed/tests/data/m13_gzip.fits"
    out = tmp_path / "m13.ecsv"
    run = skyglass_cli("stars", m13, "-o", out, "--verbose")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 3 and lines[-1] == f"wrote {out}"
    count = int(re.match(r"(\d+) stars in m13_gzip.fits", lines[0]).group(1))
    assert count > 500 and len(Table.read(out)) == count
    again = skyglass_cli("stars", m13, "-o", out)
    assert again.returncode == 2
    assert again.stderr.strip().splitlines()[-1].startswith("skyglass: error: ")
