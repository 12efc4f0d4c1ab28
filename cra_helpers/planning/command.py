"""``cra plan``: everything the interviews of one or more key accounts need, written into one folder.

For the chosen accounts (or every key account, :func:`cra_helpers.headlines.key_account_ids`)
:func:`plan_accounts` writes

- ``index.html``, the plan at a glance with a link to every file;
- ``schedule.xlsx`` and ``schedule.ics``: one schedule for all accounts
  together, so that an interviewer is never booked twice;
- per account, in ``<account id>/``: the interview guides per role
  (``guides/``, HTML and PDF), the executive letters per contact
  (``letters/``, HTML and DOCX, dated to the account's own interview days)
  and the pre-filled capture workbook ``capture_<account id>.xlsx``.

An account without contacts still gets its guide (one for every role) and a
note saying that nobody can be booked or written to yet. The folder is
written beside its target and moved into place when complete
(:class:`cra_helpers.outputs.RunFolder`): an interrupted plan never replaces
the previous one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from .. import paths
from .. import schema as S
from ..assessment import Assessment
from ..config import Config
from ..config.planning import ScheduleRule
from ..config.base import ConfigError
from ..outputs import RunFolder, inside, safe_name
from . import calendar, capture, guide, letters
from . import schedule as P
from .knowledge import UnknownAccountError
from .plan_page import AccountPlan, plan_page

PLAN_PREFIX = "plan_"
"""Default plan folders are ``reports/plan_<YYYYmmdd-HHMMSS>/``."""
SCHEDULE_XLSX, SCHEDULE_ICS, INDEX_HTML = "schedule.xlsx", "schedule.ics", "index.html"
GUIDES_DIR, LETTERS_DIR = "guides", "letters"


@dataclass
class PlanResult:
    """What :func:`plan_accounts` wrote.

    Attributes
    ----------
    folder
        The published plan folder.
    index
        Its ``index.html``.
    accounts
        One :class:`~cra_helpers.planning.plan_page.AccountPlan` per account, in the order asked.
    schedule
        The interview schedule of every account (empty when none has contacts).
    notes
        Plain sentences about what could not be planned and why.
    """

    folder: Path
    index: Path
    accounts: list[AccountPlan]
    schedule: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def with_schedule(config: Config, *, window_days: int | None = None, interviewers: Sequence[str] | None = None,
                  first_day: dt.date | None = None) -> Config:
    """``config`` with the interview window, team or first day replaced (validated like the YAML).

    Parameters
    ----------
    config
        The run's configuration.
    window_days
        Working days the interviews may take (1–120).
    interviewers
        Names of the interviewers to book.
    first_day
        First day of the interview window.

    Raises
    ------
    ConfigError
        A value the configuration would refuse (e.g. an empty interviewer name).
    """
    update = {k: v for k, v in (("window_days", window_days), ("first_day", first_day),
                                ("interviewers", tuple(interviewers) if interviewers else None)) if v is not None}
    if not update:
        return config
    try:
        rule = ScheduleRule.model_validate({**config.planning.schedule.model_dump(), **update})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'schedule'}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"planning.schedule as given on the command line: {problems}") from None
    return config.model_copy(update={"planning": config.planning.model_copy(update={"schedule": rule})})


def chosen_accounts(a: Assessment, account_ids: Sequence[str], all_keys: bool) -> list[str]:
    """The accounts to plan: the ids given (checked, duplicates dropped) or every key account.

    Raises
    ------
    UnknownAccountError
        An id not in sheet ``accounts``, or no account chosen.
    """
    if all_keys:
        ids = [str(i) for i in _key_accounts(a)]
        if not ids:
            raise UnknownAccountError(f"{a.source} has no key accounts to plan (sheet 'accounts', prioritization)")
        return ids
    ids = list(dict.fromkeys(str(i).strip() for i in account_ids if str(i).strip()))
    if not ids:
        raise UnknownAccountError("no account to plan: give --account ID (repeatable) or --all")
    known = set(a.accounts[S.ACCOUNT_ID].dropna().astype(str))
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise UnknownAccountError(f"account(s) {', '.join(repr(u) for u in unknown)} not in sheet 'accounts' "
                                  f"of {a.source}; known ids look like {', '.join(sorted(known)[:3])}")
    return ids


def accounts_for(a: Assessment, account: str = "") -> list[str]:
    """The accounts a notebook plans from its ``account`` parameter.

    ``""``: the first key account with contacts (else the first key
    account); ``"all"``: every key account; otherwise the ids given,
    separated by commas.
    """
    if account.strip().casefold() == "all":
        return chosen_accounts(a, (), True)
    if account.strip():
        return chosen_accounts(a, account.split(","), False)
    keys = chosen_accounts(a, (), True)
    return (_with_contacts(a, keys) or keys)[:1]


def _key_accounts(a: Assessment) -> list[str]:
    from ..headlines import key_account_ids

    return key_account_ids(a)


def _with_contacts(a: Assessment, ids: list[str]) -> list[str]:
    if a.contacts is None:
        return []
    have = set(a.contacts[S.ACCOUNT_ID].dropna().astype(str))
    return [i for i in ids if i in have]


def remark_sentiment(a: Assessment) -> pd.DataFrame | str:
    """Every remark's sentiment, scored once for all guides (``"auto"`` when the assessment has no remarks)."""
    if not a.has(S.VERBATIMS):
        return "auto"
    from ..actions.risk import verbatim_sentiment

    return verbatim_sentiment(a)[[S.VERBATIM_ID, "sentiment", "sentiment_score"]]


def _window(plan: pd.DataFrame) -> tuple[dt.date, dt.date]:
    days = pd.to_datetime(plan[P.START]).dt.date
    return days.min(), days.max()


def _plan_one(a: Assessment, acc: str, root: Path, config: Config, sched: pd.DataFrame, *, sentiment: pd.DataFrame | str,
              as_of: dt.date, pdf: bool, taken: set[str]) -> AccountPlan:
    """Guides, letters and capture workbook of one account, in its own folder under ``root``."""
    folder = inside(root, root / safe_name(acc, taken))
    mine = sched[sched[S.ACCOUNT_ID].astype(str) == acc] if len(sched) else sched
    files = guide.write_guides(a, acc, folder / GUIDES_DIR, config, as_of=as_of, sentiment=sentiment, pdf=pdf)
    plan = AccountPlan(account_id=acc, name=a.account_names().get(acc, acc), folder=folder, guides=files,
                       interviews=len(mine))
    if len(mine):
        plan.window = _window(mine)
        plan.interviewers = sorted(mine[S.INTERVIEWER].astype(str).unique())
        plan.letters = letters.write_letters(a, acc, folder / LETTERS_DIR, config, plan.window, today=as_of)
        plan.capture = capture.write_capture_workbook(a, acc, sched, folder / f"capture_{safe_name(acc)}.xlsx", config)
    else:
        plan.notes.append("No contacts in sheet 'contacts': nobody can be booked, written to or captured yet. "
                          "The guide covers every role; add the contacts and plan again.")
    return plan


def _target(out: str | Path | None) -> tuple[Path, bool]:
    if out is not None:
        return Path(out), False
    return paths.reports_dir() / f"{PLAN_PREFIX}{datetime.now().strftime('%Y%m%d-%H%M%S')}", True


def plan_accounts(a: Assessment, account_ids: Sequence[str] = (), *, all_keys: bool = False,
                  out: str | Path | None = None, pdf: bool = True, as_of: dt.date | None = None,
                  sentiment: pd.DataFrame | str | None = None, echo: Callable[[str], None] = lambda _m: None) -> PlanResult:
    """Write the interview plan of the chosen accounts into one folder (see the module docstring).

    Parameters
    ----------
    a
        The assessment, with its configuration (``a.config``: ``client``, ``planning``).
    account_ids, all_keys
        The accounts to plan, or every key account.
    out
        The plan folder (default ``reports/plan_<timestamp>/``); a previous
        plan there is replaced as a whole once the new one is complete.
    pdf
        Also write each guide as PDF.
    as_of
        Date of the letters and of the knowledge gaps' "stale" rule (default today).
    sentiment
        The remarks' sentiment (:func:`remark_sentiment`, computed here when ``None``).
    echo
        Receives one line per account as it is written.

    Raises
    ------
    UnknownAccountError, cra_helpers.planning.schedule.ScheduleError, cra_helpers.outputs.OutputError
        Unknown account, a window too short for the interviews, an output folder that cannot be used.
    """
    config, as_of = a.config, as_of or dt.date.today()
    ids = chosen_accounts(a, account_ids, all_keys)
    bookable = _with_contacts(a, ids)
    sched = P.schedule_interviews(a, bookable, config) if bookable else pd.DataFrame(columns=list(P.COLUMNS))
    sentiment = remark_sentiment(a) if sentiment is None else sentiment
    target, fresh = _target(out)
    with RunFolder(target, remove_lock_file=fresh) as folder:
        root, taken = folder.staging, {INDEX_HTML, SCHEDULE_XLSX, SCHEDULE_ICS}
        plans = []
        for acc in ids:
            plans.append(_plan_one(a, acc, root, config, sched, sentiment=sentiment, as_of=as_of, pdf=pdf, taken=taken))
            echo(f"  {acc}  {plans[-1].name}: {plans[-1].summary()}")
        if len(sched):
            calendar.write_schedule_xlsx(sched, root / SCHEDULE_XLSX)
            calendar.write_ics(sched, root / SCHEDULE_ICS, a)
        notes = [f"{p.name} ({p.account_id}): {n}" for p in plans for n in p.notes]
        html = plan_page(plans, sched, config, as_of, source=str(a.source), root=root, notes=notes, contacts=a.contacts)
        (root / INDEX_HTML).write_text(html, encoding="utf-8")
        published = folder.publish()
    for p in plans:
        p.relocate(root, published)
    return PlanResult(folder=published, index=published / INDEX_HTML, accounts=plans, schedule=sched, notes=notes)
