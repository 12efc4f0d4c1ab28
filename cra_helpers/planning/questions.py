"""The question bank of the interview guides: its models, its loading and its checks.

The bank is data: the packaged ``cra_helpers/resources/question_bank.yaml``,
or a client's copy named by ``planning.guide.question_bank`` in the
configuration (a relative path is read from the configuration file's folder).
It holds the five sections of an assessment interview — the relationship
and current knowledge, the needs to rate, loyalty (current and future
behaviour), open questions that produce verbatims, and the closing — and,
for each question, its duration in minutes, the data-contract column its
answer fills (``table.column``), the interviewees it is for and its priority:
core (always asked), important or optional (asked when time allows).

Two kinds of question depend on what we already know about the account
(:mod:`cra_helpers.planning.knowledge`): a question with ``gap`` is asked only
when the account has that knowledge gap, and one with ``confirms`` only when
the knowledge is on record, to confirm it.

Everything is checked on load; a problem is reported with the file, the key
path (``questions[12].fills``), its line and what is wrong, every problem at
once (:class:`QuestionBankError`).
"""

from __future__ import annotations

import string
from importlib import resources as ir
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from .. import schema as S
from ..config import Config, ConfigError, StrictModel

BANK_RESOURCE = "question_bank.yaml"
"""File name of the packaged question bank in ``cra_helpers/resources``."""

SECTIONS: tuple[str, ...] = ("relationship", "needs", "loyalty", "open", "closing")
"""Sections of an interview, in interview order."""

PRIORITIES: tuple[str, ...] = ("core", "important", "optional")
"""Priorities of a question: core ones are always asked; important, then optional ones while time allows
(and are dropped in the reverse order when time runs short)."""
REPEATS: tuple[str, ...] = ("once", "need", "competitor")
"""``per`` of a question: asked once, once per need, or once per need and competitor."""

GAP_FIELDS: dict[str, tuple[str, ...]] = {
    "top_elements": ("top_elements",),
    "not_interviewed": (),
    "stale": ("last_interview",),
    "competitors": ("competitors",),
    "share_of_wallet": ("share",),
    "complaints": ("remark", "topic"),
    "decision_process": (),
    "executive_unheard": (),
    "department_unheard": ("department",),
    "site_unheard": ("site",),
}
"""Every kind of knowledge gap, with the placeholders its questions may use.

A ``gap`` question of a kind may use these placeholders for the gap itself
(``{department}``: the department nobody was heard in …); a ``confirms``
question may use them for what is on record (``{top_elements}``: the three
elements as recorded, ``{competitors}``: the competitors the account rated,
``{share}``: its last share of wallet)."""

GAP_KINDS: tuple[str, ...] = tuple(GAP_FIELDS)
CONFIRMABLE: tuple[str, ...] = ("top_elements", "competitors", "share_of_wallet")
"""Gap kinds whose knowledge, when on record, a ``confirms`` question can read back."""

BASE_FIELDS: tuple[str, ...] = ("client", "account")
NEED_FIELDS: tuple[str, ...] = ("need", "need_wording")
SCALE_FIELDS: tuple[str, ...] = ("min", "max", "scale")


class QuestionBankError(ConfigError):
    """A question bank that cannot be used; the message lists every problem with its key path and line."""


def column_of(fills: str) -> S.Column:
    """The data-contract column named ``table.column``.

    Parameters
    ----------
    fills
        ``"<table>.<column>"`` as in the data contract (``"ratings.importance"``).

    Raises
    ------
    ValueError
        When the table or the column is not in :data:`cra_helpers.schema.TABLES`.

    Examples
    --------
    >>> column_of("ratings.importance").scale
    'importance'
    """
    table, _, column = str(fills).partition(".")
    if table not in S.TABLES:
        raise ValueError(f"{fills!r}: no table {table!r} in the data contract (tables: {', '.join(S.TABLES)})")
    names = S.TABLES[table].column_names
    if column not in names:
        raise ValueError(f"{fills!r}: table {table!r} has no column {column!r} (columns: {', '.join(names)})")
    return S.TABLES[table].column(column)


def placeholders(text: str) -> list[str]:
    """The ``{placeholder}`` names in a question text, in order (``ValueError`` when malformed).

    Examples
    --------
    >>> placeholders("How important is {need} to {account}? {{literal}}")
    ['need', 'account']
    """
    names = []
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            raise ValueError(f"placeholder {{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
                             " must be a plain name such as {account}")
        names.append(name)
    return names


class Question(StrictModel):
    """One question of the bank (see ``resources/question_bank.yaml`` for the meaning of each field)."""

    id: str = Field(min_length=1)
    section: str
    text: str = Field(min_length=1)
    minutes: float = Field(gt=0, le=60)
    fills: str | None = None
    levels: tuple[str, ...] = ()
    decision_roles: tuple[str, ...] = ()
    priority: Literal["core", "important", "optional"] = "core"
    per: Literal["once", "need", "competitor"] = "once"
    gap: str | None = None
    confirms: str | None = None

    @field_validator("section")
    @classmethod
    def _section(cls, value: str) -> str:
        if value not in SECTIONS:
            raise ValueError(f"unknown section {value!r}; sections are {', '.join(SECTIONS)}")
        return value

    @field_validator("fills")
    @classmethod
    def _fills(cls, value: str | None) -> str | None:
        if value is not None:
            column_of(value)
        return value

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _choices(value, S.LEVELS, "level")

    @field_validator("decision_roles")
    @classmethod
    def _roles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _choices(value, S.DECISION_ROLES, "decision role")

    @field_validator("gap", "confirms")
    @classmethod
    def _kind(cls, value: str | None) -> str | None:
        if value is not None and value not in GAP_KINDS:
            raise ValueError(f"unknown knowledge gap {value!r}; gaps are {', '.join(GAP_KINDS)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "Question":
        if self.gap and self.confirms:
            raise ValueError("a question has either gap or confirms, not both")
        if self.confirms and self.confirms not in CONFIRMABLE:
            raise ValueError(f"confirms: {self.confirms!r} cannot be confirmed; use one of {', '.join(CONFIRMABLE)}")
        if self.per != "once" and (self.gap or self.confirms):
            raise ValueError("a gap or confirms question is asked once (per: once)")
        unknown = sorted(set(placeholders(self.text)) - set(self.allowed_placeholders()))
        if unknown:
            raise ValueError(f"text: unknown placeholder(s) {', '.join('{' + u + '}' for u in unknown)}; "
                             f"this question may use {', '.join('{' + a + '}' for a in self.allowed_placeholders())}")
        return self

    @property
    def scale(self) -> str | None:
        """Name of the rating scale of the column it fills (``None``: not a rating)."""
        return column_of(self.fills).scale if self.fills else None

    def allowed_placeholders(self) -> tuple[str, ...]:
        """The placeholders this question's text may use."""
        out = list(BASE_FIELDS)
        if self.per in ("need", "competitor"):
            out += NEED_FIELDS
        if self.per == "competitor":
            out.append("competitor")
        if self.scale:
            out += SCALE_FIELDS
        kind = self.gap or self.confirms
        if kind:
            out += GAP_FIELDS[kind]
        return tuple(out)

    def for_role(self, level: str | None, decision_role: str | None) -> bool:
        """Whether the question is asked of an interviewee at ``level`` with ``decision_role``.

        ``None`` stands for "any": a guide for every role keeps only the questions meant for everyone.
        """
        ok_level = not self.levels or (level is not None and level in self.levels)
        ok_role = not self.decision_roles or (decision_role is not None and decision_role in self.decision_roles)
        return ok_level and ok_role

    def render(self, **values: object) -> str:
        """The text with its placeholders filled (values are inserted as they are, never parsed)."""
        return self.text.format_map({k: str(v) for k, v in values.items()})


def scale_values(config: Config, scale: str | None) -> dict[str, str]:
    """Placeholder values ``min``, ``max`` and ``scale`` of a rating scale (empty dict for ``None``).

    Bounds come from ``config.scales``; ``scale`` is its label, or ``"min–max"`` without one.

    Examples
    --------
    >>> from cra_helpers.config import load_config
    >>> scale_values(load_config(), "recommend")["min"], scale_values(load_config(), "recommend")["max"]
    ('0', '10')
    """
    if not scale:
        return {}
    sc = config.scale(scale)

    def num(x: float) -> str:
        return f"{x:g}"

    return {"min": num(sc.min), "max": num(sc.max), "scale": sc.label or f"{num(sc.min)}–{num(sc.max)}"}


def _choices(value: tuple[str, ...], allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    cleaned = tuple(str(v).strip().lower() for v in value)
    unknown = [v for v in cleaned if v not in allowed]
    if unknown:
        raise ValueError(f"unknown {what}(s) {', '.join(map(repr, unknown))}; choose from {', '.join(allowed)}")
    return cleaned


class QuestionBank(StrictModel):
    """The validated question bank.

    Attributes
    ----------
    sections
        Title of each section (every one of :data:`SECTIONS`).
    unnamed_competitor
        Words for a competitor in the rating questions while the account's
        competitors are unknown.
    questions
        The questions, in bank order (the interview order within a section).
    source
        The file it was read from.
    """

    sections: dict[str, str]
    unnamed_competitor: str = Field("the other supplier you use most", min_length=1)
    questions: tuple[Question, ...]
    source: str = ""

    @field_validator("sections")
    @classmethod
    def _sections(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(SECTIONS))
        missing = [s for s in SECTIONS if s not in value]
        if unknown or missing:
            raise ValueError("; ".join(x for x in (f"unknown section(s) {', '.join(unknown)}" if unknown else "",
                                                   f"missing section(s) {', '.join(missing)}" if missing else "") if x)
                             + f" (sections are {', '.join(SECTIONS)})")
        return value

    def question(self, question_id: str) -> Question:
        """The question called ``question_id`` (``KeyError`` when unknown)."""
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def position(self, question_id: str) -> int:
        """Place of the question in the bank (0 = first)."""
        return [q.id for q in self.questions].index(question_id)

    def gap_questions(self, kind: str) -> list[Question]:
        """The questions asked when the account has the knowledge gap ``kind``."""
        return [q for q in self.questions if q.gap == kind]


def client_file(config: Config, value: str | Path | None) -> Path | None:
    """Where a client file named in the configuration lies.

    Parameters
    ----------
    config
        The configuration; ``config.source`` lists the files it was read from.
    value
        The setting (empty: no client file). An absolute path is used as it
        is; a relative one is read from the folder of the client
        configuration file, or from the current folder when the
        configuration has no file.

    Returns
    -------
    Path or None
        The path (not checked for existence), or ``None`` for an empty setting.
    """
    if value is None or not str(value).strip():
        return None
    p = Path(str(value).strip()).expanduser()
    files = [s for s in config.source if s != "package defaults"]
    if p.is_absolute() or not files:
        return p
    return Path(files[-1]).parent / p


def _line(root: yaml.Node | None, loc: tuple[object, ...]) -> int | None:
    """Line (1-based) of the YAML node at key path ``loc``, or of the deepest node found on the way."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for key in loc:
        nxt = None
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if getattr(k, "value", None) == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            nxt = node.value[key]
        if nxt is None:
            break
        node, line = nxt, nxt.start_mark.line + 1
    return line


def _path(loc: tuple[object, ...]) -> str:
    out = ""
    for key in loc:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out or "(top level)"


def _read(path: Path | None) -> tuple[str, str]:
    from ..config import _decode

    if path is None:  # the packaged bank
        return ir.files("cra_helpers.resources").joinpath(BANK_RESOURCE).read_text(encoding="utf-8"), \
            f"cra_helpers/resources/{BANK_RESOURCE}"
    if not path.is_file():
        raise QuestionBankError(f"{path}: question bank not found (planning.guide.question_bank)")
    try:
        return _decode(path.read_bytes(), str(path)), str(path)
    except OSError as exc:
        raise QuestionBankError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except ConfigError as exc:
        raise QuestionBankError(str(exc)) from None


def _cross_checks(data: dict) -> list[tuple[tuple[object, ...], str]]:
    """Duplicate ids and gap kinds without a question, which need the whole list."""
    problems: list[tuple[tuple[object, ...], str]] = []
    seen: dict[str, int] = {}
    questions = data.get("questions") if isinstance(data.get("questions"), list) else []
    for i, q in enumerate(questions):
        qid = q.get("id") if isinstance(q, dict) else None
        if isinstance(qid, str) and qid in seen:
            problems.append((("questions", i, "id"), f"duplicate id {qid!r} (first used by questions[{seen[qid]}])"))
        elif isinstance(qid, str):
            seen[qid] = i
    if not questions:
        problems.append((("questions",), "no question: the bank needs a list of questions"))
        return problems
    gaps = {q.get("gap") for q in questions if isinstance(q, dict)}
    missing = [kind for kind in GAP_KINDS if kind not in gaps]
    if missing:
        problems.append((("questions",), f"no question for the knowledge gap(s) {', '.join(missing)} "
                                         "(add one with gap: <kind> for each)"))
    return problems


def load_question_bank(config: Config, path: str | Path | None = None) -> QuestionBank:
    """Read and validate the question bank.

    Parameters
    ----------
    config
        Configuration; ``planning.guide.question_bank`` names the client's
        bank (empty: the packaged one), resolved by :func:`client_file`.
    path
        A bank file to read instead of the configured one.

    Returns
    -------
    QuestionBank

    Raises
    ------
    QuestionBankError
        The file is missing or not YAML, or any entry is invalid: an unknown
        section, a duration of zero or less, a ``fills`` that is not a
        data-contract column, a duplicate id, an unknown placeholder …; the
        message names the file and, per problem, its key path and line.

    Examples
    --------
    >>> from cra_helpers.config import load_config
    >>> bank = load_question_bank(load_config())
    >>> bank.question("need_importance").scale, bank.question("need_importance").per
    ('importance', 'need')
    """
    from ..config import _read_yaml

    file = Path(path) if path else client_file(config, config.planning.guide.question_bank)
    text, where = _read(file)
    try:
        data = _read_yaml(text, where)
        root = yaml.compose(text)
    except ConfigError as exc:
        raise QuestionBankError(str(exc)) from None
    problems = _cross_checks(data)
    try:
        bank = QuestionBank.model_validate({**data, "source": where})
    except ValidationError as exc:
        problems = [(tuple(e["loc"]), e["msg"].removeprefix("Value error, ")) for e in exc.errors()] + problems
        bank = None
    if problems:
        lines = []
        for loc, msg in problems:
            line = _line(root, loc)
            lines.append(f"  - {_path(loc)}{f' (line {line})' if line else ''}: {msg}")
        raise QuestionBankError(f"{where}: invalid question bank\n" + "\n".join(lines))
    assert bank is not None
    return bank
