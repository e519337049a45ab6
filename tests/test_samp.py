"""SAMP round trips between the window and an astropy SAMP client, on a private hub
bound to the loopback interface (SAMP_HUB points at a lock file in the test folder)."""

import os
import threading

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from skyglass.processing.errors import SkyglassError
from skyglass.samp_link import fetch, file_url, samp_module

samp = samp_module()
samp.conf.use_internet = False
SAMPHubServer, SAMPIntegratedClient = samp.SAMPHubServer, samp.SAMPIntegratedClient


class Peer:
    """An astropy client standing in for TOPCAT/Aladin: records what it receives."""

    def __init__(self, hub):
        self.client = SAMPIntegratedClient(name="peer", addr="127.0.0.1")
        self.client.connect(hub=hub)
        self.got: list = []
        self.replies: dict = {}
        self.event = threading.Event()
        for mtype in ("image.load.fits", "table.load.votable"):
            self.client.bind_receive_notification(mtype, self._notified)

    def _notified(self, private_key, sender_id, mtype, params, extra):
        self.got.append((mtype, params))
        self.event.set()

    def _response(self, private_key, sender_id, msg_id, response):
        self.replies[msg_id] = response

    def call(self, recipient, mtype, tag, **params):
        self.client.bind_receive_response(tag, self._response)
        self.client.call(recipient, tag, {"samp.mtype": mtype, "samp.params": params})

    def skyglass_id(self):
        for cid in self.client.get_registered_clients():
            if self.client.get_metadata(cid).get("samp.name") == "Skyglass":
                return cid
        raise AssertionError("Skyglass is not registered")

    def close(self):
        self.client.disconnect()


@pytest.fixture
def peer(hub):
    p = Peer(hub)
    yield p
    p.close()


def _wait_reply(qtbot, peer, tag):
    qtbot.waitUntil(
        lambda: any(tag in key for key in peer.replies) or tag in peer.replies, timeout=10000
    )
    return next(v for k, v in peer.replies.items() if tag in k)


def test_round_trip_with_a_client(qtbot, window, demo_night, hub, peer):
    assert window.samp.set_connected(True)
    assert window.menus["samp_connect"].isChecked()
    assert window.samp.link.hub is None  # the running hub was used, not a second one
    me = peer.skyglass_id()
    subscribed = peer.client.get_subscriptions(me)
    assert {"image.load.fits", "table.load.votable", "table.load.fits", "coord.pointAt.sky"} <= set(
        subscribed
    )

    # image.load.fits: the image opens as a new frame.
    assert window.files.open_file(demo_night.lights[0])
    path = demo_night.lights[1]
    peer.call(me, "image.load.fits", "img", url=file_url(path), name="second")
    reply = _wait_reply(qtbot, peer, "img")
    assert reply["samp.status"] == "samp.ok"
    assert len(
        window.workspace.frames
    ) == 2 and window.workspace.current.document.name == os.path.basename(path)

    # table.load.votable: the table's stars are marked where the WCS puts them.
    truth = Table.read(os.path.join(demo_night.truth, "stars.ecsv"))
    wcs = WCS(fits.getheader(path))
    x, y = wcs.all_world2pix(truth["ra"], truth["dec"], 1)
    on_image = int(((x >= 0.5) & (x <= 256.5) & (y >= 0.5) & (y <= 256.5)).sum())
    votable = os.path.join(os.path.dirname(demo_night.truth), "stars.xml")
    truth.write(votable, format="votable", overwrite=True)
    peer.call(me, "table.load.votable", "tab", url=file_url(votable), name="truth")
    assert _wait_reply(qtbot, peer, "tab")["samp.status"] == "samp.ok"
    (item,) = window.canvas.overlay("table")
    assert len(item.data) == on_image > 5
    xs, ys = item.getData()
    assert np.sort(xs + 0.5) == pytest.approx(
        np.sort(x[(x >= 0.5) & (x <= 256.5) & (y >= 0.5) & (y <= 256.5)])
    )

    # coord.pointAt.sky: the view centres on the position.
    ra, dec = wcs.all_pix2world([[100.0, 150.0]], 1)[0]
    window.canvas.zoom_to(4.0)
    peer.call(me, "coord.pointAt.sky", "pt", ra=str(ra), dec=str(dec))
    assert _wait_reply(qtbot, peer, "pt")["samp.status"] == "samp.ok"
    cx, cy = window.canvas.view_center()
    assert (cx + 0.5, cy + 0.5) == pytest.approx((100.0, 150.0), abs=0.01)

    # A file that does not exist: an error reply, and the app keeps running.
    peer.call(me, "image.load.fits", "bad", url=file_url("/nonexistent/x.fits"))
    reply = _wait_reply(qtbot, peer, "bad")
    assert reply["samp.status"] == "samp.error"
    assert "does not exist" in reply["samp.error"]["samp.errortxt"]
    assert len(window.workspace.frames) == 2

    # Sending: the peer receives the image (the original, unchanged file) ...
    peer.event.clear()
    assert window.samp.send_image()
    qtbot.waitUntil(peer.event.is_set, timeout=10000)
    mtype, params = peer.got[-1]
    assert mtype == "image.load.fits"
    received = fetch(params["url"], str(demo_night.truth))
    np.testing.assert_array_equal(fits.getdata(received), fits.getdata(path))

    # ... and the star catalogue as a VOTable with RA/Dec UCDs.
    window.panels["stars"].detect()
    qtbot.waitUntil(lambda: window.panels["stars"].catalog is not None, timeout=30000)
    peer.event.clear()
    assert window.samp.send_catalog()
    qtbot.waitUntil(peer.event.is_set, timeout=10000)
    mtype, params = peer.got[-1]
    assert mtype == "table.load.votable"
    from astropy.io.votable import parse_single_table

    sent = parse_single_table(fetch(params["url"], str(demo_night.truth)))
    ucds = {f.name: f.ucd for f in sent.fields}
    assert ucds["ra"] == "pos.eq.ra;meta.main" and ucds["dec"] == "pos.eq.dec;meta.main"
    assert len(sent.array) == len(window.panels["stars"].catalog)
    np.testing.assert_allclose(sent.array["ra"], window.panels["stars"].catalog["ra"])

    window.samp.set_connected(False)
    assert not window.samp.connected and not window.menus["samp_connect"].isChecked()


def test_edited_image_is_sent_as_it_is_now(qtbot, window, demo_night, hub, peer, tmp_path):
    assert window.files.open_file(demo_night.lights[0])
    assert window.samp.set_connected(True)
    window.menus["edit_panel"].trigger()
    window.panels["edit"].select("flip_x")
    window.panels["edit"].apply()
    qtbot.waitUntil(lambda: window.panels["edit"].job is None, timeout=30000)
    peer.event.clear()
    assert window.samp.send_image()
    qtbot.waitUntil(peer.event.is_set, timeout=10000)
    _, params = peer.got[-1]
    sent = fetch(params["url"], str(tmp_path))
    assert sent != demo_night.lights[0]
    np.testing.assert_allclose(fits.getdata(sent), fits.getdata(demo_night.lights[0])[:, ::-1])
    window.samp.set_connected(False)


def test_starts_a_hub_when_none_runs(qtbot, window, private_hub):
    assert not private_hub.exists()
    assert window.samp.set_connected(True)
    assert window.samp.link.hub is not None and private_hub.exists()
    other = SAMPIntegratedClient(name="other", addr="127.0.0.1")
    other.connect()  # found through SAMP_HUB, as TOPCAT would
    names = [other.get_metadata(c).get("samp.name") for c in other.get_registered_clients()]
    assert "Skyglass" in names
    other.disconnect()
    window.samp.set_connected(False)
    assert window.samp.link.hub is None and not private_hub.exists()


def test_without_a_connection_sending_says_so(window, demo_night):
    assert window.files.open_file(demo_night.lights[0])
    assert not window.samp.send_image()
    assert "not connected" in window.last_error


def test_fetch_file_urls_and_refuses_others(tmp_path):
    p = tmp_path / "a b.fits"
    p.write_bytes(b"x")
    assert fetch(file_url(str(p)), str(tmp_path)) == str(p)
    with pytest.raises(SkyglassError, match="ftp"):
        fetch("ftp://example.org/x.fits", str(tmp_path))


def test_every_call_gets_a_reply_whatever_its_parameters(qtbot, window, hub, peer):
    """A parameter of the wrong type raised in the slot and the caller never heard back
    (issue 18, item 6)."""
    assert window.samp.set_connected(True)
    me = peer.skyglass_id()
    calls = [
        ("coord.pointAt.sky", "w1", {"ra": ["1"], "dec": "2"}),
        ("coord.pointAt.sky", "w2", {"ra": "north", "dec": "2"}),
        ("image.load.fits", "w3", {"url": {"a": "b"}}),
        ("table.load.votable", "w4", {"url": ["x"]}),
        ("ds9.set", "w5", {"cmd": ["zoom", "2"]}),
    ]
    for mtype, tag, params in calls:
        peer.call(me, mtype, tag, **params)
    for _, tag, _ in calls:
        reply = _wait_reply(qtbot, peer, tag)
        assert reply["samp.status"] == "samp.error", tag
        assert reply["samp.error"]["samp.errortxt"], tag
    peer.call(me, "ds9.get", "fine", cmd="zoom")  # and good calls still work
    assert _wait_reply(qtbot, peer, "fine")["samp.status"] == "samp.ok"
    assert window.isVisible()


def test_a_start_without_samp_leaves_no_folder_behind(window, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    from skyglass.samp_link import SampLink

    link = SampLink()
    assert list(tmp_path.iterdir()) == []  # nothing made until a file is sent or fetched
    folder = link.outbox
    assert folder.startswith(str(tmp_path)) and link.outbox == folder
    link.disconnect_hub()
    assert list(tmp_path.iterdir()) == []


def test_downloads_get_names_of_their_own_and_a_size_limit(tmp_path):
    """Two URLs ending in the same name shared one file: the second download wrote into
    the first frame's memory-mapped file (SIGBUS). Issue 18, item 2/6."""
    import functools
    import http.server
    import threading

    served = tmp_path / "served"
    served.mkdir()
    (served / "frame.fits").write_bytes(b"x" * 5000)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/frame.fits"
        inbox = tmp_path / "inbox"
        inbox.mkdir()
        first, second = fetch(url, str(inbox)), fetch(url, str(inbox))
        assert first != second and first.endswith(".fits") and second.endswith(".fits")
        with pytest.raises(SkyglassError, match="limit"):
            fetch(url, str(inbox), max_bytes=1000)
        assert sorted(p.name for p in inbox.iterdir()) == sorted(
            os.path.basename(p) for p in (first, second)
        )  # the refused download left nothing
    finally:
        server.shutdown()


def test_file_reads_never_block_the_window(
    qtbot, window, hub, peer, tmp_path, skyglass_cli, monkeypatch
):
    """A table URL naming a FIFO froze the window for good; a big VOTable froze it while
    it was read (issue 18, item 6). A FIFO is refused; tables are read in the background
    while the window keeps answering."""
    from astropy.table import Table

    assert window.samp.set_connected(True)
    me = peer.skyglass_id()
    fifo = tmp_path / "pipe.xml"
    os.mkfifo(fifo)
    peer.call(me, "table.load.votable", "fifo", url=file_url(str(fifo)))
    reply = _wait_reply(qtbot, peer, "fifo")
    assert reply["samp.status"] == "samp.error"
    assert "not a regular file" in reply["samp.error"]["samp.errortxt"]
    fits_fifo = tmp_path / "pipe.fits"
    os.mkfifo(fits_fifo)
    peer.call(me, "image.load.fits", "ffifo", url=file_url(str(fits_fifo)))
    assert _wait_reply(qtbot, peer, "ffifo")["samp.status"] == "samp.error"
    run = skyglass_cli("info", fits_fifo, timeout=30)  # the command does not wait either
    assert run.returncode == 2 and "not a regular file" in run.stderr

    rng = np.random.default_rng(0)
    big = Table({"ra": rng.uniform(0, 360, 200_000), "dec": rng.uniform(-90, 90, 200_000)})
    votable = tmp_path / "big.xml"
    big.write(votable, format="votable")
    titles = []
    run = window.runner.run
    monkeypatch.setattr(
        window.runner,
        "run",
        lambda fn, title="", **kw: titles.append(title) or run(fn, title, **kw),
    )
    peer.call(me, "table.load.votable", "big", url=file_url(str(votable)), name="big")
    reply = _wait_reply(qtbot, peer, "big")
    assert reply["samp.status"] == "samp.ok"
    assert len(window.overlays.sky_table.ra) == 200_000  # kept for frames with a WCS
    assert titles == ["reading big"]  # read by a job, not in the slot
