"""The dialogue engine, by job: state, turn (the per-turn context and the dispatch by phase), opening,
identification, asking, filling, validation, control phrases, review, after submission, voice, effects."""

from bot.dialogue.engine import Engine, EngineConfig, Pending, campaign_of

__all__ = ["Engine", "EngineConfig", "Pending", "campaign_of"]
