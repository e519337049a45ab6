"""Following a folder for a whole night: does the window keep up with hundreds of frames?

Measures, on demo lights (default 2048 x 2048 uint16):

- ``frame_quality`` (the night-log figures of one frame, run off the GUI thread);
- one poll of a followed folder that already holds N frames (the GUI-thread timer's work);
- in an offscreen window following a folder: the GUI-thread time to open each arriving
  frame and add its night-log line, first frames against the last ones, and the longest
  stall of the event loop while frames arrive and are measured in the background.

Run: ``python benchmarks/bench_follow.py [--size 2048] [--frames 300]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_lights(folder: str, size: int) -> list[str]:
    from skyglass.processing.demo import NightPlan, generate_night

    plan = NightPlan(
        n_bias=1, darks=((60.0, 1),), flats=(("V", 10.0, 1),), lights=(("V", 60.0, 3),)
    )
    return generate_night(folder, size=size, seed=5, plan=plan).lights


def bench_quality(lights: list[str], repeat: int = 5) -> float:
    from skyglass.processing.calibration.nightlog import frame_quality

    frame_quality(lights[0])  # warm up (imports)
    times = []
    for i in range(repeat):
        t = time.perf_counter()
        q = frame_quality(lights[i % len(lights)])
        times.append(time.perf_counter() - t)
        assert not q.error, q.error
    return statistics.median(times)


def bench_poll(lights: list[str], n: int) -> float:
    from skyglass.processing.calibration.nightlog import FolderFollower

    with tempfile.TemporaryDirectory() as d:
        for i in range(n):
            os.link(lights[i % len(lights)], os.path.join(d, f"f{i:04d}.fits"))
        f = FolderFollower(d, settle=0.0)
        f.existing()
        times = []
        for _ in range(20):
            t = time.perf_counter()
            f.poll()
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_window(lights: list[str], n: int) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtCore, QtWidgets

    from skyglass.main_window import MainWindow

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    with tempfile.TemporaryDirectory() as d:
        settings = QtCore.QSettings(os.path.join(d, "s.ini"), QtCore.QSettings.Format.IniFormat)
        w = MainWindow(settings)
        w.resize(1600, 1000)
        w.show()
        folder = os.path.join(d, "night")
        os.mkdir(folder)
        w.follow.settle = 0.0
        w.follow.follow(folder)
        open_times, stalls = [], []
        last_tick = [time.perf_counter()]

        def tick() -> None:  # a 10 ms heartbeat: how late it runs is how long the GUI froze
            now = time.perf_counter()
            stalls.append(now - last_tick[0] - 0.010)
            last_tick[0] = now

        beat = QtCore.QTimer()
        beat.timeout.connect(tick)
        beat.start(10)
        for i in range(n):
            os.link(lights[i % len(lights)], os.path.join(folder, f"f{i:04d}.fits"))
            t = time.perf_counter()
            w.follow.poll()  # sees it (size recorded)
            w.follow.poll()  # complete: opens it as a new frame, queues the measurement
            open_times.append(time.perf_counter() - t)
            app.processEvents()
        arrival_stalls = stalls[:]
        stalls.clear()
        # Then only the background measurements run: a real event loop, as in the app.
        loop = QtCore.QEventLoop()
        check = QtCore.QTimer()
        check.timeout.connect(lambda: w.follow.idle and loop.quit())
        check.start(50)
        last_tick[0] = time.perf_counter()
        loop.exec()
        check.stop()
        measured = len(w.panels["nightlog"].rows)
        beat.stop()
        w.follow.stop()
        w.close()
    k = max(1, min(20, n // 5))

    def p(values, q):
        return sorted(values)[int(q * (len(values) - 1))] * 1000 if values else float("nan")

    return {
        "first_ms": statistics.median(open_times[:k]) * 1000,
        "last_ms": statistics.median(open_times[-k:]) * 1000,
        "arrival_p99_ms": p(arrival_stalls, 0.99),
        "measure_p50_ms": p(stalls, 0.5),
        "measure_p99_ms": p(stalls, 0.99),
        "measure_max_ms": p(stalls, 1.0),
        "measured": measured,
        "frames": len(w.workspace.frames),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--frames", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        lights = make_lights(d, args.size)
        q = bench_quality(lights)
        print(
            f"frame_quality {args.size}x{args.size}: {q * 1000:.0f} ms per frame "
            "(run in the night log's worker process)"
        )
        for n in (10, args.frames):
            print(f"poll of a folder holding {n} frames: {bench_poll(lights, n) * 1000:.2f} ms")
        r = bench_window(lights, args.frames)
        print(
            f"window, {args.frames} frames arriving: open + log line {r['first_ms']:.0f} ms for "
            f"the first frames, {r['last_ms']:.0f} ms for the last (frames kept: {r['frames']}); "
            f"{r['measured']} measured; event-loop stall while frames arrive back to back "
            f"p99 {r['arrival_p99_ms']:.0f} ms"
        )
        print(
            f"event loop while the night log measures in the background: late by "
            f"{r['measure_p50_ms']:.1f} ms median, {r['measure_p99_ms']:.0f} ms p99, "
            f"{r['measure_max_ms']:.0f} ms max"
        )


if __name__ == "__main__":
    main()
