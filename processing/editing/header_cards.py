"""Header edits as a step of the edit history: undone, redone and replayed like any edit.

The pixels are untouched; the rules (typed values, legal keywords, structural cards
refused) are those of ``skyglass header`` (:mod:`skyglass.processing.io.header_edit`).
"""

from __future__ import annotations

from astropy.io import fits

from skyglass.processing.editing.operation import OPERATIONS, Operation, Param
from skyglass.processing.io.header_edit import CardEdit, apply_edits


def edit_cards(header: fits.Header, cards: list[dict]) -> fits.Header:
    """``header`` with ``cards`` (``{"action", "keyword", "value", "comment"}``) applied."""
    header = header.copy()
    apply_edits(
        header,
        [CardEdit(c["action"], c["keyword"], c.get("value"), c.get("comment")) for c in cards],
    )
    return header


OPERATIONS.register(
    Operation(
        "header",
        "Edit header cards",
        "Header",
        edit_cards,
        (Param("cards", "cards", (), help="Cards to set or delete"),),
        help="Set, change or delete header keywords, or add HISTORY/COMMENT lines.",
        on_header=True,
    )
)
