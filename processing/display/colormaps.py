"""Colormaps: DS9's classics and the perceptual maps, as (n, 3) uint8 tables.

The perceptual maps (viridis, magma, inferno, plasma, cividis; CC0) are read from the
tables pyqtgraph ships, located without importing pyqtgraph (which would import Qt).
DS9's own maps exist in no Python library, so they are defined here from DS9's
published definitions: piecewise-linear ramps ("SAO" maps) and short colour lists
("LUT" maps).
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.registries import Registry

#: Number of colour cells a map is sampled to.
NCOLORS = 1024

# SAO maps: per channel, (x, y) knots for linear interpolation.
_SAO = {
    "grey": ([(0, 0), (1, 1)], [(0, 0), (1, 1)], [(0, 0), (1, 1)]),
    "red": ([(0, 0), (1, 1)], [(0, 0), (1, 0)], [(0, 0), (1, 0)]),
    "green": ([(0, 0), (1, 0)], [(0, 0), (1, 1)], [(0, 0), (1, 0)]),
    "blue": ([(0, 0), (1, 0)], [(0, 0), (1, 0)], [(0, 0), (1, 1)]),
    "a": (
        [(0, 0), (0.25, 0), (0.5, 1), (1, 1)],
        [(0, 0), (0.25, 1), (0.5, 0), (0.77, 0), (1, 1)],
        [(0, 0), (0.125, 0), (0.5, 1), (0.64, 0.5), (0.77, 0), (1, 0)],
    ),
    "b": (
        [(0, 0), (0.25, 0), (0.5, 1), (1, 1)],
        [(0, 0), (0.5, 0), (0.75, 1), (1, 1)],
        [(0, 0), (0.25, 1), (0.5, 0), (0.75, 0), (1, 1)],
    ),
    "bb": (
        [(0, 0), (0.5, 1), (1, 1)],
        [(0, 0), (0.25, 0), (0.75, 1), (1, 1)],
        [(0, 0), (0.5, 0), (1, 1)],
    ),
    "he": (
        [(0, 0), (0.015, 0.5), (0.25, 0.5), (0.5, 0.75), (1, 1)],
        [(0, 0), (0.065, 0), (0.125, 0.5), (0.25, 0.75), (0.5, 0.81), (1, 1)],
        [(0, 0), (0.015, 0.125), (0.03, 0.375), (0.065, 0.625), (0.25, 0.25), (1, 1)],
    ),
    "heat": (
        [(0, 0), (0.34, 1), (1, 1)],
        [(0, 0), (1, 1)],
        [(0, 0), (0.65, 0), (0.98, 1), (1, 1)],
    ),
    "cool": (
        [(0, 0), (0.29, 0), (0.76, 0.1), (1, 1)],
        [(0, 0), (0.22, 0), (0.96, 1), (1, 1)],
        [(0, 0), (0.53, 1), (1, 1)],
    ),
    "rainbow": (
        [(0, 1), (0.2, 0), (0.6, 0), (0.8, 1), (1, 1)],
        [(0, 0), (0.2, 0), (0.4, 1), (0.8, 1), (1, 0)],
        [(0, 1), (0.4, 1), (0.6, 0), (1, 0)],
    ),
}

# LUT maps: colours spread evenly over the range, each taking an equal share of cells.
_LUT = {
    "i8": [(0, 0, 0), (0, 1, 0), (0, 0, 1), (0, 1, 1), (1, 0, 0), (1, 1, 0), (1, 0, 1), (1, 1, 1)],
    "aips0": [
        (0.196, 0.196, 0.196),
        (0.475, 0.0, 0.608),
        (0.0, 0.0, 0.785),
        (0.373, 0.655, 0.925),
        (0.0, 0.596, 0.0),
        (0.0, 0.965, 0.0),
        (1.0, 1.0, 0.0),
        (1.0, 0.694, 0.0),
        (1.0, 0.0, 0.0),
    ],
}

# DS9's sls is a 200-entry table made of linear segments 12 entries long; these are the
# segment ends (entry index, r, g, b).
_SLS_KNOTS = [
    (0, 0.0, 0.0, 0.0),
    (12, 0.5213, 0.0, 0.6346),
    (24, 0.3466, 0.0, 0.702),
    (36, 0.0, 0.0, 0.8243),
    (48, 0.0, 0.2378, 1.0),
    (60, 0.0, 0.6066, 1.0),
    (72, 0.0, 0.9082, 0.7036),
    (84, 0.0, 0.8327, 0.3805),
    (96, 0.0, 0.828, 0.0728),
    (108, 0.398, 0.902, 0.0),
    (120, 0.7934, 0.902, 0.0),
    (132, 1.0, 0.8436, 0.0478),
    (144, 0.9487, 0.6191, 0.0934),
    (156, 1.0, 0.3948, 0.0),
    (168, 0.9801, 0.0, 0.0),
    (180, 0.69, 0.0, 0.0),
    (192, 1.0, 1.0, 1.0),
    (199, 1.0, 1.0, 1.0),
]

_PERCEPTUAL = ("viridis", "magma", "inferno", "plasma", "cividis")


def _sao_table(knots, n: int) -> np.ndarray:
    x = np.arange(n) / n
    channels = []
    for ch in knots:
        xs = np.array([k[0] for k in ch], dtype=float)
        ys = np.array([k[1] for k in ch], dtype=float)
        channels.append(np.interp(x, xs, ys))
    return np.stack(channels, axis=1)


def _lut_table(colors, n: int) -> np.ndarray:
    colors = np.asarray(colors, dtype=float)
    idx = np.minimum((np.arange(n) * len(colors)) // n, len(colors) - 1)
    return colors[idx]


def _sls_entries() -> np.ndarray:
    knots = np.asarray(_SLS_KNOTS, dtype=float)
    i = np.arange(200)
    return np.stack([np.interp(i, knots[:, 0], knots[:, c]) for c in (1, 2, 3)], axis=1)


def _hsv_entries(size: int = 200) -> np.ndarray:
    """DS9's hsv map: hue 270 -> 360 -> 270, value rising as a cube root."""
    frac = 1.0 - np.arange(size) / (size - 1)
    h = np.mod(frac * 360.0 + 270.0, 360.0) / 60.0
    s = np.abs(np.sin(frac * 3.1416))
    v = np.power(1.0 - frac, 1.0 / 3.0)
    sector = np.floor(h).astype(int)
    f = h - sector
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    table = {0: (v, t, p), 1: (q, v, p), 2: (p, v, t), 3: (p, q, v), 4: (t, p, v), 5: (v, p, q)}
    out = np.empty((size, 3))
    for k, (r, g, b) in table.items():
        m = sector == k
        out[m, 0], out[m, 1], out[m, 2] = r[m], g[m], b[m]
    return out


def _pyqtgraph_map_file(name: str) -> Path:
    spec = importlib.util.find_spec("pyqtgraph")
    if spec is None or not spec.submodule_search_locations:
        raise InvalidParameterError(f"colormap {name!r} needs pyqtgraph's colour tables.")
    return Path(next(iter(spec.submodule_search_locations))) / "colors" / "maps" / f"{name}.csv"


def _perceptual_entries(name: str) -> np.ndarray:
    rows = []
    for line in _pyqtgraph_map_file(name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(";"):
            continue
        rows.append([float(v) for v in line.split(",")[:3]])
    return np.asarray(rows)


def check_colormap(name: str) -> str:
    """Return a valid colormap name (case-insensitive; ``gray`` accepted) or raise."""
    key = str(name).strip().lower()
    key = {"gray": "grey", "aips": "aips0"}.get(key, key)
    if key not in COLORMAPS:
        raise InvalidParameterError(
            f"unknown colormap {name!r}; choose one of {', '.join(COLORMAPS)}."
        )
    return key


@functools.lru_cache(maxsize=64)
def colormap_table(name: str, ncolors: int = NCOLORS) -> np.ndarray:
    """Return a colormap as an ``(ncolors, 3)`` uint8 table, dark end first.

    Parameters
    ----------
    name : str
        One of :data:`COLORMAPS`.
    ncolors : int
        Number of cells.
    """
    key = check_colormap(name)
    rgb = np.asarray(COLORMAPS[key].rgb(ncolors), dtype=np.float64)
    table = np.clip(np.round(rgb * 255.0), 0, 255).astype(np.uint8)
    table.setflags(write=False)
    return table


@dataclass(frozen=True)
class Colormap:
    """A colormap (DS9's Color menu).

    Attributes
    ----------
    name : str
        What menus, the CLI and DS9 commands call it.
    tip : str
        Where it comes from, for tooltips.
    rgb : callable
        ``rgb(n)`` returns ``(n, 3)`` floats in [0, 1], dark end first.
    """

    name: str
    tip: str
    rgb: Callable[[int], np.ndarray]


#: Every colormap by name, in menu order (iterating gives the names). A new colormap is one
#: ``COLORMAPS.register(Colormap(...))``: menus, the scale panel and ``render --cmap`` offer it.
COLORMAPS: Registry[Colormap] = Registry("colormap", on_change=colormap_table.cache_clear)


def _builtin(name: str) -> Colormap:
    if name in _SAO:
        return Colormap(name, "DS9 (SAO ramp)", lambda n, k=_SAO[name]: _sao_table(k, n))
    if name in _LUT:
        return Colormap(name, "DS9 (colour list)", lambda n, c=_LUT[name]: _lut_table(c, n))
    if name == "sls":
        return Colormap(name, "DS9 (SLS)", lambda n: _lut_table(_sls_entries(), n))
    if name == "hsv":
        return Colormap(name, "DS9 (HSV)", lambda n: _lut_table(_hsv_entries(), n))
    return Colormap(
        name,
        "perceptually uniform (matplotlib)",
        lambda n, k=name: _lut_table(_perceptual_entries(k), n),
    )


for _name in (
    "grey",
    "heat",
    "cool",
    "rainbow",
    *_PERCEPTUAL,
    "a",
    "b",
    "bb",
    "he",
    "i8",
    "sls",
    "aips0",
    "hsv",
    "red",
    "green",
    "blue",
):
    COLORMAPS.register(_builtin(_name))
