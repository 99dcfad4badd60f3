"""The SMS gateway the settings choose: Tencent Cloud SMS, or the development driver that logs codes."""

from __future__ import annotations

from admin.settings import Settings, SettingsError, sms_problem
from bot.sms import LogSmsGateway, SmsGateway
from bot.sms_tencent import TencentSmsConfig, TencentSmsGateway


def build_sms_gateway(settings: Settings) -> SmsGateway:
    """The gateway of ``INTAKE_SMS_PROVIDER``; SettingsError when its settings cannot be used."""
    problem = sms_problem(settings)  # again: settings copied with model_copy() skip the validator
    if problem is not None:
        raise SettingsError(problem)
    if settings.sms_provider == "tencent":
        return TencentSmsGateway(TencentSmsConfig(
            secret_id=_required(settings.sms_secret_id), secret_key=_required(settings.sms_secret_key),
            sdk_app_id=_required(settings.sms_app_id), sign_name=_required(settings.sms_sign_name),
            template_id=_required(settings.sms_template_id), region=settings.sms_region,
            api_base=settings.sms_api_base,
        ))
    return LogSmsGateway()


def _required(value: str | None) -> str:
    """A setting sms_problem() has already found present, trimmed."""
    if value is None:
        raise SettingsError("an INTAKE_SMS_* setting is missing")  # unreachable after sms_problem()
    return value.strip()
