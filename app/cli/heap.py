"""Keep freed memory in the process instead of handing it back to the system at once.

sep's background and extraction allocate a buffer per row of meshes and free it again;
glibc returns each one to the system and the next is faulted in page by page (29,000
page faults, 35 ms, for one 4096^2 background). A short-lived command that works on one
image is better off keeping them: the memory is reused, and it goes back at exit.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys

log = logging.getLogger(__name__)

# glibc's mallopt() parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3


def keep_freed_memory() -> bool:
    """Raise glibc's trim and mmap thresholds for this process (no-op elsewhere).

    Returns
    -------
    bool
        True when the thresholds were changed (Linux with glibc).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others: nothing to tune
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    done = (
        mallopt(_M_MMAP_THRESHOLD, 32 << 20) == 1
        and mallopt(_M_TRIM_THRESHOLD, 512 << 20) == 1
        and mallopt(_M_TOP_PAD, 64 << 20) == 1
    )
    log.debug("kept freed memory for reuse: %s", done)
    return done
