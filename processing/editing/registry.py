"""The one registry of editing operations.

Each entry names the processing function, its parameters (name, type, default, range,
help) and how it affects the WCS. The edit panel builds its forms from it, recipes replay
through it and the CLI calls it: adding an operation is one entry here.
"""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from skyglass.processing import __version__
from skyglass.processing.editing import arithmetic, geometry, intensity, restoration
from skyglass.processing.editing.wcs_update import drop_wcs, transform_wcs
from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.io.frame import Frame
from skyglass.processing.progress import ProgressCallback, report
from skyglass.processing.registries import Registry

INTERPOLATIONS = ("nearest", "bilinear", "cubic")


@dataclass(frozen=True)
class Param:
    """One parameter of an operation.

    ``kind``: ``float``, ``int``, ``choice``, ``bool``, ``point`` (FITS x, y or None),
    ``points`` (list of FITS x, y), ``box`` (x0, y0, x1, y1, FITS inclusive), ``matrix``
    (nine numbers) or ``path`` (a FITS file).
    """

    name: str
    kind: str
    default: object = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()
    help: str = ""
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def convert(self, value, op: str):
        """Validate and convert a value (from a form or JSON)."""
        if value is None and self.kind in ("point", "path"):
            return None
        try:
            if self.kind == "float":
                v = float(value)
                if math.isnan(v):
                    raise ValueError
            elif self.kind == "int":
                v = int(round(float(value)))
            elif self.kind == "bool":
                v = bool(value)
            elif self.kind == "choice":
                v = value if value in self.choices else None
                if v is None:
                    raise InvalidParameterError(
                        f"{op}: {self.name} must be one of {', '.join(map(str, self.choices))}."
                    )
                return v
            elif self.kind == "point":
                x, y = (float(c) for c in value)
                return (x, y)
            elif self.kind == "points":
                pts = [(float(p[0]), float(p[1])) for p in value]
                return pts
            elif self.kind == "box":
                x0, y0, x1, y1 = (int(round(float(c))) for c in value)
                return (x0, y0, x1, y1)
            elif self.kind == "matrix":
                m = [float(c) for c in np.asarray(value, float).ravel()]
                if len(m) != 9:
                    raise ValueError
                return m
            elif self.kind == "path":
                return str(value)
            else:
                raise ValueError
        except InvalidParameterError:
            raise
        except (TypeError, ValueError):
            raise InvalidParameterError(
                f"{op}: {self.name} = {value!r} is not a valid {self.kind}."
            ) from None
        if self.kind in ("float", "int"):
            if self.minimum is not None and v < self.minimum:
                raise InvalidParameterError(f"{op}: {self.name} must be at least {self.minimum:g}.")
            if self.maximum is not None and v > self.maximum:
                raise InvalidParameterError(f"{op}: {self.name} must be at most {self.maximum:g}.")
        return v


@dataclass(frozen=True)
class Operation:
    """A registered edit.

    Attributes
    ----------
    name, label, group : str
        Key, menu text, and group (Geometry, Intensity, Restoration, Arithmetic).
    func : callable
        ``func(data, **params)``; geometry functions return ``(data, matrix or None)``.
    params : tuple of Param
    geometry : bool
        Changes pixel positions (the WCS follows, or is removed for nonlinear warps).
    slow : bool
        Worth a progress bar and Cancel on large images.
    help : str
    """

    name: str
    label: str
    group: str
    func: Callable
    params: tuple[Param, ...] = ()
    geometry: bool = False
    slow: bool = False
    help: str = ""
    picks: str = ""  # a parameter filled by clicking on the image ("points" or "star")
    adapter: Callable | None = field(default=None, repr=False)

    def resolve(self, values: dict | None) -> dict:
        """All parameters with defaults filled in, validated."""
        values = dict(values or {})
        unknown = set(values) - {p.name for p in self.params}
        if unknown:
            raise InvalidParameterError(f"{self.name}: unknown parameter(s) {sorted(unknown)}.")
        return {p.name: p.convert(values.get(p.name, p.default), self.name) for p in self.params}


def _interp(default="bilinear"):
    return Param(
        "interpolation",
        "choice",
        default,
        choices=INTERPOLATIONS,
        help="How new pixel values are interpolated",
    )


def _flip_x(data):
    return geometry.flip(data, "x")


def _flip_y(data):
    return geometry.flip(data, "y")


def _rotate90(data, turns):
    return geometry.rotate90(data, {"90": 1, "180": 2, "270": 3}[turns])


def _crop(data, box):
    return geometry.crop(data, *box)


def _affine(data, **kw):
    return geometry.affine(data, **kw)


def _projective(data, matrix, interpolation):
    return geometry.projective(data, np.asarray(matrix).reshape(3, 3), None, interpolation)


def _set_region(data, box, value, nan):
    return arithmetic.set_region(data, *box, float("nan") if nan else value)


def _arith(data, operator, value, other):
    if other:
        from skyglass.processing.io.reader import open_image

        image = open_image(other)
        return arithmetic.arithmetic(data, operator, other=image.data[:, :], other_name=image.name)
    return arithmetic.arithmetic(data, operator, value)


def _deconvolve(data, method, psf, fwhm, star, radius, balance, iterations, seed, progress=None):
    kernel = None
    if psf == "star":
        if star is None:
            raise InvalidParameterError(
                "deconvolve: click a star for the PSF (or use a gaussian PSF)."
            )
        kernel = restoration.star_psf(data, star[0], star[1], radius)
    return restoration.deconvolve(data, method, kernel, fwhm, balance, iterations, seed, progress)


_OPS = [
    Operation(
        "flip_x",
        "Flip left-right",
        "Geometry",
        _flip_x,
        geometry=True,
        help="Mirror the image left to right (the WCS follows exactly).",
    ),
    Operation(
        "flip_y",
        "Flip top-bottom",
        "Geometry",
        _flip_y,
        geometry=True,
        help="Mirror the image top to bottom (the WCS follows exactly).",
    ),
    Operation(
        "rotate90",
        "Rotate by quarter turns",
        "Geometry",
        _rotate90,
        (
            Param(
                "turns",
                "choice",
                "90",
                choices=("90", "180", "270"),
                help="Counter-clockwise, in degrees",
            ),
        ),
        geometry=True,
        help="Rotate by 90, 180 or 270 degrees without interpolation.",
    ),
    Operation(
        "rotate",
        "Rotate",
        "Geometry",
        geometry.rotate,
        (
            Param("angle", "float", 30.0, -360, 360, help="Degrees, counter-clockwise"),
            Param("center", "point", None, help="Centre (FITS x, y); empty: image centre"),
            _interp(),
            Param("expand", "bool", False, help="Enlarge the image so no pixel is cut off"),
        ),
        geometry=True,
        help="Rotate by any angle; the WCS gets the rotated CD matrix.",
    ),
    Operation(
        "crop",
        "Crop",
        "Geometry",
        _crop,
        (Param("box", "box", (1, 1, 100, 100), help="x0, y0, x1, y1 (FITS, inclusive)"),),
        geometry=True,
        help="Keep a rectangle of the image.",
    ),
    Operation(
        "rescale",
        "Rescale",
        "Geometry",
        geometry.rescale,
        (
            Param("factor", "float", 0.5, 0.01, 16, help="Scale factor for both axes"),
            _interp(),
            Param("anti_aliasing", "bool", True, help="Smooth before shrinking"),
        ),
        geometry=True,
        help="Scale the image; anti-aliasing when shrinking.",
    ),
    Operation(
        "resize",
        "Resize",
        "Geometry",
        geometry.resize,
        (
            Param("width", "int", 512, 1, 65536, help="New width in pixels"),
            Param("height", "int", 512, 1, 65536, help="New height in pixels"),
            _interp(),
            Param("anti_aliasing", "bool", True, help="Smooth before shrinking"),
        ),
        geometry=True,
        help="Resample to a given size in pixels.",
    ),
    Operation(
        "affine",
        "Affine warp",
        "Geometry",
        _affine,
        (
            Param("scale_x", "float", 1.0, 0.01, 100, help="Scale along x"),
            Param("scale_y", "float", 1.0, 0.01, 100, help="Scale along y"),
            Param("rotation", "float", 0.0, -360, 360, help="Degrees"),
            Param("shear", "float", 0.0, -89, 89, help="Degrees"),
            Param("tx", "float", 0.0, help="Shift in x (pixels)"),
            Param("ty", "float", 0.0, help="Shift in y (pixels)"),
            _interp(),
        ),
        geometry=True,
        help="Scale, rotation, shear and shift (scikit-image's AffineTransform); the WCS follows.",
    ),
    Operation(
        "projective",
        "Projective warp",
        "Geometry",
        _projective,
        (
            Param(
                "matrix",
                "matrix",
                [1, 0, 0, 0, 1, 0, 0, 0, 1],
                help="3 x 3 homography, row by row (input x, y -> output x, y)",
            ),
            _interp(),
        ),
        geometry=True,
        help="Warp by a 3 x 3 matrix; a truly projective warp removes the WCS.",
    ),
    Operation(
        "perspective",
        "Perspective correction",
        "Geometry",
        geometry.perspective,
        (
            Param(
                "points",
                "points",
                [(1, 1), (100, 1), (100, 100), (1, 100)],
                help="Four corners clicked on the image, in order around the shape",
            ),
            _interp(),
        ),
        geometry=True,
        picks="points",
        help="Map a quadrilateral clicked on the image to a rectangle.",
    ),
    Operation(
        "swirl",
        "Swirl",
        "Geometry",
        geometry.swirl,
        (
            Param(
                "strength",
                "float",
                5.0,
                -100,
                100,
                help="Amount of swirl (negative: the other way)",
            ),
            Param("radius", "float", 100.0, 1, help="Extent of the swirl (pixels)"),
            Param("center", "point", None, help="FITS x, y; empty: image centre"),
        ),
        geometry=True,
        help="scikit-image's swirl (removes the WCS).",
    ),
    Operation(
        "equalize",
        "Histogram equalisation",
        "Intensity",
        intensity.equalize,
        (Param("bins", "int", 256, 2, 65536, help="Histogram bins"),),
        help="Spread the values so every level is equally used.",
    ),
    Operation(
        "clahe",
        "Adaptive equalisation (CLAHE)",
        "Intensity",
        intensity.clahe,
        (
            Param("kernel_size", "int", 64, 2, 4096, help="Tile size in pixels"),
            Param("clip_limit", "float", 0.01, 0.0001, 1.0, help="Contrast limit"),
            Param("bins", "int", 256, 2, 65536, help="Histogram bins"),
        ),
        slow=True,
        help="Contrast-limited adaptive histogram equalisation.",
    ),
    Operation(
        "gamma",
        "Gamma",
        "Intensity",
        intensity.gamma,
        (
            Param(
                "gamma", "float", 0.5, 0.01, 10, help="Exponent: below 1 brightens, above 1 darkens"
            ),
            Param("gain", "float", 1.0, 0.01, 10, help="Multiplier after the gamma curve"),
        ),
        help="gain * x^gamma on the range scaled to [0, 1].",
    ),
    Operation(
        "sigmoid",
        "Sigmoid",
        "Intensity",
        intensity.sigmoid,
        (
            Param(
                "cutoff", "float", 0.5, 0, 1, help="Centre of the S curve (fraction of the range)"
            ),
            Param("gain", "float", 10.0, 0.1, 100, help="Steepness of the S curve"),
            Param("inverse", "bool", False, help="Apply the inverse curve"),
        ),
        help="S-shaped contrast curve.",
    ),
    Operation(
        "log",
        "Logarithmic",
        "Intensity",
        intensity.log,
        (
            Param("gain", "float", 1.0, 0.01, 10, help="Multiplier of the log curve"),
            Param("inverse", "bool", False, help="Apply the inverse curve"),
        ),
        help="gain * log2(1 + x) on the range scaled to [0, 1].",
    ),
    Operation(
        "clip",
        "Clip",
        "Intensity",
        intensity.clip,
        (
            Param("low", "float", 0.0, help="Values below become this (data units)"),
            Param("high", "float", 1000.0, help="Values above become this (data units)"),
        ),
        help="Clip the values to a range (data units).",
    ),
    Operation(
        "rescale_percentiles",
        "Rescale between percentiles",
        "Intensity",
        intensity.rescale_percentiles,
        (
            Param("low", "float", 2.0, 0, 100, help="Lower percentile (becomes the minimum)"),
            Param("high", "float", 98.0, 0, 100, help="Upper percentile (becomes the maximum)"),
        ),
        help="Stretch the values between two percentiles over the full range.",
    ),
    Operation(
        "noise",
        "Add noise",
        "Restoration",
        restoration.add_noise,
        (
            Param(
                "kind",
                "choice",
                "gaussian",
                choices=("gaussian", "poisson", "salt-pepper", "speckle", "variance-map"),
                help="Noise model",
            ),
            Param(
                "sigma", "float", 10.0, 0, help="Gaussian sigma (data units) or speckle fraction"
            ),
            Param("gain", "float", 1.0, 1e-6, help="e- per data unit (poisson, variance map)"),
            Param("amount", "float", 0.01, 0, 1, help="Fraction of pixels (salt and pepper)"),
            Param("read_noise", "float", 5.0, 0, help="Read noise (variance map)"),
            Param("seed", "int", 0, 0, 2**31 - 1, help="Random seed (same seed, same noise)"),
        ),
        help="Synthetic noise for teaching; reproducible with the seed.",
    ),
    Operation(
        "denoise",
        "Denoise",
        "Restoration",
        restoration.denoise,
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
            Param("sigma", "float", 1.0, 0.1, 50, help="Gaussian/bilateral sigma (pixels)"),
            Param("size", "int", 3, 1, 51, help="Median window (pixels)"),
            Param("weight", "float", 0.1, 0.0001, 10, help="Total-variation weight"),
            Param(
                "sigma_color",
                "float",
                0.1,
                0.0001,
                1,
                help="Bilateral range sigma (fraction of the range)",
            ),
            Param("h", "float", 0.8, 0.01, 10, help="Non-local means strength (x noise)"),
            Param("patch_size", "int", 5, 1, 21, help="Non-local means patch size (pixels)"),
            Param(
                "patch_distance", "int", 6, 1, 50, help="Non-local means search distance (pixels)"
            ),
            Param(
                "wavelet",
                "choice",
                "db1",
                choices=("db1", "db2", "haar", "sym4"),
                help="Wavelet family",
            ),
        ),
        slow=True,
        help="Remove noise; results stay in the data's units.",
    ),
    Operation(
        "blur",
        "Blur",
        "Restoration",
        restoration.blur,
        (
            Param(
                "kind", "choice", "gaussian", choices=("box", "gaussian", "motion"), help="Kernel"
            ),
            Param("size", "int", 5, 1, 101, help="Box size (pixels)"),
            Param("sigma", "float", 2.0, 0.1, 50, help="Gaussian sigma (pixels)"),
            Param("length", "float", 9.0, 2, 200, help="Motion length (pixels)"),
            Param("angle", "float", 0.0, -360, 360, help="Motion direction (degrees)"),
        ),
        slow=True,
        help="Blur with a box, gaussian or motion kernel.",
    ),
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
                choices=("gaussian", "star"),
                help="A gaussian of the given FWHM, or cut from a clicked star",
            ),
            Param("fwhm", "float", 3.0, 0.3, 50, help="Gaussian PSF FWHM (pixels)"),
            Param("star", "point", None, help="The star used as PSF (click it)"),
            Param("radius", "int", 7, 2, 50, help="PSF stamp radius (pixels)"),
            Param("balance", "float", 0.05, 1e-6, 10, help="Wiener regularisation"),
            Param("iterations", "int", 30, 1, 500, help="Richardson-Lucy iterations"),
            Param("seed", "int", 0, 0, 2**31 - 1, help="Unsupervised Wiener sampling seed"),
        ),
        slow=True,
        picks="star",
        help="Undo a blur with Wiener, unsupervised Wiener or Richardson-Lucy.",
    ),
    Operation(
        "arithmetic",
        "Arithmetic",
        "Arithmetic",
        _arith,
        (
            Param("operator", "choice", "add", choices=arithmetic.OPERATORS, help="What to do"),
            Param("value", "float", 0.0, help="A constant (when no image is given)"),
            Param("other", "path", None, help="Another image of the same size (FITS)"),
        ),
        help="Add, subtract, multiply or divide by a constant or another image.",
    ),
    Operation(
        "set_region",
        "Set region",
        "Arithmetic",
        _set_region,
        (
            Param("box", "box", (1, 1, 10, 10), help="x0, y0, x1, y1 (FITS, inclusive)"),
            Param("value", "float", 0.0, help="The value to set (data units)"),
            Param("nan", "bool", True, help="Set to NaN instead"),
        ),
        help="Set a rectangle to a value or to NaN.",
    ),
]

#: Every edit operation by name. A new operation is one ``REGISTRY.register(Operation(...))``:
#: the Edit panel lists it in its group, recipes replay it, HISTORY names it.
REGISTRY: Registry[Operation] = Registry("operation")
for _op in _OPS:
    REGISTRY.register(_op)
GROUPS = ("Geometry", "Intensity", "Restoration", "Arithmetic")


def get(name: str) -> Operation:
    if name not in REGISTRY:
        raise InvalidParameterError(
            f"unknown operation {name!r}; known: " + ", ".join(sorted(REGISTRY))
        )
    return REGISTRY[name]


def describe(name: str, params: dict) -> str:
    """One line for HISTORY: the operation and its parameters."""
    return f"Skyglass {__version__}: {name} " + json.dumps(params, separators=(",", ":"))


def apply_operation(
    frame: Frame, name: str, params: dict | None = None, progress: ProgressCallback | None = None
) -> Frame:
    """Run a registered operation on a frame; the input is never modified.

    Returns
    -------
    Frame
        New data, the header with the WCS transformed (or removed, with a note) and a
        HISTORY card naming the operation and its parameters.
    """
    op = get(name)
    values = op.resolve(params)
    kwargs = dict(values)
    if "progress" in inspect.signature(op.func).parameters:
        kwargs["progress"] = progress
    report(progress, 0.0, op.label)
    result = op.func(np.asarray(frame.data, dtype=np.float32), **kwargs)
    header = frame.header.copy()
    mask = frame.mask
    if op.geometry:
        data, matrix = result
        if matrix is None:
            header = drop_wcs(header, f"{op.label} is not an affine map")
        else:
            header, note = transform_wcs(header, matrix)
        mask = None  # a pixel mask does not survive resampling
    else:
        data = result
    data = np.asarray(data, dtype=np.float32)
    out = Frame(data, header, mask, frame.name, list(frame.sources))
    out.history(describe(name, jsonable(values)))
    report(progress, 1.0, op.label)
    return out


def jsonable(values: dict) -> dict:
    """Parameter values as JSON keeps them (tuples as lists), for recipes and HISTORY."""
    out = {}
    for k, v in values.items():
        if isinstance(v, tuple):
            v = list(v)
        if isinstance(v, list):
            v = [list(x) if isinstance(x, tuple) else x for x in v]
        out[k] = v
    return out
