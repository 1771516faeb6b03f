"""deploy/Dockerfile and the compose files, read as a container engine would: the image is built from
the package's wheel and runs unprivileged with a health check; the store's stack speaks TLS to its broker;
the central store waits for its one-shot migration; no secret is written in any of them.

These read the files; tests/test_deploy_wheel.py runs what the image runs (no container engine here).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
SECRET_NAMES = re.compile(r"PASSWORD|TOKEN|STORE_KEY|DB_URL")


def _compose(name: str) -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / name).read_text())
    assert isinstance(loaded, dict)
    return loaded


def _stages(dockerfile: str) -> list[str]:
    return re.split(r"^FROM ", dockerfile, flags=re.M)[1:]


def test_the_image_is_built_from_the_wheel_and_runs_unprivileged_with_a_health_check() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    build, final = _stages(text)
    assert "pip wheel" in build and "--no-deps" in build
    # The final stage installs the wheel and copies no source folder of its own.
    assert re.search(r"^COPY --from=\w+ /wheels ", final, re.M)
    assert not re.search(r"^COPY (?!--from)", final, re.M)
    assert re.search(r"pip install .*/wheels/\*\.whl", final)
    user = re.findall(r"^USER (\S+)", final, re.M)
    assert user and user[-1] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK .*\n?.*edge\.healthcheck", final, re.M)
    assert not SECRET_NAMES.search(" ".join(re.findall(r"^(?:ENV|ARG) .*", final, re.M)))


@pytest.mark.parametrize("name", ["compose.yaml", "compose.central.yaml"])
def test_no_secret_is_written_in_a_compose_file(name: str) -> None:
    compose = _compose(name)
    for service in compose["services"].values():
        for key, value in (service.get("environment") or {}).items():
            credentials = not str(value).startswith("sqlite:")  # a file path, not a password
            if SECRET_NAMES.search(key) and not key.endswith("_FILE") and credentials:
                pytest.fail(f"{name}: {key}={value!r} in the file; use a secret file")
    for secret in compose.get("secrets", {}).values():
        assert set(secret) == {"file"}


def test_the_store_stack_runs_the_broker_with_tls_and_the_edge_verifies_it() -> None:
    compose = _compose("compose.yaml")
    mosquitto, edge = compose["services"]["mosquitto"], compose["services"]["edge"]
    assert mosquitto["ports"] == ["8883:8883"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in mosquitto["volumes"]}
    assert (DEPLOY / mounts["/mosquitto/config/mosquitto.conf"]).is_file()
    assert {"/etc/mosquitto/fitroom", "/etc/mosquitto/certs"} <= set(mounts)
    assert edge["build"]["dockerfile"] == "deploy/Dockerfile"
    env = edge["environment"]
    assert env["FITROOM_MQTT_URL"].startswith("mqtts://mosquitto:8883")
    assert env["FITROOM_MQTT_CA_FILE"] and env["FITROOM_MQTT_PASSWORD_FILE"].startswith("/run/secrets/")
    conf = (DEPLOY / "mosquitto" / "mosquitto.conf").read_text()
    assert re.search(r"^listener 8883$\n^cafile .*\n^certfile .*\n^keyfile .*", conf, re.M)


def test_the_central_store_starts_after_its_one_shot_migration_on_postgresql() -> None:
    services = _compose("compose.central.yaml")["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["migrate"]["command"] == ["fitroom-central", "migrate"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["central"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    serve = services["central"]["command"]
    assert serve[:2] == ["fitroom-central", "serve"]
    assert "--ssl-certfile" in serve and "--ssl-keyfile" in serve
    assert services["central"]["environment"]["FITROOM_HEALTH_URL"].startswith("https://")
