"""Executing the report notebooks with papermill: our own kernel, in parallel, with timeouts.

* The kernel is this very interpreter (a kernelspec written to a temporary folder
  and put first on JUPYTER_PATH), so "kernel not found" cannot happen and the
  toolkit's own ``qa_lib`` is importable in the kernel.
* Kernels talk over IPC sockets (unique files per kernel), not TCP ports, which
  removes the port-clash race when several kernels start at once.
* Notebooks run on a pool of threads, one per core by default; each job's
  failure (a cell error, a kernel that will not start, a cell that runs past
  the timeout) is caught and reported with the job's name, and the others go on.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from traitlets import default

KERNEL_NAME = "qa-audit-round"


class IPCKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels listen on IPC sockets beside their connection file."""

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    @default("ip")
    def _default_ip(self) -> str:
        # jupyter_client's default for IPC ("kernel-ipc" in the working folder) is shared by
        # every kernel started from the same folder: give each kernel its own socket path.
        return os.path.join(tempfile.gettempdir(), f"qa-audit-{uuid.uuid4().hex[:16]}")


@contextmanager
def own_kernel() -> Iterator[str]:
    """Register a kernelspec for this interpreter for the duration of a round."""
    tmp = Path(tempfile.mkdtemp(prefix="qa-audit-kernel-"))
    kdir = tmp / "kernels" / KERNEL_NAME
    kdir.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                     "--log-level=ERROR"],
            "display_name": "qa-audit (round)", "language": "python",
            "env": {"MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}}
    (kdir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(tmp) + (os.pathsep + old if old else "")
    try:
        yield KERNEL_NAME
    finally:
        if old is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = old
        shutil.rmtree(tmp, ignore_errors=True)


def execute_notebook(src: Path, dst: Path, parameters: dict, kernel: str,
                     timeout: int = 600, km: AsyncKernelManager | None = None) -> None:
    """Execute one notebook with papermill into ``dst``; the kernel runs in dst's folder.

    With ``km`` (an already started kernel) the notebook runs in that kernel, which is left
    running for the next notebook; without it papermill starts and stops a fresh one.
    """
    import papermill as pm

    # The kernel's working folder is given to nbclient (resources.metadata.path), not by
    # papermill's cwd=, which calls os.chdir for the whole process and races between threads.
    extra = {"km": km} if km is not None else {"kernel_manager_class": IPCKernelManager}
    pm.execute_notebook(str(src), str(dst), parameters=parameters, kernel_name=kernel,
                        progress_bar=False, log_output=False,
                        execution_timeout=timeout, start_timeout=120,
                        resources={"metadata": {"path": str(dst.parent)}}, **extra)


class WarmKernels:
    """One kernel per worker thread, started on first use and reused for that worker's next
    notebooks (the notebooks set every name they use in their parameters and first cells, so
    a reused kernel gives the same pages; a test holds that). A kernel whose notebook failed or
    timed out is shut down and replaced, so a hung kernel never takes another notebook."""

    def __init__(self, kernel: str, cwd: Path):
        self.kernel, self.cwd = kernel, cwd
        self._local = threading.local()
        self._all: list[AsyncKernelManager] = []
        self._lock = threading.Lock()

    def get(self) -> AsyncKernelManager:
        km = getattr(self._local, "km", None)
        if km is None:
            km = IPCKernelManager(kernel_name=self.kernel)
            run_sync(km.start_kernel)(cwd=str(self.cwd))
            self._local.km = km
            with self._lock:
                self._all.append(km)
        return km

    def discard(self) -> None:
        km = getattr(self._local, "km", None)
        self._local.km = None
        if km is not None:
            _shutdown(km)

    def close(self) -> None:
        with self._lock:
            kms, self._all = self._all, []
        for km in kms:
            _shutdown(km)


def _shutdown(km: AsyncKernelManager) -> None:
    try:
        if run_sync(km.is_alive)():
            run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # a kernel that is already gone needs nothing more
        pass


@dataclass
class Job:
    """One notebook to run: its name for people, source, destination and parameters."""

    name: str
    src: Path
    dst: Path
    parameters: dict


@dataclass
class Outcome:
    """How a job ended."""

    job: Job
    ok: bool
    seconds: float
    error: str = ""


def explain(exc: BaseException, timeout: int) -> str:
    """A failure in words for the audit lead (the last line of the notebook's error)."""
    name = type(exc).__name__
    if "Timeout" in name or isinstance(exc, TimeoutError):
        return (f"stopped: a step ran for more than {timeout} s without finishing "
                "(the notebook hung)")
    lines = [ln for ln in str(exc).strip().splitlines() if ln.strip()]
    return f"{name}: {lines[-1] if lines else 'no message'}"[:300]


def run_jobs(jobs: list[Job], kernel: str, *, workers: int = 1, timeout: int = 600,
             on_done: Callable[[Outcome, int, int], None] | None = None,
             reuse_kernels: bool = True) -> list[Outcome]:
    """Run notebooks on ``workers`` threads; ``on_done(outcome, done, total)`` is called in the
    caller's thread as each finishes (so rendering and printing never race). With
    ``reuse_kernels`` each worker keeps one kernel for its notebooks (see :class:`WarmKernels`)."""
    warm = WarmKernels(kernel, jobs[0].dst.parent) if reuse_kernels and jobs else None

    def one(job: Job) -> Outcome:
        t0 = time.perf_counter()
        try:
            km = warm.get() if warm else None
            execute_notebook(job.src, job.dst, job.parameters, kernel, timeout, km=km)
        except Exception as exc:  # reported per job; never stops the others
            if warm:
                warm.discard()
            return Outcome(job, False, time.perf_counter() - t0, explain(exc, timeout))
        return Outcome(job, True, time.perf_counter() - t0)

    outcomes: list[Outcome] = []
    workers = max(1, min(workers, len(jobs)))
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="notebook") as pool:
            futures = [pool.submit(one, j) for j in jobs]
            for k, fut in enumerate(as_completed(futures), start=1):
                out = fut.result()
                outcomes.append(out)
                if on_done:
                    on_done(out, k, len(jobs))
    finally:
        if warm:
            warm.close()
    order = {id(j): i for i, j in enumerate(jobs)}
    return sorted(outcomes, key=lambda o: order[id(o.job)])
