"""The questionnaires a running intake asks from: one parsed :class:`Questionnaire` per form version.

A record is asked from the version it was begun with (``Record.form_version_id``, see :mod:`storage.forms`).
The catalog parses the YAML text of a version once per process and keeps it; the versions in use at
start-up are put in at once, so a turn finds its questionnaire without a query. A record of no version
(begun before versions were kept, and not adopted) is asked from the questionnaire current at start-up.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from bot.questionnaire import Questionnaire, parse_questionnaire
from storage.repos.forms import FormRepo


def parse_version_text(name: str, text: str) -> Questionnaire:
    """The questionnaire of a form version's text (validated as its file is)."""
    return parse_questionnaire(text, f"{name}.yaml")


class FormCatalog:
    """Parsed questionnaires by form version id, with the current one per questionnaire name."""

    def __init__(self, current: Mapping[str, Questionnaire], current_ids: Mapping[str, int] | None = None) -> None:
        self.current = dict(current)  # name -> the questionnaire asked when no version is known
        self.current_ids = dict(current_ids or {})  # name -> the form version id of ``current``
        self._by_id: dict[int, Questionnaire] = {
            self.current_ids[name]: q for name, q in self.current.items() if name in self.current_ids}
        self._lock = threading.Lock()

    def put(self, version_id: int, q: Questionnaire) -> None:
        """Keep a parsed version (at start-up, or just published)."""
        with self._lock:
            self._by_id[version_id] = q

    def known(self, version_id: int) -> bool:
        return version_id in self._by_id

    def of(self, forms: FormRepo, name: str, version_id: int | None) -> Questionnaire:
        """The questionnaire of a version (read and parsed on first need), or the current one of ``name``."""
        if version_id is None:
            return self.current[name]
        found = self._by_id.get(version_id)
        if found is None:
            row = forms.get(version_id)
            found = parse_version_text(row.questionnaire, row.source_text)
            self.put(version_id, found)
        return found
