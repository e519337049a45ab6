"""DS9's scale functions, contrast/bias, and the lookup tables that apply them.

A stretch maps x in [0, 1] (the data between the limits) to y in [0, 1]. DS9 tabulates
it in 16384 entries (``x = i / 16384``) and maps each entry to a colour cell
``int(y * ncolors)``; we do the same, so a change of stretch costs one table, and
drawing costs one lookup per displayed pixel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.registries import Registry


@dataclass(frozen=True)
class Scale:
    """A scale function (DS9's Scale menu).

    Attributes
    ----------
    name : str
        What menus, the CLI and DS9 commands call it.
    tip : str
        Its formula, for tooltips and help.
    fn : callable or None
        ``fn(x, a)`` maps x in [0, 1] to y (``a`` is the exponent); None for scales
        built from the data (``histequ``).
    """

    name: str
    tip: str
    fn: Callable[[np.ndarray, float], np.ndarray] | None


#: Scale functions by DS9 name, in menu order (iterating gives the names). A new scale is
#: one ``SCALES.register(Scale(...))``: menus, the scale panel and ``render --scale`` offer it.
SCALES: Registry[Scale] = Registry("scale")

for _scale in (
    Scale("linear", "y = x", lambda x, a: x.copy()),
    Scale(
        "log",
        "y = log10(a x + 1) / log10(a), a = exponent",
        lambda x, a: np.log10(a * x + 1.0) / np.log10(a),
    ),
    Scale("pow", "y = (a^x - 1) / a, a = exponent", lambda x, a: (np.power(a, x) - 1.0) / a),
    Scale("sqrt", "y = sqrt(x)", lambda x, a: np.sqrt(x)),
    Scale("squared", "y = x^2", lambda x, a: x * x),
    Scale("asinh", "y = asinh(10 x) / 3", lambda x, a: np.arcsinh(10.0 * x) / 3.0),
    Scale("sinh", "y = sinh(3 x) / 10", lambda x, a: np.sinh(3.0 * x) / 10.0),
    Scale("histequ", "histogram equalisation: equal numbers of pixels per colour", None),
):
    SCALES.register(_scale)
#: Entries in a stretch lookup table (DS9's SCALESIZE).
LUT_SIZE = 16384
#: DS9's default log/pow exponent.
DEFAULT_EXPONENT = 1000.0


def check_scale(name: str) -> str:
    """Return a valid scale name (case-insensitive) or raise InvalidParameterError."""
    key = str(name).strip().lower()
    aliases = {"histeq": "histequ", "hist": "histequ", "lin": "linear", "square": "squared"}
    key = aliases.get(key, key)
    if key not in SCALES:
        raise InvalidParameterError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}.")
    return key


def stretch(x: np.ndarray, scale: str, exponent: float = DEFAULT_EXPONENT) -> np.ndarray:
    """Apply a DS9 scale function to ``x`` in [0, 1].

    Parameters
    ----------
    x : numpy.ndarray
        Normalised values.
    scale : str
        One of :data:`SCALES` except ``histequ`` (which needs the data; see
        :func:`histequ_table`).
    exponent : float
        ``a`` of the log and pow scales.

    Returns
    -------
    numpy.ndarray
        ``y``, not clipped (DS9's asinh and sinh exceed 1 slightly at x = 1).
    """
    scale = check_scale(scale)
    x = np.asarray(x, dtype=np.float64)
    a = float(exponent)
    if scale in ("log", "pow") and not a > 1.0:
        raise InvalidParameterError(f"{scale} exponent must be greater than 1, got {exponent}.")
    fn = SCALES[scale].fn
    if fn is None:
        raise InvalidParameterError(f"{scale} needs the image histogram; use histequ_table().")
    return fn(x, a)


def histequ_table(sample: np.ndarray, low: float, high: float, size: int = LUT_SIZE) -> np.ndarray:
    """Histogram-equalisation table built from a histogram (no full sort).

    Parameters
    ----------
    sample : numpy.ndarray
        Finite pixel values (a sample of the image is enough).
    low, high : float
        The display limits.
    size : int
        Table length.

    Returns
    -------
    numpy.ndarray
        Cumulative distribution of the pixels between the limits, in [0, 1].
    """
    if high <= low or sample.size == 0:
        return np.linspace(0.0, 1.0, size, endpoint=False)
    hist, _ = np.histogram(sample, bins=size, range=(low, high))
    cdf = np.cumsum(hist, dtype=np.float64)
    if cdf[-1] <= 0:
        return np.linspace(0.0, 1.0, size, endpoint=False)
    # Value at the start of each bin, so the lowest bin maps to the first colour.
    return np.concatenate(([0.0], cdf[:-1])) / cdf[-1]


def stretch_table(
    scale: str,
    exponent: float = DEFAULT_EXPONENT,
    size: int = LUT_SIZE,
    histequ: np.ndarray | None = None,
) -> np.ndarray:
    """Tabulate a stretch at DS9's points ``x = i / size``.

    Parameters
    ----------
    scale : str
        Scale name.
    exponent : float
        For log and pow.
    size : int
        Table length.
    histequ : numpy.ndarray, optional
        Table from :func:`histequ_table` (required for ``histequ``; linear without it, as DS9).

    Returns
    -------
    numpy.ndarray
        ``y`` for each entry, clipped to [0, 1].
    """
    scale = check_scale(scale)
    if scale == "histequ":
        y = np.asarray(histequ, dtype=np.float64) if histequ is not None else np.arange(size) / size
        if y.size != size:
            y = np.interp(np.arange(size) / size, np.arange(y.size) / y.size, y)
    else:
        y = stretch(np.arange(size, dtype=np.float64) / size, scale, exponent)
    return np.clip(y, 0.0, 1.0)


def contrast_bias_index(ncolors: int, contrast: float, bias: float, invert: bool) -> np.ndarray:
    """DS9's ``calcContrastBias`` for every colour cell, with its inversion.

    Cell ``i`` of the displayed colour table takes colormap entry ``result[i]``.

    Parameters
    ----------
    ncolors : int
        Number of colour cells.
    contrast : float
        DS9 contrast (1 = neutral, 0 to 10).
    bias : float
        DS9 bias (0.5 = neutral, 0 to 1).
    invert : bool
        Reverse the colormap (DS9 also mirrors the bias then).
    """
    i = np.arange(ncolors)
    src = i[::-1] if invert else i
    if abs(bias - 0.5) < 1e-4 and abs(contrast - 1.0) < 1e-4:
        return src.copy()
    b = 1.0 - bias if invert else bias
    r = ((src.astype(np.float64) / ncolors - b) * contrast + 0.5) * ncolors
    # C's (int) truncates toward zero.
    return np.clip(np.trunc(r).astype(np.int64), 0, ncolors - 1)
