"""The domain's one exception tree: every package raises these (or subclasses of them).

This module is the lowest layer: it imports nothing of the project, so nlu, voice, storage, bot and
admin may all use it. Each error carries

* ``detail``: precise English for staff APIs and logs (never personal data), and
* ``message_zh``: optional short plain Simplified Chinese for the person or staff member on a page
  (named apart from ``message``, which some errors, e.g. a table's, use for their own English text).

The admin app maps the tree to HTTP problem responses in one place (:mod:`admin.web.errors`) and the
console to Chinese pages (:func:`admin.console.base.problem_message`); the class decides the status, not the
caller. A refusal may carry a :class:`Refusal`: the request is rolled back and only that audit entry kept.

::

    IntakeError                     500  something the caller cannot fix
    ├── InvalidInput                422  what was sent cannot be used as asked
    │   └── TooLarge                413  … because it is too large
    ├── Unauthorized                401  nobody (valid) is logged in, or a login was refused
    ├── Forbidden                   403  the caller may not do this
    ├── NotFound                    404  no such row, or one outside the caller's region
    ├── Conflict                    409  the row's state does not allow this now
    ├── TooMany                     429  too many attempts; ``retry_after`` seconds
    │   └── Locked                  423  … so the account is locked for a while
    └── Unavailable                 503  a service this needs is down or not configured
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self


@dataclass(frozen=True)
class Refusal:
    """An audit entry that outlives the refused request: written after its transaction is rolled back."""

    action: str
    staff_id: int | None
    username: str | None
    role: str | None
    region_id: int | None
    target_type: str | None = None
    target_id: str | None = None
    result: str = "denied"  # denied | not_found | failed
    detail: str = ""


class IntakeError(Exception):
    """Base of every domain error: an English ``detail`` for staff, an optional Chinese ``message_zh`` for people."""

    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"
    #: what a person is told when the raiser gave no ``message_zh``
    default_message: ClassVar[str] = "系统暂时出了点问题，请稍后再试。"
    #: the audit entry to keep although the request fails (set by :meth:`audited`)
    refusal: Refusal | None = None
    #: seconds after which trying again may work (TooMany, Unavailable), else None
    retry_after: int | None = None

    def __init__(self, detail: object = None, *args: object, message_zh: str | None = None) -> None:
        if detail is None:
            super().__init__(*args)
        else:
            super().__init__(detail, *args)
        self.detail = str(detail) if detail is not None else self.title.lower()
        self.message_zh = message_zh

    def audited(self, refusal: Refusal) -> Self:
        """This error, carrying an audit entry the unit of work writes after rolling the request back."""
        self.refusal = refusal
        return self

    @property
    def user_message(self) -> str:
        """What to tell a person: the raiser's Chinese message, else the class's."""
        return self.message_zh or self.default_message

    @property
    def code(self) -> str:
        """A stable machine-readable name of the error (the class name), used in the problem ``type``."""
        return type(self).__name__


class InvalidInput(IntakeError):
    """What was sent cannot be used as asked (bad value, unknown key, wrong file)."""

    status = 422
    title = "Invalid input"
    default_message = "填写的内容有误，请检查后再试。"


class TooLarge(InvalidInput):
    """What was sent is larger than allowed (a recording, an uploaded list)."""

    status = 413
    title = "Content too large"
    default_message = "文件太大了，请换一个小一点的文件。"


class Unauthorized(IntakeError):
    """Nobody (valid) is logged in, or a login was refused."""

    status = 401
    title = "Unauthorized"
    default_message = "请先登录。"


class Forbidden(IntakeError):
    """The caller may not do this (their role lacks a permission)."""

    status = 403
    title = "Forbidden"
    default_message = "您的账号没有这项权限。"


class NotFound(IntakeError):
    """A row that was asked for does not exist (or lies outside the caller's region)."""

    status = 404
    title = "Not found"
    default_message = "没有找到，或不在您负责的地区。"


class Conflict(IntakeError):
    """The row's current state does not allow this (already decided, already submitted, a duplicate)."""

    status = 409
    title = "Conflict"
    default_message = "这项已经处理过，或者现在不能这样处理。请刷新后再看。"


class TooMany(IntakeError):
    """Too many attempts; try again after ``retry_after`` seconds (None: unknown)."""

    status = 429
    title = "Too many requests"
    default_message = "尝试次数太多，请稍后再试。"

    def __init__(self, detail: object = None, *args: object, message_zh: str | None = None,
                 retry_after: int | None = None) -> None:
        super().__init__(detail, *args, message_zh=message_zh)
        self.retry_after = retry_after


class Locked(TooMany):
    """Locked after too many failed attempts (an account after wrong passwords)."""

    status = 423
    title = "Locked"
    default_message = "失败次数太多，已暂时锁定，请过一会儿再试。"


class Unavailable(IntakeError):
    """A service this needs is down or not configured (SMS gateway, speech recognition, a channel)."""

    status = 503
    title = "Service unavailable"
    default_message = "服务暂时不可用，请稍后再试。"

    def __init__(self, detail: object = None, *args: object, message_zh: str | None = None,
                 retry_after: int | None = None) -> None:
        super().__init__(detail, *args, message_zh=message_zh)
        self.retry_after = retry_after
