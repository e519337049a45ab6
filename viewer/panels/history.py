"""The History dock: every edit step; clicking one returns to that state."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


class HistoryPanel(QtWidgets.QListWidget):
    """Lists "Original" and each step; the current state is selected.

    Signals
    -------
    stateChosen(int)
        The user clicked the state after that many steps.
    """

    stateChosen = QtCore.Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setToolTip("Edit history: click a step to return to it (Ctrl+Z / Ctrl+Shift+Z)")
        self.itemClicked.connect(lambda item: self.stateChosen.emit(self.row(item)))

    def show_history(self, steps, index: int) -> None:
        """``steps``: the recorded Steps; ``index``: how many are applied."""
        self.blockSignals(True)
        self.clear()
        self.addItem("Original")
        for step in steps:
            params = ", ".join(f"{k}={v}" for k, v in step.params.items())
            item = QtWidgets.QListWidgetItem(step.label)
            item.setToolTip(f"{step.op}({params})")
            self.addItem(item)
        for row in range(self.count()):
            item = self.item(row)
            font = item.font()
            font.setItalic(row > index)  # undone steps (redo is possible)
            item.setFont(font)
        self.setCurrentRow(index)
        self.blockSignals(False)

    def set_frame(self, state) -> None:
        """Show the history of a frame's document (empty when it has none)."""
        history = state.document.history if state is not None else None
        self.show_history(history.steps if history else [], history.index if history else 0)
