"""Contours, coordinate grid and compass: the numbers, and the overlays in the window."""

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.overlays.contours import contour_levels, contours
from skyglass.processing.overlays.wcsgrid import grid_lines, north_east


def _gaussian(shape=(120, 160), x0=80.5, y0=60.5, sigma=10.0):
    """A round gaussian with peak 100 at FITS pixel (x0, y0)."""
    y, x = np.mgrid[1 : shape[0] + 1, 1 : shape[1] + 1]
    return 100.0 * np.exp(-((x - x0) ** 2 + (y - y0) ** 2) / (2 * sigma**2))


def _tan_header(angle=0.0, scale=1.0 / 3600, crval=(150.0, 30.0), shape=(200, 240)):
    t = np.radians(angle)
    return fits.Header(
        {
            "NAXIS": 2,
            "NAXIS1": shape[1],
            "NAXIS2": shape[0],
            "CTYPE1": "RA---TAN",
            "CTYPE2": "DEC--TAN",
            "CRVAL1": crval[0],
            "CRVAL2": crval[1],
            "CRPIX1": (shape[1] + 1) / 2,
            "CRPIX2": (shape[0] + 1) / 2,
            "CD1_1": -scale * np.cos(t),
            "CD1_2": scale * np.sin(t),
            "CD2_1": scale * np.sin(t),
            "CD2_2": scale * np.cos(t),
        }
    )


def test_contour_levels_between_limits():
    assert contour_levels(0, 60, 5) == pytest.approx([10, 20, 30, 40, 50])
    with pytest.raises(InvalidParameterError):
        contour_levels(5, 5, 3)
    with pytest.raises(InvalidParameterError):
        contour_levels(0, 1, 0)


def test_contours_of_a_gaussian_are_circles_of_the_right_radius():
    data = _gaussian()
    lines = contours(data, [50.0, 10.0])
    for level, found in lines.items():
        assert len(found) == 1
        x, y = found[0]
        r = np.hypot(x - 80.5, y - 60.5)
        expected = 10.0 * np.sqrt(2 * np.log(100.0 / level))
        assert np.median(r) == pytest.approx(expected, abs=0.05)
        assert np.ptp(r) < 0.2


def test_contours_ignore_nan_and_survive_blank_images():
    data = _gaussian()
    data[:5, :5] = np.nan
    assert len(contours(data, [50.0])[50.0]) == 1
    assert contours(np.full((20, 20), np.nan), [1.0]) == {1.0: []}
    # A constant image has no contour at all.
    assert contours(np.ones((20, 20)), [1.5]) == {1.5: []}


def test_contours_smoothing_and_subsampling_keep_the_position():
    data = _gaussian(shape=(600, 800), x0=400.5, y0=300.5, sigma=40)
    rng = np.random.default_rng(1)
    data += rng.normal(0, 3, data.shape)
    raw = contours(data, [50.0])[50.0]
    smooth = contours(data, [50.0], smooth=4.0, max_size=300)[50.0]
    # Noise breaks the raw contour into fragments; smoothing leaves one closed ring.
    assert len(smooth) == 1 and len(raw) >= 1
    x, y = smooth[0]
    # (The centre of the ring's extent: marching-squares points are not evenly spaced.)
    assert (x.min() + x.max()) / 2 == pytest.approx(400.5, abs=0.5)
    assert (y.min() + y.max()) / 2 == pytest.approx(300.5, abs=0.5)


def test_north_east_follow_the_wcs_rotation():
    for angle in (0.0, 30.0, 90.0):
        h = _tan_header(angle)
        north, east = north_east(WCS(h), (200, 240))
        t = np.radians(angle)
        # Solving CD @ (dx, dy) = (0, 1) and (1, 0) for the CD matrix above.
        assert north == pytest.approx([np.sin(t), np.cos(t)], abs=1e-3)
        assert east == pytest.approx([-np.cos(t), np.sin(t)], abs=1e-3)


def test_grid_lines_sit_on_round_coordinates_and_are_labelled():
    h = _tan_header(scale=2.0 / 3600, shape=(400, 600))  # 20' x 13'
    w = WCS(h)
    lines, labels = grid_lines(w, (400, 600))
    ras = [v for kind, v, _, _ in lines if kind == "ra"]
    decs = [v for kind, v, _, _ in lines if kind == "dec"]
    assert len(ras) >= 2 and len(decs) >= 2
    # RA lines at whole (round) seconds of time, Dec lines at round arcminutes.
    for v in ras:
        assert (v * 240) == pytest.approx(round(v * 240), abs=1e-6)
    for v in decs:
        assert (v * 60) == pytest.approx(round(v * 60), abs=1e-6)
    # Each line's pixels really are at that coordinate.
    for kind, value, x, y in lines:
        ok = np.isfinite(x)
        ra, dec = w.all_pix2world(x[ok], y[ok], 1)
        got = ra if kind == "ra" else dec
        assert got == pytest.approx(value, abs=1e-6)
        assert (x[ok] >= 0.5).all() and (x[ok] <= 600.5).all()
    texts = [t for t, _, _ in labels]
    assert any(t.startswith("10:0") or t.startswith("9:59") for t in texts)
    assert any(t.startswith("+30:") or t.startswith("+29:") for t in texts)


def test_window_draws_contours_grid_and_compass(window, demo_night):
    assert window.files.open_file(demo_night.lights[0])
    window.menus["overlay_contours"].trigger()
    assert len(window.canvas.overlay("contours")) >= 1
    window.overlays.set_contour_options("1000, 2000, 4000;2")
    assert window.overlays.contour_levels_drawn == [1000.0, 2000.0, 4000.0]
    assert window.overlays.contour_smooth == 2.0
    window.overlays.set_contour_options("nonsense")
    assert "cannot read" in window.last_error
    window.overlays.set_contour_options(";1")  # no levels typed: back to the scale limits
    c = window.canvas._colourings[0]
    assert window.overlays.contour_manual is None
    assert window.overlays.contour_levels_drawn == pytest.approx(
        contour_levels(c.low, c.high, window.overlays.contour_count)
    )
    window.overlays.set_contour_options("0")
    assert "at least one" in window.last_error
    window.overlays.set_contour_options("5")
    window.menus["overlay_grid"].trigger()
    items = window.canvas.overlay("grid")
    assert any(type(i).__name__ == "TextItem" for i in items)
    window.menus["overlay_compass"].trigger()
    assert len(window.canvas.overlay("compass")) == 4
    # A frame without WCS clears the grid and says why.
    window.files.show_array(np.ones((50, 50), np.float32), name="plain")
    assert window.canvas.overlay("grid") == []
    assert not window.menus["overlay_grid"].isChecked()
    assert "no WCS" in window.last_error
    # A constant image has no contours: said, and the last image's are gone.
    assert window.canvas.overlay("contours") == []
    assert not window.menus["overlay_contours"].isChecked()


def test_grid_of_a_box_is_finer_and_labelled_inside_it():
    h = _tan_header(scale=2.0 / 3600, shape=(400, 600))
    w = WCS(h)
    whole, _ = grid_lines(w, (400, 600))
    box = (200.5, 260.5, 150.5, 190.5)  # 2' x 1.3'
    part, labels = grid_lines(w, (400, 600), box=box)
    step = lambda lines, kind: np.diff(sorted(v for k, v, _, _ in lines if k == kind)).min()  # noqa: E731
    assert step(part, "dec") < step(whole, "dec")
    for _, _, x, y in part:
        ok = np.isfinite(x)
        assert (x[ok] >= box[0]).all() and (x[ok] <= box[1]).all()
        assert (y[ok] >= box[2]).all() and (y[ok] <= box[3]).all()
    for _, x, y in labels:
        assert box[0] <= x <= box[1] and box[2] <= y <= box[3]
    assert grid_lines(w, (400, 600), box=(700, 800, 1, 10)) == ([], [])


def test_window_grid_and_compass_follow_the_view(qtbot, window, demo_night):
    assert window.files.open_file(demo_night.lights[0])
    window.menus["overlay_grid"].trigger()
    window.menus["overlay_compass"].trigger()
    window.canvas.zoom_to(8.0)
    window.canvas.center_on(60, 200)
    qtbot.wait(300)  # the redraw waits for the view to settle
    r = window.canvas.vb.viewRect()
    labels = [i for i in window.canvas.overlay("grid") if type(i).__name__ == "TextItem"]
    assert labels
    for item in labels + window.canvas.overlay("compass")[1::2]:
        assert r.contains(item.pos())


def test_galactic_grid_in_degrees_and_off_sky_box_is_empty():
    w = WCS(naxis=2)
    w.wcs.ctype = ["GLON-TAN", "GLAT-TAN"]
    w.wcs.cdelt = [-0.01, 0.01]
    w.wcs.crpix = [100.5, 100.5]
    w.wcs.crval = [10.0, 0.0]
    lines, labels = grid_lines(w, (200, 200))
    lons = [v for k, v, _, _ in lines if k == "ra"]
    assert lons and all((v * 60) == pytest.approx(round(v * 60)) for v in lons)
    assert all(9 <= v <= 11 for v in lons)  # degrees of longitude, not hours
    assert any(t.startswith("10:") for t, _, _ in labels)
    sky = WCS(naxis=2)
    sky.wcs.ctype = ["RA---AIT", "DEC--AIT"]
    sky.wcs.cdelt = [-1.0, 1.0]
    sky.wcs.crpix = [180.5, 90.5]
    sky.wcs.crval = [0.0, 0.0]
    with np.errstate(invalid="ignore"):
        assert grid_lines(sky, (180, 360), box=(0.5, 5, 0.5, 5)) == ([], [])
        whole, _ = grid_lines(sky, (180, 360))
    assert len(whole) >= 4
