"""Every menu item, triggered as a person triggers it, on a real image: no slot may raise.

Dialogs are answered by patching Qt's static dialog functions (Cancel / No), so each
action runs its whole path up to the question. pytest-qt fails a test when an exception
escapes a Qt slot.
"""

import pytest
from PySide6 import QtGui, QtWidgets

from skyglass.menus import menu_specs


@pytest.fixture
def answered_dialogs(monkeypatch):
    no = QtWidgets.QMessageBox.StandardButton.No
    for name, value in (
        ("getOpenFileName", ("", "")),
        ("getOpenFileNames", ([], "")),
        ("getSaveFileName", ("", "")),
        ("getExistingDirectory", ""),
    ):
        monkeypatch.setattr(QtWidgets.QFileDialog, name, staticmethod(lambda *a, v=value, **k: v))
    monkeypatch.setattr(QtWidgets.QMessageBox, "question", staticmethod(lambda *a, **k: no))
    monkeypatch.setattr(
        QtWidgets.QInputDialog, "getText", staticmethod(lambda *a, **k: ("", False))
    )
    monkeypatch.setattr(
        QtWidgets.QColorDialog, "getColor", staticmethod(lambda *a, **k: QtGui.QColor())
    )


def test_every_menu_action_runs_on_an_image(qtbot, window, demo_night, answered_dialogs, caplog):
    import logging

    caplog.set_level(logging.WARNING, logger="skyglass")
    # The skyglass logger may not propagate (the CLI configures it): listen to it directly.
    logging.getLogger("skyglass").addHandler(caplog.handler)
    assert window.files.open_file(demo_night.lights[0])
    assert window.files.open_file(demo_night.lights[1], new_frame=True)
    keys = [s.key for s in menu_specs() if not s.submenu]
    assert len(keys) == len(window.menus.actions) > 60
    for key in keys:
        if key == "quit":
            continue
        action = window.menus[key]
        action.trigger()
        if action.isCheckable() and action.isChecked() and key in ("tile", "blink"):
            action.trigger()  # back to one frame on screen
        qtbot.wait(1)
    assert window.workspace.current is not None
    window.menus["quit"].trigger()
    assert not window.isVisible()
    # Nothing went wrong quietly either: no error reached the log.
    logging.getLogger("skyglass").removeHandler(caplog.handler)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_every_menu_action_runs_with_nothing_open(qtbot, window, answered_dialogs, monkeypatch):
    monkeypatch.setattr(window.files, "open_demo", lambda: None)
    for spec in menu_specs():
        if spec.submenu or spec.key in ("quit", "open_demo"):
            continue
        window.menus[spec.key].trigger()
    assert window.workspace.current is None


def test_a_slot_that_raises_fails_the_walk(qtbot):
    """The walk above would catch a broken command: an exception escaping a menu item's
    slot reaches pytest-qt (shown here on a planted bug)."""
    from skyglass.actions import ActionSpec, ActionTable

    def broken() -> None:
        raise RuntimeError("planted bug")

    host = QtWidgets.QMainWindow()
    qtbot.addWidget(host)
    table = ActionTable(host, [ActionSpec("File", "Broken", "broken")], {"broken": broken}, {})
    with qtbot.capture_exceptions() as exceptions:
        table["broken"].trigger()
    assert len(exceptions) == 1 and "planted bug" in str(exceptions[0][1])
