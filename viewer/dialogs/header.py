"""A header viewer with an HDU chooser and search."""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets


class HeaderDialog(QtWidgets.QDialog):
    """Shows the FITS header of any HDU of a file; the search field finds text."""

    def __init__(self, headers: list[tuple[str, str]], current: int = 0, parent=None) -> None:
        """``headers``: ``(label, header text)`` per HDU."""
        super().__init__(parent)
        self.setWindowTitle("FITS header")
        self.resize(720, 640)
        layout = QtWidgets.QVBoxLayout(self)
        top = QtWidgets.QHBoxLayout()
        self.hdu = QtWidgets.QComboBox()
        self.hdu.setToolTip("HDU whose header is shown")
        for label, _ in headers:
            self.hdu.addItem(label)
        self.search = QtWidgets.QLineEdit()
        self.search.setPlaceholderText("Find in header (Enter for next)")
        self.search.setToolTip("Find a keyword or value; Enter finds the next match")
        top.addWidget(QtWidgets.QLabel("HDU"))
        top.addWidget(self.hdu, 1)
        top.addWidget(self.search, 2)
        layout.addLayout(top)
        self.text = QtWidgets.QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)
        font = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
        self.text.setFont(font)
        layout.addWidget(self.text)
        self.status = QtWidgets.QLabel("")
        layout.addWidget(self.status)
        self._headers = headers
        self.hdu.currentIndexChanged.connect(self._show)
        self.search.textChanged.connect(lambda _: self.find(from_start=True))
        self.search.returnPressed.connect(self.find)
        self.hdu.setCurrentIndex(current)
        self._show(current)

    def _show(self, index: int) -> None:
        self.text.setPlainText(self._headers[index][1] if self._headers else "")

    def find(self, from_start: bool = False) -> bool:
        """Select the next occurrence of the search text; returns whether one was found."""
        needle = self.search.text()
        if not needle:
            self.status.setText("")
            return False
        if from_start:
            self.text.moveCursor(QtGui.QTextCursor.MoveOperation.Start)
        found = self.text.find(needle)
        if not found:  # wrap around
            self.text.moveCursor(QtGui.QTextCursor.MoveOperation.Start)
            found = self.text.find(needle)
        self.status.setText("" if found else f"'{needle}' not found")
        return found


def header_text(header) -> str:
    """One 80-character card per line, as the file stores it."""
    return "\n".join(str(card) for card in header.cards)
