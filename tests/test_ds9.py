"""Scriptable like DS9: the command language (one test a command), the command line,
ds9.set/ds9.get over SAMP, skyglass.show() from another process, catalogues from files."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS
from conftest import installed_command
from test_samp import Peer, _wait_reply

from skyglass.ds9 import Ds9Error, split_command_line


@pytest.fixture
def ds9(window, demo_night):
    """The window on the demo's first light, and its DS9 interpreter."""
    assert window.files.open_file(demo_night.lights[0])
    return window.ds9


# ------------------------------------------------------------- one per command
@pytest.mark.parametrize(
    "command, question, answer",
    [
        ("scale log", "scale", "log"),
        ("scale sqrt", "scale", "sqrt"),
        ("scale mode zscale", "scale mode", "zscale"),
        ("scale mode 99.5", "scale mode", "99.5"),
        ("scale minmax", "scale mode", "minmax"),
        ("scale limits 1100 1300", "scale limits", "1100 1300"),
        ("scale log exp 500", "scale log exp", "500"),
        ("cmap heat", "cmap", "heat"),
        ("cmap invert yes", "cmap invert", "yes"),
        ("cmap value 1.5 0.4", "cmap value", "1.5 0.4"),
        ("zoom to 2", "zoom", "2"),
        ("zoom 4", "zoom", "4"),
        ("pan to 200 300 image", "pan image", "200 300"),
        ("crosshair 10 20 image", "crosshair", "10 20"),
        ("contour yes", "contour", "yes"),
        ("grid yes", "grid", "yes"),
        ("lock frame wcs", "lock frame", "wcs"),
        ("lock scale yes", "lock scale", "yes"),
    ],
)
def test_set_then_get(ds9, command, question, answer):
    ds9.set(command)
    assert ds9.get(question) == answer


def test_scale_limits_match_the_cli(ds9, demo_night, capsys):
    from skyglass.cli import main

    ds9.set("scale mode zscale")
    assert main(["info", demo_night.lights[0], "--limits", "zscale", "--json"]) == 0
    low, high = json.loads(capsys.readouterr().out)["limits"]
    got = [float(v) for v in ds9.get("scale limits").split()]
    assert got == pytest.approx([low, high])


def test_zoom_to_fit_and_pan_in_sky_coordinates(ds9, window, demo_night):
    ds9.set("zoom to fit")
    assert float(ds9.get("zoom")) == pytest.approx(window.canvas.zoom(), rel=1e-5)
    wcs = WCS(fits.getheader(demo_night.lights[0]))
    ra, dec = wcs.all_pix2world([[100.0, 150.0]], 1)[0]
    ds9.set(f"pan to {ra} {dec} fk5")
    assert [float(v) for v in ds9.get("pan image").split()] == pytest.approx([100, 150], abs=0.01)
    got_ra, got_dec = (float(v) for v in ds9.get("pan wcs").split())
    assert (got_ra, got_dec) == pytest.approx((ra, dec), abs=1e-5)


def test_fits_file_and_size(ds9, write_fits):
    other = write_fits(np.zeros((50, 60), np.float32), name="other.fits")
    ds9.set(f"fits {other}")
    assert ds9.get("file") == str(other) and ds9.get("fits size") == "60 50"


def test_fits_opens_one_hdu_with_the_bracket_syntax(ds9, tmp_path):
    path = tmp_path / "mef.fits"
    fits.HDUList(
        [
            fits.PrimaryHDU(),
            fits.ImageHDU(np.zeros((5, 6), np.float32), name="SCI"),
            fits.ImageHDU(np.zeros((7, 8), np.float32), name="ERR"),
        ]
    ).writeto(path)
    ds9.set(f"fits {path}[ERR]")
    assert ds9.get("fits size") == "8 7"
    ds9.set(f"fits {path}[1]")
    assert ds9.get("fits size") == "6 5"


def test_frames(ds9, window, demo_night):
    ds9.set(f"fits {demo_night.lights[1]}")
    ds9.set("frame new")
    assert ds9.get("frame") == "2" and len(window.workspace.frames) == 2
    ds9.set("frame first")
    assert ds9.get("frame") == "1"
    ds9.set("frame next")
    assert ds9.get("frame") == "2"
    ds9.set("frame prev")
    assert ds9.get("frame") == "1"
    ds9.set("frame last")
    assert ds9.get("frame") == "2"
    ds9.set("frame 1")
    assert ds9.get("frame all") == "1 2"
    ds9.set("frame delete")
    assert len(window.workspace.frames) == 1
    with pytest.raises(Ds9Error, match="no frame 5"):
        ds9.set("frame 5")


def test_regions_load_save_command_and_get(ds9, window, tmp_path):
    ds9.set('regions command "circle 100 100 20"')
    text = ds9.get("regions -format ds9 -system image")
    assert "circle(100" in text and "image" in text
    assert len(window.overlays.region_overlay.items) == 1
    saved = tmp_path / "r.reg"
    ds9.set(f"regions save {saved}")
    ds9.set("regions delete all")
    assert ds9.get("regions -format ds9 -system image") == ""
    ds9.set(f"regions load {saved}")
    assert "circle(100" in ds9.get("regions -format ds9 -system image")
    sky = ds9.get("regions -format ds9 -system wcs")
    assert "fk5" in sky or "icrs" in sky
    ds9.set("regions box 50 60 10 20 0")
    assert len(window.workspace.current.regions) == 2


def test_tile_blink_and_match(ds9, window, demo_night):
    ds9.set(f"fits {demo_night.lights[0]}")
    window.files.open_file(demo_night.lights[1], new_frame=True)
    ds9.set("tile yes")
    assert ds9.get("tile") == "yes" and len(window.frames.tiles) == 2
    ds9.set("tile no")
    assert ds9.get("tile") == "no"
    ds9.set("blink interval 0.25")
    ds9.set("blink yes")
    assert ds9.get("blink") == "yes" and ds9.get("blink interval") == "0.25"
    ds9.set("blink no")
    assert ds9.get("blink") == "no"
    window.canvas.zoom_to(2.0)
    window.canvas.center_on(60, 70)
    ds9.set("match frame image")
    other = window.workspace.frames[0]
    assert (other.view.x, other.view.y, other.view.zoom) == pytest.approx((60, 70, 2), abs=0.01)


def test_saveimage_png_and_jpeg(ds9, tmp_path):
    png, jpeg = tmp_path / "a.png", tmp_path / "a.jpg"
    ds9.set(f"saveimage png {png}")
    ds9.set(f"saveimage jpeg {jpeg}")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert jpeg.read_bytes()[:3] == b"\xff\xd8\xff"


def test_quit_closes_the_window(ds9, window, qtbot):
    ds9.set("quit")
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)


@pytest.mark.parametrize(
    "command, message",
    [
        ("frobnicate 3", "unknown command"),
        ("zoom to banana", "not a number"),
        ("scale limits 1", "two numbers"),
        ("cmap nosuchmap", "unknown colormap"),
        ("pan to 1", "X Y"),
        ("contour maybe", "yes or no"),
        ("saveimage gif x.gif", "png or jpeg"),
    ],
)
def test_bad_commands_say_why_and_change_nothing(ds9, command, message):
    before = ds9.get("scale")
    with pytest.raises(Ds9Error, match=message):
        ds9.set(command)
    assert ds9.get("scale") == before


# ----------------------------------------------------------------- command line
def test_command_line_splits_ds9_options_in_order():
    own, actions = split_command_line(
        [
            "a.fits",
            "-scale",
            "log",
            "-cmap",
            "heat",
            "b.fits[1]",
            "-zoom",
            "to",
            "fit",
            "--samp",
            "-zscale",
            "-pan",
            "to",
            "10",
            "-20",
            "image",
            "-regions",
            "r.reg",
        ]
    )
    assert own == ["--samp"]
    assert actions == [
        ("open", "a.fits"),
        ("cmd", "scale log"),
        ("cmd", "cmap heat"),
        ("open", "b.fits[1]"),
        ("cmd", "zoom to fit"),
        ("cmd", "scale mode zscale"),
        ("cmd", "pan to 10 -20 image"),
        ("cmd", "regions r.reg"),
    ]
    with pytest.raises(Ds9Error, match="unknown option"):
        split_command_line(["-nosuchoption", "a.fits"])


def test_help_lists_the_ds9_options(skyglass_cli):
    out = skyglass_cli("-h").stdout
    assert "-scale mode minmax|zscale|zmax|PERCENT" in out and "--follow" in out


def test_an_unknown_ds9_option_is_one_line(skyglass_cli):
    result = skyglass_cli("-frobnicate", "x.fits")
    assert result.returncode == 2
    assert result.stderr.startswith("skyglass: error: -frobnicate: unknown option")


def test_command_line_options_reach_the_window_and_samp(
    tmp_path, qtbot, hub, private_hub, demo_night
):
    """skyglass f.fits -scale log -cmap heat -zoom 2 --samp; a client reads them back."""
    peer = Peer(hub)
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp_path / "c"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    proc = subprocess.Popen(
        [
            installed_command(),
            demo_night.lights[0],
            "-scale",
            "log",
            "-cmap",
            "heat",
            "-zoom",
            "2",
            "--samp",
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        qtbot.waitUntil(lambda: _registered(peer), timeout=60000)
        me = peer.skyglass_id()
        answers = {}
        for tag, question in (("s", "scale"), ("c", "cmap"), ("z", "zoom")):
            peer.call(me, "ds9.get", tag, cmd=question)
            answers[question] = _wait_reply(qtbot, peer, tag)["samp.result"]["value"]
        assert answers == {"scale": "log", "cmap": "heat", "zoom": "2"}
        peer.call(me, "ds9.set", "q", cmd="quit")
        assert _wait_reply(qtbot, peer, "q")["samp.status"] == "samp.ok"
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        peer.close()


def _registered(peer) -> bool:
    try:
        peer.skyglass_id()
        return True
    except AssertionError:
        return False


# ------------------------------------------------------------------------ SAMP
def test_ds9_set_and_get_over_samp(qtbot, window, demo_night, hub, tmp_path):
    peer = Peer(hub)
    try:
        assert window.samp.set_connected(True)
        me = peer.skyglass_id()
        assert {"ds9.set", "ds9.get"} <= set(peer.client.get_subscriptions(me))
        steps = [
            ("ds9.set", f"fits {demo_night.lights[0]}"),
            ("ds9.set", "scale linear"),
            ("ds9.set", "scale mode zscale"),
            ("ds9.set", 'regions command "circle 100 100 20"'),
            ("ds9.set", "pan to 200 300 image"),
            ("ds9.set", f"saveimage png {tmp_path / 'view.png'}"),
        ]
        for i, (mtype, cmd) in enumerate(steps):
            peer.call(me, mtype, f"t{i}", cmd=cmd)
            assert _wait_reply(qtbot, peer, f"t{i}")["samp.status"] == "samp.ok", cmd
        answers = {}
        for i, cmd in enumerate(
            ("fits size", "scale", "scale mode", "pan image", "regions -format ds9 -system image")
        ):
            peer.call(me, "ds9.get", f"g{i}", cmd=cmd)
            answers[cmd] = _wait_reply(qtbot, peer, f"g{i}")["samp.result"]["value"]
        assert answers["fits size"] == "256 256" and answers["scale"] == "linear"
        assert answers["scale mode"] == "zscale" and answers["pan image"] == "200 300"
        assert "circle(100" in answers["regions -format ds9 -system image"]
        assert (tmp_path / "view.png").read_bytes()[:4] == b"\x89PNG"
        peer.call(me, "ds9.set", "bad", cmd="frobnicate")
        reply = _wait_reply(qtbot, peer, "bad")
        assert reply["samp.status"] == "samp.error"
        assert "unknown command" in reply["samp.error"]["samp.errortxt"]
        peer.call(me, "ds9.get", "nocmd")
        assert _wait_reply(qtbot, peer, "nocmd")["samp.status"] == "samp.error"
    finally:
        window.samp.set_connected(False)
        peer.close()


def test_show_from_another_process_makes_a_new_frame(qtbot, window, demo_night, hub, tmp_path):
    assert window.files.open_file(demo_night.lights[0])
    assert window.samp.set_connected(True)
    script = (
        "import numpy as np, skyglass\n"
        "v = skyglass.show(np.arange(3000.).reshape(50, 60), name='ramp')\n"
        "print(v.get('fits size'), v.frame)\n"
        "v.set('zoom to 2')\n"
        "v.close()\n"
    )
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=60000)
        out, err = proc.communicate()
        assert proc.returncode == 0, err
        assert out.split() == ["60", "50", "2"]
        assert len(window.workspace.frames) == 2 and window.canvas.zoom() == pytest.approx(2)
        data = window.workspace.current.document.image.data[:, :]
        assert data[0, 59] == 59.0  # the array's orientation is kept
    finally:
        if proc.poll() is None:
            proc.kill()
        window.samp.set_connected(False)


def test_importing_skyglass_for_show_stays_light(tmp_path):
    code = "import sys, skyglass; f = skyglass.show; print('PySide6' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0 and out.stdout.strip() == "False"


def test_show_refuses_what_is_not_an_image():
    import skyglass
    from skyglass.processing.errors import SkyglassError

    with pytest.raises(SkyglassError, match="numeric array"):
        skyglass.show(np.array(["a", "b"]), timeout=0.1)


# ------------------------------------------------------------------- catalogues
def test_catalogues_from_files_are_drawn(window, demo_night, tmp_path):
    truth = Table.read(os.path.join(demo_night.truth, "stars.ecsv"))
    window.files.open_file(demo_night.lights[0])
    wcs = WCS(fits.getheader(demo_night.lights[0]))
    x, y = wcs.all_world2pix(truth["ra"], truth["dec"], 1)
    on_image = int(((x >= 0.5) & (x <= 256.5) & (y >= 0.5) & (y <= 256.5)).sum())
    from astropy.coordinates import Angle

    sexa = Table(
        {
            "RAJ2000": Angle(truth["ra"], "deg").to_string(unit="hourangle", sep=":"),
            "DEJ2000": Angle(truth["dec"], "deg").to_string(unit="deg", sep=":"),
        }
    )
    for name, table, fmt in (
        ("cat.ecsv", truth, "ascii.ecsv"),
        ("cat.csv", sexa, "ascii.csv"),
        ("cat.xml", truth, "votable"),
        ("cat.fits", truth, "fits"),
    ):
        table.write(tmp_path / name, format=fmt, overwrite=True)
        window.ds9.set(f"catalog {tmp_path / name}")
        (item,) = window.canvas.overlay("table")
        assert len(item.data) == on_image, name
    pixels = Table({"x": [10.0, 20.0], "y": [30.0, 40.0]})
    pixels.write(tmp_path / "pix.csv", format="ascii.csv")
    window.ds9.set(f"catalog {tmp_path / 'pix.csv'}")
    (item,) = window.canvas.overlay("table")
    assert sorted(item.getData()[0] + 0.5) == [10.0, 20.0]
    with pytest.raises(Ds9Error):
        window.ds9.set(f"catalog {tmp_path / 'missing.ecsv'}")


@pytest.mark.parametrize("suffix", [".ecsv", ".csv", ".vot", ".xml", ".fits"])
def test_stars_writes_every_catalogue_format(skyglass_cli, demo_night, tmp_path, suffix):
    out = tmp_path / f"stars{suffix}"
    result = skyglass_cli("stars", demo_night.lights[0], "-o", out)
    assert result.returncode == 0, result.stderr
    fmt = {".vot": "votable", ".xml": "votable", ".csv": "ascii.csv"}.get(suffix)
    table = Table.read(out, format=fmt) if fmt else Table.read(out)
    assert len(table) > 5 and {"x", "y"} <= set(table.colnames)


def test_show_starts_a_window_when_none_runs(tmp_path, private_hub):
    """No hub, no window: show() starts one (detached, with its own hub), sends the image,
    and the handle drives it; a second show() from the same script reuses it."""
    (tmp_path / "cfg").mkdir()
    script = (
        "import numpy as np, skyglass\n"
        "v = skyglass.show(np.ones((40, 30)), name='first')\n"
        "w = skyglass.show(np.zeros((20, 10)), name='second')\n"
        "print(v.get('fits size'), w.get('frame'), w.get('frame all'))\n"
        "w.set('quit')\n"
    )
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        XDG_CONFIG_HOME=str(tmp_path / "cfg"),
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["10", "20", "2", "1", "2"]
