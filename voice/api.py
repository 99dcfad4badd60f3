"""The interface between the channels/engine and speech recognition."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from storage.errors import IntakeError, InvalidInput, Unavailable


class VoiceError(IntakeError):
    """Base of the voice exceptions."""


class AudioError(VoiceError, InvalidInput):
    """The audio cannot be decoded (corrupt, empty, unsupported format); the message says why."""


class VoiceUnavailable(VoiceError, Unavailable):
    """Speech recognition is not configured (no model) or not installed."""


@dataclass(frozen=True)
class Word:
    """One recognised word with its confidence and timing (seconds)."""

    word: str
    conf: float
    start: float
    end: float


@dataclass(frozen=True)
class Transcript:
    """What was heard: the text (words joined without spaces), overall confidence, the words, the audio length."""

    text: str
    confidence: float  # how sure the whole result is (Vosk: its least certain word); below ~0.6 read it back
    words: tuple[Word, ...]
    seconds: float
    unknown: bool = False  # the grammar's [unk] matched: the speech fits none of the allowed phrases
    mean_confidence: float | None = None  # the mean word confidence, informative for long recordings


class Transcriber(Protocol):
    """Turns audio into text; thread-safe; called off the event loop."""

    def transcribe(self, audio: bytes, fmt: str | None = None, grammar: Sequence[str] | None = None) -> Transcript:
        """Recognise ``audio`` (fmt: wav, amr, ogg, mp3, m4a, pcm16k…); with ``grammar`` only those phrases."""
        ...


class Stream(Protocol):
    """One utterance recognised while it is spoken (16 kHz mono s16le chunks in)."""

    @property
    def seconds(self) -> float:
        """How much audio has been fed."""
        ...

    def feed(self, pcm: bytes) -> bool:
        """Add audio; True when the speaker has just finished an utterance with words."""
        ...

    def partial(self) -> str:
        """The text heard so far, for a live display."""
        ...

    def finish(self) -> Transcript:
        """The final transcript."""
        ...


class StreamingTranscriber(Transcriber, Protocol):
    """A transcriber that can also follow live audio (the collector's microphone, a phone line)."""

    def stream(self, grammar: Sequence[str] | None = None, *, quick_end: bool = False) -> Stream:
        """Start recognising one utterance, with ``grammar`` if given (``quick_end``: one short phrase)."""
        ...
