"""bench/web.py's own parts, tiny: the server's CPU is read from its processes, and one small run prints
every figure beside its target."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bench import web


def test_server_cpu_counts_the_process_and_its_children_and_grows_with_their_work() -> None:
    spinner = subprocess.Popen([sys.executable, "-c", (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time\\nend = time.process_time() + 0.4\\n"
        "while time.process_time() < end: pass\\ntime.sleep(30)'])\n"
        "time.sleep(30)\n")])
    try:
        deadline = time.monotonic() + 20
        while len(web._process_tree(spinner.pid)) < 2:
            assert time.monotonic() < deadline, "the child process never started"
            time.sleep(0.05)
        tree = web._process_tree(spinner.pid)
        assert tree[0] == spinner.pid and os.getpid() not in tree
        while web.server_cpu_seconds(tree[1:]) < 0.4:  # the child's busy loop, counted from /proc
            assert time.monotonic() < deadline, "the child's CPU time was never seen"
            time.sleep(0.05)
        assert web.server_cpu_seconds(tree) >= web.server_cpu_seconds(tree[1:])
    finally:
        for pid in reversed(web._process_tree(spinner.pid)):
            os.kill(pid, 9)
        spinner.wait()


def test_a_tiny_run_prints_each_page_beside_the_sign_in_page_and_the_targets(
        capsys: pytest.CaptureFixture[str]) -> None:
    web.main(["--only", "sqlite", "--people", "300", "--appointments", "1500", "--requests", "8",
              "--seconds", "1", "--workers", "1"])
    printed = capsys.readouterr().out
    for page in web.console_pages(300):
        assert f"    {page.name}" in printed
    assert "(50 requests," in printed and "0 answers not 200" in printed  # 1 s at 50 a second, all served
    assert "SQLite: caseload server CPU at most 2x the sign-in page:" in printed
    assert "SQLite: person page server CPU at most 2x the sign-in page:" in printed
    assert "SQLite: p99 at most 50 ms at 50 requests a second:" in printed
