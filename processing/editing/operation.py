"""What an edit operation is: its parameters (with one converter per kind) and how it
touches the WCS; and OPERATIONS, the registry every operation is declared in.

Each operation is declared next to its function, at the end of the module that holds it
(geometry, intensity, restoration, arithmetic): ``OPERATIONS.register(Operation(...))``.
The Edit panel builds its forms from the declarations, recipes replay through them and
HISTORY names them. Operation and parameter names are part of the recipe format.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from skyglass.processing.errors import InvalidParameterError
from skyglass.processing.registries import Registry

INTERPOLATIONS = ("nearest", "bilinear", "cubic")


class LazyChoices(Sequence):
    """Choices computed on first use (e.g. every wavelet PyWavelets offers), so declaring an
    operation does not import the library that knows them."""

    def __init__(self, fn: Callable[[], Sequence]) -> None:
        self._fn = fn
        self._values: tuple | None = None

    def _load(self) -> tuple:
        if self._values is None:
            self._values = tuple(self._fn())
        return self._values

    def __getitem__(self, index):
        return self._load()[index]

    def __len__(self) -> int:
        return len(self._load())

    def __contains__(self, value) -> bool:
        return value in self._load()

    def __repr__(self) -> str:
        return "LazyChoices(...)"


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
    #: Only for some values of another parameter: ``("method", ("wiener",))``. The form
    #: shows the parameter only then (it is still resolved, so recipes stay complete).
    when: tuple[str, tuple] | None = None

    def applies(self, values: dict) -> bool:
        """Whether this parameter matters for ``values`` of the other parameters."""
        if self.when is None:
            return True
        name, allowed = self.when
        return values.get(name) in allowed

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def convert(self, value, op: str):
        """Validate and convert a value (from a form or JSON) with its kind's converter."""
        if value is None and self.kind in ("point", "path"):
            return None
        if self.kind == "choice":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                # A recipe written by hand says 90 where the choice is the text "90".
                value = value if value in self.choices else f"{value:g}"
            if value not in self.choices:
                raise InvalidParameterError(
                    f"{op}: {self.name} must be one of {', '.join(map(str, self.choices))}."
                )
            return value
        try:
            v = CONVERTERS[self.kind](value)
        except (KeyError, TypeError, ValueError):
            raise InvalidParameterError(
                f"{op}: {self.name} = {value!r} is not a valid {self.kind}."
            ) from None
        if self.kind in ("float", "int"):
            if self.minimum is not None and v < self.minimum:
                raise InvalidParameterError(f"{op}: {self.name} must be at least {self.minimum:g}.")
            if self.maximum is not None and v > self.maximum:
                raise InvalidParameterError(f"{op}: {self.name} must be at most {self.maximum:g}.")
        return v


def _float(value) -> float:
    v = float(value)
    if not math.isfinite(v):
        raise ValueError("not a finite number")
    return v


def _bool(value) -> bool:
    # JSON gives true/false; a typed "false" must not become True.
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "yes", "1", "on"):
            return True
        if word in ("false", "no", "0", "off", ""):
            return False
        raise ValueError(value)
    return bool(value)


def _matrix(value) -> list[float]:
    m = [float(c) for c in np.asarray(value, float).ravel()]
    if len(m) != 9:
        raise ValueError("a matrix has nine numbers")
    return m


#: One converter per parameter kind (``choice`` is checked against the Param's choices).
CONVERTERS: dict[str, Callable] = {
    "float": _float,
    "int": lambda v: int(round(_float(v))),
    "bool": _bool,
    "point": lambda v: tuple(float(c) for c in v)[:2] if len(v) == 2 else _bad(v),
    "points": lambda v: [(float(p[0]), float(p[1])) for p in v],
    "box": lambda v: tuple(int(round(float(c))) for c in v) if len(v) == 4 else _bad(v),
    "matrix": _matrix,
    "path": str,
    "cards": lambda v: _cards(v),
}


def _cards(value) -> list[dict]:
    """Header edits: ``[{"action": "set"|"delete", "keyword", "value", "comment"}]``,
    checked with the same rules as ``skyglass header``."""
    from skyglass.processing.io.header_edit import CardEdit, check_keyword

    cards = []
    for item in value:
        edit = CardEdit(
            str(item["action"]),
            str(item["keyword"]).upper(),
            item.get("value"),
            item.get("comment"),
        )
        if edit.action not in ("set", "delete"):
            raise ValueError(edit.action)
        if edit.keyword not in ("HISTORY", "COMMENT"):
            check_keyword(edit.keyword)
        cards.append({k: getattr(edit, k) for k in ("action", "keyword", "value", "comment")})
    return cards


def _bad(value):
    raise ValueError(value)


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
    on_header : bool
        Changes header cards only: ``func(header, **params) -> header``; the pixels are
        untouched (and a save keeps their original bytes and type).
    help : str
    """

    name: str
    label: str
    group: str
    func: Callable
    params: tuple[Param, ...] = ()
    geometry: bool = False
    help: str = ""
    picks: str = ""
    on_header: bool = False
    #: ``each``: a colour image is edited plane by plane; ``whole``: ``func`` takes
    #: ``(3, ny, nx)`` itself (colour to grey).
    colour: str = "each"  # a parameter filled by clicking on the image ("points" or "star")

    def resolve(self, values: dict | None) -> dict:
        """All parameters with defaults filled in, validated."""
        values = dict(values or {})
        unknown = set(values) - {p.name for p in self.params}
        if unknown:
            raise InvalidParameterError(f"{self.name}: unknown parameter(s) {sorted(unknown)}.")
        return {p.name: p.convert(values.get(p.name, p.default), self.name) for p in self.params}


def interpolation_param(default="bilinear"):
    return Param(
        "interpolation",
        "choice",
        default,
        choices=INTERPOLATIONS,
        help="How new pixel values are interpolated",
    )


#: Modules declaring the built-in operations, in the order the Edit panel lists them
#: (within a group, operations keep the order they are declared in).
BUILTIN_MODULES = (
    "arithmetic",
    "colour",
    "filters",
    "fourier",
    "geometry",
    "warping",
    "header_cards",
    "intensity",
    "restoration",
    "deconvolution",
)


def _load_builtin() -> None:
    import importlib

    for name in BUILTIN_MODULES:
        importlib.import_module(f"{__package__}.{name}")


#: Every edit operation by name. A new operation is one ``OPERATIONS.register(Operation(...))``.
OPERATIONS: Registry[Operation] = Registry("operation", load=_load_builtin)
