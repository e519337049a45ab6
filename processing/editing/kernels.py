"""Convolution kernels and one edge-safe, NaN-aware convolution.

The same kernel builders serve blurring, deconvolution (the PSF) and the custom-kernel
filter. Convolution reflects the image at its edges and normalises by the weight of the
valid pixels under the kernel, so a flat image stays flat to the last pixel and a NaN
pixel neither spreads nor darkens its neighbours; it stays NaN itself.
"""

from __future__ import annotations

import math

import numpy as np

from skyglass.processing.errors import InvalidParameterError

#: PSF / kernel kinds the builders know (``star`` is cut from the image, ``file`` read).
KERNELS = ("gaussian", "box", "motion", "star", "file")


def gaussian_kernel(fwhm: float, size: int | None = None) -> np.ndarray:
    """A normalised 2-D gaussian of the given FWHM (pixels)."""
    if not fwhm > 0:
        raise InvalidParameterError("FWHM must be positive.")
    sigma = fwhm / (2 * math.sqrt(2 * math.log(2)))
    size = int(size or (2 * math.ceil(3 * sigma) + 1))
    size += 1 - size % 2
    y, x = np.mgrid[:size, :size] - size // 2
    psf = np.exp(-(x * x + y * y) / (2 * sigma * sigma))
    return psf / psf.sum()


def box_kernel(size: int) -> np.ndarray:
    """A normalised ``size`` x ``size`` box."""
    size = int(size)
    if size < 1:
        raise InvalidParameterError("a box needs a size of at least 1 pixel.")
    return np.full((size, size), 1.0 / (size * size))


def motion_kernel(length: float = 9.0, angle: float = 0.0, path=None) -> np.ndarray:
    """A motion-blur kernel: a line of ``length`` px at ``angle`` degrees, or a polyline
    ``path`` of (x, y) points (relative pixels)."""
    from skimage.draw import line_aa

    if path is None:
        t = math.radians(angle)
        half = (length - 1) / 2
        path = [
            (-half * math.cos(t), -half * math.sin(t)),
            (half * math.cos(t), half * math.sin(t)),
        ]
    pts = np.asarray(path, float)
    if pts.ndim != 2 or len(pts) < 2:
        raise InvalidParameterError("a motion path needs at least two points.")
    r = int(math.ceil(np.abs(pts).max())) + 1
    k = np.zeros((2 * r + 1, 2 * r + 1))
    for (x0, y0), (x1, y1) in zip(pts[:-1], pts[1:], strict=True):
        rr, cc, val = line_aa(
            int(round(y0)) + r, int(round(x0)) + r, int(round(y1)) + r, int(round(x1)) + r
        )
        np.maximum.at(k, (rr, cc), val)
    return k / k.sum()


def kernel_from_file(path: str) -> np.ndarray:
    """A kernel stored as a 2-D FITS image (normalised to sum 1 unless it sums to 0)."""
    from skyglass.processing.io.reader import open_image

    if not path:
        raise InvalidParameterError("a kernel file is needed (a small FITS image).")
    image = open_image(path)
    kernel = np.asarray(image.data[:, :], float)
    return _checked(kernel, f"{path}")


def kernel_from_matrix(values, normalise: bool = True) -> np.ndarray:
    """A square kernel typed as numbers, row by row (3x3: nine numbers, 5x5: 25...)."""
    flat = np.asarray(values, float).ravel()
    side = int(round(math.sqrt(flat.size)))
    if side * side != flat.size or side < 1:
        raise InvalidParameterError(
            f"a kernel needs a square count of numbers (9, 25, 49...), got {flat.size}."
        )
    kernel = flat.reshape(side, side)[::-1]  # typed top row first; FITS rows go up
    kernel = _checked(kernel, "the kernel")
    total = kernel.sum()
    return kernel / total if normalise and abs(total) > 1e-12 else kernel


def _checked(kernel: np.ndarray, what: str) -> np.ndarray:
    if kernel.ndim != 2 or not np.isfinite(kernel).all():
        raise InvalidParameterError(f"{what}: a kernel is a 2-D array of finite numbers.")
    if max(kernel.shape) > 255:
        raise InvalidParameterError(f"{what}: kernels larger than 255 pixels are refused.")
    return kernel


def make_kernel(
    kind: str,
    fwhm: float = 3.0,
    size: int = 5,
    length: float = 9.0,
    angle: float = 0.0,
    path: str | None = None,
) -> np.ndarray:
    """A normalised kernel of one of :data:`KERNELS` (not ``star``: cut it with the image)."""
    if kind == "gaussian":
        return gaussian_kernel(fwhm)
    if kind == "box":
        return box_kernel(size)
    if kind == "motion":
        return motion_kernel(length, angle)
    if kind == "file":
        kernel = kernel_from_file(path or "")
        return kernel / kernel.sum() if abs(kernel.sum()) > 1e-12 else kernel
    raise InvalidParameterError(f"unknown kernel {kind!r}; choose one of {', '.join(KERNELS)}.")


def convolve(data: np.ndarray, kernel: np.ndarray, normalise: bool = True) -> np.ndarray:
    """Convolve ``data`` with ``kernel``: reflected edges, NaN ignored (and kept NaN).

    With ``normalise`` (kernels that sum to 1: blurs) the result is divided by the weight
    of the valid pixels under the kernel, so edges and NaN holes do not darken. Kernels
    that sum to 0 (edge detectors) use the NaN-filled image as it is.
    """
    from scipy import ndimage, signal

    data = np.asarray(data, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    bad = ~np.isfinite(data)
    filled = np.where(bad, 0.0, data)
    ky, kx = kernel.shape

    def conv(a: np.ndarray) -> np.ndarray:
        if kernel.size <= 81:
            return ndimage.convolve(a, kernel, mode="reflect")
        # FFT for large kernels, on an image reflected by half a kernel each side.
        py, px = ky // 2, kx // 2
        padded = np.pad(a, ((py, ky - 1 - py), (px, kx - 1 - px)), mode="symmetric")
        return signal.fftconvolve(padded, kernel, mode="valid")

    if normalise and abs(kernel.sum()) > 1e-12:
        weight = conv((~bad).astype(np.float64))
        with np.errstate(invalid="ignore", divide="ignore"):
            out = conv(filled) / weight
    else:
        out = conv(filled)
    out[bad] = np.nan
    return out.astype(np.float32)
