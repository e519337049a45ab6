"""One installable package named skyglass, tested as installed (not from the source tree)."""

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import installed_command

import skyglass

ROOT = Path(__file__).resolve().parents[1]
#: Source folder -> where it lives inside the installed package.
FOLDERS = {"app": "", "viewer": "viewer", "processing": "processing", "resources": "resources"}
USER_FILES = {
    "app.py": "MARK = 'user app'\n",
    "processing.py": "MARK = 'user processing'\n",
    "viewer.py": "MARK = 'user viewer'\n",
    "resources/__init__.py": "MARK = 'user resources'\n",
}


def _user_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    for name, text in USER_FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def test_tests_import_the_installed_package_not_the_source_tree():
    installed = Path(skyglass.__file__).resolve()
    # A venv inside the checkout is fine (CI makes one there): what matters is that the
    # package comes from an installed site-packages, not from the source folders.
    assert "site-packages" in installed.parts and installed.parent != ROOT / "app", (
        f"skyglass imported from {installed}: install it (pip install '.[test]'), "
        "not in editable mode, so the tests see what users get"
    )


def _installed_distribution() -> importlib.metadata.Distribution:
    # Not importlib.metadata.distribution("skyglass"): run from the repository, that can
    # find the build's skyglass.egg-info in the source tree instead of what pip installed.
    site = Path(skyglass.__file__).resolve().parents[1]
    (dist_info,) = site.glob("skyglass-*.dist-info")
    return importlib.metadata.Distribution.at(dist_info)


def test_the_distribution_has_exactly_one_top_level_name():
    dist = _installed_distribution()
    files = dist.files
    tops = {
        f.parts[0]
        for f in files
        if f.suffix == ".py" and not f.parts[0].endswith(".dist-info") and ".." not in f.parts
    }
    assert tops == {"skyglass"}
    top_level = dist.read_text("top_level.txt")
    if top_level is not None:
        assert top_level.split() == ["skyglass"]


def test_every_source_folder_and_resource_is_installed():
    base = Path(skyglass.__file__).resolve().parent
    for folder, target in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            assert (base / target / rel / "__init__.py").exists(), f"{folder}/{rel} not installed"
    sources = {
        (FOLDERS[p.relative_to(ROOT).parts[0]], *p.relative_to(ROOT).parts[1:])
        for folder in FOLDERS
        for p in (ROOT / folder).rglob("*.py")
    }
    for p in base.rglob("*.py"):
        rel = p.relative_to(base).parts
        key = rel if rel[0] in ("viewer", "processing", "resources") else ("", *rel)
        assert key in sources, f"{p} has no source file (a stale build/ folder?)"
    res = base / "resources"
    assert (res / "skyglass.svg").exists() and (res / "skyglass.desktop").exists()
    assert {p.name for p in (res / "icons").glob("*.png")} == {
        p.name for p in (ROOT / "resources" / "icons").glob("*.png")
    }


def test_version_is_stated_once_and_printed(skyglass_cli):
    import tomllib

    version = _installed_distribution().version
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"] == version
    assert skyglass.__version__ == version
    result = skyglass_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"skyglass {version}"
    module = subprocess.run(
        [sys.executable, "-m", "skyglass", "--version"], capture_output=True, text=True
    )
    assert module.returncode == 0 and module.stdout.strip() == f"skyglass {version}"


def test_commands_work_beside_the_users_own_modules(tmp_path):
    """From a folder with the user's app.py, processing.py, viewer.py and resources/."""
    folder = _user_folder(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

    def run(*argv):
        return subprocess.run(
            [str(a) for a in argv], cwd=folder, env=env, capture_output=True, text=True
        )

    version = _installed_distribution().version
    assert run(installed_command(), "--version").stdout.strip() == f"skyglass {version}"
    assert run(sys.executable, "-m", "skyglass", "--version").stdout.strip().endswith(version)
    demo = run(installed_command(), "demo", "night", "--size", "64")
    assert demo.returncode == 0, demo.stderr
    light = folder / "night" / "light_V_001.fits"
    info = run(sys.executable, "-m", "skyglass", "info", light, "--json")
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["shape"] == [64, 64]
    mine = run(
        sys.executable,
        "-c",
        "import app, processing, viewer, resources; "
        "print(app.MARK, processing.MARK, viewer.MARK, resources.MARK, sep='|')",
    )
    assert mine.stdout.strip() == "user app|user processing|user viewer|user resources"


@pytest.mark.parametrize("name", ["app", "viewer", "processing", "resources"])
def test_generic_top_level_names_are_not_installed(tmp_path, name):
    result = subprocess.run(
        [sys.executable, "-c", f"import {name}"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode != 0 and "ModuleNotFoundError" in result.stderr


def test_exported_script_runs_beside_a_users_processing_module(tmp_path, write_fits):
    from skyglass.processing.editing.history import Step
    from skyglass.processing.editing.recipe import python_script

    folder = _user_folder(tmp_path)
    source = write_fits([[1.0, 2.0], [3.0, 4.0]], name="in.fits")
    script = python_script([Step("flip_x", {})], source=str(source))
    (folder / "edit.py").write_text(script)
    out = folder / "out.fits"
    result = subprocess.run(
        [sys.executable, "edit.py", str(source), str(out)],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    from astropy.io import fits

    assert fits.getdata(out).tolist() == [[2.0, 1.0], [4.0, 3.0]]


def test_a_recipe_of_format_version_1_still_replays(tmp_path, write_fits, skyglass_cli):
    """A recipe as the first release wrote it, byte for byte."""
    recipe = tmp_path / "old.json"
    recipe.write_text(
        '{\n  "format": "skyglass-recipe",\n  "version": 1,\n  "software": "Skyglass 0.1.0",\n'
        '  "source": "in.fits",\n  "hdu": null,\n  "plane": 0,\n  "steps": [\n'
        '    {"op": "flip_x", "params": {}},\n'
        '    {"op": "rotate90", "params": {"turns": "180"}}\n  ]\n}\n'
    )
    source = write_fits([[1.0, 2.0], [3.0, 4.0]], name="in.fits")
    out = tmp_path / "out.fits"
    result = skyglass_cli("replay", recipe, source, "-o", out)
    assert result.returncode == 0, result.stderr
    from astropy.io import fits

    # flip left-right, then half a turn: the same as flipping top-bottom.
    assert fits.getdata(out).tolist() == [[3.0, 4.0], [1.0, 2.0]]
