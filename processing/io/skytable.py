"""Tables of sky positions: read RA/Dec from a VOTable or FITS table; write a catalogue
as ECSV, CSV, FITS or a VOTable other tools (TOPCAT, Aladin, DS9) understand."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from skyglass.processing.errors import SkyglassError

# Column names tools write for RA and Dec (lower case), most specific first.
_RA_NAMES = ("ra", "raj2000", "_raj2000", "ra_icrs", "ra_deg", "radeg", "alpha_j2000", "ra2000")
_DEC_NAMES = (
    "dec",
    "dej2000",
    "_dej2000",
    "decj2000",
    "de_icrs",
    "dec_icrs",
    "dec_deg",
    "dedeg",
    "delta_j2000",
    "dec2000",
)


@dataclass
class SkyTable:
    """Positions from a table and a label per row: sky (degrees, ICRS as given), or pixel
    positions (FITS x, y) when the table has no RA/Dec (``ra``/``dec`` then None)."""

    name: str
    ra: np.ndarray | None
    dec: np.ndarray | None
    labels: list[str]
    x: np.ndarray | None = None
    y: np.ndarray | None = None

    @property
    def on_sky(self) -> bool:
        return self.ra is not None

    def __len__(self) -> int:
        return len(self.ra if self.ra is not None else self.x)


#: Table formats by file name ending (astropy's reader names).
CATALOG_FORMATS = {
    ".ecsv": "ascii.ecsv",
    ".csv": "ascii.csv",
    ".xml": "votable",
    ".vot": "votable",
    ".votable": "votable",
    ".fits": "fits",
    ".fit": "fits",
    ".fits.gz": "fits",
}


#: Catalogue formats Skyglass writes, by suffix (VOTable gets UCDs on RA/Dec).
WRITTEN_FORMATS = {
    ".ecsv": "ascii.ecsv",
    ".csv": "ascii.csv",
    ".vot": "votable",
    ".xml": "votable",
    ".fits": "fits",
}
#: The save dialog's filter for them.
WRITTEN_FILTER = "ECSV (*.ecsv);;CSV (*.csv);;VOTable (*.vot *.xml);;FITS table (*.fits)"


def write_catalog(table, path: str | os.PathLike, overwrite: bool = False) -> None:
    """Write a catalogue in the format its suffix names (:data:`WRITTEN_FORMATS`),
    atomically: ECSV keeps units and metadata, the VOTable has UCDs, FITS long meta keys
    become HIERARCH cards."""
    from skyglass.processing.errors import InvalidParameterError
    from skyglass.processing.io.fileio import atomic_write

    path = os.fspath(path)
    fmt = next((f for end, f in WRITTEN_FORMATS.items() if path.lower().endswith(end)), None)
    if fmt is None:
        raise InvalidParameterError(
            f"a catalogue is written as {', '.join(WRITTEN_FORMATS)}, not "
            f"'{os.path.basename(path)}'."
        )
    if fmt == "votable":
        write_votable(table, path, overwrite)
        return

    def write(tmp: str) -> None:
        import warnings

        from astropy.io.fits.verify import VerifyWarning

        with warnings.catch_warnings():  # long meta keys become HIERARCH cards: fine
            warnings.simplefilter("ignore", VerifyWarning)
            table.write(tmp, format=fmt, overwrite=True)

    atomic_write(path, write, overwrite=overwrite)


def read_catalog(path: str | os.PathLike) -> SkyTable:
    """A catalogue file (ECSV, CSV, VOTable, FITS table) as positions to mark: RA/Dec by
    UCD or the usual names (sexagesimal too), else pixel columns x/y."""
    from astropy.table import Table

    name = os.path.basename(os.fspath(path))
    fmt = next((f for end, f in CATALOG_FORMATS.items() if name.lower().endswith(end)), None)
    try:
        table = Table.read(os.fspath(path), format=fmt) if fmt else Table.read(os.fspath(path))
    except FileNotFoundError:
        raise SkyglassError(f"{path}: no such file.") from None
    except Exception as exc:
        raise SkyglassError(f"{name}: not a readable catalogue ({exc}).") from exc
    try:
        return sky_positions(table, name)
    except SkyglassError:
        pixels = _pixel_positions(table, name)
        if pixels is None:
            raise
        return pixels


def _pixel_positions(table, name: str) -> SkyTable | None:
    lower = {c.lower(): c for c in table.colnames}
    for xs, ys in (
        ("x", "y"),
        ("x_image", "y_image"),
        ("xcentroid", "ycentroid"),
        ("x_fits", "y_fits"),
    ):
        if xs in lower and ys in lower:
            x = np.ma.filled(np.ma.asarray(table[lower[xs]], dtype=float), np.nan)
            y = np.ma.filled(np.ma.asarray(table[lower[ys]], dtype=float), np.nan)
            good = np.isfinite(x) & np.isfinite(y)
            labels = [str(i + 1) for i in range(len(table))]
            return SkyTable(
                name,
                None,
                None,
                [lb for lb, g in zip(labels, good, strict=True) if g],
                x[good],
                y[good],
            )
    return None


def read_table(path: str | os.PathLike, fmt: str | None = None):
    """Read a VOTable or FITS binary table as an astropy Table.

    Parameters
    ----------
    path : path-like
    fmt : {"votable", "fits", None}
        None guesses from the file.
    """
    from astropy.table import Table

    try:
        if fmt == "votable":
            return Table.read(path, format="votable")
        if fmt == "fits":
            return Table.read(path, format="fits")
        return Table.read(path)
    except FileNotFoundError as exc:
        raise SkyglassError(f"{os.path.basename(str(path))}: no such file.") from exc
    except Exception as exc:  # astropy raises many types for a broken table
        raise SkyglassError(
            f"{os.path.basename(str(path))}: not a readable {fmt or 'table'} ({exc})."
        ) from exc


def _find(table, ucds: tuple[str, ...], names: tuple[str, ...]):
    for ucd in ucds:
        for col in table.columns.values():
            if str(col.meta.get("ucd", "")).lower() == ucd:
                return col
    lower = {c.lower(): c for c in table.colnames}
    for name in names:
        if name in lower:
            return table[lower[name]]
    return None


def _degrees(col, hours: bool) -> np.ndarray:
    """Column values in degrees: numbers (with their unit) or sexagesimal strings."""
    from astropy import units as u
    from astropy.coordinates import Angle

    if col.dtype.kind in "USO":
        text = [str(v) for v in col]
        sexagesimal = any(":" in t or " " in t.strip() for t in text[:5])
        return Angle(text, unit=u.hourangle if hours and sexagesimal else u.deg).deg
    values = np.ma.filled(np.ma.asarray(col, dtype=float), np.nan)
    if col.unit is not None and col.unit.physical_type == "angle":
        return (values * col.unit).to_value(u.deg)
    return values


def sky_positions(table, name: str = "table") -> SkyTable:
    """RA and Dec of every row (by UCD, else by the usual column names).

    Raises
    ------
    SkyglassError
        When the table has no recognisable RA/Dec columns.
    """
    ra = _find(table, ("pos.eq.ra;meta.main", "pos.eq.ra"), _RA_NAMES)
    dec = _find(table, ("pos.eq.dec;meta.main", "pos.eq.dec"), _DEC_NAMES)
    if ra is None or dec is None:
        raise SkyglassError(
            f"{name}: no RA/Dec columns found (looked for UCD pos.eq.ra/dec and names "
            f"such as RA, RAJ2000, DEC, DEJ2000); columns are {', '.join(table.colnames[:12])}."
        )
    try:
        ra_deg = _degrees(ra, hours=True)
        dec_deg = _degrees(dec, hours=False)
    except (ValueError, TypeError) as exc:
        raise SkyglassError(f"{name}: cannot read RA/Dec values ({exc}).") from exc
    good = np.isfinite(ra_deg) & np.isfinite(dec_deg)
    ids = None
    for key in ("id", "name", "main_id", "source_id"):
        match = [c for c in table.colnames if c.lower() == key]
        if match:
            ids = [str(v) for v in table[match[0]]]
            break
    if ids is None:
        ids = [str(i + 1) for i in range(len(table))]
    labels = [label for label, ok in zip(ids, good, strict=True) if ok]
    return SkyTable(name, ra_deg[good], dec_deg[good], labels)


def write_votable(table, path: str | os.PathLike, overwrite: bool = True) -> None:
    """Write a catalogue as a VOTable (atomically), with UCDs on RA/Dec so other tools
    plot it on the sky at once."""
    from astropy.io.votable import from_table

    from skyglass.processing.io.fileio import atomic_write

    out = table.copy(copy_data=False)
    for col, ucd in (("ra", "pos.eq.ra;meta.main"), ("dec", "pos.eq.dec;meta.main")):
        if col in out.colnames:
            out[col].meta["ucd"] = ucd
    if "id" in out.colnames:
        out["id"].meta["ucd"] = "meta.id;meta.main"
    for col in out.colnames:  # VOTable has no booleans with masks; keep plain values
        if out[col].dtype.kind == "b":
            out[col] = np.asarray(out[col], bool)
    vot = from_table(out)
    atomic_write(path, lambda tmp: vot.to_xml(tmp), overwrite=overwrite)
