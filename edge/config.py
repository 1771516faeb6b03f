"""Edge settings: environment variables with the ``FITROOM_`` prefix, overridden by command-line flags.

``load_settings(overrides)`` is the one way in: it builds ``EdgeSettings`` from the environment plus the
given overrides (flag values; ``None`` means "not given") and raises ``SettingsError`` whose message names
each bad key by its environment name (``FITROOM_PORT``) and flag (``--port``), so the edge can print it and
exit 2 before anything starts. Nothing here is a module-level singleton: the composition root builds one.

``FITROOM_ENVIRONMENT`` says where the edge runs: ``production`` (the default) refuses the example files'
placeholder secrets (``change-me…``) and a plain-``http://`` central store URL; ``demo`` (``make demo``) and
``development`` (tests, a developer's machine) accept those placeholders and ``http://`` to a loopback
central store, never to another host. Secrets may come from files: ``FITROOM_MQTT_PASSWORD_FILE`` and
``FITROOM_STORE_KEY_FILE`` name a file holding the value (container secrets, systemd credentials).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from edge.decoders.beacons import DEFAULT_APP_BEACON_UUID, normal_uuid

__all__ = [
    "DEMO_CATALOG",
    "EdgeSettings",
    "Environment",
    "MqttEndpoint",
    "SettingsError",
    "central_url_problem",
    "database_url_problem",
    "is_placeholder_secret",
    "load_settings",
]

Environment = Literal["production", "development", "demo"]
# The example env files' placeholders; a real install replaces every one.
PLACEHOLDER_PREFIX = "change-me"
# Secrets that may be read from a file named by FITROOM_<NAME>_FILE.
SECRET_FILES = ("mqtt_password", "store_key", "payment_secret")

ENV_PREFIX = "FITROOM_"
DEMO_CATALOG = Path(__file__).resolve().parent / "data" / "demo_catalog.json"

# Settings that have a command-line flag; the flag overrides the environment.
FLAGS = {
    "host": "--host",
    "port": "--port",
    "layout": "--layout",
    "mqtt_url": "--mqtt-url",
    "db_url": "--db-url",
    "catalog": "--catalog",
}


class SettingsError(ValueError):
    """The settings are unusable; the message names each key at fault, one per line."""


@dataclass(frozen=True, slots=True)
class MqttEndpoint:
    """Where and how to reach the broker, parsed from ``FITROOM_MQTT_URL`` and the credential settings."""

    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None = None

    def __repr__(self) -> str:  # never print the password
        auth = f"{self.username}@" if self.username else ""
        return f"MqttEndpoint({'mqtts' if self.tls else 'mqtt'}://{auth}{self.host}:{self.port})"


def _default_catalog() -> Path | None:
    return DEMO_CATALOG if DEMO_CATALOG.is_file() else None


class EdgeSettings(BaseSettings):
    """Everything the edge process needs to start. Field names map to ``FITROOM_<NAME>`` variables."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    # First: the checks of later fields read it.
    environment: Environment = Field(
        default="production",
        description="production refuses placeholder secrets and plain-http central URLs; demo, development",
    )
    layout: Path | None = Field(
        default=None, description="Store layout TOML (docs/formats.md §7); required to run"
    )
    catalog: Path | None = Field(
        default_factory=_default_catalog,
        description="Catalog JSON; defaults to the demo catalog when it is installed",
    )
    db_url: str = Field(
        default="sqlite:///fitroom-edge.db",
        repr=False,  # may carry a password
        description="SQLAlchemy URL of the edge database; default a SQLite file in the working directory",
    )
    host: str = Field(default="127.0.0.1", min_length=1, description="Address the web server binds")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the web server binds")

    mqtt_url: str = Field(
        default="mqtt://127.0.0.1:1883",
        repr=False,  # may carry a password
        description="Broker URL: mqtt://[user[:password]@]host[:port], or mqtts:// for TLS",
    )
    mqtt_username: str | None = Field(default=None, description="Broker user; overrides the URL's")
    mqtt_password: SecretStr | None = Field(default=None, description="Broker password; overrides the URL's")
    mqtt_client_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="MQTT client id; default 'fitroom-edge-<store id>' so the session survives restarts",
    )
    mqtt_ca_file: Path | None = Field(
        default=None, description="CA bundle for mqtts://; default the system's trust store"
    )
    mqtt_keepalive_s: int = Field(default=30, ge=5, le=3600, description="MQTT keep-alive interval")
    queue_size: int = Field(
        default=20000, ge=1, description="Capacity of the MQTT → asyncio hand-off; overflow is counted"
    )
    tick_interval_s: float = Field(
        default=0.5, gt=0, le=10, description="How often presence lets silence count (item left, ...)"
    )

    session_idle_s: float = Field(
        default=300.0,
        gt=0,
        description="A fitting-room session ends after this long with no shopper and no new activity",
    )
    session_abandoned_s: float = Field(
        default=1800.0,
        gt=0,
        description="A session with garments in the room but no shopper phone ever heard ends (its garments"
        " become go-backs) only after this long with no change; at least session_idle_s",
    )

    app_beacon_uuid: str = Field(
        default=DEFAULT_APP_BEACON_UUID,
        description="The chain's store-app iBeacon UUID: only iBeacons with it are shoppers' phones",
    )

    central_url: str | None = Field(default=None, description="Central profile store base URL (sync)")
    store_key: SecretStr | None = Field(default=None, description="This store's key at the central store")
    payment_url: str | None = Field(
        default=None,
        description="A payment provider's hosted checkout API for ship-to-home orders (docs/payments.md); "
        "unset: the bag desk takes payment and the delivery address",
    )
    payment_secret: SecretStr | None = Field(
        default=None, description="HMAC-SHA256 key shared with the payment provider (calls and callbacks)"
    )

    @field_validator("app_beacon_uuid")
    @classmethod
    def _check_uuid(cls, value: str) -> str:
        return normal_uuid(value)

    @field_validator("mqtt_url")
    @classmethod
    def _check_mqtt_url(cls, value: str) -> str:
        _parse_mqtt_url(value)
        return value

    @field_validator("db_url")
    @classmethod
    def _check_db_url(cls, value: str) -> str:
        problem = database_url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("mqtt_password", "store_key", "payment_secret")
    @classmethod
    def _no_placeholder_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if (
            value is not None
            and info.data.get("environment", "production") == "production"
            and is_placeholder_secret(value.get_secret_value())
        ):
            raise ValueError("still the example's placeholder (change-me…): set the real secret")
        return value

    @field_validator("central_url", "payment_url")
    @classmethod
    def _check_service_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            problem = central_url_problem(value, info.data.get("environment", "production"))
            if problem:
                raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _payment_signed(self) -> EdgeSettings:
        if self.payment_url and self.payment_secret is None:
            raise ValueError(
                f"{ENV_PREFIX}PAYMENT_SECRET: needed to sign calls to the payment provider and check its "
                "callbacks when FITROOM_PAYMENT_URL is set"
            )
        return self

    @field_validator("layout", "catalog", "mqtt_ca_file")
    @classmethod
    def _check_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"file not found: {value}")
        return value

    def mqtt_endpoint(self) -> MqttEndpoint:
        """The broker address with credentials; the separate username/password settings win over the URL's."""
        host, port, tls, user, password = _parse_mqtt_url(self.mqtt_url)
        if self.mqtt_username is not None:
            user = self.mqtt_username
        if self.mqtt_password is not None:
            password = self.mqtt_password.get_secret_value()
        return MqttEndpoint(host=host, port=port, tls=tls, username=user, password=password)

    def client_id_for(self, store_id: str) -> str:
        """The MQTT client id: the configured one, else stable per store so a restart resumes the session."""
        return self.mqtt_client_id or f"fitroom-edge-{store_id}"


def is_placeholder_secret(value: str) -> bool:
    """True for the example files' placeholder secrets (``change-me…``), which no real install keeps."""
    return value.strip().lower().startswith(PLACEHOLDER_PREFIX)


def database_url_problem(url: str) -> str | None:
    """Why ``url`` is no database URL this installation can open, or None when it may be (whether the
    database answers is for the first connection to say). Never quotes the URL: it may carry a password
    (a SQLite file's folder, which carries none, is named when it does not exist)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "not a database URL: dialect[+driver]://user:password@host/name, or sqlite:///path"
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        return f"no database dialect or driver {parsed.drivername!r} is installed"
    file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if file and file != ":memory:" and not file.startswith("file:"):  # a SQLite file: its folder must exist
        folder = Path(file).parent
        if not folder.is_dir():
            return f"the folder of the SQLite file does not exist: {folder}"
    return None


def central_url_problem(url: str, environment: str) -> str | None:
    """Why ``url`` is no URL for a service the edge sends data to (the central store, a payment
    provider) in this environment, or None when it is fine.

    https:// always; http:// only outside production and only to a loopback host (the demo's own central
    store, a test's): store keys and shoppers' data never cross a network in the clear.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        return f"not a valid URL: {exc}"
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"} or not host:
        return "must be an https:// URL with a host"
    if scheme == "https":
        return None
    if environment == "production":
        return (
            "plain http:// is refused in production: serve it over HTTPS (https://…); "
            "http:// to 127.0.0.1 only with FITROOM_ENVIRONMENT=development or demo"
        )
    if not _is_loopback(host):
        return (
            f"plain http:// only to a loopback host (127.0.0.1, ::1, localhost), not {host!r}: use https://"
        )
    return None


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parse_mqtt_url(url: str) -> tuple[str, int, bool, str | None, str | None]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in {"mqtt", "mqtts", "tcp", "ssl"}:
        raise ValueError("scheme must be mqtt:// or mqtts://")
    if not parts.hostname:
        raise ValueError("the URL has no host")
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        raise ValueError("the URL must be just scheme://[user[:password]@]host[:port]")
    tls = scheme in {"mqtts", "ssl"}
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return parts.hostname, port or (8883 if tls else 1883), tls, user, password


def _key_name(loc: tuple[int | str, ...]) -> str:
    field = str(loc[0]) if loc else "?"
    env = ENV_PREFIX + field.upper()
    flag = FLAGS.get(field)
    return f"{env} ({flag})" if flag else env


def load_settings(overrides: dict[str, Any] | None = None) -> EdgeSettings:
    """Settings from the environment, with ``overrides`` (flag values; ``None`` = not given) on top.

    Raises ``SettingsError`` naming every bad key; never echoes a secret value.
    """
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    problems: list[str] = []
    for field in SECRET_FILES:
        env = f"{ENV_PREFIX}{field.upper()}_FILE"
        path = os.environ.get(env)
        if field in given or not path:
            continue
        try:
            given[field] = Path(path).read_text().rstrip("\r\n")
        except OSError as exc:
            problems.append(f"{env}: cannot read {path}: {exc.strerror}")
    if problems:
        raise SettingsError("invalid edge settings\n" + "\n".join(problems))
    try:
        return EdgeSettings(**given)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            msg = "unknown setting" if err["type"] == "extra_forbidden" else err["msg"]
            msg = msg.removeprefix("Value error, ")
            lines.append(
                f"{_key_name(err['loc'])}: {msg}" if err["loc"] else msg
            )  # a whole-model rule names its key
        raise SettingsError("invalid edge settings\n" + "\n".join(lines)) from None
