"""Editing FITS header cards without touching the pixels.

``skyglass header FILE --set KEY=VALUE/COMMENT --delete KEY -o OUT.fits`` and the window's
header editor share these rules: values are typed as FITS types them (``T``/``F``,
integers, reals, quoted or bare strings), keywords must be legal, and the cards that
describe the file's structure are refused with a reason (astropy writes them from the
data; changing them by hand would make the file lie about its bytes).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass

from astropy.io import fits

from skyglass.processing.errors import SkyglassError

#: Cards that describe the bytes of the file, set by the writer from the data.
STRUCTURAL = frozenset(
    {
        "SIMPLE",
        "BITPIX",
        "NAXIS",
        "EXTEND",
        "PCOUNT",
        "GCOUNT",
        "XTENSION",
        "TFIELDS",
        "THEAP",
        "END",
        "ZIMAGE",
        "ZBITPIX",
        "ZNAXIS",
        "ZTILE",
        "ZCMPTYPE",
        "ZQUANTIZ",
        "ZDITHER0",
    }
)
_STRUCTURAL_INDEXED = re.compile(r"^(NAXIS|TFORM|TBCOL|TDIM|ZNAXIS|ZTILE|ZNAME|ZVAL)\d+$")
_KEYWORD = re.compile(r"^[A-Z0-9_-]{1,8}$")
#: Lines added, never set: each ``--set HISTORY=text`` appends one.
COMMENTARY = ("HISTORY", "COMMENT")


@dataclass(frozen=True)
class CardEdit:
    """One change: ``set`` a keyword (value and optional comment) or ``delete`` it."""

    action: str
    keyword: str
    value: object = None
    comment: str | None = None

    def describe(self) -> str:
        if self.action == "delete":
            return f"deleted {self.keyword}"
        if self.keyword in COMMENTARY:
            return f"added {self.keyword} {self.value}"
        comment = f" / {self.comment}" if self.comment else ""
        return f"set {self.keyword} = {self.value!r}{comment}"


def check_keyword(keyword: str) -> str:
    """The keyword in upper case; SkyglassError for an illegal or structural one."""
    key = keyword.strip().upper()
    if not _KEYWORD.match(key):
        raise SkyglassError(
            f"{keyword!r}: not a FITS keyword (1 to 8 characters: A-Z, 0-9, '-' and '_')."
        )
    if key in STRUCTURAL or _STRUCTURAL_INDEXED.match(key):
        raise SkyglassError(
            f"{key} describes the file's structure and is written from the data itself; "
            "it cannot be edited."
        )
    return key


def parse_value(text: str) -> object:
    """A typed value from its text: ``T``/``F`` (or true/false), integer, real, else string
    (quotes removed)."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text.upper() in ("T", "TRUE"):
        return True
    if text.upper() in ("F", "FALSE"):
        return False
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text.replace("D", "E").replace("d", "e"))
    except ValueError:
        return text


def parse_assignment(text: str) -> CardEdit:
    """``KEY=VALUE`` or ``KEY=VALUE/COMMENT`` (a ``/`` inside quotes belongs to the value)."""
    key, sep, rest = text.partition("=")
    if not sep:
        raise SkyglassError(f"{text!r}: expected KEY=VALUE or KEY=VALUE/COMMENT.")
    if key.strip().upper() in COMMENTARY:
        return make_edit("set", key, rest.strip())
    value_text, comment = _split_comment(rest)
    return make_edit("set", key, value_text, comment)


def make_edit(
    action: str, keyword: str, value_text: str = "", comment: str | None = None
) -> CardEdit:
    """A checked edit from what a user typed: the keyword legal and not structural, the
    value typed (:func:`parse_value`) and fitting one card."""
    key = keyword.strip().upper()
    if action == "delete":
        return CardEdit("delete", key if key in COMMENTARY else check_keyword(key))
    if key in COMMENTARY:
        if not value_text.isprintable():
            raise SkyglassError(f"{key}: the text may hold printable characters only.")
        return CardEdit("set", key, value_text)
    key = check_keyword(key)
    if not value_text.strip():
        raise SkyglassError(f"{key}: give a value (a number, T or F, or text).")
    value = parse_value(value_text)
    if isinstance(value, str) and not value.isprintable():
        raise SkyglassError(f"{key}: the value may hold printable characters only.")
    if isinstance(value, str) and len(value) > 68:
        raise SkyglassError(
            f"{key}: a string value of {len(value)} characters does not fit a card."
        )
    if comment is not None and not comment.isprintable():
        raise SkyglassError(f"{key}: the comment may hold printable characters only.")
    return CardEdit("set", key, value, comment or None)


def _split_comment(text: str) -> tuple[str, str | None]:
    quote = None
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "/":
            return text[:i], text[i + 1 :].strip() or None
    return text, None


def apply_edits(header: fits.Header, edits: list[CardEdit]) -> list[str]:
    """Change ``header`` in place; one line per change. Deleting a missing card is an error
    (a typo must not pass silently)."""
    done = []
    for edit in edits:
        if edit.action == "delete":
            key = edit.keyword.strip().upper()
            if key not in COMMENTARY:
                key = check_keyword(key)
            if key not in header:
                raise SkyglassError(f"{key}: no such keyword in this header.")
            header.remove(key, remove_all=True)
        elif edit.keyword in COMMENTARY:
            header.add_history(edit.value) if edit.keyword == "HISTORY" else header.add_comment(
                edit.value
            )
        elif edit.comment is not None:
            header[edit.keyword] = (edit.value, edit.comment)
        else:
            header[edit.keyword] = edit.value
        done.append(edit.describe())
    return done


def edit_file_header(
    source: str | os.PathLike,
    hdu: int | str | None,
    edits: list[CardEdit],
    output: str | os.PathLike,
    overwrite: bool = False,
    backup: bool = False,
) -> list[str]:
    """Write ``source`` to ``output`` with the cards of one HDU changed; every HDU's data is
    written back raw (same BITPIX, BZERO/BSCALE and values). With ``backup`` (an in-place
    edit) the original is first copied to ``FILE.bak``.
    """
    from skyglass.processing.io.fileio import atomic_write_fits

    source = os.fspath(source)
    try:
        hdul = fits.open(source, do_not_scale_image_data=True, memmap=False)
    except (OSError, ValueError) as exc:
        raise SkyglassError(
            f"{os.path.basename(source)}: not a readable FITS file ({exc})."
        ) from exc
    with hdul:
        try:
            target = hdul[hdu if hdu is not None else 0]
        except (KeyError, IndexError):
            raise SkyglassError(f"{os.path.basename(source)} has no HDU {hdu}.") from None
        lines = apply_edits(target.header, edits)
        for h in hdul:  # read every HDU's data before the file is replaced
            h.data  # noqa: B018
        if backup:
            try:
                shutil.copy2(source, source + ".bak")
            except OSError as exc:
                raise SkyglassError(
                    f"{source}.bak: cannot write the backup ({exc.strerror})."
                ) from exc
        atomic_write_fits(hdul, output, overwrite=overwrite)
    return lines
