"""Limits on identification attempts: per person and per client, growing pauses, and a block.

Every failed second factor (a wrong one-time code, a wrong link code) counts against the person it
was for and against the client that sent it (the browser's address for the web chat, the account
for WeChat and Telegram). The first few failures are free; then each one earns a pause that doubles;
a person whose count reaches the limit is blocked until the hotline lifts it, a client is paused for
a day. Counters are read and written under a row lock in the turn's transaction, so concurrent
guesses are counted one after another and can never pass the limit together. A success clears the
person's counter, never the client's (an attacker must not reset it with their own ID number);
a client's counter is forgotten after a quiet day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.identity import IdentityStore, IdentityThrottle, aware, person_key


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures are free, how pauses grow, and when a key is blocked."""

    free_failures: int = 3  # failures before pauses start
    first_pause: timedelta = timedelta(minutes=1)  # doubles with each further failure
    max_pause: timedelta = timedelta(hours=1)
    person_block_after: int = 10  # a person is blocked until the hotline lifts it
    client_block_after: int = 20  # a client is paused for ``client_block``
    client_block: timedelta = timedelta(hours=24)
    forget_after: timedelta = timedelta(hours=24)  # a quiet key starts again from zero


@dataclass(frozen=True)
class Refusal:
    """Why identification is refused now: blocked (the hotline lifts it) or paused until a moment."""

    blocked: bool
    until: datetime | None

    def minutes_left(self, now: datetime) -> int:
        """Whole minutes until the pause ends (at least 1)."""
        if self.until is None:
            return 0
        return max(1, int((self.until - now).total_seconds() + 59) // 60)


class Throttle:
    """The identification limits of one turn, over the turn's :class:`IdentityStore`."""

    def __init__(self, ids: IdentityStore, now: datetime, policy: ThrottlePolicy | None = None) -> None:
        self.ids = ids
        self.now = now
        self.policy = policy or ThrottlePolicy()

    def client_key(self, client: str) -> str:
        """The throttle key of a client (its address or account, kept as a keyed digest)."""
        return "client:" + self.ids.store.vault.blind_index(client, "client")

    def _rows(self, keys: list[str]) -> list[IdentityThrottle]:
        rows = [self.ids.throttle(k) for k in sorted(set(keys))]  # one lock order: no deadlocks
        for row in rows:
            quiet = aware(row.updated_at)
            if not row.blocked and quiet is not None and self.now - quiet > self.policy.forget_after:
                row.failures, row.locked_until = 0, None
        return rows

    def refusal(self, keys: list[str]) -> Refusal | None:
        """Whether any of the keys is blocked or paused now (locks their rows for the turn)."""
        paused: datetime | None = None
        for row in self._rows(keys):
            if row.blocked:
                return Refusal(True, None)
            until = aware(row.locked_until)
            if until is not None and until > self.now and (paused is None or until > paused):
                paused = until
        return Refusal(False, paused) if paused is not None else None

    def fail(self, keys: list[str]) -> Refusal | None:
        """Count one failure against each key; the refusal it earned, if any."""
        p = self.policy
        for row in self._rows(keys):
            row.failures += 1
            is_person = row.key.startswith("person:")
            if is_person and row.failures >= p.person_block_after:
                row.blocked = True
            elif not is_person and row.failures >= p.client_block_after:
                row.locked_until = self.now + p.client_block
            elif row.failures >= p.free_failures:
                pause = p.first_pause * (2 ** (row.failures - p.free_failures))
                row.locked_until = self.now + min(pause, p.max_pause)
            self.ids.save_throttle(row, self.now)
        return self.refusal(keys)

    def passed(self, person_id: int) -> None:
        """A person proved who they are: their counter starts again (the client's does not)."""
        row = self.ids.throttle(person_key(person_id))
        row.failures, row.locked_until, row.blocked = 0, None, False
        self.ids.save_throttle(row, self.now)
