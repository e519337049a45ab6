"""Calibrating and stacking on a Dask cluster and on local processes (issue 15, item 3).

A real scheduler and two worker processes are started on 127.0.0.1 (the ``dask`` command
line a cluster administrator runs); the installed ``skyglass`` command is pointed at them
and its files are compared with a run in one process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

distributed = pytest.importorskip("distributed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """``tcp://127.0.0.1:PORT`` of a scheduler with two single-threaded worker processes."""
    folder = tmp_path_factory.mktemp("dask")
    address = f"tcp://127.0.0.1:{_free_port()}"
    port = address.rsplit(":", 1)[1]
    logs = [open(folder / "scheduler.log", "w"), open(folder / "workers.log", "w")]  # noqa: SIM115
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1"]
        + ["--port", port, "--no-dashboard"],
        stdout=logs[0],
        stderr=subprocess.STDOUT,
    )
    workers = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "2"]
        + ["--nthreads", "1", "--no-dashboard", "--local-directory", str(folder)],
        stdout=logs[1],
        stderr=subprocess.STDOUT,
    )
    client = None
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                client = client or distributed.Client(address, timeout=5, set_as_default=False)
                if len(client.scheduler_info()["workers"]) == 2:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the Dask scheduler and workers did not start: " + str(folder))
            time.sleep(0.3)
        yield address, client
    finally:
        if client is not None:
            client.close()
        for proc in (workers, scheduler):
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()


def _workers(client) -> set[str]:
    return set(client.scheduler_info()["workers"])


def _tasks_line(stdout: str) -> dict[str, int]:
    """``tasks: 3 on tcp://a, 2 on tcp://b`` as {worker: count}."""
    line = next(x for x in stdout.splitlines() if x.startswith("tasks: "))
    out = {}
    for part in line[len("tasks: ") :].split(", "):
        count, worker = part.split(" on ")
        out[worker] = int(count)
    return out


def _same_files(a: Path, b: Path) -> list[str]:
    names = sorted(p.name for p in a.glob("*.fits"))
    assert names == sorted(p.name for p in b.glob("*.fits"))
    for name in names:
        with fits.open(a / name) as x, fits.open(b / name) as y:
            assert np.array_equal(x[0].data, y[0].data, equal_nan=True), name
            skip = {"DATE", "CHECKSUM", "DATASUM"}
            cards = [(k, v) for k, v in x[0].header.items() if k not in skip]
            assert cards == [(k, v) for k, v in y[0].header.items() if k not in skip], name
    return names


def test_calibrate_auto_on_a_cluster_writes_what_a_local_run_writes(
    cluster, demo_night, tmp_path, skyglass_cli
):
    address, client = cluster
    local = skyglass_cli("calibrate", "--auto", demo_night.folder, "-o", tmp_path / "local")
    assert local.returncode == 0, local.stderr
    remote = skyglass_cli(
        "calibrate", "--auto", demo_night.folder, "-o", tmp_path / "dask", "--scheduler", address
    )
    assert remote.returncode == 0, remote.stderr
    names = _same_files(tmp_path / "local", tmp_path / "dask")
    lights = [n for n in names if n.endswith("_cal.fits")]
    assert len(lights) == len(demo_night.lights)
    # Every light was a task, and the tasks ran on the cluster's workers (not here).
    ran = _tasks_line(remote.stdout)
    assert sum(ran.values()) == len(lights)
    assert set(ran) <= _workers(client)


def test_calibrate_with_local_processes_matches(demo_night, tmp_path, skyglass_cli):
    local = skyglass_cli("calibrate", "--auto", demo_night.folder, "-o", tmp_path / "one")
    assert local.returncode == 0, local.stderr
    jobs = skyglass_cli(
        "calibrate", "--auto", demo_night.folder, "-o", tmp_path / "two", "--jobs", "2"
    )
    assert jobs.returncode == 0, jobs.stderr
    _same_files(tmp_path / "one", tmp_path / "two")
    ran = _tasks_line(jobs.stdout)
    assert sum(ran.values()) == len(demo_night.lights)
    assert f":{os.getpid()}" not in " ".join(ran)  # other processes did the work


def test_a_bad_light_on_the_cluster_is_reported_and_the_rest_written(
    cluster, demo_night, tmp_path, skyglass_cli
):
    address, _ = cluster
    lights = [str(p) for p in demo_night.lights]
    bad = tmp_path / "light_broken.fits"
    bad.write_bytes(Path(lights[0]).read_bytes()[:5000])
    result = skyglass_cli(
        "calibrate",
        *lights,
        str(bad),
        "--bias",
        *map(str, demo_night.biases),
        "--dark",
        *map(str, demo_night.darks),
        "--flat",
        *map(str, demo_night.flats),
        "-o",
        tmp_path / "out",
        "--scheduler",
        address,
    )
    assert result.returncode == 1, result.stderr
    assert "skyglass: failed: light_broken.fits" in result.stderr
    assert f"{len(lights)} lights calibrated, 1 failed." in result.stdout
    assert len(list((tmp_path / "out").glob("*_cal.fits"))) == len(lights)


@pytest.mark.parametrize(
    ("align", "method"), [("shift", "median"), ("stars", "sigma-clip"), ("none", "mean")]
)
def test_stack_on_a_cluster_equals_the_local_stack(
    cluster, demo_night, tmp_path, skyglass_cli, align, method
):
    address, client = cluster
    lights = [str(p) for p in demo_night.lights if "_V_" in Path(p).name]
    args = ["stack", *lights, "--align", align, "--method", method]
    local = skyglass_cli(*args, "-o", tmp_path / "local.fits")
    assert local.returncode == 0, local.stderr
    remote = skyglass_cli(*args, "-o", tmp_path / "dask.fits", "--scheduler", address)
    assert remote.returncode == 0, remote.stderr
    a, b = fits.getdata(tmp_path / "local.fits"), fits.getdata(tmp_path / "dask.fits")
    assert np.isfinite(a).mean() > 0.9
    np.testing.assert_array_equal(a, b)
    assert (
        fits.getheader(tmp_path / "local.fits")["HISTORY"]
        == fits.getheader(tmp_path / "dask.fits")["HISTORY"]
    )
    assert set(_tasks_line(remote.stdout)) <= _workers(client)


def test_stack_with_local_processes_equals_the_local_stack(demo_night, tmp_path, skyglass_cli):
    lights = [str(p) for p in demo_night.lights]
    one = skyglass_cli("stack", *lights, "-o", tmp_path / "one.fits")
    two = skyglass_cli("stack", *lights, "-o", tmp_path / "two.fits", "--jobs", "2")
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    np.testing.assert_array_equal(
        fits.getdata(tmp_path / "one.fits"), fits.getdata(tmp_path / "two.fits")
    )


# A task that kills the worker process running it the first time (a machine lost
# mid-run). Made outside any importable module, so it is shipped to the workers by value
# (they cannot import the tests).
_DIE_ONCE = """
def die_once(marker, fn, *args):
    import os
    if not os.path.exists(marker):
        with open(marker, "w") as f:
            f.write(str(os.getpid()))
        os._exit(1)
    return fn(*args)
"""


def _die_once():
    namespace: dict = {"__name__": "skyglass_test_not_importable"}
    exec(_DIE_ONCE, namespace)
    return namespace["die_once"]


def test_a_worker_that_dies_mid_run_has_its_task_run_again(cluster, demo_night, tmp_path):
    from skyglass.processing.calibration.pipeline import (
        MasterFiles,
        build_masters,
        calibrate_file,
        write_masters,
    )
    from skyglass.processing.executors import DaskExecutor, gather

    address, client = cluster
    masters = build_masters(demo_night.biases, demo_night.darks, demo_night.flats)
    write_masters(masters, str(tmp_path))
    files = MasterFiles.of(masters, str(tmp_path))
    marker = str(tmp_path / "died")
    light = str(demo_night.lights[0])
    out = str(tmp_path / "light_cal.fits")
    with DaskExecutor(address) as executor:
        results = {}
        gather(
            executor,
            _die_once(),
            [(marker, calibrate_file, light, files, out, None, False)],
            results.__setitem__,
        )
    died = int(Path(marker).read_text())
    assert results == {0: out}
    assert os.path.exists(out)
    worker = next(iter(executor.ran))
    assert worker in _workers(client)
    # The task finished in another process than the one that died.
    assert client.run(os.getpid)[worker] != died
    # The nanny restarts the dead worker: the cluster is whole again for the next tests.
    deadline = time.monotonic() + 30
    while len(_workers(client)) < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert len(_workers(client)) == 2


def test_cluster_options_are_checked(skyglass_cli, demo_night, tmp_path):
    both = skyglass_cli(
        "calibrate", "--auto", demo_night.folder, "-o", tmp_path, "--jobs", "2",
        "--scheduler", "tcp://127.0.0.1:1",
    )  # fmt: skip
    assert both.returncode == 2
    assert both.stderr.strip() == "skyglass: error: give --scheduler or --jobs, not both."
    zero = skyglass_cli("stack", *map(str, demo_night.lights), "-o", tmp_path / "s.fits",
                        "--jobs", "0")  # fmt: skip
    assert zero.returncode == 2 and "--jobs must be 1 or more" in zero.stderr
    nobody = skyglass_cli(
        "stack", *map(str, demo_night.lights), "-o", tmp_path / "s.fits",
        "--scheduler", f"127.0.0.1:{_free_port()}",
    )  # fmt: skip
    assert nobody.returncode == 2
    assert nobody.stderr.startswith("skyglass: error: cannot reach the Dask scheduler at tcp://")
    assert not (tmp_path / "s.fits").exists()


def test_scheduler_without_dask_names_the_extra(skyglass_cli, demo_night, tmp_path):
    # A Python where dask.distributed is not installed.
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "distributed.py").write_text("raise ImportError('No module named distributed')\n")
    result = skyglass_cli(
        "stack", *map(str, demo_night.lights), "-o", tmp_path / "s.fits",
        "--scheduler", "tcp://127.0.0.1:8786",
        env={"PYTHONPATH": str(blocker)},
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "skyglass: error: --scheduler needs dask.distributed, which is not installed: "
        "pip install 'skyglass[cluster]'"
    )
