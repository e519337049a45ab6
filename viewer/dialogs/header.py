"""A header viewer with an HDU chooser and search, and an editor for the shown image's
cards (each change an undoable edit)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtGui, QtWidgets


class HeaderDialog(QtWidgets.QDialog):
    """Shows the FITS header of any HDU of a file; the search field finds text.

    With ``edit`` the header of HDU ``current`` (the image shown) can be edited:
    ``edit(action, keyword, value_text, comment) -> new header text`` raises an exception
    with a message for the user when the change is refused.
    """

    def __init__(
        self,
        headers: list[tuple[str, str]],
        current: int = 0,
        parent=None,
        edit: Callable | None = None,
    ) -> None:
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
        self._edit, self._editable, self._refreshing = edit, current, False
        self.editor = self._build_editor(layout) if edit is not None else None
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self._headers = headers
        self.hdu.currentIndexChanged.connect(self._show)
        self.search.textChanged.connect(lambda _: self.find(from_start=True))
        self.search.returnPressed.connect(self.find)
        self.hdu.setCurrentIndex(current)
        self._show(current)

    def _build_editor(self, layout) -> QtWidgets.QWidget:
        box = QtWidgets.QGroupBox("Edit a card of the image shown (undo with Ctrl+Z)")
        row = QtWidgets.QHBoxLayout(box)
        self.keyword = QtWidgets.QLineEdit()
        self.keyword.setPlaceholderText("KEYWORD")
        self.keyword.setMaxLength(8)
        self.keyword.setToolTip("1 to 8 characters: A-Z, 0-9, '-' and '_'")
        self.value = QtWidgets.QLineEdit()
        self.value.setPlaceholderText("value: 12, 1.5, T, F or text")
        self.value.setToolTip("Typed as FITS types it: integer, real, T/F, else a string")
        self.comment = QtWidgets.QLineEdit()
        self.comment.setPlaceholderText("comment (optional)")
        for widget, stretch in ((self.keyword, 1), (self.value, 2), (self.comment, 2)):
            row.addWidget(widget, stretch)
        self.buttons = {}
        for action, text, tip in (
            ("set", "Set", "Add the keyword, or change its value and comment"),
            ("delete", "Delete", "Delete every card with this keyword"),
            ("history", "Add HISTORY", "Add the value as a HISTORY line"),
            ("comment", "Add COMMENT", "Add the value as a COMMENT line"),
        ):
            button = QtWidgets.QPushButton(text)
            button.setToolTip(tip)
            button.setAutoDefault(False)  # Return in a field applies once, via the field
            button.clicked.connect(lambda _=False, a=action: self.apply_edit(a))
            row.addWidget(button)
            self.buttons[action] = button
        self.keyword.returnPressed.connect(lambda: self.apply_edit("set"))
        self.value.returnPressed.connect(lambda: self.apply_edit("set"))
        self.comment.returnPressed.connect(lambda: self.apply_edit("set"))
        self.text.cursorPositionChanged.connect(self._pick_card)
        layout.addWidget(box)
        return box

    def _pick_card(self) -> None:
        """Clicking a card fills the editor with it (to change or delete it)."""
        if self._refreshing or self.editor is None or self.hdu.currentIndex() != self._editable:
            return
        line = self.text.textCursor().block().text()
        key = line[:8].strip()
        if not key or key in ("HISTORY", "COMMENT", "END"):
            return
        from astropy.io import fits

        try:
            card = fits.Card.fromstring(line)
            value = card.value
        except Exception:
            return
        self.keyword.setText(key)
        self.value.setText("T" if value is True else "F" if value is False else str(value))
        self.comment.setText(card.comment or "")

    def apply_edit(self, action: str) -> bool:
        """Apply what the editor holds; True when the header changed."""
        key, value, comment = self.keyword.text(), self.value.text(), self.comment.text()
        if action == "history":
            action, key, comment = "set", "HISTORY", ""
        elif action == "comment":
            action, key, comment = "set", "COMMENT", ""
        try:
            text = self._edit(action, key, value, comment or None)
        except Exception as exc:  # the controller's message, shown here, not a crash
            self.status.setText(f"Not changed: {exc}")
            return False
        self.set_current_text(text)
        self.status.setText(f"{action} {key.upper()}: done (Ctrl+Z in the window undoes it)")
        return True

    def set_current_text(self, text: str) -> None:
        """The edited image's header changed (an edit, undo or redo): show it."""
        if not self._headers:
            return
        label, _ = self._headers[self._editable]
        self._headers[self._editable] = (label, text)
        if self.hdu.currentIndex() == self._editable:
            self._show(self._editable)

    def _show(self, index: int) -> None:
        self._refreshing = True  # a new text moves the cursor: that is not a click on a card
        try:
            self.text.setPlainText(self._headers[index][1] if self._headers else "")
        finally:
            self._refreshing = False
        if self.editor is not None:
            self.editor.setEnabled(index == self._editable)

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
