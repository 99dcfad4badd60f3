"""Single and multiple choice from free text: labels, synonyms, negation, pinyin fuzzy matching,
"none of these" in its many wordings and the verb frames of descriptive answers.

A package by job: ``options`` (Option, normalised names, pinyin readings), ``mentions`` (where options
are named), ``negation`` (which of them are denied), ``match`` (the entry points).
"""

from nlu.choice.match import find_options, match_multi, match_single
from nlu.choice.options import Option, readings

__all__ = ["Option", "find_options", "match_multi", "match_single", "readings"]
