"""How much memory one image may take: the limit checked before decompressing or
building anything big, so a small file announcing a huge image is refused up front.

``SKYGLASS_MEMORY_BUDGET`` (bytes, or with a K/M/G suffix) overrides the default: half
the memory available when the program starts, at most :data:`DEFAULT_CAP`.
"""

from __future__ import annotations

import os

ENV = "SKYGLASS_MEMORY_BUDGET"
#: 4 GiB: a 32k x 32k float32 image; bigger ones need the variable (or a binned view).
DEFAULT_CAP = 4 * 2**30
_UNITS = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def _available() -> int:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def parse_size(text: str) -> int:
    """``"512M"`` -> 536870912; a plain number is bytes. ValueError when not a size."""
    text = text.strip().upper().removesuffix("B")
    factor = _UNITS.get(text[-1:], 1)
    number = float(text[:-1] if text[-1:] in _UNITS else text)
    if not number > 0 or number == float("inf"):
        raise ValueError(text)
    return int(number * factor)


def memory_budget() -> int:
    """Bytes one image (its stored values plus the float32 values shown) may take."""
    value = os.environ.get(ENV, "").strip()
    if value:
        try:
            return parse_size(value)
        except ValueError:
            pass
    return min(_available() // 2, DEFAULT_CAP)


def human(nbytes: float) -> str:
    """``3.2 GB``: sizes in messages."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if nbytes < 1000 or unit == "GB":
            return f"{nbytes:.0f} {unit}" if unit == "bytes" else f"{nbytes:.1f} {unit}"
        nbytes /= 1000
    return f"{nbytes:.1f} TB"
