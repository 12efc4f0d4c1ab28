"""Interview guides: one per interviewee role of a key account, timed to fit the interview.

Step 2 of the method: a customer-specific questionnaire for 45–60 minute
face-to-face interviews. :func:`build_guide` picks the questions of the bank
(:mod:`cra_helpers.planning.questions`) meant for one role (organisation level
× decision role), adds the account's knowledge-gap questions
(:mod:`cra_helpers.planning.knowledge`), fills in the account's name, its
needs (in the needs table's order) and the competitors its people rated, and
times it:

1. every core question is kept, and so is every core gap question;
2. the ``important`` questions, then the ``optional`` ones — at each
   priority the gap questions first, then the bank's in bank order, the
   ratings of the needs most important to the account first — are added
   while the total stays within the maximum: ``planning.guide.max_minutes``,
   or the interviewee level's scheduled interview length
   (``planning.schedule.minutes``) when that is shorter;
3. the questions added are numbered in the order to drop them when time
   runs short: the last added goes first (optional before important, the
   competitor rating of the account's least important need before that of
   a more important one).

When the core questions alone take longer than the maximum the guide says so
in a warning instead of hiding questions; a guide shorter than
``min_minutes`` says that too. :func:`write_guides` writes every role's guide
as printable HTML (A4, a page per section) and PDF (:mod:`.pdf`).
"""

from __future__ import annotations

import datetime as dt
from importlib import resources as ir
from pathlib import Path

import pandas as pd

from .. import schema as S
from ..assessment import Assessment
from ..config import Config
from ..outputs import ensure_writable_dir, inside, safe_name
from . import knowledge as K
from .questions import PRIORITIES, SECTIONS, Question, QuestionBank, load_question_bank, scale_values

GUIDE_COLUMNS: tuple[str, ...] = (
    "order", "section", "section_title", "question_id", "source", "text", "need_id", "competitor_id", "minutes",
    "priority", "kept", "drop_order", "cumulative_minutes", "fills", "gap_kind", "detail")
"""Columns of :func:`build_guide`."""

ANY = "any"
"""Label of a guide meant for every role (an account with no contacts recorded)."""


def role_label(level: str | None, decision_role: str | None) -> str:
    """A role in words: ``"Executive · decision-maker"``; ``"Every role"`` for ``(None, None)``.

    Examples
    --------
    >>> role_label("executive", "decision-maker"), role_label(None, None)
    ('Executive · decision-maker', 'Every role')
    """
    if level is None and decision_role is None:
        return "Every role"
    parts = [p for p in (level, decision_role) if p]
    return " · ".join(parts).capitalize()


def roles_of(a: Assessment, account_id: str) -> list[tuple[str | None, str | None]]:
    """The ``(level, decision_role)`` pairs of the account's contacts, in contract order.

    An account with no contacts gives ``[(None, None)]``: one guide for every role.
    """
    contacts = K.account_view(a, account_id).contacts
    pairs = {(str(l), str(r)) for l, r in zip(contacts[S.LEVEL], contacts[S.DECISION_ROLE]) if pd.notna(l) and pd.notna(r)}
    order = {v: i for i, v in enumerate(S.LEVELS + S.DECISION_ROLES)}
    return sorted(pairs, key=lambda p: (order.get(p[0], 99), order.get(p[1], 99))) or [(None, None)]


def _need_importance(a: Assessment, view: K.AccountView) -> dict[str, float]:
    """Mean importance of each need at the account, else across the assessment (0 when never rated)."""
    out: dict[str, float] = {}
    for frame in (a.ratings, view.ratings):
        if frame is not None and len(frame):
            out.update(frame.groupby(frame[S.NEED_ID].astype(str))[S.IMPORTANCE].mean().dropna().to_dict())
    return out


def _row(q: Question, bank: QuestionBank, text: str, rank: tuple, **extra: object) -> dict:
    row = {"section": q.section, "section_title": bank.sections[q.section], "question_id": q.id, "source": "bank",
           "text": text, "need_id": "", "competitor_id": "", "minutes": float(q.minutes), "priority": q.priority,
           "fills": q.fills or "", "gap_kind": "", "detail": "", "_need": -1, "_pos": bank.position(q.id),
           "_sub": 0, "_fill": rank}
    row.update(extra)
    return row


def _need_rows(q: Question, bank: QuestionBank, values: dict, needs: pd.DataFrame, competitors: pd.DataFrame,
               importance: dict[str, float]) -> list[dict]:
    """One row per need (``per: need``), or per need and competitor (``per: competitor``)."""
    rows = []
    rivals = list(zip(competitors[S.COMPETITOR_ID], competitors[S.COMPETITOR_NAME])) or [("", bank.unnamed_competitor)]
    for i, need in enumerate(needs.itertuples(index=False)):
        nid = str(getattr(need, S.NEED_ID))
        name = str(getattr(need, S.NEED_NAME))
        wording = getattr(need, S.DESCRIPTION, None)
        wording = str(wording) if wording is not None and pd.notna(wording) and str(wording).strip() else name
        for j, (cid, cname) in enumerate(rivals if q.per == "competitor" else [("", "")]):
            text = q.render(**values, need=name, need_wording=wording, competitor=cname)
            rows.append(_row(q, bank, text, (bank.position(q.id), -importance.get(nid, 0.0), i, j),
                             need_id=nid, competitor_id=str(cid), _need=i, _sub=j))
    return rows


def _bank_rows(a: Assessment, view: K.AccountView, config: Config, bank: QuestionBank, gaps: pd.DataFrame,
               level: str | None, decision_role: str | None) -> list[dict]:
    present = set(gaps["kind"])
    base = {"client": config.client, "account": view.name, **K.confirm_fields(a, view)}
    needs = a.needs if a.needs is not None else pd.DataFrame(columns=S.TABLES[S.NEEDS].column_names)
    competitors = K.competitors_rated(a, view)
    importance = _need_importance(a, view)
    rows: list[dict] = []
    for q in bank.questions:
        if q.gap or (q.confirms and q.confirms in present) or not q.for_role(level, decision_role):
            continue
        values = {**base, **scale_values(config, q.scale)}
        if q.per == "once":
            rows.append(_row(q, bank, q.render(**values), (bank.position(q.id),)))
        else:
            rows.extend(_need_rows(q, bank, values, needs, competitors, importance))
    return rows


def _gap_rows(gaps: pd.DataFrame, bank: QuestionBank, level: str | None, decision_role: str | None) -> list[dict]:
    rows = []
    for k, g in enumerate(gaps.itertuples(index=False)):
        q = bank.question(g.question_id)
        if q.for_role(level, decision_role):
            rows.append(_row(q, bank, g.question, (-1, k), source="gap", gap_kind=g.kind, detail=g.detail,
                             priority=g.priority, _sub=k))
    return rows


def _fit(rows: list[dict], max_minutes: float) -> tuple[float, float]:
    """Mark the rows kept and their drop order (in place); return (core minutes, total minutes)."""
    core = sum(r["minutes"] for r in rows if r["priority"] == "core")
    total = core
    added = []
    rank = {p: i for i, p in enumerate(PRIORITIES)}
    optional = sorted((r for r in rows if r["priority"] != "core"),
                      key=lambda r: (rank[r["priority"]], r["source"] != "gap", r["_fill"]))
    for r in rows:
        r["kept"], r["drop_order"] = r["priority"] == "core", pd.NA
    for r in optional:
        if total + r["minutes"] <= max_minutes + 1e-9:
            r["kept"] = True
            total += r["minutes"]
            added.append(r)
    for k, r in enumerate(reversed(added), start=1):
        r["drop_order"] = k
    return core, total


def limits(config: Config, level: str | None) -> tuple[int, int]:
    """(min, max) minutes of a guide for ``level``: ``planning.guide``, capped by the level's scheduled length.

    Examples
    --------
    >>> from cra_helpers.config import load_config
    >>> limits(load_config(), "operational"), limits(load_config(), None)
    ((45, 45), (45, 60))
    """
    g = config.planning.guide
    slot = config.planning.schedule.minutes.get(level, g.max_minutes) if level else g.max_minutes
    high = min(g.max_minutes, slot)
    return min(g.min_minutes, high), high


def _warnings(core: float, total: float, bounds: tuple[int, int], has_needs: bool) -> list[str]:
    low, high = bounds
    out = []
    if core > high + 1e-9:
        out.append(f"The core questions alone take {core:g} minutes, more than the {high} minutes this interview "
                   "may last (planning.guide.max_minutes, planning.schedule.minutes): plan a longer interview or "
                   "shorten the question bank; no core question has been left out.")
    elif total < low - 1e-9:
        out.append(f"The guide takes {total:g} minutes, less than the {low}-minute minimum "
                   "(planning.guide.min_minutes): leave the time for the interviewee's own topics.")
    if not has_needs:
        out.append("No needs are listed (the assessment has no needs table): add the needs to rate.")
    return out


def _frame(rows: list[dict]) -> pd.DataFrame:
    """The guide's rows as :data:`GUIDE_COLUMNS`, numbered, with the minutes elapsed at each kept question."""
    if not rows:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in GUIDE_COLUMNS})
        return out.astype({"kept": bool, "minutes": float, "cumulative_minutes": float})
    out = pd.DataFrame(rows)
    out["order"] = range(1, len(out) + 1)
    out["drop_order"] = pd.array(out["drop_order"], dtype="Int64")
    kept = out["kept"].astype(bool)
    out["cumulative_minutes"] = out["minutes"].where(kept).cumsum().where(kept)
    return out[list(GUIDE_COLUMNS)].reset_index(drop=True)


def build_guide(a: Assessment, account_id: str, config: Config, level: str | None = None,
                decision_role: str | None = None, *, bank: QuestionBank | None = None,
                gaps: pd.DataFrame | None = None, as_of: dt.date | None = None,
                sentiment: str | pd.DataFrame = "auto") -> pd.DataFrame:
    """The interview guide of one account for one interviewee role, timed.

    Parameters
    ----------
    a
        The assessment.
    account_id
        The key account.
    config
        Configuration: ``planning.guide`` (``min_minutes``, ``max_minutes``), ``client``, ``scales``.
    level, decision_role
        The interviewee's organisation level and decision role; ``None``:
        any (only the questions meant for everyone).
    bank, gaps
        The question bank and the account's :func:`~cra_helpers.planning.knowledge.knowledge_gaps`
        (computed when not given).
    as_of, sentiment
        As for :func:`~cra_helpers.planning.knowledge.knowledge_gaps`, when ``gaps`` is not given.

    Returns
    -------
    DataFrame
        :data:`GUIDE_COLUMNS`, one row per question asked (a need question
        once per need, a competitor rating once per need and competitor), in
        interview order: ``order`` (1, 2 …), ``section`` and its title,
        ``question_id``, ``source`` (``bank`` or ``gap``), ``text`` (filled
        in), ``need_id`` / ``competitor_id`` (empty when not a rating),
        ``minutes``, ``priority`` (``core``, ``important``, ``optional``),
        ``kept`` (in the guide; a question that does not fit is ``False``),
        ``drop_order`` (1 = drop first when time runs short; empty for core
        questions and those left out), ``cumulative_minutes`` (minutes
        elapsed at the end of each kept question, NaN for those left out),
        ``fills``, ``gap_kind`` and ``detail`` (for gap questions).
        ``attrs`` holds ``account_id``, ``account``, ``level``,
        ``decision_role``, ``role``, ``total_minutes``, ``core_minutes``,
        ``min_minutes`` and ``max_minutes`` (:func:`limits`), ``scales``
        (the labels of the rating scales asked) and ``warnings`` (list of text).
    """
    bank = bank or load_question_bank(config)
    gaps = gaps if gaps is not None else K.knowledge_gaps(a, account_id, config, bank=bank, as_of=as_of,
                                                          sentiment=sentiment)
    view = K.account_view(a, account_id)
    rows = _bank_rows(a, view, config, bank, gaps, level, decision_role) + _gap_rows(gaps, bank, level, decision_role)
    rows.sort(key=lambda r: (SECTIONS.index(r["section"]), r["_need"], r["_pos"], r["_sub"]))
    bounds = limits(config, level)
    core, total = _fit(rows, bounds[1])
    out = _frame(rows)
    has_needs = a.needs is not None and len(a.needs) > 0
    asked = {bank.question(q).scale for q in out.loc[out["kept"].astype(bool), "question_id"]} - {None}
    scales = [config.scale(n).label or n for n in config.scales if n in asked]
    out.attrs.update(account_id=str(account_id), account=view.name, level=level, decision_role=decision_role,
                     role=role_label(level, decision_role), total_minutes=round(total, 2), core_minutes=round(core, 2),
                     min_minutes=bounds[0], max_minutes=bounds[1], scales=scales,
                     warnings=_warnings(core, total, bounds, has_needs))
    return out


def _css() -> str:
    return ir.files("cra_helpers.resources").joinpath("planning/guide.css").read_text(encoding="utf-8")


def write_guides(a: Assessment, account_id: str, out_dir: str | Path, config: Config, *,
                 bank: QuestionBank | None = None, as_of: dt.date | None = None,
                 sentiment: str | pd.DataFrame = "auto", pdf: bool = True) -> list[Path]:
    """Write the interview guide of every interviewee role of the account, as HTML and PDF.

    Parameters
    ----------
    a, account_id, config
        As for :func:`build_guide`.
    out_dir
        Folder to write into (created when missing).
    bank, as_of, sentiment
        As for :func:`build_guide`; the knowledge gaps are computed once for every guide.
    pdf
        Also write each guide as PDF.

    Returns
    -------
    list of Path
        ``guide_<account>_<level>_<decision role>.html`` (and ``.pdf``) per
        role among the account's contacts (:func:`roles_of`), in contract
        order; an account with no contacts gets one guide for every role,
        ``guide_<account>_any.html``. File names are made safe
        (:func:`cra_helpers.outputs.safe_name`) and stay inside ``out_dir``.
    """
    from .guide_page import guide_blocks, guide_html
    from .pdf import write_pdf

    root = ensure_writable_dir(out_dir)
    bank = bank or load_question_bank(config)
    as_of = as_of or dt.date.today()
    gaps = K.knowledge_gaps(a, account_id, config, bank=bank, as_of=as_of, sentiment=sentiment)
    facts = K.current_knowledge(a, account_id)
    contacts = K.account_view(a, account_id).contacts
    written: list[Path] = []
    taken: set[str] = set()
    for level, role in roles_of(a, account_id):
        guide = build_guide(a, account_id, config, level, role, bank=bank, gaps=gaps)
        people = contacts if level is None else contacts[(contacts[S.LEVEL].astype(str) == level)
                                                         & (contacts[S.DECISION_ROLE].astype(str) == role)]
        stem = safe_name("_".join(["guide", str(account_id), *(p for p in (level, role) if p)] or ANY)
                         + ("" if level else f"_{ANY}"), taken)
        html_path = inside(root, root / f"{stem}.html")
        html_path.write_text(guide_html(guide, gaps, facts, people, config, as_of, _css()), encoding="utf-8")
        written.append(html_path)
        if pdf:
            pdf_path = inside(root, root / f"{stem}.pdf")
            write_pdf(pdf_path, f"Interview guide: {guide.attrs['account']}",
                      guide_blocks(guide, gaps, facts, people, config, as_of),
                      footer=f"{config.client} · interview guide · {guide.attrs['account']} · {guide.attrs['role']}")
            written.append(pdf_path)
    return written


def guide_timing(a: Assessment, account_id: str, config: Config, *, bank: QuestionBank | None = None,
                 gaps: pd.DataFrame | None = None, as_of: dt.date | None = None,
                 sentiment: str | pd.DataFrame = "auto") -> pd.DataFrame:
    """How long the guide of each interviewee role of the account runs, against its 45–60 minute limits.

    Parameters
    ----------
    a, account_id, config, bank, gaps, as_of, sentiment
        As for :func:`build_guide` (the gaps are computed once when not given).

    Returns
    -------
    DataFrame
        One row per role (:func:`roles_of`): ``role``, ``questions`` (kept),
        ``left_out`` (questions that do not fit), ``core_minutes`` and
        ``total_minutes`` (minutes), ``min_minutes`` and ``max_minutes``
        (the limits of that level, minutes) and ``warnings`` (text, ``""``
        when none).
    """
    bank = bank or load_question_bank(config)
    gaps = gaps if gaps is not None else K.knowledge_gaps(a, account_id, config, bank=bank, as_of=as_of,
                                                          sentiment=sentiment)
    rows = []
    for level, role in roles_of(a, account_id):
        g = build_guide(a, account_id, config, level, role, bank=bank, gaps=gaps)
        kept = g["kept"].astype(bool)
        rows.append({"role": g.attrs["role"], "questions": int(kept.sum()), "left_out": int((~kept).sum()),
                     "core_minutes": g.attrs["core_minutes"], "total_minutes": g.attrs["total_minutes"],
                     "min_minutes": g.attrs["min_minutes"], "max_minutes": g.attrs["max_minutes"],
                     "warnings": " ".join(g.attrs["warnings"])})
    return pd.DataFrame(rows, columns=["role", "questions", "left_out", "core_minutes", "total_minutes",
                                       "min_minutes", "max_minutes", "warnings"])
