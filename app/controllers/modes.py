"""Interaction modes, as in DS9's Edit menu: one at a time decides what a left click or
drag on the image does. Shown in the Mode toolbar; Esc goes back to Pointer."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from skyglass.viewer.image.regions import KINDS

#: (mode, toolbar text, tip), in toolbar order.
MODES = (
    ("pointer", "Pointer", "Click does nothing; drag pans (Esc comes back here)"),
    *(
        (kind, kind.capitalize(), f"Click the image for a {kind}; drag to size it")
        for kind in KINDS
    ),
    ("examine", "Examine", "Click a star for its radial profile and photometry"),
    ("pick", "Pick", "Click points or a star for the chosen edit (Edit panel)"),
    ("brush", "Brush", "Paint the mask (Regions & masks: size, erase)"),
)


class ModeController(QtCore.QObject):
    """The current interaction mode and the Mode toolbar.

    Signals
    -------
    modeChanged(str)
    """

    modeChanged = QtCore.Signal(str)

    def __init__(self, window: QtWidgets.QMainWindow, canvas) -> None:
        super().__init__(window)
        self.mode = "pointer"
        self.canvas = canvas
        self.toolbar = QtWidgets.QToolBar("Mode", window)
        self.toolbar.setObjectName("ModeToolbar")
        group = QtGui.QActionGroup(self)
        group.setExclusive(True)
        self.actions: dict[str, QtGui.QAction] = {}
        for name, text, tip in MODES:
            act = QtGui.QAction(text, self)
            act.setCheckable(True)
            act.setToolTip(tip)
            act.setStatusTip(tip)
            act.triggered.connect(lambda _checked=False, n=name: self.set_mode(n))
            group.addAction(act)
            self.toolbar.addAction(act)
            self.actions[name] = act
        self.actions["pointer"].setChecked(True)
        escape = QtGui.QShortcut(QtGui.QKeySequence(QtCore.Qt.Key.Key_Escape), window)
        escape.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        escape.activated.connect(lambda: self.set_mode("pointer"))
        self.escape = escape

    def set_mode(self, mode: str) -> None:
        """Switch to ``mode`` (one of :data:`MODES`)."""
        if mode not in self.actions:
            raise ValueError(f"unknown interaction mode {mode!r}")
        self.actions[mode].setChecked(True)
        if mode == self.mode:
            return
        self.mode = mode
        # Region shapes take left drags (to size the region); other modes pan.
        self.canvas.draw_mode = mode in KINDS
        self.modeChanged.emit(mode)
