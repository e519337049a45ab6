"""Files changed on disk under open frames: a notice offering to reload.

The window reads what it shows into private memory (see ``LoadedImage.keep_private``), so
a camera or a ``cp`` rewriting an open file cannot pull pages from under it; this
controller notices the change and offers to show the new content.
"""

from __future__ import annotations

import os

from PySide6 import QtCore

from skyglass.model.workspace import FrameState, Workspace
from skyglass.viewer.notice import NoticeBar

#: Wait this long after the last change before comparing (writers work in chunks).
SETTLE_MS = 300


def _stamp(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


class FileWatchController:
    """Watches the files of every open frame; shows a NoticeBar for the current frame
    while its file differs from what was read."""

    def __init__(self, workspace: Workspace, bar: NoticeBar, reload) -> None:
        self.ws = workspace
        self.bar = bar
        self._reload = reload
        self._stamps: dict[int, tuple[str, tuple | None]] = {}  # id(document) -> (path, stamp)
        self.changed: set[int] = set()
        # Parented to the bar: they go when the window goes.
        self.watcher = QtCore.QFileSystemWatcher(bar)
        self._timer = QtCore.QTimer(bar)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self.check)
        self.watcher.fileChanged.connect(lambda _path: self._timer.start())
        bar.accepted.connect(self.reload_current)
        bar.dismiss_button.clicked.connect(self._dismiss)
        workspace.frames_changed.connect(self._frames_changed)
        workspace.current_changed.connect(lambda _state: self._show_for_current())

    # ------------------------------------------------------------------ watch set
    def _frames_changed(self) -> None:
        documents = {id(f.document): f.document for f in self.ws.frames}
        for key in list(self._stamps):
            if key not in documents:
                del self._stamps[key]
                self.changed.discard(key)
        for key, document in documents.items():
            path = document.source.path
            if key not in self._stamps and os.path.isfile(path):
                self._stamps[key] = (path, _stamp(path))
        wanted = {path for path, _ in self._stamps.values()}
        watched = set(self.watcher.files())
        if watched - wanted:
            self.watcher.removePaths(list(watched - wanted))
        if wanted - watched:
            self.watcher.addPaths(list(wanted - watched))
        self._show_for_current()

    # -------------------------------------------------------------------- changes
    def check(self) -> None:
        """Compare every open file with what was read (also called by tests and timers)."""
        for key, (path, stamp) in self._stamps.items():
            if _stamp(path) != stamp:
                self.changed.add(key)
            if os.path.exists(path) and path not in self.watcher.files():
                self.watcher.addPath(path)  # a replaced file is a new inode: watch it again
        self._show_for_current()

    def _show_for_current(self) -> None:
        state = self.ws.current
        if state is None or id(state.document) not in self.changed:
            self.bar.hide()
            return
        path = state.document.source.path
        gone = not os.path.exists(path)
        what = "was deleted" if gone else "changed on disk"
        self.bar.action_button.setEnabled(not gone)
        self.bar.show_notice(
            f"{os.path.basename(path)} {what} since it was opened; the window still shows "
            "what was read then."
        )

    def _dismiss(self) -> None:
        state = self.ws.current
        if state is not None:
            key = id(state.document)
            self.changed.discard(key)
            path = state.document.source.path
            self._stamps[key] = (path, _stamp(path))  # notice the next change again

    def reload_current(self) -> None:
        state: FrameState | None = self.ws.current
        if state is not None:
            self._reload(state)
