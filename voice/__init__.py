"""Speech recognition for intake: audio in any channel's format -> text with word confidences (Vosk)."""

from voice.api import AudioError, Transcriber, Transcript, VoiceError, VoiceUnavailable, Word

__all__ = ["AudioError", "Transcriber", "Transcript", "VoiceError", "VoiceUnavailable", "Word"]
