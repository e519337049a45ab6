"""Numbers from header cards that may be missing, unparsable or not numbers at all.

Headers written by other programs carry ``GAIN = NAN``, ``SATURATE = 'high'`` or an empty
``BZERO``; reading such a card must give "unknown" (or a clear error where the value is
essential), never a ValueError from deep inside a command.
"""

from __future__ import annotations

import logging
import math

from astropy.io import fits

from skyglass.processing.errors import ImageReadError

log = logging.getLogger(__name__)


def card_value(header: fits.Header, key: str):
    """The value of ``key``, or None when the card is missing or cannot be parsed."""
    try:
        return header[key] if key in header else None
    except Exception:  # astropy raises VerifyError/ValueError for unparsable cards
        return None


def header_number(
    header: fits.Header | None, key: str, default: float | None = None, finite: bool = True
) -> float | None:
    """``key`` as a float; ``default`` when it is missing, not a number or not finite.

    A card that is present but unusable is logged once per call, so the user learns why a
    value (a saturation level, a gain) was not taken from the header.
    """
    if header is None:
        return default
    value = card_value(header, key)
    if value is None or isinstance(value, bool):
        if key in header:
            log.warning("%s in the header is not a number; ignored", key)
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        log.warning("%s = %r in the header is not a number; ignored", key, value)
        return default
    if finite and not math.isfinite(number):
        log.warning("%s = %r in the header is not finite; ignored", key, value)
        return default
    return number


def required_number(header: fits.Header, key: str, default: float, name: str) -> float:
    """``key`` as a finite float (``default`` when absent); a present card that is not one
    is an ImageReadError, for cards without which the pixels cannot be read (BSCALE)."""
    if key not in header:
        return default
    shown = card_value(header, key)
    try:
        value = None if isinstance(shown, bool) else float(shown)
    except (TypeError, ValueError):
        value = None
    if value is None or not math.isfinite(value):
        raise ImageReadError(
            f"{name}: {key} = {shown!r} is not a number; the pixel values cannot be "
            "computed from this file's header."
        )
    return value
