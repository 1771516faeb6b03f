"""The shipped deploy/mosquitto configuration made runnable in a test: paths and ports moved to temp ones.

Only paths and ports change; every other line (users, ACLs, TLS settings) is the file a store installs.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import ROOT

__all__ = ["MAKE_CERTS", "SHIPPED_CONF", "make_certs", "shipped_broker_conf"]

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
