"""The questions the window asks (one place, so tests answer them by patching here)."""

from __future__ import annotations

from PySide6 import QtWidgets


def confirm(parent: QtWidgets.QWidget | None, title: str, text: str) -> bool:
    """A yes/no question; True for yes."""
    answer = QtWidgets.QMessageBox.question(parent, title, text)
    return answer == QtWidgets.QMessageBox.StandardButton.Yes


def ask_unsaved(parent: QtWidgets.QWidget | None, name: str) -> str:
    """``save``, ``discard`` or ``cancel`` for an image with unsaved edits."""
    box = QtWidgets.QMessageBox(parent)
    box.setWindowTitle("Unsaved edits")
    box.setText(f"{name} has edits that are not saved.")
    save = box.addButton("Save As...", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard", QtWidgets.QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
    box.exec()
    clicked = box.clickedButton()
    return "save" if clicked is save else "discard" if clicked is discard else "cancel"


def ask_cube_shape(parent: QtWidgets.QWidget | None, why: str) -> str:
    """``all`` (apply the edits to every plane), ``plane`` (save the plane alone) or
    ``cancel``, when an edit changed the shape of one plane of a cube."""
    box = QtWidgets.QMessageBox(parent)
    box.setWindowTitle("The plane changed shape")
    box.setText(why)
    every = box.addButton("Edit every plane", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
    alone = box.addButton("Save this plane alone", QtWidgets.QMessageBox.ButtonRole.ActionRole)
    box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
    box.exec()
    clicked = box.clickedButton()
    return "all" if clicked is every else "plane" if clicked is alone else "cancel"
