"""The dialogue side of intake: questionnaires as data, the engine, and the channel adapters."""
