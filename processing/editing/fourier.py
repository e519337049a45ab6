"""Fourier filtering and the power spectrum (the seed's frequency-domain section).

Frequencies are in cycles per pixel (0 to 0.5, the Nyquist frequency). The filters have a
smooth (raised-cosine) edge of ``width`` so they do not ring; the image is reflected
before the transform so its edges do not either.
"""

from __future__ import annotations

import numpy as np

from skyglass.processing.editing.operation import OPERATIONS, Operation, Param
from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.units import fill_nan

PASSES = ("lowpass", "highpass", "bandpass")


def _radius(shape: tuple[int, int]) -> np.ndarray:
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.rfftfreq(shape[1])[None, :]
    return np.hypot(fx, fy)


def _step(r: np.ndarray, cutoff: float, width: float) -> np.ndarray:
    """1 below ``cutoff - width/2``, 0 above ``cutoff + width/2``, a raised cosine between."""
    if width <= 0:
        return (r <= cutoff).astype(float)
    t = np.clip((r - (cutoff - width / 2)) / width, 0.0, 1.0)
    return 0.5 * (1 + np.cos(np.pi * t))


def fourier_filter(
    data: np.ndarray,
    kind: str = "lowpass",
    low: float = 0.05,
    high: float = 0.25,
    width: float = 0.02,
) -> np.ndarray:
    """Keep the low frequencies (< ``low``), the high ones (> ``low``), or a band
    (``low``..``high``), in cycles per pixel, with a smooth edge ``width`` wide."""
    if not 0 < low <= 0.5 or (kind == "bandpass" and not low < high <= 0.5):
        raise InvalidParameterError(
            "frequencies are in cycles per pixel, between 0 and 0.5 (low < high for a band)."
        )
    filled, bad = fill_nan(data)
    ny, nx = filled.shape
    mean = float(np.mean(filled))
    pad_y, pad_x = ny // 2, nx // 2
    padded = np.pad(
        filled.astype(np.float64) - mean, ((pad_y, pad_y), (pad_x, pad_x)), mode="reflect"
    )
    r = _radius(padded.shape)
    if kind == "lowpass":
        gain = _step(r, low, width)
    elif kind == "highpass":
        gain = 1.0 - _step(r, low, width)
    elif kind == "bandpass":
        gain = _step(r, high, width) * (1.0 - _step(r, low, width))
    else:
        raise InvalidParameterError(f"unknown filter {kind!r}; choose one of {', '.join(PASSES)}.")
    out = np.fft.irfft2(np.fft.rfft2(padded) * gain, s=padded.shape)
    # The image's mean is added back whatever passed: a high-pass of sky stays at sky level.
    out = (out[pad_y : pad_y + ny, pad_x : pad_x + nx] + mean).astype(np.float32)
    out[bad] = np.nan
    return out


def power_spectrum(data: np.ndarray) -> np.ndarray:
    """log10 of the power spectrum, zero frequency at the centre (an image to look at)."""
    filled, _ = fill_nan(data)
    filled = filled.astype(np.float64) - float(np.mean(filled))
    window = np.outer(np.hanning(filled.shape[0]), np.hanning(filled.shape[1]))
    power = np.abs(np.fft.fftshift(np.fft.fft2(filled * window))) ** 2
    return np.log10(power + power.max() * 1e-12 + 1e-30).astype(np.float32)


OPERATIONS.register(
    Operation(
        "fourier",
        "Fourier filter",
        "Filters",
        fourier_filter,
        (
            Param("kind", "choice", "lowpass", choices=PASSES, help="Which frequencies to keep"),
            Param("low", "float", 0.05, 0.001, 0.5, help="Cut-off (low edge of a band), cycles/px"),
            Param(
                "high",
                "float",
                0.25,
                0.001,
                0.5,
                help="High edge of the band, cycles/px",
                when=("kind", ("bandpass",)),
            ),
            Param("width", "float", 0.02, 0.0, 0.25, help="Width of the smooth edge, cycles/px"),
        ),
        help="Low-, high- or band-pass in the frequency domain, with a smooth edge.",
    )
)
