"""Handing memory back to the system after a large build."""

from __future__ import annotations

import ctypes


def release_free_memory() -> None:
    """Hand heap memory freed by a build back to the system (glibc's malloc_trim; a no-op
    elsewhere): the build's temporary objects would otherwise stay in the process's RSS."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
