"""Keyboard and discoverability: no shortcut used twice, the Help sheet lists them all,
and every control a user can touch explains itself in a tooltip (offscreen)."""

from PySide6 import QtGui, QtWidgets

from skyglass.processing.editing.registry import REGISTRY
from skyglass.viewer.dialogs.shortcuts import menu_shortcuts

CONTROLS = (
    QtWidgets.QPushButton,
    QtWidgets.QCheckBox,
    QtWidgets.QRadioButton,
    QtWidgets.QComboBox,
    QtWidgets.QAbstractSpinBox,
    QtWidgets.QLineEdit,
    QtWidgets.QSlider,
)


def _untipped(root: QtWidgets.QWidget) -> list[str]:
    missing = []
    for w in root.findChildren(QtWidgets.QWidget):
        if not isinstance(w, CONTROLS) or w.toolTip():
            continue
        if isinstance(w.parent(), QtWidgets.QAbstractSpinBox | QtWidgets.QComboBox):
            continue  # the editor inside a spin box or combo box: its parent has the tip
        text = w.text() if hasattr(w, "text") else ""
        missing.append(f"{type(w).__name__} {text!r} in {type(w.parent()).__name__}")
    return missing


def test_no_shortcut_is_bound_twice(window):
    seen = {}
    for action in window.findChildren(QtGui.QAction):
        for seq in action.shortcuts():
            key = seq.toString()
            assert key not in seen, f"{key}: {seen.get(key)} and {action.text()}"
            seen[key] = action.text()
    # DS9's frame keys and the usual ones are there.
    for key in ("Tab", "Shift+Tab", "Ctrl+O", "Ctrl+Q", "Ctrl+Z", "F1"):
        assert key in seen


def test_shortcut_sheet_lists_every_menu_shortcut(qtbot, window):
    window.show_shortcuts()
    sheet = window.shortcut_sheet
    qtbot.addWidget(sheet)
    rows = sheet.visible_rows()
    for menu, what, keys in menu_shortcuts(window.menuBar()):
        assert (menu, what, keys) in rows
    assert ("Frame", "Next frame", "Tab") in rows
    assert any(keys == "Right drag" for _, _, keys in rows)
    sheet.filter.setText("frame")
    shown = sheet.visible_rows()
    assert 0 < len(shown) < len(rows)
    assert all("frame" in " ".join(r).lower() for r in shown)


def test_every_control_has_a_tooltip(qtbot, window, demo_night):
    assert window.files.open_file(demo_night.lights[0])
    for dock in window.docks.values():
        dock.show()
    assert _untipped(window) == []
    # Each operation's form in the Edit panel, too.
    window.menus["edit_panel"].trigger()
    for name in REGISTRY:
        window.panels["edit"].select(name)
        assert _untipped(window.panels["edit"]) == [], name
