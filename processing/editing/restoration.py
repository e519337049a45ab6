"""Noise, denoising and blurring, in the data's units with NaN kept (deconvolution is in
:mod:`.deconvolution`).

Local filters run in tiles with margins (identical results, progress and cancel between
tiles); global ones (total variation) run whole.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from skyglass.processing.editing.kernels import (
    box_kernel,
    convolve,
    motion_kernel,
)
from skyglass.processing.editing.operation import OPERATIONS, LazyChoices, Operation, Param
from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.progress import ProgressCallback, report
from skyglass.processing.units import fill_nan, finite_range, in_unit_range

TILE = 512


def _discrete_wavelets() -> list[str]:
    import pywt

    return pywt.wavelist(kind="discrete")


#: Every discrete wavelet PyWavelets offers (bior2.8, the seed's, included).
WAVELETS = LazyChoices(_discrete_wavelets)


def tiled(
    data: np.ndarray,
    fn: Callable[[np.ndarray], np.ndarray],
    margin: int,
    progress: ProgressCallback | None = None,
    label: str = "filtering",
) -> np.ndarray:
    """Apply a local filter tile by tile (with ``margin`` pixels of context each side)."""
    ny, nx = data.shape
    if ny * nx <= TILE * TILE:
        report(progress, 0.0, label)
        out = np.asarray(fn(data), dtype=np.float32)
        report(progress, 1.0, label)
        return out
    out = np.empty((ny, nx), np.float32)
    tiles = [(r, c) for r in range(0, ny, TILE) for c in range(0, nx, TILE)]
    for i, (r, c) in enumerate(tiles):
        report(progress, i / len(tiles), label)
        r0, c0 = max(0, r - margin), max(0, c - margin)
        r1, c1 = min(ny, r + TILE + margin), min(nx, c + TILE + margin)
        res = np.asarray(fn(data[r0:r1, c0:c1]), dtype=np.float32)
        out[r : r + TILE, c : c + TILE] = res[
            r - r0 : r - r0 + min(TILE, ny - r), c - c0 : c - c0 + min(TILE, nx - c)
        ]
    report(progress, 1.0, label)
    return out


# ----------------------------------------------------------------------------- noise
def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(int(seed))


def image_noise(data: np.ndarray) -> float:
    """The image's own pixel-to-pixel noise (robust: MAD of neighbour differences)."""
    x = np.asarray(data, np.float64)
    diff = (x[:, 1:] - x[:, :-1]).ravel()
    diff = diff[np.isfinite(diff)]
    if diff.size == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(diff - np.median(diff))) / np.sqrt(2.0))


def add_noise(
    data: np.ndarray,
    kind: str = "gaussian",
    sigma: float = 0.0,
    fraction: float = 0.1,
    gain: float = 1.0,
    amount: float = 0.01,
    read_noise: float = 5.0,
    seed: int = 0,
) -> np.ndarray:
    """Add synthetic noise, in data units, reproducibly (``seed``).

    kinds: ``gaussian`` (sigma in data units; 0: as much as the image's own noise),
    ``poisson`` (photon noise for ``gain`` e-/unit), ``salt-pepper`` (a fraction
    ``amount`` set to the minimum or maximum), ``speckle`` (multiplicative: each value
    times 1 + N(0, ``fraction``)), ``variance-map`` (CCD noise per pixel: variance =
    value / gain + read_noise^2).
    """
    rng = _rng(seed)
    x = data.astype(np.float64)
    finite = np.isfinite(x)
    if kind == "gaussian":
        sigma = float(sigma) if sigma > 0 else max(image_noise(data), 1e-12)
        out = x + rng.normal(0.0, sigma, x.shape)
    elif kind == "poisson":
        if gain <= 0:
            raise InvalidParameterError("gain must be positive.")
        electrons = np.where(finite, np.maximum(x, 0.0) * gain, 0.0)
        out = np.where(x > 0, rng.poisson(electrons) / gain, x)
    elif kind == "salt-pepper":
        lo, hi = finite_range(data)
        u = rng.random(x.shape)
        out = x.copy()
        out[u < amount / 2] = lo
        out[(u >= amount / 2) & (u < amount)] = hi
    elif kind == "speckle":
        out = x + x * rng.normal(0.0, float(fraction), x.shape)
    elif kind == "variance-map":
        var = np.where(finite, np.maximum(x, 0.0) / max(gain, 1e-12), 0.0) + read_noise**2
        out = x + rng.normal(0.0, 1.0, x.shape) * np.sqrt(var)
    else:
        raise InvalidParameterError(f"unknown noise kind {kind!r}.")
    out[~finite] = np.nan
    return out.astype(np.float32)


# ------------------------------------------------------------------------- denoising
def _nan_gaussian(data: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian smoothing that ignores NaN (normalised convolution)."""
    from scipy import ndimage

    filled, bad = fill_nan(data, 0.0)
    weight = ndimage.gaussian_filter((~bad).astype(np.float32), sigma)
    smooth = ndimage.gaussian_filter(filled, sigma)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = smooth / weight
    out[bad] = np.nan
    return out.astype(np.float32)


def denoise(
    data: np.ndarray,
    method: str = "gaussian",
    sigma: float = 1.0,
    size: int = 3,
    weight: float = 0.1,
    sigma_color: float = 0.1,
    h: float = 0.8,
    patch_size: int = 5,
    patch_distance: int = 6,
    wavelet: str = "db1",
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Denoise with one of: gaussian (sigma px), median (size px), bilateral (sigma_color as a
    fraction of the range, sigma px), tv-chambolle / tv-bregman (weight), nl-means (h in
    units of the estimated noise, patch size and distance), wavelet (soft thresholding,
    BayesShrink)."""
    from skimage import restoration

    if method == "gaussian":
        return tiled(
            data,
            lambda d: _nan_gaussian(d, sigma),
            int(4 * sigma + 2),
            progress,
            "gaussian smoothing",
        )
    if method == "median":
        from scipy import ndimage

        def med(d):
            filled, bad = fill_nan(d)
            out = ndimage.median_filter(filled, size=int(size))
            out[bad] = np.nan
            return out

        return tiled(data, med, int(size), progress, "median filter")
    if method == "bilateral":
        return tiled(
            data,
            lambda d: in_unit_range(
                d,
                lambda u: restoration.denoise_bilateral(
                    u, sigma_color=sigma_color, sigma_spatial=sigma, mode="edge"
                ),
            ),
            int(3 * sigma + 2),
            progress,
            "bilateral filter",
        )
    if method == "nl-means":
        lo, hi = finite_range(data)
        filled, _ = fill_nan(data)
        noise = float(np.mean(restoration.estimate_sigma((filled - lo) / ((hi - lo) or 1.0))))
        margin = int(patch_size) + int(patch_distance)
        return tiled(
            data,
            lambda d: _in_fixed_range(
                d,
                lo,
                hi,
                lambda u: restoration.denoise_nl_means(
                    u,
                    h=h * noise,
                    sigma=noise,
                    patch_size=int(patch_size),
                    patch_distance=int(patch_distance),
                    fast_mode=True,
                ),
            ),
            margin,
            progress,
            "non-local means",
        )
    report(progress, 0.0, method)
    if method == "tv-chambolle":
        out = in_unit_range(data, lambda u: restoration.denoise_tv_chambolle(u, weight=weight))
    elif method == "tv-bregman":
        out = in_unit_range(data, lambda u: restoration.denoise_tv_bregman(u, weight=1.0 / weight))
    elif method == "wavelet":
        out = in_unit_range(
            data,
            lambda u: restoration.denoise_wavelet(
                u, wavelet=wavelet, mode="soft", method="BayesShrink", rescale_sigma=True
            ),
        )
    else:
        raise InvalidParameterError(f"unknown denoising method {method!r}.")
    report(progress, 1.0, method)
    return out


def _in_fixed_range(d: np.ndarray, lo: float, hi: float, fn) -> np.ndarray:
    """Like in_unit_range but with the whole image's range (so tiles agree)."""
    span = (hi - lo) or 1.0
    filled, bad = fill_nan(d)
    out = (np.asarray(fn((filled.astype(np.float64) - lo) / span)) * span + lo).astype(np.float32)
    out[bad] = np.nan
    return out


# ----------------------------------------------------------------------------- blur
# Kept under their old names: the kernel builders live in kernels.py.


def blur(
    data: np.ndarray,
    kind: str = "gaussian",
    size: int = 5,
    sigma: float = 2.0,
    length: float = 9.0,
    angle: float = 0.0,
    path=None,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Blur with a box (size px), gaussian (sigma px) or motion (length, angle or path)
    kernel; edges reflected and NaN ignored, so a flat image stays flat everywhere."""
    if kind == "gaussian":
        return tiled(
            data, lambda d: _nan_gaussian(d, sigma), int(4 * sigma + 2), progress, "gaussian blur"
        )
    if kind == "box":
        kernel = box_kernel(size)
    elif kind == "motion":
        kernel = motion_kernel(length, angle, path)
    else:
        raise InvalidParameterError(f"unknown blur kind {kind!r}.")
    margin = max(kernel.shape)
    return tiled(data, lambda d: convolve(d, kernel), margin, progress, f"{kind} blur")


# ---------------------------------------------------------------- operations
# The Edit panel, recipes, replay and HISTORY use these declarations.


OPERATIONS.register(
    Operation(
        "noise",
        "Add noise",
        "Restoration",
        add_noise,
        (
            Param(
                "kind",
                "choice",
                "gaussian",
                choices=("gaussian", "poisson", "salt-pepper", "speckle", "variance-map"),
                help="Noise model",
            ),
            Param(
                "sigma",
                "float",
                0.0,
                0,
                help="Gaussian sigma in data units (0: as much as the image's own noise)",
                when=("kind", ("gaussian",)),
            ),
            Param(
                "fraction",
                "float",
                0.1,
                0,
                5,
                help="Speckle: the relative scatter (0.1 = 10 % of each value)",
                when=("kind", ("speckle",)),
            ),
            Param(
                "gain",
                "float",
                1.0,
                1e-6,
                help="e- per data unit (poisson, variance map)",
                when=("kind", ("poisson", "variance-map")),
            ),
            Param(
                "amount",
                "float",
                0.01,
                0,
                1,
                help="Fraction of pixels (salt and pepper)",
                when=("kind", ("salt-pepper",)),
            ),
            Param(
                "read_noise",
                "float",
                5.0,
                0,
                help="Read noise (variance map)",
                when=("kind", ("variance-map",)),
            ),
            Param("seed", "int", 0, 0, 2**31 - 1, help="Random seed (same seed, same noise)"),
        ),
        help="Synthetic noise for teaching; reproducible with the seed.",
    )
)

OPERATIONS.register(
    Operation(
        "denoise",
        "Denoise",
        "Restoration",
        denoise,
        (
            Param(
                "method",
                "choice",
                "gaussian",
                choices=(
                    "gaussian",
                    "median",
                    "bilateral",
                    "tv-chambolle",
                    "tv-bregman",
                    "nl-means",
                    "wavelet",
                ),
                help="Denoising method (its own parameters below)",
            ),
            Param(
                "sigma",
                "float",
                1.0,
                0.1,
                50,
                help="Gaussian/bilateral sigma (pixels)",
                when=("method", ("gaussian", "bilateral")),
            ),
            Param(
                "size", "int", 3, 1, 51, help="Median window (pixels)", when=("method", ("median",))
            ),
            Param(
                "weight",
                "float",
                0.1,
                0.0001,
                10,
                help="Total-variation weight",
                when=("method", ("tv-chambolle", "tv-bregman")),
            ),
            Param(
                "sigma_color",
                "float",
                0.1,
                0.0001,
                1,
                help="Bilateral range sigma (fraction of the range)",
                when=("method", ("bilateral",)),
            ),
            Param(
                "h",
                "float",
                0.8,
                0.01,
                10,
                help="Non-local means strength (x noise)",
                when=("method", ("nl-means",)),
            ),
            Param(
                "patch_size",
                "int",
                5,
                1,
                21,
                help="Non-local means patch size (pixels)",
                when=("method", ("nl-means",)),
            ),
            Param(
                "patch_distance",
                "int",
                6,
                1,
                50,
                help="Non-local means search distance (pixels)",
                when=("method", ("nl-means",)),
            ),
            Param(
                "wavelet",
                "choice",
                "db1",
                choices=WAVELETS,
                help="Wavelet family",
                when=("method", ("wavelet",)),
            ),
        ),
        help="Remove noise; results stay in the data's units.",
    )
)

OPERATIONS.register(
    Operation(
        "blur",
        "Blur",
        "Restoration",
        blur,
        (
            Param(
                "kind", "choice", "gaussian", choices=("box", "gaussian", "motion"), help="Kernel"
            ),
            Param("size", "int", 5, 1, 101, help="Box size (pixels)", when=("kind", ("box",))),
            Param(
                "sigma",
                "float",
                2.0,
                0.1,
                50,
                help="Gaussian sigma (pixels)",
                when=("kind", ("gaussian",)),
            ),
            Param(
                "length",
                "float",
                9.0,
                2,
                200,
                help="Motion length (pixels)",
                when=("kind", ("motion",)),
            ),
            Param(
                "angle",
                "float",
                0.0,
                -360,
                360,
                help="Motion direction (degrees)",
                when=("kind", ("motion",)),
            ),
        ),
        help="Blur with a box, gaussian or motion kernel.",
    )
)
