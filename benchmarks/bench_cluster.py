"""Throughput of ``skyglass calibrate`` and ``skyglass stack`` in one process, on local
processes (``--jobs 2``) and on a Dask cluster of 1 and 2 workers on this machine
(issue 15, items 3 and 8; the figures behind docs/scaling.md).

Run: ``python benchmarks/bench_cluster.py [--lights 32] [--size 2048] [--frames 20]
[--stack-size 4096] [--folder DIR]``.

A scheduler and single-threaded worker processes are started on 127.0.0.1 with the
``dask`` command line, as on a real cluster; every run is the installed ``skyglass``
command, timed as a whole process (the client's wall time and peak memory; the workers'
memory is not in that figure). Needs ``pip install 'skyglass[cluster]'``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_stack import timed, write_frames  # noqa: E402 - one way of timing a process

SKYGLASS = str(Path(sys.executable).with_name("skyglass"))


class LocalCluster:
    """``dask scheduler`` and ``dask worker --nworkers N`` on 127.0.0.1."""

    def __init__(self, workers: int, folder: Path, port: int = 8797) -> None:
        from distributed import Client

        self.address = f"tcp://127.0.0.1:{port}"
        self.procs = [
            subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1"]
                + ["--port", str(port), "--no-dashboard"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        ]
        self.procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", self.address]
                + ["--nworkers", str(workers), "--nthreads", "1", "--no-dashboard"]
                + ["--local-directory", str(folder)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(self.address, timeout=5, set_as_default=False) as client:
                    if len(client.scheduler_info()["workers"]) == workers:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.close()
                raise SystemExit("the local Dask cluster did not start")
            time.sleep(0.5)

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            proc.wait(30)


def night_of(lights: int, size: int, folder: Path) -> Path:
    """A demo night with its lights copied until there are ``lights`` of them."""
    night = folder / f"night-{size}-{lights}"
    if night.exists():
        return night
    subprocess.run([SKYGLASS, "demo", str(night), "--size", str(size)], check=True,
                   capture_output=True)  # fmt: skip
    originals = sorted(night.glob("light_*.fits"))
    k = 0
    while len(list(night.glob("light_*.fits"))) < lights:
        src = originals[k % len(originals)]
        shutil.copy(src, night / f"{src.stem}_copy{k:03d}.fits")
        k += 1
    return night


def run(argv: list[str], cwd: Path, clean: Path | None) -> tuple[float, float]:
    if clean is not None and clean.exists():
        shutil.rmtree(clean) if clean.is_dir() else clean.unlink()
    return timed([SKYGLASS, *argv], cwd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lights", type=int, default=32)
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--stack-size", type=int, default=4096)
    parser.add_argument("--folder", help="keep the generated files here between runs")
    args = parser.parse_args()
    folder = Path(args.folder or tempfile.mkdtemp(prefix="skyglass-cluster-"))
    folder.mkdir(parents=True, exist_ok=True)
    night = night_of(args.lights, args.size, folder)
    frames_dir = folder / f"frames-{args.stack_size}-{args.frames}"
    if not frames_dir.exists():
        frames_dir.mkdir()
        write_frames(frames_dir, args.frames, args.stack_size)
    frames = [str(p) for p in sorted(frames_dir.glob("light_*.fit"))]
    out = folder / "out"
    stacked = folder / "stack.fits"
    calibrate = ["calibrate", "--auto", str(night), "-o", str(out)]
    stack = ["stack", *frames, "-o", str(stacked), "--align", "shift"]

    def both(label: str, extra: list[str]) -> None:
        t_cal, m_cal = run(calibrate + extra, folder, out)
        t_st, m_st = run(stack + extra, folder, stacked)
        print(
            f"{label:<22} calibrate {args.lights} lights of {args.size}^2: {t_cal:6.2f} s "
            f"({args.lights / t_cal:5.2f} lights/s, {m_cal:5.0f} MB) | stack {args.frames} of "
            f"{args.stack_size}^2 by shift: {t_st:6.2f} s ({args.frames / t_st:5.2f} "
            f"frames/s, {m_st:5.0f} MB)",
            flush=True,
        )

    both("one process", [])
    both("--jobs 2", ["--jobs", "2"])
    for workers in (1, 2):
        cluster = LocalCluster(workers, folder)
        try:
            both(f"Dask, {workers} worker(s)", ["--scheduler", cluster.address])
        finally:
            cluster.close()


if __name__ == "__main__":
    main()
