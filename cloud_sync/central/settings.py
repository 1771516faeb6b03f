"""Central store settings, read from ``FITROOM_CENTRAL_*`` environment variables (or passed in by tests)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["CentralSettings"]


class CentralSettings(BaseSettings):
    """Everything the central store needs; nothing here has a usable default secret."""

    model_config = SettingsConfigDict(env_prefix="FITROOM_CENTRAL_", extra="ignore")

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
