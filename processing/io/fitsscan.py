"""Read FITS headers block by block, before astropy sees the file, to learn what a file
announces (HDU sizes, the uncompressed size of a ``.fits.gz``) and to refuse headers whose
numbers would make a reader loop or allocate without end (``NAXIS = 99999999``).
"""

from __future__ import annotations

import gzip
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass

from astropy.io import fits

BLOCK = 2880
#: Header bytes read per HDU before a header without END is taken as broken (200 blocks).
MAX_HEADER = 200 * BLOCK
#: FITS allows at most 999 axes (standard 4.4.1.1).
MAX_NAXIS = 999
_END = b"END" + b" " * 77


class HeaderProblem(ValueError):
    """A header whose structural cards cannot describe any data."""


class NoEndCard(HeaderProblem):
    """No END card within :data:`MAX_HEADER` bytes."""


@dataclass(frozen=True)
class Announced:
    """What one HDU's header says about its data."""

    header: fits.Header
    header_bytes: int
    shape: tuple[int, ...]  # NAXISn in FITS order (NAXIS1 first)
    bitpix: int
    data_bytes: int  # without padding

    @property
    def padded_bytes(self) -> int:
        return (self.data_bytes + BLOCK - 1) // BLOCK * BLOCK


def _integer(header: fits.Header, key: str, default: int | None = None) -> int:
    try:
        value = header[key] if key in header else default
    except Exception:
        value = None
    if isinstance(value, bool) or not isinstance(value, int):
        raise HeaderProblem(f"{key} = {value!r} is not an integer")
    return value


def announce(header: fits.Header, header_bytes: int = 0) -> Announced:
    """The data an HDU's structural cards announce; HeaderProblem when they are unusable."""
    naxis = _integer(header, "NAXIS", 0)
    if not 0 <= naxis <= MAX_NAXIS:
        raise HeaderProblem(f"NAXIS = {naxis} (FITS allows 0 to {MAX_NAXIS})")
    bitpix = _integer(header, "BITPIX")
    if bitpix not in (8, 16, 32, 64, -32, -64):
        raise HeaderProblem(f"BITPIX = {bitpix} is not a FITS data type")
    shape = tuple(_integer(header, f"NAXIS{i}") for i in range(1, naxis + 1))
    if any(n < 0 for n in shape):
        raise HeaderProblem("an axis length is negative")
    pcount = _integer(header, "PCOUNT", 0)
    gcount = _integer(header, "GCOUNT", 1)
    count = math.prod(shape) if shape else 0
    data = abs(bitpix) // 8 * gcount * (pcount + count)
    return Announced(header, header_bytes, shape, bitpix, data)


def read_header(fh) -> tuple[bytes, bool]:
    """Read header blocks up to the END card: ``(raw, complete)``.

    ``complete`` is False when the file ends first, or when no END comes within
    :data:`MAX_HEADER` bytes (raw is then what was read).
    """
    raw = b""
    while True:
        block = fh.read(BLOCK)
        if len(block) < BLOCK:
            return raw + block, False
        raw += block
        if any(block[i : i + 80] == _END for i in range(0, BLOCK, 80)):
            return raw, True
        if len(raw) >= MAX_HEADER:
            return raw, False


def _parse(raw: bytes) -> fits.Header:
    try:
        return fits.Header.fromstring(raw.decode("ascii", errors="replace"))
    except Exception as exc:
        raise HeaderProblem(f"the header cannot be parsed ({exc})") from exc


def scan(path: str, max_hdus: int = 10_000) -> Iterator[Announced]:
    """Yield what each HDU of a plain FITS file announces, seeking over the data.

    Stops quietly at the end of the file; raises HeaderProblem for unusable structural
    cards and EOFError for a header cut short.
    """
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        offset = 0
        for _ in range(max_hdus):
            if offset >= size:
                return
            fh.seek(offset)
            raw, complete = read_header(fh)
            if not complete:
                if len(raw) >= MAX_HEADER:
                    raise NoEndCard(f"no END card in the first {MAX_HEADER} header bytes")
                raise EOFError("a header is cut short")
            info = announce(_parse(raw), len(raw))
            yield info
            offset += len(raw) + info.padded_bytes


def first_header(path: str) -> Announced:
    """What the first HDU announces, for plain and gzip-compressed files alike (a
    ``.fits.gz`` is decompressed only as far as its first header)."""
    opener = gzip.open if _is_gzip(path) else open
    with opener(path, "rb") as fh:
        raw, complete = read_header(fh)
    if not complete:
        raise NoEndCard("the first header has no END card")
    return announce(_parse(raw), len(raw))


def unreadable_card(path: str) -> str | None:
    """The first card of the first header astropy would refuse, e.g.
    ``"card 7 (CONTINUE  12345)"``, or None; for messages about files astropy cannot open."""
    import warnings

    opener = gzip.open if is_gzip(path) else open
    try:
        with opener(path, "rb") as fh:
            raw, _ = read_header(fh)
    except OSError:
        return None
    for i in range(0, len(raw) - 79, 80):
        text = raw[i : i + 80].decode("ascii", errors="replace")
        if text.startswith("END "):
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                card = fits.Card.fromstring(text)
                card.verify("exception")
                card.value  # noqa: B018 - parsing the value is the check
        except Exception:
            return f"card {i // 80 + 1} ({text.rstrip()[:30]})"
    return None


def _is_gzip(path: str) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def is_gzip(path: str) -> bool:
    """True when the file's bytes are gzip (whatever its name says)."""
    try:
        return _is_gzip(path)
    except OSError:
        return False
