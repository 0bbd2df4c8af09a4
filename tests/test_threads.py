"""xctkit._threads.shared_cores: the thread share of processes started side by side."""

import os

import pytest

from xctkit._threads import THREAD_VARIABLES, shared_cores


def test_each_process_gets_its_share_and_the_environment_is_restored(monkeypatch):
    for n in THREAD_VARIABLES:
        monkeypatch.delenv(n, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "7")  # the user's choice is kept
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    with shared_cores(4) as share:
        assert share == "2"
        assert os.environ["OMP_NUM_THREADS"] == "2" and os.environ["NUMBA_NUM_THREADS"] == "2"
        assert os.environ["MKL_NUM_THREADS"] == "7"
    assert "OMP_NUM_THREADS" not in os.environ and os.environ["MKL_NUM_THREADS"] == "7"
    with shared_cores(1):
        assert "OMP_NUM_THREADS" not in os.environ  # one process: nothing to share
    with shared_cores(16) as share:
        assert share == "1"  # never zero threads
    with pytest.raises(ValueError, match="n_processes"):
        with shared_cores(0):
            pass
