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

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from traitlets import default

KERNEL_NAME = "qa-audit-round"


def usable_cores() -> int:
    """The cores this process may run on (a container's or ``taskset``'s limit, where
    ``os.cpu_count`` would give the whole machine's): the default number of workers."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


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


ENGINE = "qa-audit"
_engine_registered = False


def _register_engine() -> None:
    """Register papermill's nbclient engine with two changes, under the name ``qa-audit``.

    * It takes the kernel's client (``kc``) as well as its manager: nbclient always starts a
      new client otherwise, and a new client waits for 0.2 s of silence from the kernel.
    * It saves the notebook once, at the end, instead of papermill's two saves per cell
      (about 0.2 s of the driver's time per notebook); a notebook that fails or hangs is
      still saved as far as it got, so the lead can see which step stopped.
    """
    global _engine_registered
    if _engine_registered:
        return
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.iorw import write_ipynb

    class QAEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False,
                                     stdout_file=None, stderr_file=None, start_timeout=60,
                                     execution_timeout=None, kc=None, save_to=None,
                                     **kwargs):
            kwargs.pop("input_path", None)
            client = PapermillNotebookClient(
                nb_man, kernel_name=kernel_name, log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file,
                startup_timeout=start_timeout, timeout=execution_timeout, **kwargs)
            client.kc = kc
            try:
                return client.execute()
            except BaseException:
                if save_to:
                    write_ipynb(nb_man.nb, save_to)
                raise

    papermill_engines.register(ENGINE, QAEngine)  # registering twice is harmless
    _engine_registered = True


def execute_notebook(src: Path, dst: Path, parameters: dict, kernel: str,
                     timeout: int = 600, km: AsyncKernelManager | None = None,
                     kc: AsyncKernelClient | None = None) -> None:
    """Execute one notebook with papermill into ``dst``; the kernel runs in dst's folder.

    With ``km`` (an already started kernel) and its client ``kc`` the notebook runs in that
    kernel, which is left running for the next notebook; without them papermill starts and
    stops a fresh one.
    """
    import papermill as pm

    _register_engine()
    # The kernel's working folder is given to nbclient (resources.metadata.path), not by
    # papermill's cwd=, which calls os.chdir for the whole process and races between threads.
    extra = ({"km": km, "kc": kc} if km is not None
             else {"kernel_manager_class": IPCKernelManager})
    pm.execute_notebook(str(src), str(dst), parameters=parameters, kernel_name=kernel,
                        engine_name=ENGINE, request_save_on_cell_execute=False,
                        save_to=str(dst), progress_bar=False, log_output=False,
                        execution_timeout=timeout, start_timeout=120,
                        resources={"metadata": {"path": str(dst.parent)}}, **extra)


# Run in a warm kernel before each notebook: remove every name a notebook can have set (not
# IPython's own, which it hides, and not the underscore names of its output history).
CLEAR_NAMES = """\
for _qa_name in [n for n in list(globals())
                 if not n.startswith("_") and n not in get_ipython().user_ns_hidden]:
    del globals()[_qa_name]
globals().pop("_qa_name", None)
"""


class WarmKernels:
    """One kernel per worker thread, started on first use and reused for that worker's next
    notebooks, its names cleared before each (:meth:`clean`), so a reused kernel gives the same
    pages as a fresh one (tests hold both). A kernel whose notebook failed or timed out is
    shut down and replaced, so a hung kernel never takes another notebook.

    The kernel's client is kept too: a new client waits for 0.2 s of silence on the kernel's
    output channel before it is ready (jupyter_client's ``wait_for_ready``), which is paid
    once per worker instead of once per notebook. nbclient matches every message to the cell
    that asked for it, so nothing left over from one notebook reaches the next."""

    def __init__(self, kernel: str, cwd: Path):
        self.kernel, self.cwd = kernel, cwd
        self._local = threading.local()
        self._all: list[list] = []  # [manager, client] per worker
        self._lock = threading.Lock()

    def get(self) -> tuple[AsyncKernelManager, AsyncKernelClient]:
        """This worker's kernel and client, started on first use."""
        warm = getattr(self._local, "warm", None)
        if warm is None:
            warm = [IPCKernelManager(kernel_name=self.kernel), None]
            with self._lock:  # listed before it starts, so close() finds a half-started one
                self._all.append(warm)
            run_sync(warm[0].start_kernel)(cwd=str(self.cwd))
            warm[1] = kc = warm[0].client()
            kc.start_channels()
            run_sync(kc.wait_for_ready)(timeout=120)
            kc.allow_stdin = False
            self._local.warm = warm
        return warm[0], warm[1]

    def clean(self) -> tuple[AsyncKernelManager, AsyncKernelClient]:
        """This worker's kernel and client with every name the previous notebook set removed,
        so a notebook never silently uses a name left over from another partner's; imported
        modules stay loaded, which is what makes a warm kernel quick. (IPython's ``%reset
        -f`` does the same but also runs a full garbage collection: 44 ms against 4 ms.)"""
        km, kc = self.get()
        reply = run_sync(kc.execute_interactive)(
            CLEAR_NAMES, silent=True, store_history=False, output_hook=lambda msg: None,
            timeout=60)
        if reply["content"].get("status") != "ok":
            raise RuntimeError("the kernel could not be cleared for the next notebook")
        return km, kc

    def discard(self) -> None:
        """Shut this worker's kernel down; the next ``get`` starts a new one."""
        warm = getattr(self._local, "warm", None)
        self._local.warm = None
        if warm is not None:
            with self._lock:
                self._all = [w for w in self._all if w is not warm]
            _shutdown(*warm)

    def close(self) -> None:
        """Shut every kernel down."""
        with self._lock:
            warm, self._all = self._all, []
        for km, kc in warm:
            _shutdown(km, kc)


def _shutdown(km: AsyncKernelManager, kc: AsyncKernelClient | None = None) -> None:
    try:
        if kc is not None:
            kc.stop_channels()
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
class JobResult:
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
             on_done: Callable[[JobResult, int, int], None] | None = None,
             reuse_kernels: bool = True) -> list[JobResult]:
    """Run notebooks on ``workers`` threads; ``on_done(outcome, done, total)`` is called in the
    caller's thread as each finishes (so rendering and printing never race). With
    ``reuse_kernels`` each worker keeps one kernel for its notebooks (see :class:`WarmKernels`)."""
    warm = WarmKernels(kernel, jobs[0].dst.parent) if reuse_kernels and jobs else None

    def one(job: Job) -> JobResult:
        t0 = time.perf_counter()
        try:
            km, kc = warm.clean() if warm else (None, None)
            execute_notebook(job.src, job.dst, job.parameters, kernel, timeout, km=km, kc=kc)
        except Exception as exc:  # reported per job; never stops the others
            if warm:
                warm.discard()
            return JobResult(job, False, time.perf_counter() - t0, explain(exc, timeout))
        return JobResult(job, True, time.perf_counter() - t0)

    results: list[JobResult] = []
    workers = max(1, min(workers, len(jobs)))
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="notebook") as pool:
            futures = [pool.submit(one, j) for j in jobs]
            for k, fut in enumerate(as_completed(futures), start=1):
                out = fut.result()
                results.append(out)
                if on_done:
                    on_done(out, k, len(jobs))
    finally:
        if warm:
            warm.close()
    order = {id(j): i for i, j in enumerate(jobs)}
    return sorted(results, key=lambda o: order[id(o.job)])
