"""A private Mosquitto for tests and benchmarks: started on a free loopback port, stoppable and
restartable. (The demo's broker, which falls back to an embedded one, is ``simulators.demo_broker``.)"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from simulators.demo_broker import find_mosquitto, free_port

__all__ = ["Mosquitto", "find_mosquitto", "free_port"]


class Mosquitto:
    """One private broker process. ``stop()`` and ``start()`` again keep the same port."""

    def __init__(self, workdir: Path, port: int | None = None, *, binary: str | None = None) -> None:
        found = binary or find_mosquitto()
        if found is None:
            raise RuntimeError("mosquitto binary not found (apt-get install mosquitto)")
        self.binary = found
        self.port = port or free_port()
        self.workdir = workdir
        self.conf = workdir / "mosquitto.conf"
        self.log = workdir / "mosquitto.log"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence false\n"
            "max_queued_messages 100000\n"
            "max_inflight_messages 100\n"
            f"log_dest file {self.log}\n"
            "log_type error\nlog_type warning\n"
        )
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        self._proc = subprocess.Popen(
            [self.binary, "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited with {self._proc.returncode}; see {self.log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen on {self.port} within {timeout}s")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
