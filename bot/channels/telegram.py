"""The Telegram channel: python-telegram-bot fed by a webhook inside the FastAPI app (or by polling).

The adapter is thin: a Telegram update becomes an :class:`~bot.messages.Incoming` (text, a voice
note's OGG/Opus bytes, the largest size of a photo), :class:`~bot.service.ChatService` answers it in
a worker thread, and each :class:`~bot.messages.Reply` goes back with ``sendMessage``; choices become
a one-time reply keyboard, a reply without choices removes the keyboard.

Decisions:

* Webhook authentication: ``X-Telegram-Bot-Api-Secret-Token`` must equal ``INTAKE_TELEGRAM_SECRET``
  (compared in constant time). Wrong or missing: 403, nothing is read or written. With no secret
  configured the webhook is refused altogether (403 and a log line): anyone who guesses the URL could
  otherwise post answers in any person's name. Polling (``intake telegram poll``) needs no secret.
* Acknowledgement: the webhook answers 200 only after the answer is committed and every reply was
  sent. A failure before that (database, Bot API unreachable) answers 500, so Telegram delivers the
  update again. Errors that a retry cannot cure (the person blocked the bot, a refused file) are
  logged and acknowledged.
* Duplicates: ``Incoming.message_id`` is the update id. A redelivered update stores nothing twice;
  ChatService gives back the replies stored the first time and they are sent again, because Telegram
  only redelivers when it did not get our 200, i.e. when the replies may not have reached the person.
  /start and /help only show where the person is and write no answer, so they need no de-duplication.
* /cancel pauses: it is the engine's "暂停" (progress kept, nothing deleted); /start or "继续" resumes.
* Only private chats are served: in a group the bot asks the person to write to it privately, so
  that nobody's answers are seen by others.
* Messages of one person are handled one at a time (in this process), in the order they arrive.
"""

from __future__ import annotations

import asyncio
import contextvars
import hmac
import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from telegram import Bot, KeyboardButton, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot.channels.http import read_limited
from bot.channels.logs import quiet_payload_logs
from bot.messages import Incoming, Reply
from bot.service import ChatService
from storage import errors as domain

log = logging.getLogger(__name__)

CHANNEL = "telegram"
DEFAULT_API_BASE = "https://api.telegram.org/bot"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ("message",)  # edits, channel posts, inline queries...: not asked for
TEXT_LIMIT = 4096  # characters of one Telegram message
MAX_MEDIA = 20 * 1024 * 1024  # the largest file the Bot API lets a bot download
MAX_BODY = 1024 * 1024  # an update is a few kilobytes; refuse anything far larger

HELP = ("使用说明：\n"
        "· 直接打字回答，或点下方的按钮；\n"
        "· 可以发语音回答，需要照片时直接发照片；\n"
        "· 发送“返回”回到上一题，“跳过”跳过选填题，“转人工”联系工作人员；\n"
        "· /start 开始或继续填写，/cancel 暂停（进度会保存），/help 查看本说明。")
UNSUPPORTED = "抱歉，暂时只能处理文字、语音和图片消息，请用文字回复。"
PRIVATE_ONLY = "为保护您的个人信息，请私聊我填写登记。"
MEDIA_FAILED = "没能收到您发送的{what}，请再发一次，或者用文字回复。"
MEDIA_TOO_BIG = "您发送的{what}太大了，请重新发送一个小一些的。"
APOLOGY = "系统暂时出了点问题，请稍后再发一次。"  # polling mode: the update cannot be fetched again
PAUSE_TEXT = "暂停"  # what /cancel says to the engine


class TelegramChannelError(domain.IntakeError):
    """Base of the Telegram channel's exceptions."""


class WebhookRefused(TelegramChannelError, domain.Forbidden):
    """The request does not carry the configured secret token (or none is configured)."""


class ChannelNotReady(TelegramChannelError, domain.Unavailable):
    """The Bot API could not be reached at start-up and still cannot."""


class UpdateFailed(TelegramChannelError, domain.Unavailable):
    """Handling an update failed before its replies were all sent; Telegram should retry it."""


@dataclass(frozen=True)
class TelegramConfig:
    """The bot token, the webhook's secret token and the Bot API base URL (``.../bot``)."""

    token: str
    secret: str | None = None
    api_base: str = DEFAULT_API_BASE


def file_base_url(api_base: str) -> str:
    """The file download base matching a Bot API base: ``https://host/bot`` -> ``https://host/file/bot``."""
    head, sep, tail = api_base.rpartition("/bot")
    if not sep:
        return api_base.rstrip("/") + "/file/bot"
    return f"{head}/file/bot{tail}"


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a text into messages of at most ``limit`` characters, at line breaks where possible."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        cut = cut + 1 if cut > 0 else limit
        parts.append(rest[:cut].rstrip("\n"))
        rest = rest[cut:]
    if rest or not parts:
        parts.append(rest)
    return parts


def keyboard(reply: Reply) -> ReplyKeyboardMarkup | ReplyKeyboardRemove:
    """A reply's choices as a one-time keyboard (a button sends the choice's value); none removes it."""
    if not reply.choices:
        return ReplyKeyboardRemove()
    values = [c.value for c in reply.choices]
    longest = max(len(v) for v in values)
    per_row = 3 if longest <= 4 else 2 if longest <= 8 else 1  # big buttons for long labels
    rows = [[KeyboardButton(v) for v in values[i:i + per_row]] for i in range(0, len(values), per_row)]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)


@dataclass
class _Gate:
    """A per-person lock and how many handlers hold or wait for it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class TelegramChannel:
    """The adapter: builds the python-telegram-bot Application, handles updates, sends replies."""

    name = "telegram"

    def __init__(self, config: TelegramConfig, chat: ChatService) -> None:
        self.config = config
        self.chat = chat
        quiet_payload_logs()
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._ready = False
        self._starting = asyncio.Lock()
        self._gates: dict[str, _Gate] = {}
        # set by the webhook while it processes an update: the handler errors, to answer 500
        self._failures: contextvars.ContextVar[list[BaseException] | None] = contextvars.ContextVar(
            "telegram_update_failures", default=None)

    # -- life cycle -----------------------------------------------------------------------

    def build_application(self, *, polling: bool = False) -> Application[Any, Any, Any, Any, Any, Any]:
        """The Application with every handler; without an Updater unless ``polling``."""
        builder = (Application.builder().token(self.config.token).base_url(self.config.api_base)
                   .base_file_url(file_base_url(self.config.api_base)))
        if not polling:
            builder = builder.updater(None)
        application = builder.build()
        self.add_handlers(application)
        return application

    def add_handlers(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Register the command, message and error handlers."""
        private = filters.ChatType.PRIVATE
        application.add_handlers([
            MessageHandler(filters.UpdateType.MESSAGE & ~private, self._on_group),
            CommandHandler("start", self._on_start, filters=private),
            CommandHandler("help", self._on_help, filters=private),
            CommandHandler("cancel", self._on_cancel, filters=private),
            MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, self._on_text),
            MessageHandler(filters.UpdateType.MESSAGE & filters.VOICE, self._on_voice),
            MessageHandler(filters.UpdateType.MESSAGE & (filters.PHOTO | filters.Document.IMAGE), self._on_photo),
            MessageHandler(filters.UpdateType.MESSAGE, self._on_other),
        ])
        application.add_error_handler(self._on_error)

    async def start(self) -> None:
        """Build the webhook Application and connect it (getMe); an unreachable Bot API is retried later."""
        self.application = self.build_application()
        if not self.config.secret:
            log.warning("telegram: INTAKE_TELEGRAM_SECRET is not set; the /telegram webhook refuses every "
                        "request (set a secret, or use `intake telegram poll` for development)")
        try:
            await self._ensure_ready()
        except ChannelNotReady:
            log.warning("telegram: the Bot API is not reachable yet; will retry on the next update")

    async def stop(self) -> None:
        """Shut the Application down."""
        application, self.application = self.application, None
        if application is None or not self._ready:
            return
        self._ready = False
        if application.running:
            await application.stop()
        await application.shutdown()

    async def _ensure_ready(self) -> Application[Any, Any, Any, Any, Any, Any]:
        """The initialised Application (initialises it on first use)."""
        application = self.application
        if application is None:
            raise ChannelNotReady("the telegram channel is not started")
        async with self._starting:
            if not self._ready:
                try:
                    await application.initialize()
                except TelegramError as exc:
                    log.error("telegram: connecting to the Bot API failed: %s", type(exc).__name__)
                    raise ChannelNotReady(str(exc)) from exc
                await application.start()
                self._ready = True
        return application

    async def push(self, user_id: str, text: str) -> bool:
        """Send a message the person did not ask for (a staff answer); False when it cannot be sent now."""
        try:
            application = await self._ensure_ready()
        except ChannelNotReady:
            return False
        try:
            for part in split_text(text):
                await application.bot.send_message(int(user_id), part)
        except (TelegramError, ValueError) as exc:
            log.warning("telegram: a pushed message was refused: %s", type(exc).__name__)
            return False
        return True

    # -- the webhook ----------------------------------------------------------------------

    def check_secret(self, header: str | None) -> None:
        """Raise :class:`WebhookRefused` unless ``header`` is the configured secret token."""
        secret = self.config.secret
        if not secret:
            log.warning("telegram: webhook request refused: no INTAKE_TELEGRAM_SECRET is configured")
            raise WebhookRefused("no secret token configured")
        if header is None or not hmac.compare_digest(header.encode(), secret.encode()):
            log.warning("telegram: webhook request refused: %s secret token",
                        "missing" if header is None else "wrong")
            raise WebhookRefused("wrong secret token")

    async def receive(self, data: Any) -> None:
        """Process one update posted to the webhook; returns once its replies are sent.

        Raises :class:`UpdateFailed` when a handler failed (the caller answers 500 so Telegram retries),
        :class:`ChannelNotReady` when the Bot API still cannot be reached and ``ValueError`` for a body
        that is not an update.
        """
        application = await self._ensure_ready()
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise ValueError("not a Telegram update")
        try:
            update = Update.de_json(data, application.bot)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError("not a Telegram update") from exc
        failures: list[BaseException] = []
        token = self._failures.set(failures)
        try:
            await application.process_update(update)
        finally:
            self._failures.reset(token)
        if failures:
            raise UpdateFailed(f"update {update.update_id} failed") from failures[0]

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A handler failed: the webhook answers 500 (Telegram retries); when polling, apologise."""
        failures = self._failures.get()
        if failures is not None and context.error is not None:
            failures.append(context.error)
            return
        log.error("telegram: handling an update failed", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await context.bot.send_message(update.effective_chat.id, APOLOGY)
            except TelegramError as exc:
                log.warning("telegram: the apology could not be sent: %s", type(exc).__name__)

    # -- handlers -------------------------------------------------------------------------

    async def _on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start [questionnaire]: the notice for a new person, else where they left off."""
        message, user = _message(update), _user(update)
        questionnaire = context.args[0] if context.args else None
        async with self._turn(user):
            replies = await asyncio.to_thread(self.chat.resume, CHANNEL, user, questionnaire)
            await self._send(message, replies)

    async def _on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/help: how to use the bot, then the pending prompt again."""
        message, user = _message(update), _user(update)
        async with self._turn(user):
            replies = await asyncio.to_thread(self.chat.resume, CHANNEL, user)
            await self._send(message, [Reply(HELP), *replies])

    async def _on_cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/cancel: pause (the engine keeps the progress)."""
        await self._handle(update, text=PAUSE_TEXT)

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed text or a tapped keyboard button."""
        await self._handle(update, text=_message(update).text or "")

    async def _on_voice(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A voice note: its OGG/Opus file goes to the engine's voice path."""
        message, user = _message(update), _user(update)
        voice = message.voice
        assert voice is not None  # filters.VOICE
        async with self._turn(user):
            audio = await self._download(message, voice.file_id, voice.file_size, "语音")
            if audio is not None:
                replies = await asyncio.to_thread(self.chat.handle, self._incoming(
                    update, audio=audio, audio_format="ogg"))
                await self._send(message, replies)

    async def _on_photo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo (its largest size, JPEG) or an image sent as a file."""
        message, user = _message(update), _user(update)
        if message.photo:
            largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
            file_id, size, kind = largest.file_id, largest.file_size, "image/jpeg"
        else:
            document = message.document
            assert document is not None  # filters.Document.IMAGE
            file_id, size, kind = document.file_id, document.file_size, document.mime_type or "image/jpeg"
        async with self._turn(user):
            image = await self._download(message, file_id, size, "图片")
            if image is not None:
                replies = await asyncio.to_thread(self.chat.handle, self._incoming(
                    update, image=image, image_type=kind))
                await self._send(message, replies)

    async def _on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, locations, unknown commands...: a polite reply and the pending prompt again."""
        message, user = _message(update), _user(update)
        async with self._turn(user):
            replies = await asyncio.to_thread(self.chat.resume, CHANNEL, user)
            await self._send(message, [Reply(UNSUPPORTED, kind="error"), *replies])

    async def _on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything in a group or channel: ask for a private chat; nothing reaches the engine."""
        message = update.effective_message
        if message is not None and update.effective_user is not None:
            await self._send(message, [Reply(PRIVATE_ONLY)])

    # -- helpers --------------------------------------------------------------------------

    async def _handle(self, update: Update, **content: Any) -> None:
        """Hand one message to the chat service (de-duplicated by update id) and send the replies."""
        message = _message(update)
        incoming = self._incoming(update, **content)
        async with self._turn(incoming.user_id):
            replies = await asyncio.to_thread(self.chat.handle, incoming)
            await self._send(message, replies)

    @staticmethod
    def _incoming(update: Update, **content: Any) -> Incoming:
        message = _message(update)
        return Incoming(CHANNEL, _user(update), message_id=str(update.update_id), at=message.date, **content)

    @asynccontextmanager
    async def _turn(self, user: str) -> AsyncIterator[None]:
        """Handle one person's messages one at a time, in order of arrival."""
        gate = self._gates.setdefault(user, _Gate())
        gate.users += 1
        try:
            async with gate.lock:
                yield
        finally:
            gate.users -= 1
            if gate.users == 0:
                del self._gates[user]

    async def _download(self, message: Message, file_id: str, size: int | None, what: str) -> bytes | None:
        """A file's bytes; None after telling the person when the file cannot be had."""
        if size is not None and size > MAX_MEDIA:
            await self._send(message, [Reply(MEDIA_TOO_BIG.format(what=what), kind="error")])
            return None
        try:
            file = await message.get_bot().get_file(file_id)
            data = bytes(await file.download_as_bytearray())
        except BadRequest as exc:  # the file is gone or too big: asking again will not help
            log.warning("telegram: a %s file could not be fetched: %s", "voice" if what == "语音" else "image", exc)
            await self._send(message, [Reply(MEDIA_FAILED.format(what=what), kind="error")])
            return None
        if not data or len(data) > MAX_MEDIA:
            await self._send(message, [Reply(MEDIA_FAILED.format(what=what), kind="error")])
            return None
        return data

    @staticmethod
    async def _send(message: Message, replies: Sequence[Reply]) -> None:
        """Send the replies in order; choices as a keyboard on the reply's last message."""
        bot = message.get_bot()
        for reply in replies:
            parts = split_text(reply.text)
            for i, part in enumerate(parts):
                markup = keyboard(reply) if i == len(parts) - 1 else None
                try:
                    await bot.send_message(message.chat_id, part, reply_markup=markup)
                except (Forbidden, BadRequest) as exc:  # blocked by the person, chat gone: a retry cannot help
                    log.warning("telegram: a reply could not be delivered: %s", type(exc).__name__)
                    return


def _message(update: Update) -> Message:
    """The update's message (every handler here is for messages)."""
    message = update.effective_message
    assert message is not None
    return message


def _user(update: Update) -> str:
    """The sender's Telegram user id, as the channel's user id."""
    user = update.effective_user
    if user is not None:
        return str(user.id)
    return str(_message(update).chat_id)


# -- commands: polling and the webhook registration ----------------------------------------------


def run_polling(config: TelegramConfig, chat: ChatService) -> None:
    """Development mode: delete any webhook, then long-poll getUpdates until interrupted."""
    channel = TelegramChannel(config, chat)
    application = channel.build_application(polling=True)
    # Updater.start_polling deletes the webhook first (deleteWebhook), as getUpdates requires.
    application.run_polling(allowed_updates=list(ALLOWED_UPDATES), drop_pending_updates=False)


async def set_webhook(config: TelegramConfig, url: str) -> None:
    """Point the bot at ``url`` with the secret token Telegram will send in every request."""
    if not config.secret:
        raise WebhookRefused("INTAKE_TELEGRAM_SECRET is not set")
    async with _bot(config) as bot:
        await bot.set_webhook(url, secret_token=config.secret, allowed_updates=list(ALLOWED_UPDATES))


async def delete_webhook(config: TelegramConfig) -> None:
    """Remove the bot's webhook (pending updates are kept)."""
    async with _bot(config) as bot:
        await bot.delete_webhook()


@asynccontextmanager
async def _bot(config: TelegramConfig) -> AsyncIterator[Bot]:
    bot = Bot(config.token, base_url=config.api_base, base_file_url=file_base_url(config.api_base))
    async with bot:
        yield bot


# -- the route -----------------------------------------------------------------------------------


def telegram_router(get: Callable[[], TelegramChannel | object | None]) -> APIRouter:
    """The /telegram webhook; 404 when the channel is off.

    ``get`` finds the running channel per request (admin.channels' lookup is typed ``object | None``).
    """
    router = APIRouter(tags=["telegram"])

    @router.post("/telegram", include_in_schema=False)
    async def webhook(request: Request) -> Response:
        channel = get()
        if not isinstance(channel, TelegramChannel):
            raise HTTPException(status_code=404, detail="the telegram channel is not configured")
        try:
            channel.check_secret(request.headers.get(SECRET_HEADER))
        except WebhookRefused as exc:
            raise HTTPException(status_code=403, detail="forbidden") from exc
        body = await read_limited(request, MAX_BODY, "update")
        try:
            data = json.loads(body)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
            raise HTTPException(status_code=400, detail="not JSON") from exc
        try:
            await channel.receive(data)
        except ValueError as exc:
            raise HTTPException(status_code=400, detail="not a Telegram update") from exc
        except ChannelNotReady as exc:
            raise HTTPException(status_code=503, detail="the Bot API is not reachable") from exc
        except UpdateFailed as exc:
            log.error("telegram: %s; answering 500 so that Telegram retries", exc, exc_info=exc.__cause__)
            raise HTTPException(status_code=500, detail="the update was not processed; retry") from exc
        return Response(status_code=200)

    return router


