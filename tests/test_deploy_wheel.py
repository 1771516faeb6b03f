"""What the image runs, without a container engine: the package's wheel installed in a clean virtualenv
with no source tree beside it, ``fitroom-central serve`` over HTTPS and ``fitroom-edge run`` in
production mode syncing to it, both reported healthy by the image's own probe (``edge.healthcheck``); the
edge on ``mqtts://`` to the shipped broker configuration (its own user, the store CA), where a reader
publishing over TLS with its own user puts a garment in a fitting room's ``/api/rooms``.

No container engine runs on this CI machine (Debian's podman: no registry to pull a base image from, and
crun refuses the host's hybrid cgroups), so the image itself is not built here; deploy/Dockerfile does
exactly these steps: ``pip wheel --no-deps``, install the wheel into /opt/fitroom/venv, start a command.

To keep the test near a minute, the third-party dependencies are not downloaded again: the clean
virtualenv reads them from the test run's own environment through a ``.pth`` line, which adds a plain
directory (its ``.pth`` files, the editable install of this checkout among them, are not processed).
The test checks that ``edge``, ``cloud_sync`` and ``simulators`` are imported from the wheel.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.broker import free_port
from tests.conftest import DEMO_LAYOUT, ROOT, require
from tests.deploy_support import InstalledBroker, installed_broker, make_certs

pytestmark = pytest.mark.broker


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FITROOM_", "PYTHON", "VIRTUAL_ENV", "SSL_CERT"))
    }
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A virtualenv with the built wheel installed; yields its bin directory."""
    base = tmp_path_factory.mktemp("wheel-install")
    wheels = base / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--quiet", "-w", str(wheels)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env=_clean_env(),
        timeout=300,
    )
    (wheel,) = wheels.glob("fitroom-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        cwd=base,
        env=_clean_env(),
        timeout=300,
    )
    purelib = Path(
        subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (purelib / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    yield venv / "bin"


@pytest.fixture(scope="module")
def broker() -> Iterator[InstalledBroker]:
    with installed_broker() as running:
        yield running


EPC = "3074257BF7194E4000001A85"


def _impinj_read(antenna: int) -> bytes:
    """One Impinj IoT tagInventory event (docs/formats.md §1), as an R700 with epcHex on publishes it."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".000000000Z"
    epc = base64.urlsafe_b64encode(bytes.fromhex(EPC)).decode().rstrip("=")
    event = {"epc": epc, "epcHex": EPC, "antennaPort": antenna, "peakRssiCdbm": -4800}
    return json.dumps(
        {"timestamp": now, "hostname": "impinj-a", "eventType": "tagInventory", "tagInventoryEvent": event}
    ).encode()


def test_the_wheel_alone_provides_the_packages_and_both_commands(installed: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            str(installed / "python"),
            "-c",
            "import edge, cloud_sync, simulators, edge.storage.migrations as m, cloud_sync.central.db as c; "
            "print('\\n'.join(x.__file__ for x in (edge, cloud_sync, simulators, m, c)))",
        ],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    venv = str(installed.parent)
    for path in done.stdout.split():
        assert path.startswith(venv), f"imported from outside the wheel's install: {path}"
    for command in ("fitroom-edge", "fitroom-central", "fitroom-sim"):
        assert os.access(installed / command, os.X_OK)


def _until_healthy(
    python: Path,
    url: str,
    proc: subprocess.Popen[bytes],
    log: Path,
    *,
    ca: Path | None = None,
    seconds: float = 60,
) -> None:
    env = _clean_env(**({"FITROOM_HEALTH_CA_FILE": str(ca)} if ca else {}))
    deadline = time.monotonic() + seconds
    why = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{url}: the service exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        probe = subprocess.run(
            [str(python), "-m", "edge.healthcheck", url], env=env, capture_output=True, text=True, timeout=30
        )
        if probe.returncode == 0:
            return
        why = probe.stderr
        time.sleep(0.5)
    pytest.fail(f"not healthy in {seconds} s: {why}\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_the_installed_edge_and_central_store_run_over_tls_and_show_a_readers_tags(
    installed: Path, broker: InstalledBroker, tmp_path: Path
) -> None:
    require(bool(shutil.which("openssl")), "openssl (apt-get install openssl)")
    run = tmp_path / "run"  # the services' working directory: no source tree in it or above it
    run.mkdir()
    layout = run / "layout.toml"
    layout.write_text(DEMO_LAYOUT.read_text())
    certs = make_certs(tmp_path / "certs", "localhost", "127.0.0.1")
    admin = run / "admin_token"
    admin.write_text("an-admin-token-for-this-test\n")
    central_env = _clean_env(
        FITROOM_CENTRAL_DB_URL=f"sqlite:///{run / 'central.db'}", FITROOM_CENTRAL_ADMIN_TOKEN_FILE=str(admin)
    )
    added = subprocess.run(
        [str(installed / "fitroom-central"), "add-store", "--id", "store-042", "--name", "Flagship"],
        cwd=run,
        env=central_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    key_file = run / "store_key"
    key_file.write_text(added.stdout.strip() + "\n")
    mqtt_password = run / "mqtt_password"
    mqtt_password.write_text(broker.credentials["fitroom-edge"])

    central_port, edge_port = free_port(), free_port()
    central_log, edge_log = run / "central.log", run / "edge.log"
    with central_log.open("wb") as log:
        central = subprocess.Popen(
            [
                str(installed / "fitroom-central"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(central_port),
                "--ssl-certfile",
                str(certs / "broker.crt"),
                "--ssl-keyfile",
                str(certs / "broker.key"),
            ],
            cwd=run,
            env=central_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    edge: subprocess.Popen[bytes] | None = None
    try:
        with edge_log.open("wb") as log:
            edge = subprocess.Popen(
                [str(installed / "fitroom-edge"), "run"],
                cwd=run,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_clean_env(
                    FITROOM_LAYOUT=str(layout),
                    FITROOM_PORT=str(edge_port),
                    FITROOM_MQTT_URL=f"mqtts://localhost:{broker.tls_port}",
                    FITROOM_MQTT_USERNAME="fitroom-edge",
                    FITROOM_MQTT_PASSWORD_FILE=str(mqtt_password),
                    FITROOM_MQTT_CA_FILE=str(broker.ca_file),
                    FITROOM_DB_URL=f"sqlite:///{run / 'edge.db'}",
                    FITROOM_CENTRAL_URL=f"https://localhost:{central_port}",
                    FITROOM_STORE_KEY_FILE=str(key_file),
                    SSL_CERT_FILE=str(certs / "ca.crt"),  # the central store's private CA
                ),
            )
        _until_healthy(
            installed / "python",
            f"https://localhost:{central_port}/healthz",
            central,
            central_log,
            ca=certs / "ca.crt",
        )
        _until_healthy(installed / "python", f"http://127.0.0.1:{edge_port}/healthz", edge, edge_log)
        status: dict[str, object] = {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status = httpx.get(f"http://127.0.0.1:{edge_port}/api/sync/status", timeout=5).json()
            if status.get("last_pull") and status.get("last_error") is None:
                break
            time.sleep(0.5)
        assert status.get("enabled") is True and status.get("last_pull"), status
        assert status.get("last_error") is None, status

        reader = broker.client("impinj-a")  # the reader's own user, over TLS
        fr1: list[str] = []
        try:
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and EPC not in fr1:
                for _ in range(5):
                    reader.publish("stores/store-042/rfid/impinj-a", _impinj_read(1), qos=1)
                    time.sleep(0.2)
                rooms = httpx.get(f"http://127.0.0.1:{edge_port}/api/rooms", timeout=5).json()
                fr1 = [i["epc"] for r in rooms if r["id"] == "fr-1" for i in r["items"]]
        finally:
            reader.disconnect()
            reader.loop_stop()
        assert EPC in fr1, edge_log.read_text()[-3000:]
    finally:
        if edge is not None:
            _stop(edge)
        _stop(central)
