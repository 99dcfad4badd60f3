"""The staff side of intake and the composition root.

At this level: ``app`` (the FastAPI app factory), ``runtime`` (start-up), ``settings``, ``channels``,
``outbox`` and ``sms``. Below it, by job: ``api`` (the staff API's thin routes), ``console`` (the
pages under /admin), ``services`` (the business logic, no FastAPI), ``web`` (HTTP plumbing),
``cli`` (the ``intake`` command), ``imports`` (reading tables) and ``demo`` (the demo world).
"""
