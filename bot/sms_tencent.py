r"""Tencent Cloud SMS (API 3.0, ``SendSms`` of version 2021-01-11): one signed HTTPS call with httpx.

Written by hand rather than with ``tencentcloud-sdk-python-sms`` (small, ~100 KB with its common
package, and installable): the SDK's logger propagates to the root logger and writes every request
body (the phone number and the code) and every answer at DEBUG level; the SDK is untyped, built on
requests with a single timeout (60 s by default), and this service needs one action. The
TC3-HMAC-SHA256 signature is short and pinned by the published sample (tests/bot/test_sms_tencent.py).

Signing (Tencent Cloud API 3.0 "Signature v3", https://cloud.tencent.com/document/api/213/30654):
the canonical request is ``POST\n/\n\n`` + the signed headers as ``name:value\n`` (both lower case,
trimmed, sorted by name) + ``\n`` + their names joined by ``;`` + ``\n`` + hex SHA-256 of the body;
the string to sign is ``TC3-HMAC-SHA256\n<timestamp>\n<UTC date>/sms/tc3_request\n`` + hex SHA-256
of the canonical request; the key is HMAC-SHA256 chained from ``"TC3" + SecretKey`` over the date,
the service and ``tc3_request``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from bot.sms import SmsError, mask_phone_for_log

log = logging.getLogger("intake.sms")

ALGORITHM = "TC3-HMAC-SHA256"
SERVICE = "sms"
ACTION = "SendSms"
VERSION = "2021-01-11"
CONTENT_TYPE = "application/json; charset=utf-8"
DEFAULT_API_BASE = "https://sms.tencentcloudapi.com/"

_MAINLAND_MOBILE = re.compile(r"(?:\+86|0086|86)?(1[3-9][0-9]{9})")
_SEPARATORS = re.compile(r"[ \-()]")
_LONG_DIGITS = re.compile(r"\+?\d{4,}")  # phone numbers and codes in a provider's message

# What an operator should do about the refusals that need a person (the rest keep the provider's words).
_EXPLAINED = {
    "AuthFailure.SecretIdNotFound": "the SecretId does not exist (INTAKE_SMS_SECRET_ID)",
    "AuthFailure.SignatureFailure": "the request signature was refused (check INTAKE_SMS_SECRET_KEY)",
    "AuthFailure.SignatureExpire": "the request signature expired (check the server's clock)",
    "AuthFailure.UnauthorizedOperation": "the key may not send SMS (grant it QcloudSMSFullAccess)",
    "FailedOperation.SignatureIncorrectOrUnapproved": "the SMS signature is wrong or not approved "
                                                      "(INTAKE_SMS_SIGN_NAME)",
    "FailedOperation.TemplateIncorrectOrUnapproved": "the template is wrong or not approved "
                                                     "(INTAKE_SMS_TEMPLATE_ID)",
    "FailedOperation.InsufficientBalanceInSmsPackage": "the SMS package is used up",
    "FailedOperation.PhoneNumberInBlacklist": "the number is on the provider's blocklist (it unsubscribed "
                                              "or complained); it will not receive SMS",
    "InvalidParameterValue.IncorrectPhoneNumber": "the provider does not accept the phone number",
    "InvalidParameterValue.TemplateParameterFormatError": "the template parameters do not fit the template",
    "LimitExceeded.PhoneNumberDailyLimit": "the daily SMS limit for this number is reached",
    "LimitExceeded.PhoneNumberOneHourLimit": "the hourly SMS limit for this number is reached",
    "LimitExceeded.PhoneNumberThirtySecondLimit": "an SMS went to this number less than 30 seconds ago",
    "LimitExceeded.PhoneNumberSameContentDailyLimit": "the daily limit of identical SMS to this number is reached",
    "LimitExceeded.DeliveryFrequencyLimit": "the sending frequency limit is reached",
}


@dataclass(frozen=True)
class TencentSmsConfig:
    """Credentials and the approved signature and template of a Tencent Cloud SMS application."""

    secret_id: str
    secret_key: str
    sdk_app_id: str  # the SMS application's SdkAppId, e.g. 1400006666
    sign_name: str  # the approved signature (签名), e.g. 某某市民政局
    template_id: str  # the approved template with {1} the code and {2} the minutes
    region: str = "ap-guangzhou"
    api_base: str = DEFAULT_API_BASE


def tc3_canonical_request(payload: bytes, headers: Mapping[str, str]) -> tuple[str, str]:
    """The canonical request of a POST to ``/`` signing ``headers``, and the signed header names."""
    signed = sorted((name.strip().lower(), value.strip().lower()) for name, value in headers.items())
    names = ";".join(name for name, _ in signed)
    canonical = "\n".join([
        "POST", "/", "", "".join(f"{name}:{value}\n" for name, value in signed), names,
        hashlib.sha256(payload).hexdigest(),
    ])
    return canonical, names


def tc3_authorization(*, secret_id: str, secret_key: str, service: str, timestamp: int, payload: bytes,
                      headers: Mapping[str, str]) -> str:
    """The ``Authorization`` header of a TC3-HMAC-SHA256 signed POST to ``/`` that signs ``headers``."""
    canonical, names = tc3_canonical_request(payload, headers)
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join([ALGORITHM, str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("TC3" + secret_key).encode()
    for part in (date, service, "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={names}, Signature={signature}"


def e164_mainland(phone: str) -> str:
    """A mainland China mobile number as E.164 (+8613812345678); SmsError for anything else."""
    match = _MAINLAND_MOBILE.fullmatch(_SEPARATORS.sub("", phone.strip()))
    if match is None:
        raise SmsError("not a mainland China mobile number (landlines and foreign numbers get no SMS)")
    return "+86" + match[1]


def _scrub(message: object) -> str:
    """A provider's message safe for a log: numbers of 4+ digits cut out, at most 200 characters."""
    return _LONG_DIGITS.sub("…", str(message))[:200]


class TencentSmsGateway:
    """Sends verification codes through Tencent Cloud SMS with an approved signature and template."""

    def __init__(self, config: TencentSmsConfig, *, timeout: float = 5.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 3.0))
        self.clock = clock
        self.url = httpx.URL(config.api_base)
        self.host = self.url.netloc.decode("ascii")

    def send_code(self, phone: str, code: str, ttl_minutes: int) -> None:
        """Send ``code`` (valid ``ttl_minutes``) to ``phone``; raises :class:`SmsError` when refused."""
        number = e164_mainland(phone)
        request_id = self._status_of(self._post(number, code, ttl_minutes))
        log.info("verification SMS accepted by Tencent Cloud for %s (request %s)",
                 mask_phone_for_log(number.removeprefix("+86")), request_id)

    def _post(self, number: str, code: str, ttl_minutes: int) -> dict[str, Any]:
        """Sign and send the SendSms request; the decoded ``Response`` object."""
        c = self.config
        payload = json.dumps({
            "PhoneNumberSet": [number], "SmsSdkAppId": c.sdk_app_id, "SignName": c.sign_name,
            "TemplateId": c.template_id, "TemplateParamSet": [code, str(ttl_minutes)],
        }, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        timestamp = int(self.clock())
        signed = {"Content-Type": CONTENT_TYPE, "Host": self.host, "X-TC-Action": ACTION}
        headers = {
            **signed,
            "Authorization": tc3_authorization(secret_id=c.secret_id, secret_key=c.secret_key, service=SERVICE,
                                               timestamp=timestamp, payload=payload, headers=signed),
            "X-TC-Timestamp": str(timestamp), "X-TC-Version": VERSION, "X-TC-Region": c.region,
            "X-TC-Language": "en-US",
        }
        try:
            with httpx.Client(timeout=self.timeout) as client:
                answer = client.post(self.url, content=payload, headers=headers)
        except httpx.TimeoutException as exc:
            raise SmsError(f"Tencent Cloud SMS did not answer in time ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise SmsError(f"Tencent Cloud SMS could not be reached ({type(exc).__name__})") from None
        if answer.status_code != 200:
            raise SmsError(f"Tencent Cloud SMS answered HTTP {answer.status_code}")
        try:
            body = answer.json()
        except ValueError:
            raise SmsError("Tencent Cloud SMS answered something that is not JSON") from None
        response = body.get("Response") if isinstance(body, dict) else None
        if not isinstance(response, dict):
            raise SmsError("Tencent Cloud SMS answered JSON without a Response object")
        return response

    @staticmethod
    def _status_of(response: dict[str, Any]) -> str:
        """The request id of an accepted SMS; SmsError with the provider's reason otherwise."""
        request_id = str(response.get("RequestId", "?"))[:64]
        error = response.get("Error")
        if error is not None:
            if not isinstance(error, dict) or not isinstance(error.get("Code"), str):
                raise SmsError(f"Tencent Cloud SMS answered a malformed error (request {request_id})")
            raise _refusal(error["Code"], error.get("Message"), request_id)
        statuses = response.get("SendStatusSet")
        if not isinstance(statuses, list) or len(statuses) != 1 or not isinstance(statuses[0], dict) \
                or not isinstance(statuses[0].get("Code"), str):
            raise SmsError(f"Tencent Cloud SMS answered without one send status (request {request_id})")
        status = statuses[0]
        if status["Code"] != "Ok":
            raise _refusal(status["Code"], status.get("Message"), request_id)
        return request_id


def _refusal(code: str, message: object, request_id: str) -> SmsError:
    """The error for a refusal: the provider's code, what it means, the request id for its support."""
    reason = _EXPLAINED.get(code) or _scrub(message)
    return SmsError(f"Tencent Cloud SMS refused the message: {_scrub(code)}: {reason} (request {request_id})")
