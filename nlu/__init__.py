"""Natural-language understanding of intake answers: pure functions from text to typed values."""

from nlu.result import NotUnderstood, Parsed, Result

__all__ = ["NotUnderstood", "Parsed", "Result"]
