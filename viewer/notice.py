"""A bar above the image for something the user should act on (a file changed on disk),
with a button for the action and one to dismiss it: seen without blocking anything."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


class NoticeBar(QtWidgets.QFrame):
    """Hidden until :meth:`show_notice`; ``accepted`` when the action button is pressed."""

    accepted = QtCore.Signal()

    def __init__(self, action_text: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBar")
        self.setStyleSheet(
            "#noticeBar { background: #fff3c4; border-bottom: 1px solid #c9a800; }"
            "#noticeBar QLabel { color: #3a3000; }"
        )
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(8, 3, 4, 3)
        self.label = QtWidgets.QLabel()
        self.label.setWordWrap(True)
        self.action_button = QtWidgets.QPushButton(action_text)
        self.dismiss_button = QtWidgets.QToolButton()
        self.dismiss_button.setText("Dismiss")
        self.dismiss_button.setAutoRaise(True)
        self.action_button.setToolTip(f"{action_text.replace('&', '')} now")
        self.dismiss_button.setToolTip("Hide this notice (it comes back on the next change)")
        row.addWidget(self.label, 1)
        row.addWidget(self.action_button)
        row.addWidget(self.dismiss_button)
        self.action_button.clicked.connect(self.accepted)
        self.dismiss_button.clicked.connect(self.hide)
        self.hide()

    def show_notice(self, text: str) -> None:
        self.label.setText(text)
        self.show()
