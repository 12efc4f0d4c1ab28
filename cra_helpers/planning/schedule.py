"""The interview schedule: which contact is interviewed where, when and by whom.

:func:`schedule_interviews` books one face-to-face interview with every
contact of the chosen accounts (the diagonal slice: all levels, departments
and sites), using ``config.planning.schedule``:

* **Length** by the contact's organisation level (``minutes``, each 45–60).
* **Window**: ``window_days`` working days (Monday–Friday) from
  ``first_day``; interviews start at ``day_start`` or later and end by
  ``day_end`` of one day.
* **Site blocks**: the contacts of one site are taken together, executives
  first, in pieces of at most one day's interviews; each piece goes to the
  interviewer who can start it earliest, so an interviewer does one site's
  interviews one after another and two interviewers may share a large site.
* **Buffers**: between two interviews of one interviewer at least
  ``break_minutes`` at the same site and ``travel_minutes`` between sites.

Booking is greedy and deterministic: sites in the order of the accounts
given, then by location id; contacts by level, decision role and id. The
window never drops an interview: when some do not fit, :class:`ScheduleError`
says how many, which, and how many working days all of them would take.

Interview ids are new: ``IV-<contact_id>``, with ``-2``, ``-3`` … when the
id is taken (by ``a.interviews`` or an earlier interview of the same contact),
so that plans made for different accounts never share an id and a plan made
again gives the same ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from .. import schema as S
from ..assessment import ACCOUNT_NAME_LABEL, Assessment
from ..config import Config
from ..config.planning import ScheduleRule
from ..errors import CraError

ACCOUNT_NAME = ACCOUNT_NAME_LABEL
"""Column of the account's name (``accounts.name``)."""
CONTACT_NAME = "contact_name"
"""Column of the contact's name (``contacts.name``)."""
START, END, MINUTES = "start", "end", "minutes"
"""Columns of the interview's start and end (datetimes, local time at the site) and its length (minutes)."""
COLUMNS: tuple[str, ...] = (
    S.INTERVIEW_ID, S.ACCOUNT_ID, ACCOUNT_NAME, S.CONTACT_ID, CONTACT_NAME, S.TITLE, S.LEVEL, S.DECISION_ROLE,
    S.DEPARTMENT, S.LOCATION_ID, S.SITE, S.CITY, S.INTERVIEWER, START, END, MINUTES,
)
"""Columns of :func:`schedule_interviews`, in order."""
ID_PREFIX = "IV-"
"""Planned interview ids are this prefix and the contact id."""
NO_SITE = "(site not recorded)"
"""Site shown for contacts without a location."""
NOTES = "notes"
"""Key of ``schedule.attrs`` holding what the schedule could not cover (accounts without contacts)."""


class ScheduleError(CraError):
    """The interviews cannot be scheduled (unknown account, nobody to interview, or a window too short).

    ``days_needed`` is the number of working days all interviews would take
    when the window is too short, else ``None``.
    """

    days_needed: int | None = None


def working_days(first: dt.date, count: int) -> list[dt.date]:
    """The first ``count`` working days (Monday–Friday) from ``first`` on.

    Parameters
    ----------
    first
        First day; a Saturday or Sunday moves on to the Monday.
    count
        Number of working days.

    Returns
    -------
    list of date

    Examples
    --------
    >>> [d.isoformat() for d in working_days(dt.date(2026, 3, 6), 3)]
    ['2026-03-06', '2026-03-09', '2026-03-10']
    """
    days: list[dt.date] = []
    day = first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def next_monday(today: dt.date | None = None) -> dt.date:
    """The Monday after ``today``, the default first day of a plan.

    Parameters
    ----------
    today
        The day the plan is made (default: the current date).

    Returns
    -------
    date
        The next Monday strictly after ``today``.

    Examples
    --------
    >>> next_monday(dt.date(2026, 3, 4)).isoformat()
    '2026-03-09'
    >>> next_monday(dt.date(2026, 3, 9)).isoformat()
    '2026-03-16'
    """
    today = today or dt.date.today()
    return today + dt.timedelta(days=7 - today.weekday())


def _account_list(a: Assessment, account_ids: str | Iterable[str]) -> list[str]:
    ids = [account_ids] if isinstance(account_ids, str) else [str(x) for x in account_ids]
    ids = list(dict.fromkeys(i.strip() for i in ids))
    if not ids:
        raise ScheduleError("no account to schedule: give at least one account id")
    known = set(a.accounts[S.ACCOUNT_ID].dropna().astype(str))
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ScheduleError(f"account(s) {', '.join(repr(u) for u in unknown)} not in sheet 'accounts' of {a.source}")
    return ids


def _people(a: Assessment, ids: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The contacts to interview, with account name, site and city, in booking order; notes on accounts without contacts."""
    if a.contacts is None:
        raise ScheduleError(f"{a.source} has no sheet 'contacts': there is nobody to interview")
    c = a.contacts[a.contacts[S.ACCOUNT_ID].isin(ids).fillna(False).to_numpy(bool)].copy()
    names = a.account_names()
    c[ACCOUNT_NAME] = c[S.ACCOUNT_ID].map(names).astype(object)
    c = c.rename(columns={S.CONTACT_NAME: CONTACT_NAME})
    loc = a.locations
    sites = loc.set_index(S.LOCATION_ID)[[S.SITE, S.CITY]] if loc is not None else pd.DataFrame(columns=[S.SITE, S.CITY])
    c[S.SITE] = c[S.LOCATION_ID].map(sites[S.SITE]).astype(object).where(c[S.LOCATION_ID].notna(), NO_SITE)
    c[S.CITY] = c[S.LOCATION_ID].map(sites[S.CITY]).astype(object)
    c["_acc"] = c[S.ACCOUNT_ID].map({k: i for i, k in enumerate(ids)})
    c["_lev"] = c[S.LEVEL].map({k: i for i, k in enumerate(S.LEVELS)}).astype(float)
    c["_role"] = c[S.DECISION_ROLE].map({k: i for i, k in enumerate(S.DECISION_ROLES)}).astype(float)
    c["_loc"] = c[S.LOCATION_ID].astype(object).fillna("")
    c = c.sort_values(["_acc", "_loc", "_lev", "_role", S.CONTACT_ID], kind="stable")
    empty = [i for i in ids if i not in set(c[S.ACCOUNT_ID].astype(str))]
    notes = [f"account {i} ({names.get(i, i)}) has no contacts in sheet 'contacts': nobody to interview there"
             for i in empty]
    if c.empty:
        raise ScheduleError(f"none of the accounts {', '.join(ids)} has contacts in sheet 'contacts' of {a.source}: "
                            "there is nobody to interview")
    return c.reset_index(drop=True), notes


def _clock(text: str) -> dt.time:
    return dt.datetime.strptime(text, "%H:%M").time()


@dataclass
class _Interviewer:
    name: str
    free_at: dt.datetime | None = None  # end of the last interview booked
    site: tuple | None = None  # (account, location) of that interview
    city: str = ""  # city of that site ("" when unknown)
    booked: int = 0  # minutes booked


@dataclass
class _Day:
    days: list[dt.date]
    start: dt.time
    end: dt.time

    def slot(self, earliest: dt.datetime | None, minutes: int) -> dt.datetime | None:
        """The earliest start at or after ``earliest`` on a working day such that the interview ends by day end."""
        for day in self.days:
            if earliest is not None and day < earliest.date():
                continue
            begin = dt.datetime.combine(day, self.start)
            if earliest is not None and earliest > begin:
                begin = earliest
            if begin + dt.timedelta(minutes=minutes) <= dt.datetime.combine(day, self.end):
                return begin
        return None


def _chunks(people: pd.DataFrame, rule: ScheduleRule) -> list[list[dict]]:
    """The contacts of each site in pieces of at most one day's interviews, in booking order."""
    day_len = (dt.datetime.combine(dt.date.min, _clock(rule.day_end))
               - dt.datetime.combine(dt.date.min, _clock(rule.day_start))).total_seconds() / 60
    out: list[list[dict]] = []
    for _, site in people.groupby(["_acc", "_loc"], sort=False):
        longest = max(rule.minutes[str(v)] for v in site[S.LEVEL])
        per_day = max(1, int((day_len + rule.break_minutes) // (longest + rule.break_minutes)))
        records = site.to_dict("records")
        out.extend(records[i:i + per_day] for i in range(0, len(records), per_day))
    return out


def _buffer(person: _Interviewer, site: tuple, city: str, rule: ScheduleRule) -> dt.datetime | None:
    """Earliest next start of ``person`` at ``site``: a break at the same site, travel to another, a night to another city."""
    if person.free_at is None:
        return None
    if person.site == site:
        return person.free_at + dt.timedelta(minutes=rule.break_minutes)
    travel = person.free_at + dt.timedelta(minutes=rule.travel_minutes)
    if rule.new_city_next_day and city and person.city and city != person.city:  # never less than the travel buffer
        return max(travel, dt.datetime.combine(person.free_at.date() + dt.timedelta(days=1), dt.time.min))
    return travel


def _city(contact: dict) -> str:
    value = contact.get(S.CITY)
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip().casefold()


def _book(chunks: list[list[dict]], day: _Day, rule: ScheduleRule) -> list[dict]:
    """Give each site piece to the interviewer who can start it first; book its interviews one after another."""
    team = [_Interviewer(name) for name in rule.interviewers]
    booked: list[dict] = []
    for chunk in chunks:
        site, city = (chunk[0][S.ACCOUNT_ID], chunk[0]["_loc"]), _city(chunk[0])
        first_minutes = rule.minutes[str(chunk[0][S.LEVEL])]
        options = []
        for k, person in enumerate(team):
            start = day.slot(_buffer(person, site, city, rule), first_minutes)
            if start is not None:
                options.append((start, person.booked, k))
        if not options:  # pragma: no cover - the booking window is long enough for every interview
            raise ScheduleError("internal: no interviewer can start a site block")
        person = team[min(options)[2]]
        for contact in chunk:
            minutes = rule.minutes[str(contact[S.LEVEL])]
            start = day.slot(_buffer(person, site, city, rule), minutes)
            if start is None:  # pragma: no cover - as above
                raise ScheduleError("internal: booking window exhausted")
            end = start + dt.timedelta(minutes=minutes)
            booked.append({**contact, S.INTERVIEWER: person.name, START: start, END: end, MINUTES: minutes})
            person.free_at, person.site, person.city, person.booked = end, site, city, person.booked + minutes
    return booked


def new_interview_ids(contact_ids: Iterable[str], taken: Iterable[str] = ()) -> list[str]:
    """One new interview id per contact: ``IV-<contact_id>``, suffixed ``-2``, ``-3`` … when taken.

    Parameters
    ----------
    contact_ids
        The contacts to interview, in order.
    taken
        Interview ids already in use (e.g. ``a.interviews.interview_id``).

    Returns
    -------
    list of str

    Examples
    --------
    >>> new_interview_ids(["C01", "C02"], taken=["IV-C02"])
    ['IV-C01', 'IV-C02-2']
    """
    used = {str(t) for t in taken}
    out = []
    for contact in contact_ids:
        candidate, k = f"{ID_PREFIX}{contact}", 2
        while candidate in used:
            candidate, k = f"{ID_PREFIX}{contact}-{k}", k + 1
        used.add(candidate)
        out.append(candidate)
    return out


def _too_short(booked: pd.DataFrame, window: list[dt.date], rule: ScheduleRule) -> ScheduleError:
    late = booked[booked[START].dt.date > window[-1]]
    needed = len(pd.bdate_range(window[0], booked[START].max().date()))
    shown = ", ".join(f"{r[S.CONTACT_ID]} ({r[ACCOUNT_NAME]}, {r[S.SITE]})" for r in late.head(5).to_dict("records"))
    more = f" and {len(late) - 5} more" if len(late) > 5 else ""
    error = ScheduleError(
        f"{len(late)} of {len(booked)} interviews do not fit into the window of {rule.window_days} working days "
        f"from {window[0].isoformat()} to {window[-1].isoformat()} ({len(rule.interviewers)} interviewer(s), "
        f"{rule.day_start}–{rule.day_end}): {shown}{more}. All of them would take {needed} working days: raise "
        "planning.schedule.window_days, add interviewers (planning.schedule.interviewers) or plan fewer accounts at once"
    )
    error.days_needed = needed
    return error


def schedule_interviews(
    a: Assessment, account_ids: str | Iterable[str], config: Config, first_day: dt.date | str | None = None
) -> pd.DataFrame:
    """Book one on-site interview with every contact of the given accounts.

    Parameters
    ----------
    a
        The assessment (``accounts``, ``contacts``; ``locations`` for sites;
        ``interviews`` for the ids already taken).
    account_ids
        One account id or several; each must be in ``accounts``.
    config
        Its ``planning.schedule`` gives interviewers, window, day hours,
        lengths by level and the break and travel buffers (minutes).
    first_day
        First day of the window (a date or ``YYYY-MM-DD``); default
        ``planning.schedule.first_day``, else the Monday after today.

    Returns
    -------
    DataFrame
        One row per interview, columns :data:`COLUMNS`: ``interview_id`` (new),
        ``account_id``, ``account_name``, ``contact_id``, ``contact_name``,
        ``title``, ``level``, ``decision_role``, ``department``,
        ``location_id``, ``site``, ``city``, ``interviewer``, ``start``,
        ``end`` (datetimes, local time), ``minutes``; sorted by start and
        interviewer. ``attrs["notes"]`` lists the accounts without contacts.

    Raises
    ------
    ScheduleError
        An unknown account, no contact at any of the accounts, or interviews
        that do not fit into the window (how many, which, and how many
        working days all would take).
    """
    rule = config.planning.schedule
    ids = _account_list(a, account_ids)
    people, notes = _people(a, ids)
    if isinstance(first_day, str):
        first_day = dt.date.fromisoformat(first_day)
    day0 = first_day or rule.first_day or next_monday()
    window = working_days(day0, rule.window_days)
    roomy = _Day(working_days(day0, rule.window_days + 2 * len(people) + 2), _clock(rule.day_start), _clock(rule.day_end))
    booked = pd.DataFrame(_book(_chunks(people, rule), roomy, rule))
    if (booked[START].dt.date > window[-1]).any():
        raise _too_short(booked, window, rule)
    taken = a.interviews[S.INTERVIEW_ID].dropna().astype(str) if a.interviews is not None else []
    booked[S.INTERVIEW_ID] = new_interview_ids(booked[S.CONTACT_ID].astype(str), taken)
    booked[MINUTES] = booked[MINUTES].astype("int64")
    out = booked.sort_values([START, S.INTERVIEWER], kind="stable")[list(COLUMNS)].reset_index(drop=True)
    for col in (S.LEVEL, S.DECISION_ROLE):
        out[col] = out[col].astype(str)
    out.attrs[NOTES] = notes
    return out


def readiness(a: Assessment, account_ids: Iterable[str]) -> pd.DataFrame:
    """Whom each account offers to interview: contacts, sites and levels, and whether it can be booked.

    Parameters
    ----------
    a
        The assessment (``accounts``; ``contacts`` and ``interviews`` when present).
    account_ids
        The accounts, in the order shown.

    Returns
    -------
    DataFrame
        One row per account: ``account_id``, ``account`` (name), ``contacts``,
        ``sites`` (distinct locations of the contacts), ``executives``,
        ``decision_makers`` (counts), ``interviewed_before`` (contacts with an
        interview in the data) and ``status`` (``"ready to book"`` or
        ``"no contacts yet"``).
    """
    ids = [str(i) for i in account_ids]
    names = a.account_names()
    c = a.contacts if a.contacts is not None else pd.DataFrame(columns=[S.ACCOUNT_ID, S.CONTACT_ID, S.LOCATION_ID,
                                                                          S.LEVEL, S.DECISION_ROLE])
    met = set(a.interviews[S.CONTACT_ID].dropna().astype(str)) if a.interviews is not None else set()
    rows = []
    for acc in ids:
        mine = c[c[S.ACCOUNT_ID].astype(str) == acc]
        rows.append({S.ACCOUNT_ID: acc, "account": names.get(acc, acc), "contacts": len(mine),
                     "sites": int(mine[S.LOCATION_ID].nunique()),
                     "executives": int((mine[S.LEVEL].astype(str) == S.LEVELS[0]).sum()),
                     "decision_makers": int((mine[S.DECISION_ROLE].astype(str) == S.DECISION_ROLES[0]).sum()),
                     "interviewed_before": int(mine[S.CONTACT_ID].astype(str).isin(met).sum()),
                     "status": "ready to book" if len(mine) else "no contacts yet"})
    return pd.DataFrame(rows)
