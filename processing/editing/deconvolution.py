"""Deconvolution: Wiener, unsupervised Wiener and Richardson-Lucy, with the PSF a
gaussian, a box, a motion, a star of the image or a FITS kernel file; in the data's units,
edges reflected so they do not ring."""

from __future__ import annotations

import numpy as np

from skyglass.processing.editing.kernels import KERNELS, gaussian_kernel, make_kernel
from skyglass.processing.editing.operation import OPERATIONS, Operation, Param
from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.progress import ProgressCallback, report
from skyglass.processing.units import in_unit_range

#: A gaussian PSF of a FWHM in pixels (the default blur to undo).
gaussian_psf = gaussian_kernel


def star_psf(data: np.ndarray, x: float, y: float, radius: int = 7) -> np.ndarray:
    """A PSF cut from the star at FITS (x, y): background-subtracted, normalised."""
    ny, nx = data.shape
    c, r = int(round(x - 1)), int(round(y - 1))
    if not (radius <= c < nx - radius and radius <= r < ny - radius):
        raise InvalidParameterError(
            f"the star at ({x:g}, {y:g}) is too close to the edge for a PSF of radius {radius}."
        )
    stamp = np.array(data[r - radius : r + radius + 1, c - radius : c + radius + 1], np.float64)
    edge = np.concatenate([stamp[0], stamp[-1], stamp[:, 0], stamp[:, -1]])
    stamp -= np.nanmedian(edge)
    stamp = np.where(np.isfinite(stamp) & (stamp > 0), stamp, 0.0)
    if stamp.sum() <= 0:
        raise InvalidParameterError(f"no star above the background at ({x:g}, {y:g}).")
    return stamp / stamp.sum()


def richardson_lucy(
    image: np.ndarray,
    psf: np.ndarray,
    iterations: int,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Richardson-Lucy as scikit-image's ``richardson_lucy(clip=False)`` computes it (the
    same arithmetic, equal in a test), with progress and Cancel between iterations: a
    cancelled run of 500 iterations stops within one."""
    from scipy.signal import convolve as fft_or_direct

    image = np.asarray(image, np.float64)
    psf = np.asarray(psf, np.float64)
    estimate = np.full(image.shape, 0.5)
    mirror = np.flip(psf)
    for i in range(iterations):
        report(progress, i / max(iterations, 1), f"Richardson-Lucy {i + 1}/{iterations}")
        blurred = fft_or_direct(estimate, psf, mode="same") + 1e-12
        estimate *= fft_or_direct(image / blurred, mirror, mode="same")
    return estimate


def deconvolve(
    data: np.ndarray,
    method: str = "wiener",
    psf: np.ndarray | None = None,
    fwhm: float = 3.0,
    balance: float = 0.05,
    iterations: int = 30,
    seed: int = 0,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Deconvolve with Wiener (balance), unsupervised Wiener (reproducible with ``seed``) or
    Richardson-Lucy (iterations). ``psf`` defaults to a gaussian of ``fwhm`` pixels."""
    from skimage import restoration

    kernel = gaussian_psf(fwhm) if psf is None else np.asarray(psf, float) / np.sum(psf)
    report(progress, 0.0, f"{method} deconvolution")
    if method == "wiener":

        def fn(u):
            return restoration.wiener(u, kernel, balance, clip=False)

    elif method == "unsupervised-wiener":

        def fn(u):
            rng = np.random.default_rng(int(seed))
            return restoration.unsupervised_wiener(u, kernel, clip=False, rng=rng)[0]

    elif method == "richardson-lucy":

        def fn(u):
            return richardson_lucy(np.clip(u, 0, None) + 1e-6, kernel, int(iterations), progress)

    else:
        raise InvalidParameterError(f"unknown deconvolution method {method!r}.")
    # Reflect-pad by three PSF sizes: these functions assume zero padding, which makes the
    # edges ring (Richardson-Lucy blows up there).
    pad = 3 * int(max(kernel.shape))

    def padded(u):
        return fn(np.pad(u, pad, mode="reflect"))[pad:-pad, pad:-pad]

    out = in_unit_range(data, padded)
    report(progress, 1.0, f"{method} deconvolution")
    return out


# ---------------------------------------------------------------- operations
# The Edit panel, recipes, replay and HISTORY use these declarations.


def _deconvolve(
    data,
    method,
    psf,
    fwhm,
    star,
    radius,
    size,
    length,
    angle,
    psf_file,
    balance,
    iterations,
    seed,
    progress=None,
):
    if psf == "star":
        if star is None:
            raise InvalidParameterError(
                "deconvolve: click a star for the PSF (or choose another PSF)."
            )
        kernel = star_psf(data, star[0], star[1], radius)
    else:
        kernel = make_kernel(psf, fwhm=fwhm, size=size, length=length, angle=angle, path=psf_file)
    return deconvolve(data, method, kernel, fwhm, balance, iterations, seed, progress)


OPERATIONS.register(
    Operation(
        "deconvolve",
        "Deconvolve",
        "Restoration",
        _deconvolve,
        (
            Param(
                "method",
                "choice",
                "wiener",
                choices=("wiener", "unsupervised-wiener", "richardson-lucy"),
                help="Deconvolution algorithm",
            ),
            Param(
                "psf",
                "choice",
                "gaussian",
                choices=KERNELS,
                help="The blur to undo: a gaussian, a box, a motion, cut from a clicked star, "
                "or a FITS kernel file",
            ),
            Param(
                "fwhm",
                "float",
                3.0,
                0.3,
                50,
                help="Gaussian PSF FWHM (pixels)",
                when=("psf", ("gaussian",)),
            ),
            Param(
                "star",
                "point",
                None,
                help="The star used as PSF (click it)",
                when=("psf", ("star",)),
            ),
            Param(
                "radius", "int", 7, 2, 50, help="PSF stamp radius (pixels)", when=("psf", ("star",))
            ),
            Param("size", "int", 5, 1, 101, help="Box size (pixels)", when=("psf", ("box",))),
            Param(
                "length",
                "float",
                9.0,
                2,
                200,
                help="Motion length (pixels)",
                when=("psf", ("motion",)),
            ),
            Param(
                "angle",
                "float",
                0.0,
                -360,
                360,
                help="Motion direction (degrees)",
                when=("psf", ("motion",)),
            ),
            Param(
                "psf_file",
                "path",
                None,
                help="A FITS image of the PSF (normalised to sum 1)",
                when=("psf", ("file",)),
            ),
            Param(
                "balance",
                "float",
                0.05,
                1e-6,
                10,
                help="Wiener regularisation",
                when=("method", ("wiener",)),
            ),
            Param(
                "iterations",
                "int",
                30,
                1,
                500,
                help="Richardson-Lucy iterations",
                when=("method", ("richardson-lucy",)),
            ),
            Param(
                "seed",
                "int",
                0,
                0,
                2**31 - 1,
                help="Unsupervised Wiener sampling seed",
                when=("method", ("unsupervised-wiener",)),
            ),
        ),
        picks="star",
        help="Undo a blur with Wiener, unsupervised Wiener or Richardson-Lucy.",
    )
)
