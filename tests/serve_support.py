"""A `ce-policy serve` process for the tests: started on a free loopback port, waited for, and stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

START = "import sys; from ce_policy.cli.main import main; sys.argv[0] = 'ce-policy'; main()"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """One ``ce-policy serve`` process on 127.0.0.1, its output kept in a file."""

    def __init__(
        self, args: list[str], workdir: Path, env: dict[str, str] | None = None, *, access_log: bool = False
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.output = workdir / f"server-{self.port}.log"
        environment = {**os.environ, "CE_POLICY_API_KEYS": "", **(env or {})}
        logging = "--access-log" if access_log else "--no-access-log"
        command = [sys.executable, "-c", START, "serve", "--port", str(self.port), logging, *args]
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environment)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}): {self.log_text()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server was not ready within {timeout} s: {self.log_text()}")

    def log_text(self) -> str:
        """What the server printed."""
        return self.output.read_text(encoding="utf-8", errors="replace")

    def hangup(self) -> None:
        """Send the server SIGHUP (reload the policies)."""
        self.process.send_signal(signal.SIGHUP)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
