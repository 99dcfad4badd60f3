"""The ``intake`` command line: serving, channels, demo, keys, voice, imports (the commands: :mod:`admin.cli.main`)."""

from admin.cli.main import app, main

__all__ = ["app", "main"]
