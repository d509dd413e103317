"""Worker processes that end with the build: a pool whose parent is killed (kill -9, an OOM kill) must not
leave its workers rendering forever (each holds ~150 MB).

On Linux the kernel signals a worker when its parent dies (prctl PR_SET_PDEATHSIG); elsewhere, and as a
second guard, a daemon thread in the worker checks once a second that its parent is still the one it had.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_CHECK_S = 1.0  # how often the fallback thread looks for its parent


def _watch_parent(parent_pid: int) -> None:
    while True:
        if os.getppid() != parent_pid:  # re-parented: the build is gone
            os._exit(1)
        threading.Event().wait(PARENT_CHECK_S)


def die_with_parent(parent_pid: int) -> None:
    """Pool initializer: end this worker when the process that made the pool dies."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass  # the thread below still guards
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers end with this process."""
    return ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent, initargs=(os.getpid(),))
