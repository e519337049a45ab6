"""Time the viewer: redraws after settings, pan and zoom changes at a 1600 x 1000 view for
4k, 8k and 16k images; cold start to the first frame; opening a file in a running app;
peak memory for a 1 GiB file.

Run: ``python benchmarks/bench_viewer.py [--sizes 4096 8192 16384] [--skip-memory]``.
Uses the offscreen Qt platform unless DISPLAY is set and --screen is given.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000.0


def write_fits(path: Path, data: np.ndarray) -> None:
    from astropy.io import fits

    fits.PrimaryHDU(data).writeto(path, overwrite=True)


def bench_redraws(sizes: list[int], repeat: int) -> None:
    from PySide6 import QtWidgets

    from benchmarks.bench_display import sky
    from skyglass.processing.display.cache import PlaneDisplay
    from skyglass.processing.display.render import DisplaySettings
    from skyglass.viewer.image.canvas import ImageCanvas

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    canvas = ImageCanvas()
    canvas.resize(1600, 1000)
    canvas.show()
    app.processEvents()
    rng = np.random.default_rng(0)
    changes = [
        dict(cmap="heat"),
        dict(scale="log"),
        dict(contrast=1.7, bias=0.4),
        dict(limits="zscale"),
        dict(scale="asinh"),
        dict(cmap="viridis", invert=True),
        dict(limits="99.5"),
        dict(scale="histequ"),
    ]
    print(f"{'image':>8} {'view':>6} {'settings':>9} {'pan':>7} {'zoom':>7}   (median ms)")
    for size in sizes:
        data = sky(size, rng)
        display = PlaneDisplay(data)
        settings = DisplaySettings(limits="zscale")
        canvas.set_planes([data])
        canvas.set_colourings([display.rendering(settings)])
        app.processEvents()
        for view in ("fit", "1:1"):
            if view == "fit":
                canvas.zoom_fit()
            else:
                canvas.zoom_to(1.0)
            canvas.render_now()
            canvas.viewport().repaint()
            rec, pan, zoom = [], [], []
            for i in range(repeat):
                s = replace(settings, **changes[i % len(changes)])
                t0 = time.perf_counter()
                canvas.set_colourings([display.rendering(s)])
                canvas.viewport().repaint()
                rec.append(time.perf_counter() - t0)
            for i in range(repeat):
                step = (1 if i % 2 == 0 else -1) * 60.0 / canvas.zoom()  # 60 screen pixels
                t0 = time.perf_counter()
                canvas.vb.translateBy(x=step, y=step / 2)
                canvas.render_now()
                canvas.viewport().repaint()
                pan.append(time.perf_counter() - t0)
            for i in range(repeat):
                factor = 2**0.25 if i % 2 == 0 else 2**-0.25  # one wheel notch
                t0 = time.perf_counter()
                canvas.set_zoom(canvas.zoom() * factor)
                canvas.render_now()
                canvas.viewport().repaint()
                zoom.append(time.perf_counter() - t0)
            print(
                f"{size:>8} {view:>6} {median_ms(rec):9.1f} {median_ms(pan):7.1f} "
                f"{median_ms(zoom):7.1f}"
            )
        del data, display
    canvas.close()
    canvas.deleteLater()
    app.processEvents()


def _skyglass_command() -> str:
    """The installed ``skyglass`` console script (what users run)."""
    path = Path(sys.executable).parent / "skyglass"
    if not path.exists():
        raise SystemExit(f"install Skyglass first: no {path}")
    return str(path)


def _first_frame_skyglass(path: Path, tmp: Path) -> float | None:
    env = dict(os.environ, SKYGLASS_BENCH_FIRST_FRAME="1", XDG_CONFIG_HOME=str(tmp / "cfg"))
    env["SKYGLASS_T0"] = repr(time.time())
    out = subprocess.run(
        [_skyglass_command(), str(path)],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=120,
    )
    line = [x for x in out.stdout.splitlines() if x.startswith("first-frame")]
    if not line:
        print("cold start failed:", out.stderr[-500:])
        return None
    return float(line[0].split()[1])


def _first_frame_ds9(path: Path, tmp: Path) -> float | None:
    """DS9 from its start until it has the file loaded and answers over XPA (``xpaget ds9
    fits size``; DS9 draws the frame as its command line is processed, before XPA)."""
    t0 = time.time()
    proc = subprocess.Popen(
        ["ds9", str(path), "-zscale"],
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    elapsed = None
    try:
        while time.time() - t0 < 60:
            answer = subprocess.run(
                ["xpaget", "ds9", "fits", "size"], capture_output=True, text=True, timeout=10
            ).stdout.strip()
            if answer:
                elapsed = time.time() - t0
                break
            time.sleep(0.02)
    finally:
        subprocess.run(["xpaset", "-p", "ds9", "exit"], capture_output=True, timeout=10)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return elapsed


def bench_cold_start(tmp: Path, runs: int, ds9: bool) -> None:
    """``skyglass FILE`` to the first frame drawn, on the platform Qt uses here (a real X
    server when DISPLAY is set and --screen is given), alternated with DS9 when asked."""
    path = tmp / "cold_4096_u16.fits"
    rng = np.random.default_rng(1)
    write_fits(path, (1000 + rng.gamma(2.0, 30.0, (4096, 4096))).astype(np.uint16))
    where = os.environ.get("QT_QPA_PLATFORM") or f"X server {os.environ.get('DISPLAY')}"
    ours, theirs = [], []
    for _ in range(runs):
        t = _first_frame_skyglass(path, tmp)
        if t is not None:
            ours.append(t)
        if ds9:
            t = _first_frame_ds9(path, tmp)
            if t is not None:
                theirs.append(t)
    if not ours:
        return
    print(
        f"\ncold start of 'skyglass FILE' (4096 x 4096 uint16) to first frame drawn ({where}): "
        f"median {statistics.median(ours):.2f} s over {len(ours)} runs "
        f"(min {min(ours):.2f}, max {max(ours):.2f})"
    )
    if theirs:
        print(
            f"SAOImage DS9 on the same file, to the file loaded and drawn: median "
            f"{statistics.median(theirs):.2f} s (min {min(theirs):.2f}, max {max(theirs):.2f}); "
            f"ratio {statistics.median(ours) / statistics.median(theirs):.2f}"
        )


def bench_open_running(tmp: Path, runs: int) -> None:
    from PySide6 import QtCore, QtWidgets

    from skyglass.main_window import MainWindow

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    rng = np.random.default_rng(2)
    paths = []
    for i in range(2):
        p = tmp / f"open_{i}.fits"
        write_fits(p, (1000 + rng.gamma(2.0, 30.0, (4096, 4096))).astype(np.uint16))
        paths.append(p)
    settings = QtCore.QSettings(str(tmp / "bench.ini"), QtCore.QSettings.Format.IniFormat)
    window = MainWindow(settings)
    window.show()
    app.processEvents()
    times = []
    for i in range(runs):
        t0 = time.perf_counter()
        window.files.open_file(str(paths[i % 2]))
        window.canvas.viewport().repaint()
        times.append(time.perf_counter() - t0)
    window.close()
    window.deleteLater()
    app.processEvents()
    print(f"open a 4096 x 4096 uint16 file in the running app: median {median_ms(times):.0f} ms")


MEMORY_CHILD = r"""
import sys, time

def status():
    # VmHWM is this process's own peak (ru_maxrss carries the parent's across exec);
    # RssAnon is memory we allocated, RssFile the file pages mapped in (page cache).
    d = {}
    for line in open("/proc/self/status"):
        key = line.split(":")[0]
        if key in ("VmHWM", "RssAnon", "RssFile"):
            d[key] = int(line.split()[1]) / 1024
    return d

from PySide6 import QtWidgets
app = QtWidgets.QApplication([])
from skyglass.processing.io.reader import open_image
from skyglass.processing.display.cache import PlaneDisplay
from skyglass.processing.display.render import DisplaySettings
from skyglass.viewer.image.canvas import ImageCanvas
base = status()
image = open_image(sys.argv[1])
canvas = ImageCanvas(); canvas.resize(1600, 1000); canvas.show(); app.processEvents()
display = PlaneDisplay(image.data)
canvas.set_planes([image.data])
canvas.set_colourings([display.rendering(DisplaySettings(limits="zscale"))])
canvas.viewport().repaint()
times, anon = [], status()["RssAnon"]
for zoom in (1.0, 0.25):
    canvas.zoom_to(zoom)
    for i in range(20):
        t0 = time.perf_counter()
        canvas.vb.translateBy(x=400 / zoom, y=250 / zoom)
        canvas.render_now(); canvas.viewport().repaint()
        times.append(time.perf_counter() - t0)
        anon = max(anon, status()["RssAnon"])
end = status()
print(f"{base['RssAnon']:.0f} {anon:.0f} {end['VmHWM']:.0f} {end['RssFile']:.0f} "
      f"{sorted(times)[len(times)//2]*1000:.1f} {max(times)*1000:.1f}")
canvas.close(); canvas.deleteLater(); app.processEvents()
"""


def bench_memory(tmp: Path) -> None:
    n = 16384
    path = tmp / "big_16k_f32.fits"
    from astropy.io import fits

    header = fits.Header(
        [("SIMPLE", True), ("BITPIX", -32), ("NAXIS", 2), ("NAXIS1", n), ("NAXIS2", n)]
    )
    with open(path, "wb") as fh:
        fh.write(header.tostring().encode())
        rng = np.random.default_rng(3)
        for _ in range(0, n, 1024):
            fh.write(
                (1000 + 15 * rng.standard_normal((1024, n), dtype=np.float32))
                .astype(">f4")
                .tobytes()
            )
        fh.write(b"\0" * ((-fh.tell()) % 2880))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD, str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if out.returncode != 0:
        print("memory benchmark failed:", out.stderr[-800:])
        return
    base, anon, hwm, mapped, med, worst = out.stdout.split()[:6]
    print(
        f"1 GiB float32 file (16384 x 16384), open + 40 pans at zoom 1 and 1/4: peak "
        f"allocated (anonymous) memory {anon} MB, of which Qt and libraries {base} MB; file "
        f"pages mapped in {mapped} MB (page cache, not a copy; peak RSS {hwm} MB); pan "
        f"redraw median {med} ms, worst {worst} ms"
    )
    path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[4096, 8192, 16384])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--screen", action="store_true", help="use $DISPLAY, not offscreen")
    parser.add_argument("--ds9", action="store_true", help="time SAOImage DS9 too (needs --screen)")
    parser.add_argument("--only", choices=["redraw", "start", "open", "memory"], nargs="+")
    args = parser.parse_args()
    if not args.screen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        only = set(args.only or ["redraw", "start", "open", "memory"])
        if args.skip_memory:
            only.discard("memory")
        if "redraw" in only:
            bench_redraws(args.sizes, args.repeat)
        if "start" in only:
            bench_cold_start(tmp, args.runs, args.ds9 and args.screen)
        if "open" in only:
            bench_open_running(tmp, args.runs)
        if "memory" in only:
            bench_memory(tmp)
    sys.stdout.flush()
    # PySide6 can crash while the interpreter tears down pyqtgraph objects; the figures
    # are printed, so leave without that teardown.
    os._exit(0)


if __name__ == "__main__":
    main()
