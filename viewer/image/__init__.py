"""The image on screen: the canvas, colorbar, pixel readout, magnifier, panner and image toolbar."""
