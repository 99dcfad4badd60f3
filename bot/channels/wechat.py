"""The WeChat official account channel: verify, decrypt and parse WeChat's XML, reply within 5 seconds.

The adapter is thin: it checks that a request comes from WeChat (signature, timestamp window,
and in safe mode ``msg_signature``, AES decryption and the AppID inside the ciphertext), turns
the message into an :class:`~bot.messages.Incoming` and renders the engine's replies as one
passive text reply (encrypted in safe mode). Work that cannot finish before the reply deadline
(speech recognition of a long voice message) is answered at once with a holding text; the real
replies follow through the customer-service message API.

What is checked in which mode:

* plaintext mode: ``signature`` = sha1(token, timestamp, nonce) and the timestamp window. The
  body is not signed by WeChat in this mode and carries no AppID (``ToUserName`` is the
  account's original id ``gh_...``), so nothing in it can be checked; use safe mode in production.
  A signature is remembered with a digest of its body while its timestamp is in the window
  (:mod:`storage.replay`): the same request again is a retry, another body under it is refused.
* safe and compatible modes (``encrypt_type=aes``): the above plus ``msg_signature`` over the
  ciphertext, AES decryption, and the AppID appended to the plaintext (wechatpy raises on a
  mismatch). Only the decrypted message is used; the clear-text copy of compatible mode is ignored.
  When an EncodingAESKey is configured, requests without ``encrypt_type=aes`` are refused.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.parsers.expat import ExpatError

import requests
from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import PlainTextResponse
from wechatpy import create_reply, parse_message
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.events import ClickEvent, SubscribeEvent, SubscribeScanEvent, UnsubscribeEvent
from wechatpy.exceptions import WeChatClientException, WeChatException
from wechatpy.messages import BaseMessage, ImageMessage, TextMessage, VoiceMessage
from wechatpy.utils import check_signature

from bot.channels.http import read_limited
from bot.channels.logs import quiet_payload_logs
from bot.channels.wechat_api import MENU_ACTIONS, WeChatAPI, render_text, split_text
from bot.messages import Incoming, Reply
from bot.service import ChatService
from storage.errors import Forbidden, IntakeError, InvalidInput, Unavailable
from storage.replay import SignedRequests

log = logging.getLogger(__name__)

CHANNEL = "wechat"
MAX_BODY = 64 * 1024  # WeChat's XML messages are small
MAX_MEDIA = 10 * 1024 * 1024

GREETING = "您好，欢迎关注！"
HOLDING = "收到，正在处理，请稍候…"
UNSUPPORTED = "抱歉，暂时只能处理文字、语音和图片消息，请用文字回复。"
MEDIA_FAILED = "没能收到您发送的{what}，请再发一次，或者用文字回复。"
MEDIA_OFF = "暂时还不能接收{what}，请用文字回复。"
SUCCESS = "success"  # what WeChat expects when there is nothing to say

class WeChatError(IntakeError):
    """Base of the WeChat channel's exceptions."""


class RequestRejected(WeChatError, Forbidden):
    """The request is not provably from WeChat (signature, AppID, timestamp); answered with 403."""


class BadMessage(WeChatError, InvalidInput):
    """A verified request whose XML cannot be read as a WeChat message; answered with 400."""


class MediaUnavailable(WeChatError, Unavailable):
    """A voice or image could not be downloaded by its media id."""


@dataclass(frozen=True)
class WeChatConfig:
    """Credentials, the API base URL and the channel's timing knobs."""

    token: str
    appid: str | None = None
    secret: str | None = None  # AppSecret: needed for media downloads and customer-service messages
    aes_key: str | None = None  # EncodingAESKey: safe mode when set
    api_base: str = "https://api.weixin.qq.com/"
    max_clock_skew: float = 300.0  # seconds a request's timestamp may differ from ours (replays)
    reply_deadline: float = 4.0  # seconds before a holding reply is sent (WeChat waits 5)
    api_timeout: float = 10.0  # seconds for calls to the WeChat API


class _Crypto(WeChatCrypto):
    """wechatpy's official-account crypto, with the echostr check it shares with WeChat Work."""

    def check_echostr(self, signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """Verify ``msg_signature`` over an encrypted echostr and return it decrypted (AppID checked)."""
        return str(self._check_signature(signature, timestamp, nonce, echostr, PrpCrypto))


# What a failed decryption of forged ciphertext can raise inside wechatpy (besides its own exceptions).
_DECRYPT_ERRORS = (WeChatException, ValueError, KeyError, IndexError, TypeError, struct.error, ExpatError)


@dataclass
class _Job:
    """One message being worked on; copies and retries of it wait on the same task."""

    task: asyncio.Task[list[Reply]] = field(init=False)
    late: bool = False  # the deadline passed: the replies go through the customer-service API


@dataclass(frozen=True)
class _Envelope:
    """A verified request: the message XML, and how to answer it."""

    xml: str
    encrypted: bool
    timestamp: str
    nonce: str


class WeChatChannel:
    """The adapter: verifies requests, de-duplicates messages in flight, replies passively or later."""

    name = "wechat"

    def __init__(self, config: WeChatConfig, chat: ChatService, clock: Callable[[], float] = time.time,
                 signed: SignedRequests | None = None) -> None:
        self.config = config
        self.chat = chat
        self.clock = clock
        quiet_payload_logs()
        self.signed = signed or SignedRequests(chat.db)  # replays of a signature with another body
        self.client: WeChatAPI | None = None
        self._crypto: _Crypto | None = None
        if config.aes_key:
            if not config.appid:
                raise ValueError("WeChat safe mode needs the AppID (INTAKE_WECHAT_APPID)")
            try:
                self._crypto = _Crypto(config.token, config.aes_key, config.appid)
            except (AssertionError, ValueError) as exc:
                raise ValueError("INTAKE_WECHAT_AES_KEY must be the 43-character EncodingAESKey") from exc
        self._inflight: dict[str, _Job] = {}
        self._background: set[asyncio.Task[None]] = set()

    @property
    def in_flight(self) -> int:
        """How many messages are being worked on (monitoring and tests)."""
        return len(self._inflight) + len(self._background)

    async def start(self) -> None:
        """Create the WeChat API client (when the AppSecret is configured)."""
        if self.config.appid and self.config.secret:
            self.client = WeChatAPI(self.config.appid, self.config.secret, self.config.api_base,
                                    timeout=self.config.api_timeout)
        else:
            log.warning("wechat: no AppSecret configured; voice, photos and late replies are off")

    async def stop(self) -> None:
        """Let work in flight finish (so late replies are sent), then close the client."""
        pending = [job.task for job in self._inflight.values()] + list(self._background)
        if pending:
            await asyncio.wait(pending, timeout=30)
        if self.client is not None:
            self.client.close()
            self.client = None

    # -- verification ---------------------------------------------------------------------

    def _check_time(self, timestamp: str) -> None:
        if not timestamp.isdigit() or abs(self.clock() - int(timestamp)) > self.config.max_clock_skew:
            raise RequestRejected("timestamp outside the allowed window")

    def verify_url(self, params: Mapping[str, str]) -> str:
        """The server-URL check: the echostr back when the request is signed with our token."""
        timestamp, nonce, echostr = params.get("timestamp", ""), params.get("nonce", ""), params.get("echostr", "")
        self._check_time(timestamp)
        msg_signature = params.get("msg_signature")
        if msg_signature is not None:  # an encrypted echostr, as WeChat Work and wechatpy's crypto do it
            if self._crypto is None:
                raise RequestRejected("encrypted echostr but no EncodingAESKey configured")
            try:
                return self._crypto.check_echostr(msg_signature, timestamp, nonce, echostr)
            except _DECRYPT_ERRORS as exc:
                raise RequestRejected("bad msg_signature or echostr") from exc
        try:
            check_signature(self.config.token, params.get("signature", ""), timestamp, nonce)
        except WeChatException as exc:
            raise RequestRejected("bad signature") from exc
        return echostr

    def open_envelope(self, params: Mapping[str, str], body: bytes) -> _Envelope:
        """Check a pushed message's signatures and timestamp; decrypt it in safe mode."""
        timestamp, nonce = params.get("timestamp", ""), params.get("nonce", "")
        self._check_time(timestamp)
        try:
            check_signature(self.config.token, params.get("signature", ""), timestamp, nonce)
        except WeChatException as exc:
            raise RequestRejected("bad signature") from exc
        encrypt_type = params.get("encrypt_type", "raw")
        if encrypt_type == "aes":
            if self._crypto is None:
                raise RequestRejected("encrypted message but no EncodingAESKey configured")
            try:
                xml = self._crypto.decrypt_message(body, params.get("msg_signature", ""), timestamp, nonce)
            except _DECRYPT_ERRORS as exc:
                raise RequestRejected("bad msg_signature, ciphertext or AppID") from exc
            return _Envelope(str(xml), True, timestamp, nonce)
        if encrypt_type != "raw":
            raise RequestRejected(f"unknown encrypt_type {encrypt_type[:20]!r}")
        if self._crypto is not None:
            raise RequestRejected("plaintext message but the account is in safe mode")
        try:
            return _Envelope(body.decode("utf-8"), False, timestamp, nonce)
        except UnicodeDecodeError as exc:
            raise BadMessage("body is not UTF-8") from exc

    async def _refuse_replays(self, signature: str, envelope: _Envelope, body: bytes) -> None:
        """RequestRejected when this signature came before with another body (plaintext mode signs no body;
        WeChat's retries resend the same request byte for byte and pass, to the MsgId de-duplication)."""
        now = self.clock()
        if not await asyncio.to_thread(self.signed.first_use, CHANNEL, signature, envelope.timestamp, envelope.nonce,
                                       body, int(envelope.timestamp) + self.config.max_clock_skew, now):
            raise RequestRejected("signature replayed with another body")

    # -- messages -------------------------------------------------------------------------

    async def receive(self, params: Mapping[str, str], body: bytes) -> Response:
        """Answer one pushed message within the deadline: its replies, a holding text, or "success"."""
        envelope = self.open_envelope(params, body)
        try:
            message = _parse(envelope.xml)
        except BadMessage as exc:
            if envelope.encrypted:  # AES-CBC is not authenticated: garbage inside means tampered ciphertext
                raise RequestRejected("decrypted content is not a WeChat message") from exc
            raise
        await self._refuse_replays(params.get("signature", ""), envelope, body)
        key = message_key(message)
        job = self._inflight.get(key)
        if job is None:
            job = self._start(key, message)
        elif job.late:
            return _success()  # a retry while the replies are on their way: start nothing
        done, _ = await asyncio.wait({job.task}, timeout=self.config.reply_deadline)
        if not done:
            if job.late:
                return _success()
            job.late = True
            return self._passive(envelope, message, HOLDING)
        if job.late:
            return _success()
        first, rest = _first_and_rest(render_text(job.task.result()))
        if rest:
            self._spawn(self._deliver(message.source, rest))
        return self._passive(envelope, message, first) if first else _success()

    def _start(self, key: str, message: BaseMessage) -> _Job:
        job = _Job()
        self._inflight[key] = job
        job.task = asyncio.get_running_loop().create_task(self._work(key, job, message))
        job.task.add_done_callback(_report_failure)
        return job

    async def _work(self, key: str, job: _Job, message: BaseMessage) -> list[Reply]:
        try:
            replies = await asyncio.to_thread(self._turn, key, message)
            if job.late:
                await self._deliver(message.source, split_text(render_text(replies)))
            return replies
        finally:
            self._inflight.pop(key, None)

    def _turn(self, key: str, message: BaseMessage) -> list[Reply]:
        """Turn one message into the engine's replies (runs in a worker thread: it downloads and waits)."""
        user = str(message.source)
        if isinstance(message, TextMessage):
            return self.chat.handle(Incoming(CHANNEL, user, text=message.content or "", message_id=key))
        if isinstance(message, VoiceMessage):
            try:
                audio, _ = self._download(message.media_id)
            except MediaUnavailable as exc:
                return [Reply(str(exc), kind="error")]
            fmt = (message.format or "amr").lower()
            return self.chat.handle(Incoming(CHANNEL, user, audio=audio, audio_format=fmt, message_id=key))
        if isinstance(message, ImageMessage):
            try:
                image, content_type = self._download(message.media_id, what="图片")
            except MediaUnavailable as exc:
                return [Reply(str(exc), kind="error")]
            return self.chat.handle(Incoming(CHANNEL, user, image=image, image_type=content_type, message_id=key))
        if isinstance(message, SubscribeEvent | SubscribeScanEvent):
            return [Reply(GREETING), *self.chat.resume(CHANNEL, user)]
        if isinstance(message, ClickEvent):
            if message.key not in MENU_ACTIONS:
                return []
            text = MENU_ACTIONS[message.key]
            if text is None:
                return self.chat.resume(CHANNEL, user)
            return self.chat.handle(Incoming(CHANNEL, user, text=text, message_id=key))
        if isinstance(message, UnsubscribeEvent) or _raw(message, "MsgType") == "event":
            return []  # unsubscribe, menu links, location reports...: nothing to say
        return [Reply(UNSUPPORTED, kind="error")]

    def _download(self, media_id: str | None, what: str = "语音") -> tuple[bytes, str]:
        """A temporary media file's bytes and content type, from the media API."""
        if self.client is None:
            raise MediaUnavailable(MEDIA_OFF.format(what=what + "消息"))
        if not media_id:
            raise MediaUnavailable(MEDIA_FAILED.format(what=what))
        try:
            res = self.client.media.download(media_id)
        except (WeChatClientException, requests.RequestException) as exc:
            log.warning("wechat: media download failed: %s", getattr(exc, "errcode", type(exc).__name__))
            raise MediaUnavailable(MEDIA_FAILED.format(what=what)) from exc
        if not isinstance(res, requests.Response) or not res.content or len(res.content) > MAX_MEDIA:
            raise MediaUnavailable(MEDIA_FAILED.format(what=what))
        content_type = res.headers.get("Content-Type", "").split(";")[0].strip() or "application/octet-stream"
        if what == "图片" and not content_type.startswith("image/"):
            content_type = "image/jpeg"
        return res.content, content_type

    # -- replies --------------------------------------------------------------------------

    def _passive(self, envelope: _Envelope, message: BaseMessage, text: str) -> Response:
        xml = create_reply(text, message=message).render()
        if envelope.encrypted:
            assert self._crypto is not None
            xml = self._crypto.encrypt_message(xml, envelope.nonce, envelope.timestamp)
        return Response(content=xml, media_type="application/xml")

    async def _deliver(self, user: str, texts: list[str]) -> None:
        """Send late replies through the customer-service message API, in order."""
        if texts and self.client is None:
            log.warning("wechat: a late reply was dropped: no AppSecret configured")
            return
        if texts and not await asyncio.to_thread(self._send, texts, user):
            log.error("wechat: a late reply could not be sent")

    async def push(self, user_id: str, text: str) -> bool:
        """Send a message the person did not ask for (a staff answer) by the customer-service API.

        WeChat allows it within 48 hours of the person's last message; False when refused.
        """
        return self.client is not None and await asyncio.to_thread(self._send, split_text(text), user_id)

    def _send(self, texts: list[str], user: str) -> bool:
        """Send texts (each within WeChat's limit) in order; False at the first one refused."""
        client = self.client
        if client is None:
            return False
        for text in texts:
            try:
                client.message.send_text(user, text)
            except (WeChatClientException, requests.RequestException) as exc:
                log.warning("wechat: a customer-service message was refused: %s",
                            getattr(exc, "errcode", type(exc).__name__))
                return False
        return True

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        task.add_done_callback(_report_failure)


def _parse(xml: str) -> BaseMessage:
    """wechatpy's parser; unknown types become UnknownMessage, unreadable XML a BadMessage."""
    try:
        message = parse_message(xml)
    except (ExpatError, KeyError, TypeError, AttributeError, ValueError) as exc:
        raise BadMessage("not a WeChat message") from exc
    if message is None or not message.source or not _raw(message, "CreateTime"):
        raise BadMessage("message without sender or time")
    return message


def _raw(message: BaseMessage, name: str) -> str:
    value = message._data.get(name)
    return str(value).strip().lower() if value is not None else ""


def message_key(message: BaseMessage) -> str:
    """The de-duplication key: MsgId, or sender + CreateTime + event (+ menu key) for events.

    The menu key keeps two different buttons tapped within one second apart; a double tap of
    the same button is one message.
    """
    msg_id = message._data.get("MsgId")
    if msg_id:
        return f"msg:{msg_id}"
    kind = _raw(message, "Event") or _raw(message, "MsgType")
    event_key = message._data.get("EventKey") or ""
    return f"{message.source}:{_raw(message, 'CreateTime')}:{kind}:{str(event_key)[:64]}"


def _first_and_rest(text: str) -> tuple[str, list[str]]:
    chunks = split_text(text)
    return (chunks[0], chunks[1:]) if chunks else ("", [])


def _success() -> Response:
    return PlainTextResponse(SUCCESS)


def _report_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("wechat: handling a message failed", exc_info=task.exception())


def wechat_router(get: Callable[[], WeChatChannel | object | None]) -> APIRouter:
    """The /wechat routes: URL verification (GET) and pushed messages (POST); 404 when the channel is off.

    ``get`` finds the running channel per request (admin.channels' lookup is typed ``object | None``).
    """
    router = APIRouter(tags=["wechat"])

    def channel() -> WeChatChannel:
        found = get()
        if not isinstance(found, WeChatChannel):
            raise HTTPException(status_code=404, detail="the wechat channel is not configured")
        return found

    @router.get("/wechat", include_in_schema=False)
    async def verify(request: Request) -> Response:
        ch = channel()
        try:
            return PlainTextResponse(ch.verify_url(request.query_params))
        except RequestRejected as exc:
            raise HTTPException(status_code=403, detail="not signed by WeChat") from exc

    @router.post("/wechat", include_in_schema=False)
    async def receive(request: Request) -> Response:
        ch = channel()
        body = await read_limited(request, MAX_BODY, "message")
        try:
            return await ch.receive(request.query_params, body)
        except RequestRejected as exc:
            raise HTTPException(status_code=403, detail="not signed by WeChat") from exc
        except BadMessage as exc:
            raise HTTPException(status_code=400, detail="not a WeChat message") from exc

    return router
