"""The shipped deploy/mosquitto configuration made runnable in a test: paths and ports moved to temp ones.

Only paths and ports change; every other line (users, ACLs, TLS settings) is the file a store installs.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from simulators.demo_broker import find_mosquitto
from tests.broker import free_port
from tests.conftest import DEMO_LAYOUT, ROOT, require

__all__ = [
    "BROKER_USER",
    "MAKE_CERTS",
    "SHIPPED_CONF",
    "InstalledBroker",
    "installed_broker",
    "make_certs",
    "shipped_broker_conf",
]

SHIPPED_CONF = ROOT / "deploy" / "mosquitto" / "mosquitto.conf"
MAKE_CERTS = ROOT / "deploy" / "mosquitto" / "make_certs.sh"


def make_certs(out: Path, *hosts: str, owner: str | None = None) -> Path:
    """Run the shipped make_certs.sh into ``out`` for ``hosts``; returns ``out``."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"}
    if owner:
        env["OWNER"] = owner
    subprocess.run(["sh", str(MAKE_CERTS), str(out), *hosts], check=True, capture_output=True, env=env)
    return out


def shipped_broker_conf(
    *,
    secrets_dir: Path,
    certs_dir: Path,
    plain_port: int,
    tls_port: int,
    data_dir: Path,
    log_file: Path | None = None,
) -> str:
    """mosquitto.conf as shipped, with the secrets, certificates and data in temp dirs and free ports."""
    shipped = SHIPPED_CONF.read_text()
    conf = (
        shipped.replace("/etc/mosquitto/fitroom", str(secrets_dir))
        .replace("/etc/mosquitto/certs", str(certs_dir))
        .replace("\nlistener 1883 127.0.0.1\n", f"\nlistener {plain_port} 127.0.0.1\n")
        .replace("\nlistener 8883\n", f"\nlistener {tls_port} 127.0.0.1\n")
        .replace("/var/lib/mosquitto/", f"{data_dir}/")
    )
    if log_file is not None:
        conf = conf.replace("log_dest stderr", f"log_dest file {log_file}")
    for moved in (f"listener {plain_port} 127.0.0.1", f"listener {tls_port} 127.0.0.1", str(certs_dir)):
        if moved not in conf:
            raise AssertionError(f"the shipped mosquitto.conf changed shape: {moved!r} not placed")
    return conf


MAKE_ACL = ROOT / "deploy" / "mosquitto" / "make_acl.py"
BROKER_USER = "mosquitto"


@dataclass
class InstalledBroker:
    tls_port: int
    plain_port: int
    ca_file: Path
    credentials: dict[str, str]
    pid: int

    def client(self, user: str, password: str | None = None, *, ca_file: Path | None = None) -> paho.Client:
        """A paho client for ``user`` over TLS, connected (or refused) and looping; the caller stops it."""
        client = paho.Client(
            callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"{user}-{uuid.uuid4().hex[:6]}"
        )
        client.username_pw_set(user, self.credentials[user] if password is None else password)
        client.tls_set(ca_certs=str(ca_file or self.ca_file))
        client.connect("localhost", self.tls_port)
        client.loop_start()
        return client


def _wait_port(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"mosquitto exited {proc.returncode}: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"mosquitto did not listen on {port}: {log.read_text()}")


@contextmanager
def installed_broker() -> Iterator[InstalledBroker]:
    """The shipped broker configuration run as the mosquitto user, with make_acl.py users and ACL for the
    demo layout and make_certs.sh TLS; skips (fails in CI) when a real part is missing."""
    binary = find_mosquitto()
    require(binary is not None, "mosquitto binary (apt-get install mosquitto)")
    require(bool(shutil.which("mosquitto_passwd")), "mosquitto_passwd (apt-get install mosquitto)")
    require(bool(shutil.which("openssl")), "openssl (apt-get install openssl)")
    try:
        account = pwd.getpwnam(BROKER_USER)
    except KeyError:
        account = None
    require(account is not None, f"the {BROKER_USER!r} system user (apt-get install mosquitto)")
    require(os.geteuid() == 0, "root, to start mosquitto so that it drops to its own user")
    assert binary is not None and account is not None
    # Not under pytest's 0700 temp root: the broker's own user must reach these files, as in /etc.
    root = Path(tempfile.mkdtemp(prefix="fitroom-broker-"))
    root.chmod(0o755)
    secrets, data, log = root / "fitroom", root / "data", root / "mosquitto.log"
    subprocess.run(
        [
            sys.executable,
            str(MAKE_ACL),
            "--layout",
            str(DEMO_LAYOUT),
            "--out",
            str(secrets),
            "--passwords",
            "--owner",
            BROKER_USER,
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    secrets.chmod(0o750)
    os.chown(secrets, 0, account.pw_gid)
    certs = make_certs(root / "certs", "localhost", "127.0.0.1", owner=BROKER_USER)
    certs.chmod(0o755)
    data.mkdir()
    os.chown(data, account.pw_uid, account.pw_gid)
    credentials = dict(
        line.split("=", 1) for line in (secrets / "credentials.env").read_text().splitlines() if line
    )
    plain_port, tls_port = free_port(), free_port()
    conf = root / "mosquitto.conf"
    conf.write_text(
        shipped_broker_conf(
            secrets_dir=secrets, certs_dir=certs, plain_port=plain_port, tls_port=tls_port, data_dir=data
        )
        + f"user {BROKER_USER}\n"
    )
    with log.open("wb") as log_fh:
        proc = subprocess.Popen([binary, "-c", str(conf)], stdout=log_fh, stderr=log_fh)
    try:
        _wait_port(tls_port, proc, log)
        yield InstalledBroker(tls_port, plain_port, certs / "ca.crt", credentials, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)
