"""The image toolbar: which HDU, which plane of a cube (with Play), RGB composite.

A plain view: it shows what it is given (:meth:`ImageToolbar.show_image`) and emits what
the user chose; the shell decides what happens.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


class ImageToolbar(QtWidgets.QToolBar):
    """HDU chooser, plane slider/spin with Play, and the RGB composite switch.

    Signals
    -------
    hduChosen(int)        an HDU index (only image HDUs can be chosen)
    planeChosen(int)      a 0-based plane (also at each Play tick)
    compositeToggled(bool)
    """

    hduChosen = QtCore.Signal(int)
    planeChosen = QtCore.Signal(int)
    compositeToggled = QtCore.Signal(bool)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Image", parent)
        self.setObjectName("ImageToolbar")
        self._nplanes = 1
        self._plane = 0
        self.addWidget(QtWidgets.QLabel(" HDU "))
        self.hdu_combo = QtWidgets.QComboBox()
        self.hdu_combo.setToolTip("Extension (HDU) shown; tables are listed but cannot be shown")
        self.hdu_combo.setMinimumContentsLength(34)
        self.hdu_combo.activated.connect(
            lambda row: self.hduChosen.emit(int(self.hdu_combo.itemData(row)))
        )
        self.addWidget(self.hdu_combo)
        self.addSeparator()
        self.plane_label = QtWidgets.QLabel(" Plane ")
        self.plane_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.plane_slider.setMinimumWidth(160)
        self.plane_slider.setToolTip("Plane of a cube")
        self.plane_spin = QtWidgets.QSpinBox()
        self.plane_spin.setToolTip("Plane number (from 1)")
        self.play_button = QtWidgets.QToolButton()
        self.play_button.setText("Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Step through the planes (play/stop)")
        self.plane_slider.valueChanged.connect(lambda v: self._choose_plane(v - 1))
        self.plane_spin.valueChanged.connect(lambda v: self._choose_plane(v - 1))
        self.play_button.toggled.connect(self._toggle_play)
        self._plane_actions = [
            self.addWidget(w)
            for w in (self.plane_label, self.plane_slider, self.plane_spin, self.play_button)
        ]
        self.addSeparator()
        self.rgb_check = QtWidgets.QCheckBox("RGB composite")
        self.rgb_check.setToolTip("Show three planes as red, green and blue; off shows one plane")
        self.rgb_check.toggled.connect(self.compositeToggled)
        self._rgb_action = self.addWidget(self.rgb_check)
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(250)
        self.timer.timeout.connect(self._tick)
        self.show_image(None)

    def show_image(self, image, composite: bool = False) -> None:
        """Show the HDUs and planes of a ``LoadedImage`` (None: nothing open)."""
        self.hdu_combo.clear()
        self._nplanes = image.nplanes if image is not None else 1
        self._plane = image.plane_index if image is not None else 0
        for act in self._plane_actions:
            act.setVisible(self._nplanes > 1)
        can_composite = image is not None and image.nplanes == 3
        self._rgb_action.setVisible(can_composite)
        if image is None:
            self.play_button.setChecked(False)
            return
        model = self.hdu_combo.model()
        for h in image.hdus:
            if h.kind == "image":
                text = (
                    f"{h.index} {h.name} image {' x '.join(map(str, reversed(h.shape)))} {h.dtype}"
                )
            elif h.kind == "table":
                text = f"{h.index} {h.name} table ({h.shape[0]} rows)"
            else:
                text = f"{h.index} {h.name} (empty)"
            self.hdu_combo.addItem(text, h.index)
            if h.kind != "image":
                model.item(self.hdu_combo.count() - 1).setEnabled(False)
        rows = [self.hdu_combo.itemData(i) for i in range(self.hdu_combo.count())]
        if image.hdu_index in rows:
            self.hdu_combo.setCurrentIndex(rows.index(image.hdu_index))
        for w in (self.plane_slider, self.plane_spin):
            w.blockSignals(True)
            w.setRange(1, self._nplanes)
            w.setValue(self._plane + 1)
            w.blockSignals(False)
        composite = composite and can_composite
        self.rgb_check.blockSignals(True)
        self.rgb_check.setChecked(composite)
        self.rgb_check.blockSignals(False)
        for w in (self.plane_slider, self.plane_spin, self.play_button):
            w.setEnabled(not composite)
        if self._nplanes < 2:
            self.play_button.setChecked(False)
        # Lay out now: widgets of actions shown again would appear only at the next
        # event loop pass, after code (and tests) that look at them.
        self.layout().activate()

    def _choose_plane(self, index: int) -> None:
        if 0 <= index < self._nplanes and index != self._plane:
            self.planeChosen.emit(index)

    def _toggle_play(self, on: bool) -> None:
        self.play_button.setText("Stop" if on else "Play")
        if on:
            self.timer.start()
        else:
            self.timer.stop()

    def _tick(self) -> None:
        if self._nplanes < 2:
            self.play_button.setChecked(False)
            return
        self.planeChosen.emit((self._plane + 1) % self._nplanes)
