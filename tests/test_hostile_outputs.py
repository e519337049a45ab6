"""Writers never take an input as an output (issue 18, item 1): the installed command, as a
user runs it."""

import shutil

from astropy.io import fits


def test_calibrate_never_writes_over_its_inputs(demo_night, tmp_path, skyglass_cli):
    out = tmp_path / "out"
    out.mkdir()
    light = out / "a.fits"
    shutil.copy(demo_night.lights[0], light)
    clash = out / "a_cal.fits"  # another light, named like a's output
    shutil.copy(demo_night.lights[1], clash)
    bias = out / "master_bias.fits"  # a bias named like the master
    shutil.copy(demo_night.biases[0], bias)
    before = {p: p.read_bytes() for p in (light, clash, bias)}
    for args in (
        ["--bias", bias, "-o", out, light, clash],
        ["--bias", bias, *demo_night.biases[1:], "-o", out, "--overwrite", light],
    ):
        run = skyglass_cli("calibrate", *args)
        assert run.returncode == 2 and run.stderr.startswith("skyglass: error:"), run.stderr
        assert "refusing to write over" in run.stderr
    assert {p: p.read_bytes() for p in before} == before
    assert sorted(p.name for p in out.iterdir()) == ["a.fits", "a_cal.fits", "master_bias.fits"]


def test_calibrate_auto_twice_in_one_folder(demo_night, tmp_path, skyglass_cli):
    night = tmp_path / "night"
    shutil.copytree(demo_night.folder, night)
    first = skyglass_cli("calibrate", "--auto", night, "-o", night)
    assert first.returncode == 0, first.stderr
    n_lights = first.stdout.count("calibrated:")
    second = skyglass_cli("calibrate", "--auto", night, "-o", night, "--overwrite")
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("calibrated:") == n_lights  # no *_cal_cal.fits
    assert not list(night.glob("*_cal_cal.fits"))
    master = fits.getheader(night / "master_bias.fits")
    assert master["NCOMBINE"] == len(demo_night.biases)  # not the earlier master as well


def test_stacking_frames_without_exptime(tmp_path, skyglass_cli):
    """It blamed darks ("needed to scale the dark") after combining; a stack needs none."""
    import numpy as np

    paths = []
    for i in range(3):
        path = tmp_path / f"f{i}.fits"
        fits.PrimaryHDU(np.full((10, 12), float(i), np.float32)).writeto(path)
        paths.append(path)
    out = tmp_path / "stack.fits"
    run = skyglass_cli("stack", *paths, "-o", out, "--method", "mean", "--align", "none")
    assert run.returncode == 0, run.stderr
    assert "exposure unknown" in run.stdout
    header = fits.getheader(out)
    assert "EXPTIME" not in header and header["NCOMBINE"] == 3
    np.testing.assert_allclose(fits.getdata(out), 1.0)


def test_a_recipe_that_would_need_gigabytes_is_refused_first(tmp_path, skyglass_cli):
    """rescale 16 twice or resize 20000 on an 80 x 64 image took 2.7-3.1 GB (issue 18)."""
    import json

    import numpy as np

    image = tmp_path / "small.fits"
    fits.PrimaryHDU(np.ones((64, 80), np.float32)).writeto(image)
    for steps in (
        [{"op": "rescale", "params": {"factor": 16}}] * 2,
        [{"op": "resize", "params": {"width": 20000, "height": 20000}}],
    ):
        recipe = tmp_path / "r.json"
        recipe.write_text(json.dumps({"format": "skyglass-recipe", "version": 2, "steps": steps}))
        run = skyglass_cli("replay", recipe, image, "-o", tmp_path / "o.fits", "--overwrite")
        assert run.returncode == 2 and "million" in run.stderr, run.stderr
        assert not (tmp_path / "o.fits").exists()


def test_a_bad_light_does_not_stop_the_night_and_resume_goes_on(demo_night, tmp_path, skyglass_cli):
    """Issue 15, item 4: one bad file aborted `calibrate --auto`, and nothing resumed."""
    night = tmp_path / "night"
    shutil.copytree(demo_night.folder, night)
    lights = sorted(night.glob("light_*.fits"))
    bad = lights[2]
    good_bytes = bad.read_bytes()
    bad.write_bytes(good_bytes[: len(good_bytes) // 2])  # cut short, as a copy stopped
    out = tmp_path / "out"
    first = skyglass_cli("calibrate", "--auto", night, "-o", out)
    assert first.returncode == 1, first.stderr
    assert f"{len(lights) - 1} lights calibrated, 1 failed." in first.stdout
    assert f"skyglass: failed: {bad.name}: " in first.stderr and "truncated" in first.stderr
    assert "(2 of 8" in first.stderr and "left)" in first.stderr  # counts and time left
    assert len(list(out.glob("*_cal.fits"))) == len(lights) - 1
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}

    bad.write_bytes(good_bytes)  # the file is whole again
    second = skyglass_cli("calibrate", "--auto", night, "-o", out, "--resume")
    assert second.returncode == 0, second.stderr
    assert f"1 lights calibrated, {len(lights) - 1} already done (--resume)." in second.stdout
    assert "master:" not in second.stdout  # the masters were newer than every raw frame
    after = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert {k: v for k, v in after.items() if k in before} == before  # nothing rewritten
    assert (out / bad.name.replace(".fits", "_cal.fits")).exists()
