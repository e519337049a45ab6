"""Help > Keyboard and mouse: every shortcut of the menus (read from the actions, so the
sheet never falls behind them) and the keys and mouse gestures of the image."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

#: Keys and gestures handled by the image and the panels rather than by menu actions.
CANVAS_KEYS = [
    ("Image", "Zoom about the cursor", "Mouse wheel"),
    ("Image", "Pan", "Left drag"),
    ("Image", "Centre on a point", "Middle click"),
    ("Image", "Contrast (up/down) and bias (left/right), as in DS9", "Right drag"),
    ("Image", "Move the cursor one image pixel", "Arrow keys"),
    ("Image", "Radial profile of a star (Examine mode)", "Left click"),
    ("Image", "A region sized by the drag (a region mode)", "Left drag"),
    ("Image", "Back to the Pointer mode", "Esc"),
    ("Regions", "Delete the selected region", "Delete"),
    ("Pixel table", "Copy the values", "Ctrl+C"),
]


def _clean(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def menu_shortcuts(menubar: QtWidgets.QMenuBar) -> list[tuple[str, str, str]]:
    """``(menu, action, keys)`` for every menu action that has a shortcut."""
    rows: list[tuple[str, str, str]] = []

    def walk(menu: QtWidgets.QMenu, path: str) -> None:
        for action in menu.actions():
            if action.isSeparator():
                continue
            if action.menu() is not None:
                walk(action.menu(), f"{path} > {_clean(action.text())}")
                continue
            keys = action.shortcut().toString(QtGui.QKeySequence.SequenceFormat.NativeText)
            if keys:
                rows.append((path, _clean(action.text()).rstrip("."), keys))

    for top in menubar.actions():
        if top.menu() is not None:
            walk(top.menu(), _clean(top.text()))
    return rows


class ShortcutSheet(QtWidgets.QDialog):
    """A searchable table of shortcuts (non-modal: keep it open while working)."""

    def __init__(self, rows: list[tuple[str, str, str]], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard and mouse")
        self.resize(560, 560)
        lay = QtWidgets.QVBoxLayout(self)
        self.filter = QtWidgets.QLineEdit()
        self.filter.setPlaceholderText("Type to filter (e.g. frame, zoom, Ctrl)")
        self.filter.setToolTip("Show only the rows containing this text")
        self.filter.setClearButtonEnabled(True)
        lay.addWidget(self.filter)
        self.table = QtWidgets.QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Where", "What", "Keys"])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setToolTip("Menu shortcuts and the image's keys and mouse gestures")
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QtWidgets.QTableWidgetItem(text)
                if c == 2:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(r, c, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(2)
        lay.addWidget(self.table, 1)
        self.filter.textChanged.connect(self.apply_filter)
        close = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.close)
        lay.addWidget(close)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)

    def apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for r in range(self.table.rowCount()):
            row = " ".join(self.table.item(r, c).text() for c in range(3)).lower()
            self.table.setRowHidden(r, bool(needle) and needle not in row)

    def visible_rows(self) -> list[tuple[str, str, str]]:
        return [
            tuple(self.table.item(r, c).text() for c in range(3))
            for r in range(self.table.rowCount())
            if not self.table.isRowHidden(r)
        ]
