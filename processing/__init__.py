"""Pure image science for Skyglass: reading, display math, calibration, editing, measuring.

Nothing here imports Qt or pyqtgraph; every function runs headless.
"""

__version__ = "0.1.0"
