"""The demo's MQTT broker: a private Mosquitto on a free loopback port when the binary is installed (on
PATH or in /usr/sbin), else amqtt's broker embedded in the demo's own event loop.

The Mosquitto child runs in its own process group (Ctrl-C reaches the demo, which stops the broker last)
and is told to die with the demo even if the demo is killed outright (Linux parent-death signal).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import getpass
import importlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

__all__ = ["DemoBroker", "find_mosquitto", "free_port", "port_is_free"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def find_mosquitto() -> str | None:
    found = shutil.which("mosquitto")
    if found:
        return found
    for candidate in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _die_with_parent() -> None:
    """In the Mosquitto child: get SIGTERM if the demo dies, even by SIGKILL (Linux prctl)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class DemoBroker:
    """A private MQTT broker on 127.0.0.1: Mosquitto when installed, else amqtt in this process."""

    def __init__(self, workdir: Path, *, prefer_embedded: bool = False) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.binary = None if prefer_embedded else find_mosquitto()
        self.why_embedded = "as asked" if prefer_embedded else "no mosquitto binary found"
        self.kind = "mosquitto" if self.binary else "embedded amqtt"
        self._proc: subprocess.Popen[bytes] | None = None
        self._amqtt: Any = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def describe(self) -> str:
        if self.binary:
            return f"private Mosquitto ({self.binary}) on 127.0.0.1:{self.port}"
        return f"embedded Python broker (amqtt; {self.why_embedded}) on 127.0.0.1:{self.port}"

    async def start(self) -> None:
        if self.binary:
            conf = self.workdir / "mosquitto.conf"
            conf.write_text(
                f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                # Run as whoever runs the demo: a switch of user would clear the parent-death signal.
                f"user {getpass.getuser()}\n"
                f"log_dest file {self.workdir / 'mosquitto.log'}\nlog_type error\nlog_type warning\n"
            )
            self._proc = subprocess.Popen(
                [self.binary, "-c", str(conf)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,  # only sets the parent-death signal
                # Its own process group: Ctrl-C reaches the demo, which stops the broker last, after
                # the devices have said "offline" and the edge has drained.
                start_new_session=True,
            )
        else:
            try:
                broker_module = importlib.import_module("amqtt.broker")
            except ImportError:
                raise SystemExit(
                    "fitroom-demo: no MQTT broker: install Mosquitto (apt-get install mosquitto) or the "
                    "embedded one (pip install -e '.[embedded-broker]')"
                ) from None
            self._amqtt = broker_module.Broker(
                {
                    "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{self.port}"}},
                    "plugins": {
                        "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}
                    },
                }
            )
            await self._amqtt.start()  # listening once this returns
            return
        await self._wait_listening()

    async def _wait_listening(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise SystemExit(f"fitroom-demo: mosquitto exited with {self._proc.returncode}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.05)
        raise SystemExit(f"fitroom-demo: the broker did not listen on {self.port} within {timeout}s")

    async def stop(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.terminate()
                try:
                    await asyncio.to_thread(self._proc.wait, 5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    await asyncio.to_thread(self._proc.wait)
            self._proc = None
        if self._amqtt is not None:
            await self._amqtt.shutdown()
            self._amqtt = None
