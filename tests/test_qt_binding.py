"""Guards against Qt binding bugs that would crash the app after minutes of use."""

import gc
import sys

from PySide6 import QtWidgets


def test_repaints_do_not_drop_references_to_none(qtbot):
    """PySide6 6.12.0 released a reference to None on every repaint; on Python < 3.12
    the interpreter then aborts ("deallocating None") once the count reaches zero."""
    w = QtWidgets.QWidget()
    qtbot.addWidget(w)
    w.resize(100, 100)
    w.show()
    qtbot.waitExposed(w)
    gc.collect()
    before = sys.getrefcount(None)
    for _ in range(300):
        w.repaint()
    gc.collect()
    assert sys.getrefcount(None) >= before - 30
