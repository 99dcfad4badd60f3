"""Speech recognition for intake (Vosk). Built in the voice issue; nothing here is used yet."""
