"""Every extension point is one declaration: a dummy scale, colormap, file format, dock
panel, CLI command and edit operation, each added in a fixture and seen where users look."""

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from skyglass.cli import main
from skyglass.processing.display.colormaps import COLORMAPS, Colormap
from skyglass.processing.display.limits import LIMIT_CHOICES, LIMIT_MODES
from skyglass.processing.display.stretch import SCALES, Scale
from skyglass.processing.editing.registry import REGISTRY, Operation, Param
from skyglass.processing.io.formats import FORMATS, ImageFormat, dialog_filter, patterns


def _window(qtbot, tmp_path):
    from skyglass.main_window import MainWindow

    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    return w


@pytest.fixture
def cube_scale():
    SCALES.register(Scale("cube", "y = x^3", lambda x, a: x**3))
    yield "cube"
    SCALES.unregister("cube")


@pytest.fixture
def dummy_cmap():
    COLORMAPS.register(
        Colormap("teal", "a test ramp", lambda n: np.linspace([0, 0, 0], [0, 1, 1], n))
    )
    yield "teal"
    COLORMAPS.unregister("teal")


@pytest.fixture
def dummy_format():
    from skyglass.processing.io.reader import image_from_array

    def open_dummy(path, hdu):
        rows = [line.split() for line in open(path).read().splitlines() if line.strip()]
        return image_from_array(np.array(rows, dtype=np.float32), name=str(path).split("/")[-1])

    FORMATS.register(ImageFormat("Text grid", (".grid",), open_dummy))
    yield ".grid"
    FORMATS.unregister("Text grid")


@pytest.fixture
def dummy_panel():
    from skyglass.panels import PANELS, PanelSpec

    PANELS.register(PanelSpec("notes", "Notes", lambda ctx: QtWidgets.QLabel("notes"), "left"))
    yield "notes"
    PANELS.unregister("notes")


@pytest.fixture
def dummy_operation():
    op = Operation(
        "add_one",
        "Add one",
        "Arithmetic",
        lambda data, amount: data + amount,
        (Param("amount", "float", 1.0, help="What to add"),),
        help="Add a constant (a test operation).",
    )
    REGISTRY.register(op)
    yield op
    REGISTRY.unregister("add_one")


def test_a_new_scale_is_in_the_menu_the_panel_and_render(
    qtbot, tmp_path, cube_scale, capsys, write_fits
):
    w = _window(qtbot, tmp_path)
    w.files.open_file(str(write_fits(np.arange(100.0).reshape(10, 10))))
    w.menus["scale:cube"].trigger()
    assert w.workspace.current.display.scale == "cube" and w.menus["scale:cube"].isChecked()
    combo = w.scale_panel.scale
    row = combo.findData("cube")
    assert row >= 0 and combo.itemData(row, QtCore.Qt.ItemDataRole.ToolTipRole) == "y = x^3"
    out = tmp_path / "cube.png"
    src = write_fits(np.arange(100.0).reshape(10, 10), name="r.fits")
    assert main(["render", str(src), "-o", str(out), "--scale", "cube"]) == 0
    assert out.exists()


def test_a_new_colormap_is_in_the_menu_the_panel_and_render(
    qtbot, tmp_path, dummy_cmap, write_fits
):
    w = _window(qtbot, tmp_path)
    w.files.open_file(str(write_fits(np.arange(100.0).reshape(10, 10))))
    w.menus["cmap:teal"].trigger()
    assert w.workspace.current.display.cmap == "teal"
    assert w.scale_panel.cmap.findData("teal") >= 0
    src = write_fits(np.arange(100.0).reshape(10, 10), name="r.fits")
    assert main(["render", str(src), "-o", str(tmp_path / "t.png"), "--cmap", "teal"]) == 0


def test_a_new_file_format_opens_everywhere(qtbot, tmp_path, dummy_format, capsys, monkeypatch):
    path = tmp_path / "numbers.grid"
    path.write_text("1 2 3\n4 5 6\n")
    assert "*.grid" in dialog_filter() and "*.grid" in patterns()
    assert "*.grid" not in patterns(observing_only=True)  # not a camera's format
    import json

    assert main(["info", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["shape"] == [2, 3] and info["max"] == 6.0  # two rows of three
    w = _window(qtbot, tmp_path)
    monkeypatch.setattr(
        QtWidgets.QFileDialog,
        "getOpenFileNames",
        staticmethod(lambda *a, **k: ([str(path)], "Text grid (*.grid)")),
    )
    w.menus["open"].trigger()
    assert w.workspace.current.document.image.shape == (2, 3)


def test_a_new_panel_is_a_dock_and_in_the_window_menu(qtbot, tmp_path, dummy_panel):
    w = _window(qtbot, tmp_path)
    assert w.docks["notes"].windowTitle() == "Notes"
    texts = [a.text() for a in w.menus.menus["Window"].actions()]
    assert "Notes" in texts
    toggle = next(a for a in w.menus.menus["Window"].actions() if a.text() == "Notes")
    toggle.trigger()
    assert w.docks["notes"].isVisible()


def test_a_new_operation_is_in_the_edit_panel_and_replays(
    qtbot, tmp_path, dummy_operation, write_fits
):
    import json

    from astropy.io import fits

    w = _window(qtbot, tmp_path)
    src = write_fits(np.zeros((4, 4), np.float32), name="z.fits")
    w.files.open_file(str(src))
    w.menus["edit_panel"].trigger()
    panel = w.panels["edit"]
    panel.select("add_one")
    assert panel.operation.name == "add_one"
    recipe = tmp_path / "r.json"
    recipe.write_text(
        json.dumps(
            {
                "format": "skyglass-recipe",
                "version": 1,
                "steps": [{"op": "add_one", "params": {"amount": 2.5}}],
            }
        )
    )
    out = tmp_path / "out.fits"
    assert main(["replay", str(recipe), str(src), "-o", str(out)]) == 0
    assert np.all(fits.getdata(out) == 2.5)


def test_every_enumeration_value_has_ui_text():
    for name, scale in SCALES.items():
        assert scale.tip, name
    for name, cmap in COLORMAPS.items():
        assert cmap.tip, name
    assert [value for value, _, _ in LIMIT_CHOICES] == list(LIMIT_MODES)
    assert all(label and tip for _, label, tip in LIMIT_CHOICES)
    for op in REGISTRY.values():
        assert op.label and op.help, op.name
        for p in op.params:
            assert p.help or p.label, f"{op.name}.{p.name}"
