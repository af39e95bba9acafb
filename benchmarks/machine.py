"""The machine a benchmark ran on, for the first line of its output."""

import os


def machine() -> str:
    """Cores and memory, e.g. '2 cores, 24 GiB'."""
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem:.0f} GiB"
