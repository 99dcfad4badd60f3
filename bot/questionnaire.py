"""Questionnaire definitions: versioned YAML files that drive every channel, review and export.

A file describes one questionnaire: its campaign notice, who the subject is (a person or a
village), sections of questions with types, options and synonyms, relevance conditions,
constraints and cross-field rules. :func:`load_questionnaire` validates a file and raises
:class:`QuestionnaireError` naming the file, the question key and the problem.

Sensitivity (``Question.sensitive``: the answer is sealed at rest). An answer is sealed unless
(1) its type is coded: a choice, yes/no, ethnicity, or a number whose unit is not money (元, 万元…);
(2) no rule compares it with the ID-number question (``overlaps(id_birth(id_number), birth_date)``
makes the birth date ID-derived, ``id_gender(id_number) == gender`` the gender,
``starts_with(certificate_number, id_number)`` the certificate number); and (3) the file says
``sensitive: false``. So names, free text, ID numbers, phones, photos, dates, regions, certificate
numbers, money and ID-derived fields are always sealed, and a coded question is sealed until its
file says otherwise. ``sensitive: false`` where (1) or (2) fails is refused. Raw words are always sealed.

Masking (``Question.mask``: how staff without the reveal permission see a value in record views,
lists and exports) is derived from the question: ID numbers and ID-like text (ID-derived, or a
pattern accepting a long digit string, like the 20-digit disability certificate number) like an
ID number; phones like phones; text with ``prefill: name`` or ``mask: name`` like a name; an
ID-derived date to its year; other text and free text hidden; coded values shown. ``mask`` is
allowed on text questions only (``name`` or ``hidden``), never ``name`` on an ID-like one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.answer_types import CHOICE_TYPES, CODED_TYPES, MONEY_UNITS, Mask, QType, id_like_pattern
from bot.expressions import Expression, ExpressionError, compile_expression
from nlu.choice import Option
from storage.errors import InvalidInput

BUILTIN_DIR = Path(__file__).parent / "questionnaires"

#: Names every expression may use besides question keys: the campaign's reference date
#: (e.g. 30 June of the campaign year) and the day of the conversation, both as date spans.
RESERVED_NAMES = frozenset({"reference_date", "today"})


class QuestionnaireError(InvalidInput, ValueError):
    """A questionnaire file is invalid; the message names the file, the question and the problem."""

    def __init__(self, file: str, problem: str, question: str | None = None) -> None:
        self.file = file
        self.question = question
        self.problem = problem
        where = f"{file}: question {question!r}: " if question else f"{file}: "
        super().__init__(where + problem)


_CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
_FOLDED_SPACE = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")


def tidy(text: str) -> str:
    """Remove the spaces YAML line folding leaves between Chinese characters, and outer blanks."""
    return _FOLDED_SPACE.sub("", text).strip()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _tidy_text(cls, v: Any) -> Any:
        return tidy(v) if type(v) is str else v


class OptionDef(_Strict):
    """One option of a choice question: a stable code, a Chinese label and synonyms."""

    code: str
    label: str
    synonyms: tuple[str, ...] = ()
    group: str | None = None
    exclusive: bool = False  # "none of these" in a multiple choice

    @field_validator("code", mode="before")
    @classmethod
    def _code_as_str(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v


class Constraints(_Strict):
    """Value constraints; the engine re-asks with ``message`` when one is broken."""

    min: float | None = None
    max: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    not_future: bool = False
    not_before: str | None = None  # ISO date
    max_choices: int | None = None
    message: str | None = None


class Question(_Strict):
    """One question of a questionnaire."""

    key: str
    prompt: str
    type: QType
    label: str | None = None  # short Chinese name used in summaries, exports and "把X改成…"
    help: str | None = None
    why: str | None = None
    aliases: tuple[str, ...] = ()  # other names people use for the question
    cues: tuple[str, ...] = ()  # words near a value that tie it to this question in a multi-answer message
    options: tuple[OptionDef, ...] = ()
    required: bool = True
    relevant: str | None = None
    constraints: Constraints = Constraints()
    unit: str | None = None
    # a date question whose answer may lie ahead (an appointment, a validity end): a month-day or month
    # said without its year is read in the current year; otherwise in the past, as birth, enlistment,
    # discharge and reference dates always are
    dates_ahead: bool = False
    # the person may have none (no phone, no photo): 没有电话 is an answer, stored as "none" with nothing in it,
    # instead of a value asked for again and again; an optional question is skipped on such a reply anyway
    none_ok: bool = False
    # as written in the file (``sensitive:``); the effective rule is the ``sensitive`` property
    declared_sensitive: bool | None = Field(default=None, alias="sensitive")
    declared_mask: Literal["name", "hidden"] | None = Field(default=None, alias="mask")  # text questions only
    prefill: str | None = None  # roster column to confirm instead of asking from scratch
    identifies: bool = False  # the subject's identifier (ID number); filled at identification
    creates_appeal: bool = False  # a non-empty answer opens an appeal (诉求) for the hotline queue
    locates: bool = False  # a region answer that places the subject when the roster does not
    code: str | None = None  # export column code
    # names of the rules that tie this question's value to the ID number (set by Questionnaire)
    _id_rules: tuple[str, ...] = PrivateAttr(default=())

    @field_validator("key")
    @classmethod
    def _key_is_identifier(cls, v: str) -> str:
        if not v.isidentifier() or v.startswith("_"):
            raise ValueError(f"key {v!r} must be a lowercase identifier such as birth_date")
        return v

    @property
    def asks_a_name(self) -> bool:
        """A text question whose answer is a person's name (姓名, 填表人姓名): read with the name grammar."""
        return self.type == QType.TEXT and (self.key == "name" or self.prefill == "name" or self.declared_mask == "name")

    @property
    def title(self) -> str:
        """The short name shown in summaries and exports."""
        return self.label or self.prompt.rstrip("?？:：。")

    @property
    def coded(self) -> bool:
        """Whether the value is a code or a measure that identifies nobody (a choice, yes/no, a non-money number)."""
        return self.type in CODED_TYPES and not (self.type == QType.NUMBER and (self.unit or "") in MONEY_UNITS)

    @property
    def derived_from_id(self) -> bool:
        """Whether a rule of the questionnaire ties the value to the ID number (birth date, gender, certificate)."""
        return bool(self._id_rules)

    @property
    def sensitive(self) -> bool:
        """Whether the answer is sealed at rest: always, unless coded, not ID-derived and marked ``sensitive: false``."""
        return not (self.coded and not self.derived_from_id and self.declared_sensitive is False)

    @property
    def id_like(self) -> bool:
        """Whether the value is, or contains, an ID number: masked like one."""
        if self.type == QType.ID_NUMBER:
            return True
        return self.type == QType.TEXT and (self.derived_from_id or id_like_pattern(self.constraints.pattern))

    @property
    def mask(self) -> Mask:
        """How the value is shown to staff who may not reveal it, derived from the question."""
        t = self.type
        if self.id_like:
            return Mask.ID_NUMBER
        if t == QType.PHONE:
            return Mask.PHONE
        if t == QType.TEXT:
            if self.declared_mask == "name" or (self.prefill == "name" and self.declared_mask is None):
                return Mask.NAME
            return Mask.HIDDEN
        if t == QType.FREE_TEXT:
            return Mask.HIDDEN
        if t == QType.DATE and self.derived_from_id:
            return Mask.YEAR
        return Mask.NONE

    def option(self, code: str) -> OptionDef | None:
        """The option with this code, if any."""
        return next((o for o in self.options if o.code == code), None)

    @cached_property
    def nlu_options(self) -> tuple[Option, ...]:
        """The options in the form the nlu matchers take."""
        return tuple(Option(o.code, o.label, o.synonyms, exclusive=o.exclusive) for o in self.options)

    @cached_property
    def relevance(self) -> Expression | None:
        """The compiled relevance condition."""
        return compile_expression(self.relevant) if self.relevant else None


class Rule(_Strict):
    """A cross-field rule: ``check`` must hold whenever all its questions are answered."""

    key: str
    check: str
    message: str
    questions: tuple[str, ...]
    severity: Literal["error", "warning"] = "error"

    @cached_property
    def expression(self) -> Expression:
        """The compiled check."""
        return compile_expression(self.check)


class Section(_Strict):
    """A titled group of questions."""

    key: str
    title: str
    relevant: str | None = None
    questions: tuple[Question, ...]


class Campaign(_Strict):
    """The campaign text shown before collection starts."""

    title: str
    organiser: str
    purpose: str
    stored: str
    retention: str
    reference_date: str | None = None  # e.g. "06-30": data are as of this day of the campaign year

    @field_validator("reference_date")
    @classmethod
    def _month_day(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                date(2000, *(int(x) for x in v.split("-")))
            except (TypeError, ValueError):
                raise ValueError(f"reference_date {v!r} must be MM-DD, e.g. 06-30") from None
        return v

    def reference_for(self, year: int) -> date | None:
        """The reference date of the campaign in a given year (30 June for the disabled-persons update)."""
        if self.reference_date is None:
            return None
        month, day = (int(x) for x in self.reference_date.split("-"))
        return date(year, month, day)


class Subject(_Strict):
    """Who a record is about: a person identified by ID number, or a village chosen by a collector."""

    kind: Literal["person", "village"]
    # how a registered person proves who they are after giving the ID number (bot.dialogue.identify): a one-time
    # code to the registered phone (or an account already linked to them); villages need a collector's login
    second_factor: Literal["sms", "none"] = "sms"

    @field_validator("second_factor", mode="before")
    @classmethod
    def _known_factor(cls, v: Any) -> Any:
        if v == "name":
            raise ValueError("a name is printed on the ID card, so it cannot prove who someone is; use sms")
        return "sms" if v == "phone_last4" else v  # the last four digits were guessable: now a code is sent

    @model_validator(mode="after")
    def _persons_need_a_factor(self) -> Subject:
        if self.kind == "person" and self.second_factor != "sms":
            raise ValueError("a questionnaire about persons needs second_factor: sms (an ID number alone opens nothing)")
        return self


class Questionnaire(_Strict):
    """A whole questionnaire definition."""

    name: str
    version: str  # the label of this content (a form version: storage.forms), e.g. 2026.1
    title: str
    subject: Subject
    campaign: Campaign
    sections: tuple[Section, ...]
    rules: tuple[Rule, ...] = ()
    domain_terms: tuple[str, ...] = ()
    source: str = Field(default="", exclude=True)

    @model_validator(mode="after")
    def _check_references(self) -> Questionnaire:
        keys: list[str] = [q.key for q in self.questions]
        seen: set[str] = set()
        for key in keys:
            if key in RESERVED_NAMES:
                raise _Problem(key, f"{key!r} is a reserved name")
            if key in seen:
                raise _Problem(key, "duplicate question key")
            seen.add(key)
        for section in self.sections:
            if section.relevant:
                _check_expression(section.relevant, seen, section.key)
        for q in self.questions:
            _check_question(q, seen)
        for rule in self.rules:
            _check_expression(rule.check, seen, rule.key)
            for k in rule.questions:
                if k not in seen:
                    raise _Problem(rule.key, f"rule refers to unknown question {k!r}")
        if self.subject.kind == "person" and not any(q.identifies for q in self.questions):
            raise _Problem(None, "a person questionnaire needs one question with identifies: true")
        _mark_id_derived(self)
        for q in self.questions:
            _check_sensitivity(q)
        return self

    @property
    def questions(self) -> Iterator[Question]:
        """All questions in order."""
        for section in self.sections:
            yield from section.questions

    @cached_property
    def by_key(self) -> Mapping[str, Question]:
        """Questions by key."""
        return {q.key: q for q in self.questions}

    @cached_property
    def order(self) -> tuple[str, ...]:
        """Question keys in asking order."""
        return tuple(q.key for q in self.questions)

    @cached_property
    def section_of(self) -> Mapping[str, Section]:
        """The section that holds each question."""
        return {q.key: s for s in self.sections for q in s.questions}

    @cached_property
    def identifier(self) -> Question | None:
        """The question that identifies the subject (ID number), if any."""
        return next((q for q in self.questions if q.identifies), None)

    def vocabulary(self) -> list[str]:
        """Words for the tokenizer's user dictionary: labels, options, synonyms, domain terms."""
        words: list[str] = list(self.domain_terms)
        for q in self.questions:
            words.append(q.title)
            words.extend(q.aliases)
            for o in q.options:
                words.append(o.label)
                words.extend(o.synonyms)
        return [w for w in dict.fromkeys(words) if w]


class _Problem(ValueError):
    def __init__(self, question: str | None, problem: str) -> None:
        super().__init__(problem)
        self.question = question
        self.problem = problem


def _check_expression(source: str, keys: set[str], where: str) -> None:
    try:
        expr = compile_expression(source)
    except ExpressionError as exc:
        raise _Problem(where, str(exc)) from None
    unknown = sorted(expr.names - keys - RESERVED_NAMES)
    if unknown:
        raise _Problem(where, f"condition {source!r} refers to unknown question(s) {', '.join(unknown)}")


def _check_question(q: Question, keys: set[str]) -> None:
    if q.type in CHOICE_TYPES:
        if len(q.options) < 2:
            raise _Problem(q.key, f"a {q.type.value} question needs at least two options")
        codes = [o.code for o in q.options]
        if len(set(codes)) != len(codes):
            raise _Problem(q.key, "duplicate option code")
        labels = [o.label for o in q.options]
        if len(set(labels)) != len(labels):
            raise _Problem(q.key, "duplicate option label")
    elif q.options:
        raise _Problem(q.key, f"options are only allowed on choice questions, not {q.type.value}")
    if q.relevant:
        _check_expression(q.relevant, keys, q.key)
        if q.key in compile_expression(q.relevant).names:
            raise _Problem(q.key, "a question cannot depend on itself")
    c = q.constraints
    if c.min is not None and c.max is not None and c.min > c.max:
        raise _Problem(q.key, "constraints.min is greater than constraints.max")
    if q.type == QType.NUMBER and not q.unit:
        raise _Problem(q.key, "a number question needs a unit")
    if q.identifies and q.type != QType.ID_NUMBER:
        raise _Problem(q.key, "only an id_number question can identify the subject")
    if q.locates and q.type != QType.REGION:
        raise _Problem(q.key, "only a region question can locate the subject")


def _mark_id_derived(q: Questionnaire) -> None:
    """Mark the questions a rule compares with an ID-number question as derived from the ID number."""
    id_keys = {x.key for x in q.questions if x.type == QType.ID_NUMBER}
    found: dict[str, list[str]] = {}
    for rule in q.rules:
        names = rule.expression.names | set(rule.questions)
        if names & id_keys:
            for key in sorted(names - id_keys - RESERVED_NAMES):
                found.setdefault(key, []).append(rule.key)
    for question in q.questions:
        question._id_rules = tuple(found.get(question.key, ()))


def _check_sensitivity(q: Question) -> None:
    """Refuse a file that keeps in clear what is always sealed, or weakens a derived mask."""
    if q.declared_sensitive is False:
        if q.type not in CODED_TYPES:
            raise _Problem(q.key, f"sensitive: false is not allowed on a {q.type.value} question: "
                                  "names, free text, numbers, dates, places and photos are always sealed")
        if not q.coded:
            raise _Problem(q.key, f"sensitive: false is not allowed on a money amount (unit {q.unit})")
        if q.derived_from_id:
            raise _Problem(q.key, f"sensitive: false is not allowed: rule(s) {', '.join(q._id_rules)} tie this value to the ID number")
        if q.creates_appeal or q.identifies or q.locates:
            raise _Problem(q.key, "sensitive: false is not allowed on a question that identifies, locates or opens an appeal")
    if q.declared_mask is not None:
        if q.type != QType.TEXT:
            raise _Problem(q.key, f"mask is derived from the type; only text questions may give one, not {q.type.value}")
        if q.declared_mask == "name" and q.id_like:
            raise _Problem(q.key, "mask: name is not allowed on an ID-like question (it is masked like an ID number)")


def load_questionnaire(path: Path) -> Questionnaire:
    """Load and validate one questionnaire file."""
    try:
        return parse_questionnaire(path.read_text(encoding="utf-8"), path.name, str(path))
    except OSError as exc:
        raise QuestionnaireError(path.name, f"cannot read YAML: {exc}") from None


def parse_questionnaire(text: str, name: str, source: str = "") -> Questionnaire:
    """Validate the text of a questionnaire file named ``name`` (a file, or a form version as published)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise QuestionnaireError(name, f"cannot read YAML: {exc}") from None
    if not isinstance(data, dict):
        raise QuestionnaireError(name, "the file must hold a mapping at the top level")
    try:
        q = Questionnaire.model_validate({**data, "source": source or name})
    except _Problem as exc:
        raise QuestionnaireError(name, exc.problem, exc.question) from None
    except ValidationError as exc:
        raise QuestionnaireError(name, *_describe(exc, data)) from None
    if Path(name).stem != q.name:
        raise QuestionnaireError(name, f"the file name must match name: {q.name!r}")
    return q


def _describe(exc: ValidationError, data: dict[str, Any]) -> tuple[str, str | None]:
    """Turn the first pydantic error into (problem, question key)."""
    err = exc.errors()[0]
    if "ctx" in err and isinstance(err["ctx"].get("error"), _Problem):
        problem: _Problem = err["ctx"]["error"]
        return problem.problem, problem.question
    loc = list(err["loc"])
    question: str | None = None
    node: Any = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "prompt" in node and "key" in node:
            question = str(node["key"])
    field = ".".join(str(p) for p in loc)
    return f"{field}: {err['msg']}", question


def load_all(directory: Path | None = None) -> dict[str, Questionnaire]:
    """Load every ``*.yaml`` questionnaire in a folder (the built-in ones by default)."""
    found = (load_questionnaire(path) for path in sorted((directory or BUILTIN_DIR).glob("*.yaml")))
    return {q.name: q for q in found}
