"""Edge settings: environment with the FITROOM_ prefix, flags on top, clear errors naming the key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from edge.config import DEMO_CATALOG, EdgeSettings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("FITROOM_"):
            monkeypatch.delenv(key)


def test_defaults_serve_loopback_8000_with_a_local_broker_and_sqlite_file() -> None:
    s = load_settings()
    assert (s.host, s.port) == ("127.0.0.1", 8000)
    assert s.mqtt_url == "mqtt://127.0.0.1:1883"
    assert s.db_url.startswith("sqlite:///") and "/" not in s.db_url.removeprefix("sqlite:///")
    ep = s.mqtt_endpoint()
    assert (ep.host, ep.port, ep.tls, ep.username, ep.password) == ("127.0.0.1", 1883, False, None, None)


def test_demo_catalog_is_the_default_when_installed() -> None:
    assert load_settings().catalog == (DEMO_CATALOG if DEMO_CATALOG.is_file() else None)


def test_environment_variables_with_the_prefix_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FITROOM_PORT", "9100")
    monkeypatch.setenv("FITROOM_DB_URL", "sqlite:////tmp/x.db")
    monkeypatch.setenv("FITROOM_QUEUE_SIZE", "64")
    s = load_settings()
    assert (s.port, s.db_url, s.queue_size) == (9100, "sqlite:////tmp/x.db", 64)


def test_flags_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FITROOM_PORT", "9100")
    monkeypatch.setenv("FITROOM_HOST", "0.0.0.0")
    s = load_settings({"port": 9200, "host": None})  # None: flag not given
    assert (s.host, s.port) == ("0.0.0.0", 9200)


def test_mqtts_means_tls_on_8883_with_credentials_from_the_url() -> None:
    ep = load_settings({"mqtt_url": "mqtts://edge%40s42:p%3Ass@broker.store.lan"}).mqtt_endpoint()
    assert (ep.host, ep.port, ep.tls, ep.username, ep.password) == (
        "broker.store.lan",
        8883,
        True,
        "edge@s42",
        "p:ss",
    )


def test_separate_username_and_password_win_over_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FITROOM_MQTT_USERNAME", "fitroom-edge")
    monkeypatch.setenv("FITROOM_MQTT_PASSWORD", "s3cret")
    ep = load_settings({"mqtt_url": "mqtt://old:pw@10.0.0.2:1884"}).mqtt_endpoint()
    assert (ep.host, ep.port, ep.username, ep.password) == ("10.0.0.2", 1884, "fitroom-edge", "s3cret")


def test_passwords_never_appear_in_reprs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FITROOM_MQTT_PASSWORD", "hunter2")
    s = load_settings({"mqtt_url": "mqtt://u:urlpass@h"})
    for text in (repr(s), str(s), repr(s.mqtt_endpoint())):
        assert "hunter2" not in text and "urlpass" not in text


def test_client_id_is_stable_per_store_unless_configured() -> None:
    assert load_settings().client_id_for("store-042") == "fitroom-edge-store-042"
    assert load_settings().client_id_for("store-042") == load_settings().client_id_for("store-042")
    assert EdgeSettings(mqtt_client_id="edge-x").client_id_for("store-042") == "edge-x"


@pytest.mark.parametrize(
    ("env", "value", "named"),
    [
        ("FITROOM_PORT", "eighty", "FITROOM_PORT (--port)"),
        ("FITROOM_PORT", "70000", "FITROOM_PORT (--port)"),
        ("FITROOM_MQTT_URL", "http://broker", "FITROOM_MQTT_URL (--mqtt-url)"),
        ("FITROOM_MQTT_URL", "mqtt://", "FITROOM_MQTT_URL (--mqtt-url)"),
        ("FITROOM_MQTT_URL", "mqtt://h:99999", "FITROOM_MQTT_URL (--mqtt-url)"),
        ("FITROOM_QUEUE_SIZE", "0", "FITROOM_QUEUE_SIZE"),
        ("FITROOM_LAYOUT", "/no/such/layout.toml", "FITROOM_LAYOUT (--layout)"),
        ("FITROOM_TICK_INTERVAL_S", "0", "FITROOM_TICK_INTERVAL_S"),
        ("FITROOM_DB_URL", "fitroom-edge.db", "FITROOM_DB_URL (--db-url)"),
        ("FITROOM_DB_URL", "sqlit:///fitroom-edge.db", "FITROOM_DB_URL (--db-url)"),
    ],
)
def test_a_bad_setting_is_an_error_naming_its_key(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, named: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert named in str(err.value)


def test_a_database_url_that_cannot_be_read_is_refused_without_echoing_its_password() -> None:
    with pytest.raises(SettingsError) as err:
        load_settings({"db_url": "postgresql//edge:s3cret@db/edge"})  # the scheme's colon forgotten
    assert "FITROOM_DB_URL (--db-url): not a database URL" in str(err.value)
    assert "s3cret" not in str(err.value)
    assert "s3cret" not in repr(load_settings({"db_url": "postgresql://edge:s3cret@db/edge"}))


def test_every_bad_key_is_named_at_once(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings({"port": 0, "catalog": tmp_path / "missing.json"})
    assert "FITROOM_PORT (--port)" in str(err.value)
    assert "FITROOM_CATALOG (--catalog)" in str(err.value)


def test_sync_settings_are_optional_and_keep_the_key_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().central_url is None and load_settings().store_key is None
    monkeypatch.setenv("FITROOM_CENTRAL_URL", "https://central.example")
    monkeypatch.setenv("FITROOM_STORE_KEY", "k-123")
    s = load_settings()
    assert s.central_url == "https://central.example"
    assert s.store_key is not None and s.store_key.get_secret_value() == "k-123"
    assert "k-123" not in repr(s)


def test_unrelated_fitroom_variables_do_not_stop_the_edge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FITROOM_SIM_SHOPPERS", "12")  # another tool's setting in a shared env file
    assert load_settings().port == 8000


def test_a_sqlite_file_in_a_folder_that_does_not_exist_is_refused_before_start(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings({"db_url": f"sqlite:///{tmp_path / 'gone' / 'edge.db'}"})
    assert (
        f"FITROOM_DB_URL (--db-url): the folder of the SQLite file does not exist: {tmp_path / 'gone'}"
        in str(err.value)
    )
    assert load_settings({"db_url": f"sqlite:///{tmp_path / 'edge.db'}"}).db_url.endswith("edge.db")
    assert load_settings({"db_url": "sqlite://"}).db_url == "sqlite://"  # in memory
