"""Delivers staff answers to people through the channel they used, without waiting for them to write.

An appeal's answer is queued in the outbox (sealed) in the same transaction as the answer itself.
For channels that can send on their own (Telegram at any time, WeChat through its customer-service
message API within 48 hours of the person's last message) this dispatcher sends it: a row is
claimed by setting its delivery time where none is set (so two processes never send it twice), sent,
and released again if the channel refused it. A refused row is tried again with a growing pause,
a few times; after that it waits for the person's next message, which always shows waiting
messages first (the web chat and the terminal work only that way).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from admin.runtime import Runtime
from storage.repo import OutboxItem

log = logging.getLogger(__name__)

PREFIX = "工作人员回复您："  # as the chat shows waiting messages (bot.service)
INTERVAL = 5.0  # seconds between looks at the outbox
BATCH = 20
MAX_TRIES = 5
WAKE_DELAY = 0.3  # seconds after a wake-up before looking


class Pusher(Protocol):
    """A channel adapter that can send a message on its own."""

    async def push(self, user_id: str, text: str) -> bool:
        """Send ``text`` to the user; False when the channel refused it (try again later)."""
        ...


@dataclass
class OutboxDispatcher:
    """The background task of the app that empties the outbox into the channels that can push."""

    runtime: Runtime
    channels: Mapping[str, object]
    interval: float = INTERVAL
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _tries: dict[int, int] = field(default_factory=dict)
    _next: dict[int, float] = field(default_factory=dict)
    _loop: asyncio.AbstractEventLoop | None = None

    def pushers(self) -> dict[str, Pusher]:
        """The channels that can send on their own."""
        return {name: c for name, c in self.channels.items() if callable(getattr(c, "push", None))}  # type: ignore[misc]

    def wake(self) -> None:
        """Look at the outbox soon (a staff member has just answered); callable from any thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        """Deliver until cancelled."""
        self._loop = asyncio.get_running_loop()
        while True:
            with contextlib.suppress(TimeoutError):  # no wake-up: the periodic look
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            if self._wake.is_set():
                self._wake.clear()
                await asyncio.sleep(WAKE_DELAY)  # the answer's transaction commits as its request ends
            try:
                await self.deliver_once()
            except SQLAlchemyError as exc:  # the database is away: try again at the next look
                log.error("outbox: delivery pass failed: %s", type(exc).__name__)

    async def deliver_once(self) -> int:
        """One pass: claim waiting rows of pushing channels, send them, release the refused ones."""
        pushers = self.pushers()
        if not pushers:
            return 0
        now = time.monotonic()
        skip = frozenset(row for row, at in self._next.items() if at > now)
        claimed = await asyncio.to_thread(self._claim, sorted(pushers), skip)
        sent = 0
        for item in claimed:
            ok = await pushers[item.channel].push(item.channel_user_id, PREFIX + item.text)
            if ok:
                sent += 1
                self._tries.pop(item.id, None)
                self._next.pop(item.id, None)
                continue
            tries = self._tries.get(item.id, 0) + 1
            self._tries[item.id] = tries
            self._next[item.id] = now + self.interval * 2 ** tries
            await asyncio.to_thread(self._release, item.id, tries >= MAX_TRIES)
        return sent

    def _claim(self, channels: list[str], skip: frozenset[int]) -> list[OutboxItem]:
        with self.runtime.store_scope() as store:
            given_up = frozenset(row for row, n in self._tries.items() if n >= MAX_TRIES)
            return store.outbox.claim(channels, exclude=skip | given_up, limit=BATCH)

    def _release(self, row_id: int, give_up: bool) -> None:
        with self.runtime.store_scope() as store:
            store.outbox.release(row_id)
        if give_up:
            log.info("outbox: message %s left for the person's next visit after %d refused sends", row_id, MAX_TRIES)
