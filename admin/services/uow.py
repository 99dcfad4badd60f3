"""The unit of work of one request: the stores sharing its one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from storage.repo import Store
from storage.staff_repo import StaffStore


@dataclass
class UnitOfWork:
    """The stores of one request, sharing one transaction (committed once, by whoever opened it)."""

    store: Store
    staff: StaffStore
