"""The typed numbers of requests: ids and offsets, bounded by what the database can hold.

Every id of the schema is an INTEGER column: 32 bits on PostgreSQL, 64 on SQLite. An id or offset
beyond that reached the database and came back as a 500 (``integer out of range``); with these
types it is a 422 at the door, on every route, in the path, the query or a body, and the bound is
in the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval

MAX_ID = 2**31 - 1  # the largest value of a PostgreSQL INTEGER

#: A row id (path, query or body).
DbId = Annotated[int, Interval(ge=1, le=MAX_ID)]
#: How many rows of a list to skip.
Offset = Annotated[int, Interval(ge=0, le=MAX_ID)]
