"""Arithmetic with a constant or another image, and setting a region."""

from __future__ import annotations

import numpy as np

from skyglass.processing.editing.operation import OPERATIONS, Operation, Param
from skyglass.processing.errors import InvalidParameterError, SkyglassError

OPERATORS = ("add", "subtract", "multiply", "divide")


def arithmetic(
    data: np.ndarray,
    operator: str = "add",
    value: float = 0.0,
    other: np.ndarray | None = None,
    other_name: str = "image",
) -> np.ndarray:
    """``data <op> value`` or ``data <op> other`` (same shape). Division by zero gives NaN."""
    if operator not in OPERATORS:
        raise InvalidParameterError(f"operator must be one of {', '.join(OPERATORS)}.")
    operand = np.float32(value) if other is None else np.asarray(other, np.float32)
    if other is not None and operand.shape != data.shape:
        raise SkyglassError(
            f"{other_name} is {operand.shape[1]} x {operand.shape[0]} but the "
            f"image is {data.shape[1]} x {data.shape[0]}; they must match."
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        if operator == "add":
            out = data + operand
        elif operator == "subtract":
            out = data - operand
        elif operator == "multiply":
            out = data * operand
        else:
            out = np.where(operand != 0, data / np.where(operand != 0, operand, 1), np.nan)
    return np.asarray(out, np.float32)


def set_region(
    data: np.ndarray, x0: int, y0: int, x1: int, y1: int, value: float = float("nan")
) -> np.ndarray:
    """Set FITS pixels ``x0..x1, y0..y1`` (inclusive) to ``value`` (NaN by default)."""
    out = data.astype(np.float32, copy=True)
    ny, nx = data.shape
    x0, x1 = sorted((int(x0), int(x1)))
    y0, y1 = sorted((int(y0), int(y1)))
    if x1 < 1 or y1 < 1 or x0 > nx or y0 > ny:
        raise InvalidParameterError("the region is outside the image.")
    out[max(0, y0 - 1) : min(ny, y1), max(0, x0 - 1) : min(nx, x1)] = np.float32(value)
    return out


# ---------------------------------------------------------------- operations
# The Edit panel, recipes, replay and HISTORY use these declarations.


def _set_region(data, box, value, nan):
    return set_region(data, *box, float("nan") if nan else value)


def _arith(data, operator, value, other):
    if other:
        from skyglass.processing.io.reader import open_image

        image = open_image(other)
        return arithmetic(data, operator, other=image.data[:, :], other_name=image.name)
    return arithmetic(data, operator, value)


OPERATIONS.register(
    Operation(
        "arithmetic",
        "Arithmetic",
        "Arithmetic",
        _arith,
        (
            Param("operator", "choice", "add", choices=OPERATORS, help="What to do"),
            Param("value", "float", 0.0, help="A constant (when no image is given)"),
            Param("other", "path", None, help="Another image of the same size (FITS)"),
        ),
        help="Add, subtract, multiply or divide by a constant or another image.",
    )
)

OPERATIONS.register(
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
    )
)
