"""Settings from ``INTAKE_*`` environment variables and an optional ``.env`` file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.errors import InvalidInput

PLACEHOLDER_SECRET = "change-me-in-production-please"


class SettingsError(InvalidInput, ValueError):
    """The configuration cannot be used."""


def settings_error_message(exc: ValueError) -> str:
    """Why settings were refused, without the values given (pydantic's own text quotes them, secrets too)."""
    if not isinstance(exc, ValidationError):
        return str(exc)
    reasons = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        where = "INTAKE_" + "_".join(str(part) for part in error["loc"]).upper() if error["loc"] else ""
        reason = error["msg"].removeprefix("Value error, ")
        reasons.append(f"{where}: {reason}" if where else reason)
    return "; ".join(reasons)


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

    # verification codes by SMS (issue 10): "log" writes them to the log, for development only
    sms_provider: Literal["log", "tencent"] = "log"
    sms_allow_log_in_production: bool = False  # e.g. a staging system that must not send real SMS
    sms_secret_id: str | None = None
    sms_secret_key: str | None = None
    sms_app_id: str | None = None  # the SMS application's SdkAppId
    sms_sign_name: str | None = None  # the approved signature (签名)
    sms_template_id: str | None = None  # the approved template: {1} the code, {2} the minutes
    sms_region: str = "ap-guangzhou"
    sms_api_base: str = "https://sms.tencentcloudapi.com/"

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
        problem = sms_problem(self)
        if problem is not None:
            raise SettingsError(problem)
        return self


_TENCENT_SMS_VARIABLES = {
    "sms_secret_id": "INTAKE_SMS_SECRET_ID", "sms_secret_key": "INTAKE_SMS_SECRET_KEY",
    "sms_app_id": "INTAKE_SMS_APP_ID", "sms_sign_name": "INTAKE_SMS_SIGN_NAME",
    "sms_template_id": "INTAKE_SMS_TEMPLATE_ID",
}


def sms_problem(settings: Settings) -> str | None:
    """Why the SMS settings cannot be used (names the variables, never their values), or None."""
    if settings.sms_provider == "log":
        if settings.env == "production" and not settings.sms_allow_log_in_production:
            return ("INTAKE_SMS_PROVIDER=log writes verification codes to the log instead of sending them; "
                    "set INTAKE_SMS_PROVIDER=tencent and its credentials for INTAKE_ENV=production "
                    "(or INTAKE_SMS_ALLOW_LOG_IN_PRODUCTION=true on a system that must not send SMS)")
        return None
    missing = [env for field, env in _TENCENT_SMS_VARIABLES.items() if not (getattr(settings, field) or "").strip()]
    if missing:
        return f"INTAKE_SMS_PROVIDER=tencent needs {', '.join(missing)}"
    for field in ("sms_app_id", "sms_template_id"):
        value = str(getattr(settings, field)).strip()
        if not (value.isascii() and value.isdigit()):
            return f"{_TENCENT_SMS_VARIABLES[field]} must be the number the Tencent Cloud SMS console shows"
    if settings.env == "production" and not settings.sms_api_base.startswith("https://"):
        return "INTAKE_SMS_API_BASE must be an https:// address in production (the codes travel in it)"
    return None
