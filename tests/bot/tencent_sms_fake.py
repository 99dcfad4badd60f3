"""A fake Tencent Cloud SMS API (``SendSms``, 2021-01-11), served on loopback by tests.server.serve.

It checks each request the way the real API does: the TC3-HMAC-SHA256 signature recomputed here,
independently of ``bot.sms_tencent``, from the secret key and the bytes and headers received; the
timestamp within 5 minutes; the action, version and region headers; the payload's fields. A bad
request gets ``Response.Error`` with the real API's error codes (HTTP 200, like the real API). What a
good request gets is scripted per call: success, a per-number refusal in ``SendStatusSet``, an error,
HTTP 500, a slow answer or garbage.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

SECRET_ID = "AKIDtestsecretid0000000000000000"
SECRET_KEY = "testsecretkey00000000000000000000"
APP_ID = "1400006666"
SIGN_NAME = "某某市民政局"
TEMPLATE_ID = "1234567"
REGION = "ap-guangzhou"

_AUTHORIZATION = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d\d-\d\d)/(?P<service>[a-z]+)/tc3_request, "
    r"SignedHeaders=(?P<names>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})")


@dataclass(frozen=True)
class Sent:
    """A request that passed every check: its raw body and decoded payload."""

    body: bytes
    payload: dict[str, Any]
    headers: dict[str, str]


def expected_signature(secret_key: str, date: str, service: str, timestamp: str, body: bytes,
                       signed: list[tuple[str, str]]) -> str:
    """The signature the published algorithm gives (written from the documentation, step by step)."""
    canonical_headers = "".join(f"{k}:{v.strip().lower()}\n" for k, v in signed)
    names = ";".join(k for k, _ in signed)
    canonical_request = f"POST\n/\n\n{canonical_headers}\n{names}\n{hashlib.sha256(body).hexdigest()}"
    string_to_sign = (f"TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n"
                      f"{hashlib.sha256(canonical_request.encode('utf-8')).hexdigest()}")
    secret_date = hmac.new(f"TC3{secret_key}".encode(), date.encode(), hashlib.sha256).digest()
    secret_service = hmac.new(secret_date, service.encode(), hashlib.sha256).digest()
    secret_signing = hmac.new(secret_service, b"tc3_request", hashlib.sha256).digest()
    return hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()


class FakeTencentSms:
    """The fake's state: scripted answers, the requests accepted and the reasons of those refused."""

    def __init__(self, secret_key: str = SECRET_KEY) -> None:
        self.secret_key = secret_key
        self.script: list[str] = []  # what the next good requests get; "ok" when empty
        self.slow_seconds = 1.5
        self.sent: list[Sent] = []
        self.refused: list[str] = []  # error codes given to requests that failed a check
        self._lock = threading.Lock()
        self.app = self._build()

    def answer(self, *outcomes: str) -> None:
        """Script the next answers: ok, blacklist, daily_limit, unknown_refusal, error, http500, slow,
        html, no_response, empty, bad_error."""
        with self._lock:
            self.script.extend(outcomes)

    # -- the checks -----------------------------------------------------------------------------

    def _check(self, headers: dict[str, str], body: bytes) -> tuple[str, str] | None:
        """The error (code, message) the real API would give this request, or None when it is good."""
        match = _AUTHORIZATION.fullmatch(headers.get("authorization", ""))
        if match is None:
            return "AuthFailure.InvalidAuthorization", "Authorization header malformed"
        if match["id"] != SECRET_ID:
            return "AuthFailure.SecretIdNotFound", "The SecretId is not found"
        timestamp = headers.get("x-tc-timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return "AuthFailure.SignatureExpire", "Signature expired"
        if datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d") != match["date"]:
            return "AuthFailure.SignatureFailure", "Credential date does not match X-TC-Timestamp"
        names = match["names"].split(";")
        if match["service"] != "sms" or not {"content-type", "host"} <= set(names) or names != sorted(names):
            return "AuthFailure.SignatureFailure", "Credential scope or SignedHeaders wrong"
        if any(name not in headers for name in names):
            return "AuthFailure.SignatureFailure", "A signed header is missing"
        signed = [(name, headers[name]) for name in names]
        want = expected_signature(self.secret_key, match["date"], "sms", timestamp, body, signed)
        if not hmac.compare_digest(want, match["signature"]):
            return "AuthFailure.SignatureFailure", "The provided credentials could not be validated"
        if headers.get("x-tc-action") != "SendSms" or headers.get("x-tc-version") != "2021-01-11":
            return "InvalidAction", "Action or version wrong"
        if headers.get("x-tc-region") != REGION:
            return "InvalidParameterValue", "Region wrong"
        if headers.get("content-type") != "application/json; charset=utf-8":
            return "InvalidParameter", "Content-Type wrong"
        return self._check_payload(body)

    @staticmethod
    def _check_payload(body: bytes) -> tuple[str, str] | None:
        """What is wrong with the SendSms parameters, or None."""
        try:
            p = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return "InvalidParameter", "body is not JSON"
        phones = p.get("PhoneNumberSet")
        if not (isinstance(phones, list) and len(phones) == 1 and re.fullmatch(r"\+861[3-9]\d{9}", str(phones[0]))):
            return "InvalidParameterValue.IncorrectPhoneNumber", "PhoneNumberSet wrong"
        if p.get("SmsSdkAppId") != APP_ID:
            return "FailedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId wrong"
        if p.get("SignName") != SIGN_NAME:
            return "FailedOperation.SignatureIncorrectOrUnapproved", "SignName wrong"
        if p.get("TemplateId") != TEMPLATE_ID:
            return "FailedOperation.TemplateIncorrectOrUnapproved", "TemplateId wrong"
        params = p.get("TemplateParamSet")
        if not (isinstance(params, list) and len(params) == 2 and all(isinstance(x, str) and x.isdigit()
                                                                       for x in params)):
            return "InvalidParameterValue.TemplateParameterFormatError", "TemplateParamSet wrong"
        return None

    # -- the server -----------------------------------------------------------------------------

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.post("/")
        async def send_sms(request: Request) -> Response:
            body = await request.body()
            headers = {k.lower(): v for k, v in request.headers.items()}
            request_id = f"req-{len(self.sent) + len(self.refused) + 1}"
            problem = self._check(headers, body)
            if problem is not None:
                with self._lock:
                    self.refused.append(problem[0])
                return JSONResponse({"Response": {"Error": {"Code": problem[0], "Message": problem[1]},
                                                  "RequestId": request_id}})
            payload = json.loads(body)
            with self._lock:
                self.sent.append(Sent(body, payload, headers))
                outcome = self.script.pop(0) if self.script else "ok"
            if outcome == "slow":
                await asyncio.sleep(self.slow_seconds)
                outcome = "ok"
            return self._answer(outcome, payload["PhoneNumberSet"][0], request_id)

        return app

    @staticmethod
    def _answer(outcome: str, phone: str, request_id: str) -> Response:
        """The scripted answer to a good request."""
        def status(code: str, message: str) -> JSONResponse:
            return JSONResponse({"Response": {"SendStatusSet": [{
                "SerialNo": "2433:6914230018" if code == "Ok" else "", "PhoneNumber": phone, "Fee": 1,
                "SessionContext": "", "Code": code, "Message": message, "IsoCode": "CN"}],
                "RequestId": request_id}})

        if outcome == "ok":
            return status("Ok", "send success")
        if outcome == "blacklist":
            return status("FailedOperation.PhoneNumberInBlacklist",
                          f"the number {phone} is in blacklist")  # the real API may echo the number
        if outcome == "daily_limit":
            return status("LimitExceeded.PhoneNumberDailyLimit", f"the number {phone} exceeds the daily limit")
        if outcome == "unknown_refusal":
            return status("FailedOperation.Something", f"refused for {phone} with code 482913")
        if outcome == "error":
            return JSONResponse({"Response": {"Error": {
                "Code": "FailedOperation.InsufficientBalanceInSmsPackage", "Message": "insufficient balance"},
                "RequestId": request_id}})
        if outcome == "http500":
            return Response("internal error", status_code=500)
        if outcome == "html":
            return Response("<html><body>502 Bad Gateway</body></html>", media_type="text/html")
        if outcome == "no_response":
            return JSONResponse({"ok": True})
        if outcome == "bad_error":
            return JSONResponse({"Response": {"Error": "refused", "RequestId": request_id}})
        if outcome == "empty":
            return JSONResponse({"Response": {"SendStatusSet": [], "RequestId": request_id}})
        raise AssertionError(f"unknown scripted outcome {outcome}")
