"""The fast test layer cannot start a kernel: an unmarked test that tries is refused."""

from __future__ import annotations

import pytest
from jupyter_client.manager import AsyncKernelManager, KernelManager
from jupyter_core.utils import run_sync

import conftest


@pytest.fixture
def expect_refusal():
    yield
    assert conftest._KERNEL_STARTS_REFUSED, "the kernel start was not refused"
    conftest._KERNEL_STARTS_REFUSED.clear()  # the refusal was the point of the test


def test_unmarked_test_cannot_start_an_async_kernel(expect_refusal):
    with pytest.raises(RuntimeError, match=r"mark it @pytest.mark.e2e"):
        run_sync(AsyncKernelManager(kernel_name="python3").start_kernel)()


def test_unmarked_test_cannot_start_a_kernel(expect_refusal):
    with pytest.raises(RuntimeError, match=r"mark it @pytest.mark.e2e"):
        KernelManager(kernel_name="python3").start_kernel()

