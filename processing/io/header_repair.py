"""Headers astropy can read but not write: fixed or dropped, with a note.

Real files carry a TAB inside a string, a card whose keyword holds a space, a value that
cannot be parsed. astropy reads them but refuses to write them, so without this an edited
image of such a file could never be saved. Every FITS write repairs its headers first:
non-printable characters become spaces, a card that still cannot be written is dropped,
and a HISTORY line says what was done.
"""

from __future__ import annotations

import warnings

from astropy.io import fits


def _printable(text: str) -> str:
    return "".join(ch if " " <= ch <= "~" else " " for ch in text)


def _writable(card: fits.Card) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            card.value  # noqa: B018 - parsing is the test
            card.verify("exception")
            str(card)
        return True
    except Exception:
        return False


def repair_header(header: fits.Header) -> list[str]:
    """Fix ``header`` in place so astropy can write it; returns what was changed."""
    notes: list[str] = []
    for i in range(len(header.cards) - 1, -1, -1):
        card = header.cards[i]
        if _writable(card):
            continue
        # The card as read (its formatted image would run astropy's failing fix again).
        image = getattr(card, "_image", None) or ""
        fixed = None
        try:
            candidate = fits.Card.fromstring(_printable(image))
            if _writable(candidate):
                fixed = candidate
        except Exception:
            fixed = None
        keyword = image[:8].strip() or "(blank)"
        del header[i]
        if fixed is not None:
            header.insert(i, fixed)
            notes.append(f"card {keyword}: non-printable characters replaced by spaces")
        else:
            notes.append(f"card {keyword!r} dropped: astropy cannot write it ({image.strip()!r})")
    for note in reversed(notes):
        header.add_history(f"Skyglass: {note}"[:72])
    return notes


def repair_hdul(hdul: fits.HDUList) -> list[str]:
    """Repair every HDU's header; returns the notes, each prefixed with its HDU."""
    notes = []
    for i, hdu in enumerate(hdul):
        notes += [f"HDU {i}: {n}" for n in repair_header(hdu.header)]
    return notes
