"""The one registry of editing operations.

Each entry names the processing function, its parameters (name, type, default, range,
help) and how it affects the WCS. The edit panel builds its forms from it, recipes replay
through it and the CLI calls it: adding an operation is one entry here.
"""

from __future__ import annotations

import inspect
import json

import numpy as np

from skyglass.processing import __version__
from skyglass.processing.editing.operation import (  # noqa: F401 - re-exported
    INTERPOLATIONS,
    OPERATIONS,
    Operation,
    Param,
)
from skyglass.processing.editing.propagate import follow_mask, follow_uncertainty
from skyglass.processing.editing.wcs_update import drop_wcs, transform_wcs
from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.io.frame import Frame
from skyglass.processing.progress import ProgressCallback, report

#: The operations (the same registry as ``operation.OPERATIONS``).
REGISTRY = OPERATIONS
GROUPS = ("Geometry", "Intensity", "Filters", "Restoration", "Arithmetic")


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
    if op.on_header:  # the same pixels (shared, not copied) under the edited header
        out = Frame(
            frame.data,
            op.func(frame.header, **values),
            frame.mask,
            frame.name,
            list(frame.sources),
            frame.uncertainty,
        )
        out.history(describe(name, jsonable(values)))
        report(progress, 1.0, op.label)
        return out
    result = _run(op, np.asarray(frame.data, dtype=np.float32), kwargs)
    header = frame.header.copy()
    if op.geometry:
        data, matrix = result
        if matrix is None:
            header = drop_wcs(header, f"{op.label} is not an affine map")
        else:
            header, note = transform_wcs(header, matrix)
    else:
        data = result
    data = np.asarray(data, dtype=np.float32)
    plain = {k: v for k, v in kwargs.items() if k != "progress"}
    mask = follow_mask(op, plain, frame.mask)
    sigma, dropped = follow_uncertainty(op, plain, frame.uncertainty)
    out = Frame(data, header, mask, frame.name, list(frame.sources), sigma)
    out.history(describe(name, jsonable(values)))
    if dropped:
        out.history(dropped)
    report(progress, 1.0, op.label)
    return out


def _run(op: Operation, data: np.ndarray, kwargs: dict):
    """``op`` on a grey image, or on each plane of a colour image ``(3, ny, nx)`` (the same
    transform for geometry) unless the operation takes the colour image whole."""
    if data.ndim == 2 or op.colour == "whole":
        return op.func(data, **kwargs)
    results = [op.func(np.ascontiguousarray(plane), **kwargs) for plane in data]
    if op.geometry:
        return np.stack([r[0] for r in results]), results[0][1]
    return np.stack(results)


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
