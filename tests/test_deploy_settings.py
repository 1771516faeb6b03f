"""Settings as a store installs them: no placeholder secrets and no plain-http central store in production,
secrets from files, and the central store serving HTTPS itself."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from edge.config import SettingsError, load_settings
from tests.broker import free_port
from tests.conftest import DEMO_LAYOUT, ROOT, require
from tests.deploy_support import make_certs


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("FITROOM_"):
            monkeypatch.delenv(key)


def test_production_refuses_a_plain_http_central_url_naming_the_setting() -> None:
    with pytest.raises(SettingsError) as err:
        load_settings({"central_url": "http://central.example.com"})
    assert "FITROOM_CENTRAL_URL" in str(err.value) and "https://" in str(err.value)
    with pytest.raises(SettingsError):
        load_settings({"central_url": "http://127.0.0.1:8100"})  # not even loopback in production
    assert load_settings({"central_url": "https://central.example.com"}).central_url


def test_development_allows_plain_http_to_a_loopback_central_store_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FITROOM_ENVIRONMENT", "development")
    assert load_settings({"central_url": "http://127.0.0.1:8100"}).central_url == "http://127.0.0.1:8100"
    assert load_settings({"central_url": "http://localhost:8100"}).central_url
    with pytest.raises(SettingsError) as err:
        load_settings({"central_url": "http://10.0.0.9:8100"})
    assert "FITROOM_CENTRAL_URL" in str(err.value) and "loopback" in str(err.value)


def test_an_unknown_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FITROOM_ENVIRONMENT", "staging-ish")
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert "FITROOM_ENVIRONMENT" in str(err.value)


def test_the_example_files_placeholder_secrets_are_refused_outside_the_demo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FITROOM_MQTT_PASSWORD", "change-me")
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert "FITROOM_MQTT_PASSWORD" in str(err.value) and "change-me" not in str(err.value).split(":")[0]
    monkeypatch.setenv("FITROOM_ENVIRONMENT", "demo")
    assert load_settings().mqtt_password is not None


def test_secrets_come_from_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "mqtt").write_text("s3cret-from-a-file\n")
    (tmp_path / "key").write_text("frs_key-from-a-file")
    monkeypatch.setenv("FITROOM_MQTT_PASSWORD_FILE", str(tmp_path / "mqtt"))
    monkeypatch.setenv("FITROOM_STORE_KEY_FILE", str(tmp_path / "key"))
    s = load_settings()
    assert s.mqtt_endpoint().password == "s3cret-from-a-file"
    assert s.store_key is not None and s.store_key.get_secret_value() == "frs_key-from-a-file"
    monkeypatch.setenv("FITROOM_STORE_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert "FITROOM_STORE_KEY_FILE" in str(err.value)


def _edge_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FITROOM_")}
    env.update(extra)
    return env


def test_fitroom_edge_run_exits_2_on_a_plain_http_central_url() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "edge.cli", "run", "--layout", str(DEMO_LAYOUT), "--port", str(free_port())],
        env=_edge_env(FITROOM_CENTRAL_URL="http://central.example.com", FITROOM_STORE_KEY="k"),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert "FITROOM_CENTRAL_URL" in done.stderr


def test_the_central_store_refuses_placeholder_secrets_in_production(tmp_path: Path) -> None:
    env = _edge_env(
        FITROOM_CENTRAL_DB_URL=f"sqlite:///{tmp_path / 'c.db'}",
        FITROOM_CENTRAL_ADMIN_TOKEN="change-me-to-a-long-random-string",
    )
    done = subprocess.run(
        [sys.executable, "-m", "cloud_sync.central.cli", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 2 and "FITROOM_CENTRAL_ADMIN_TOKEN" in done.stderr
    assert "change-me-to" not in done.stderr
    env["FITROOM_CENTRAL_ENVIRONMENT"] = "development"
    done = subprocess.run(
        [sys.executable, "-m", "cloud_sync.central.cli", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr


def test_the_central_store_serves_https_with_its_own_certificate(tmp_path: Path) -> None:
    require(bool(shutil.which("openssl")), "openssl (apt-get install openssl)")
    certs = make_certs(tmp_path / "certs", "localhost", "127.0.0.1")
    port = free_port()
    admin_file = tmp_path / "admin-token"
    admin_file.write_text("a-real-admin-token-from-a-file\n")
    env = _edge_env(
        FITROOM_CENTRAL_DB_URL=f"sqlite:///{tmp_path / 'c.db'}",
        FITROOM_CENTRAL_ADMIN_TOKEN_FILE=str(admin_file),
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cloud_sync.central.cli",
            "serve",
            "--port",
            str(port),
            "--ssl-certfile",
            str(certs / "broker.crt"),
            "--ssl-keyfile",
            str(certs / "broker.key"),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    trust = ssl.create_default_context(cafile=str(certs / "ca.crt"))
    try:
        answer: httpx.Response | None = None
        deadline = time.monotonic() + 30
        while answer is None and time.monotonic() < deadline:
            try:
                answer = httpx.get(f"https://localhost:{port}/healthz", verify=trust, timeout=2)
            except httpx.ConnectError:
                assert proc.poll() is None, "fitroom-central serve exited"
                time.sleep(0.2)
        assert answer is not None and answer.status_code == 200
        admin = httpx.get(
            f"https://localhost:{port}/v1/admin/stats",
            verify=trust,
            headers={"Authorization": "Bearer a-real-admin-token-from-a-file"},
        )
        assert admin.status_code == 200  # the admin token was read from its file
        with pytest.raises(httpx.ConnectError):  # the certificate is checked: a stranger's CA fails
            httpx.get(f"https://localhost:{port}/healthz", timeout=2)
    finally:
        proc.terminate()
        proc.wait(20)
