"""Settings from ``INTAKE_*`` environment variables and an optional ``.env`` file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me-in-production-please"


class SettingsError(ValueError):
    """The configuration cannot be used."""


class Settings(BaseSettings):
    """All configuration of the service; see the README for each variable."""

    model_config = SettingsConfigDict(env_prefix="INTAKE_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./var/intake.db"
    secret_key: str = PLACEHOLDER_SECRET
    old_secret_keys: str = ""  # comma-separated earlier secret keys: their values still open until re-sealed
    questionnaire_dir: Path | None = None  # extra/override questionnaire files; built-ins otherwise
    default_questionnaire: str = "veterans"
    campaign_year: int = date.today().year
    regions_file: Path | None = None  # loaded at start-up when the region table is empty
    low_confidence: float = 0.6
    public_url: str | None = None

    # channels (issue 4): unset means the channel is off
    wechat_token: str | None = None
    wechat_appid: str | None = None
    wechat_secret: str | None = None
    wechat_aes_key: str | None = None
    wechat_api_base: str = "https://api.weixin.qq.com/"
    wechat_reply_deadline: float = 4.0  # seconds before a holding reply (WeChat waits 5)
    wechat_max_clock_skew: float = 300.0  # seconds a signed request's timestamp may be off (replays)
    telegram_token: str | None = None
    telegram_secret: str | None = None
    telegram_api_base: str = "https://api.telegram.org/bot"

    # voice (issue 5)
    vosk_model: Path | None = None

    @property
    def old_secrets(self) -> list[str]:
        """The earlier secret keys of ``INTAKE_OLD_SECRET_KEYS``, in the order given."""
        return [part.strip() for part in self.old_secret_keys.split(",") if part.strip()]

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if any(len(old) < 16 for old in self.old_secrets):
            raise SettingsError("every key of INTAKE_OLD_SECRET_KEYS must be at least 16 characters")
        if self.env != "development" and self.secret_key == PLACEHOLDER_SECRET:
            raise SettingsError(
                f"INTAKE_SECRET_KEY is the development placeholder; set a real secret for INTAKE_ENV={self.env}"
            )
        if self.env == "production":
            if len(self.secret_key) < 32:
                raise SettingsError(
                    "INTAKE_SECRET_KEY must be set to a random value of at least 32 characters in production "
                    "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
                )
            if self.wechat_token is not None and self.wechat_token in ("", "changeme", "token"):
                raise SettingsError("INTAKE_WECHAT_TOKEN is a placeholder")
        return self
