"""Persistence of intake: tables, encryption at rest, and the Store repository."""
