"""The machine a benchmark ran on, for the first line of its output."""

import os

from qa_lib.run.execute import usable_cores


def machine() -> str:
    """Cores this process may use (as a round counts them) and memory, e.g. '2 cores, 24 GiB'."""
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{usable_cores()} cores, {mem:.0f} GiB"
