"""Central store settings, read from ``FITROOM_CENTRAL_*`` environment variables (or passed in by tests).

``FITROOM_CENTRAL_ENVIRONMENT``: ``production`` (the default) refuses the example file's placeholder
secrets (``change-me…``) in the admin token, the SMTP password and the database URL; ``demo`` and
``development`` accept them. Secrets may come from files: ``FITROOM_CENTRAL_DB_URL_FILE``,
``FITROOM_CENTRAL_ADMIN_TOKEN_FILE`` and ``FITROOM_CENTRAL_SMTP_PASSWORD_FILE`` name a file holding the
value (container secrets); the file wins over the plain variable.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cloud_sync.central.db import url_problem

__all__ = ["CentralSettings"]

ENV_PREFIX = "FITROOM_CENTRAL_"
SECRET_FILES = ("db_url", "admin_token", "smtp_password", "webhook_secret")
PLACEHOLDER_PREFIX = "change-me"


class CentralSettings(BaseSettings):
    """Everything the central store needs; nothing here has a usable default secret."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    environment: Literal["production", "development", "demo"] = Field(
        default="production", description="production refuses placeholder secrets; demo, development"
    )

    db_url: str = Field(
        default="sqlite:///fitroom-central.db",
        description="SQLAlchemy URL; a plain postgresql://user@host:port/db is mapped to psycopg 3",
    )
    admin_token: str = Field(
        default="", description="Bearer token for /v1/admin/* and erasure; empty disables those routes"
    )
    smtp_host: str = Field(default="", description="SMTP server for follow-up emails; empty = do not send")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_tls: Literal["starttls", "ssl", "none"] = Field(default="starttls")
    smtp_user: str = Field(default="")
    smtp_password: str = Field(default="")
    mail_from: str = Field(default="Fitroom <no-reply@localhost>", description="From header of emails")
    shop_url: str = Field(
        default="http://localhost:8100/shop",
        description="Online shop base URL; each emailed item links to <shop_url>/p/<style>?gtin=<gtin>",
    )
    app_uuid: str = Field(
        default="e2c56db5-dffb-48d2-b060-d0f5a71096e0",
        description="The store app's iBeacon UUID (docs/formats.md §5); codes are issued under it",
    )
    mail_poll_s: float = Field(default=2.0, gt=0, description="How often pending emails are looked for")
    max_concurrent_ingests: int = Field(
        default=16, ge=1, description="Beyond this many batches in flight, ingest sheds load with 503"
    )
    max_batch: int = Field(default=1000, ge=1, description="Largest event batch accepted in one request")
    order_webhook_url: str = Field(
        default="", description="The e-commerce system's URL for ship-to-home orders; empty = hold them"
    )
    app_webhook_url: str = Field(default="", description="The member app's URL for offer_presented events")
    webhook_secret: str = Field(default="", description="HMAC-SHA256 key of X-Fitroom-Signature")
    webhook_poll_s: float = Field(default=1.0, gt=0, description="How often due webhooks are looked for")
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    webhook_retry_base_s: float = Field(default=2.0, gt=0, description="First retry delay (doubles)")
    webhook_retry_cap_s: float = Field(default=600.0, gt=0, description="Longest retry delay")

    @model_validator(mode="before")
    @classmethod
    def _secrets_from_files(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for name in SECRET_FILES:
            env = f"{ENV_PREFIX}{name.upper()}_FILE"
            path = os.environ.get(env)
            if path:
                try:
                    data[name] = Path(path).read_text().rstrip("\r\n")
                except OSError as exc:
                    raise ValueError(f"{env}: cannot read {path}: {exc.strerror}") from None
        return data

    @field_validator("db_url")
    @classmethod
    def _check_db_url(cls, value: str) -> str:
        problem = url_problem(value)
        if problem is not None:
            raise ValueError(f"{ENV_PREFIX}DB_URL: {problem}")
        return value

    @model_validator(mode="after")
    def _no_placeholder_secrets(self) -> CentralSettings:
        if self.environment != "production":
            return self
        stale = [
            f"{ENV_PREFIX}{name.upper()}"
            for name in SECRET_FILES
            if PLACEHOLDER_PREFIX in str(getattr(self, name)).lower()
        ]
        if stale:
            raise ValueError(
                f"{', '.join(stale)}: still the example's placeholder (change-me…); set the real secret "
                f"(or {ENV_PREFIX}ENVIRONMENT=development outside production)"
            )
        return self

    @model_validator(mode="after")
    def _webhooks_signed(self) -> CentralSettings:
        if (self.order_webhook_url or self.app_webhook_url) and not self.webhook_secret:
            raise ValueError(f"{ENV_PREFIX}WEBHOOK_SECRET: needed to sign webhooks when a webhook URL is set")
        return self
