"""The interview schedule as files: an Excel sheet to read and print, and an ``.ics`` calendar to import.

Both take the table of :func:`cra_helpers.planning.schedule.schedule_interviews`.
The workbook shows names, not ids (the interview id stays in the last column
so that the sheet can be matched with the capture workbook), grouped by day
and site, with dates and times as Excel date cells. The calendar holds one
event per interview, in local time at the site (floating times, as the
interviewers travel to the customer), with a UID built from the interview id
so that importing a revised plan updates the events instead of doubling them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from .. import schema as S
from ..assessment import Assessment
from ..spreadsheet import SheetSetup, write_workbook
from . import schedule as P

UID_DOMAIN = "cra-workbench"
"""Right-hand part of every event's UID: ``<interview_id>@cra-workbench``."""

_SHEET_COLUMNS = {
    "Day": None, "Start": P.START, "End": P.END, "Site": S.SITE, "City": S.CITY, "Account": P.ACCOUNT_NAME,
    "Interviewee": P.CONTACT_NAME, "Title": S.TITLE, "Level": S.LEVEL, "Decision role": S.DECISION_ROLE,
    "Department": S.DEPARTMENT, "Interviewer": S.INTERVIEWER, "Minutes": P.MINUTES, "Interview id": S.INTERVIEW_ID,
}


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def schedule_sheet(schedule: pd.DataFrame, by: str = "day") -> pd.DataFrame:
    """The schedule as it is printed: readable headers, names instead of ids.

    Parameters
    ----------
    schedule
        Output of :func:`~cra_helpers.planning.schedule.schedule_interviews`.
    by
        ``"day"``: sorted by day, site and start; ``"interviewer"``: by
        interviewer and start.

    Returns
    -------
    DataFrame
        Columns ``Day`` (date), ``Start``, ``End`` (datetimes shown as
        ``hh:mm``), ``Site``, ``City``, ``Account``, ``Interviewee``,
        ``Title``, ``Level``, ``Decision role``, ``Department``,
        ``Interviewer``, ``Minutes``, ``Interview id``.
    """
    s = schedule.copy()
    s["_day"] = pd.to_datetime(s[P.START]).dt.date
    keys = ["_day", S.SITE, P.START, S.INTERVIEWER] if by == "day" else [S.INTERVIEWER, P.START]
    s = s.sort_values(keys, kind="stable")
    out = pd.DataFrame({label: (s["_day"] if col is None else s[col]) for label, col in _SHEET_COLUMNS.items()})
    for label in ("Start", "End"):
        out[label] = [v.to_pydatetime() for v in pd.to_datetime(out[label])]
    for label in ("Site", "City", "Account", "Interviewee", "Title", "Level", "Decision role", "Department", "Interviewer"):
        out[label] = out[label].map(_text)
    return out.reset_index(drop=True)


def write_schedule_xlsx(schedule: pd.DataFrame, path: str | Path) -> Path:
    """Write the schedule as a workbook: sheet ``by day`` (day, site, start) and sheet ``by interviewer``.

    Parameters
    ----------
    schedule
        Output of :func:`~cra_helpers.planning.schedule.schedule_interviews`.
    path
        Workbook to write (``.xlsx``); parent folders are created.

    Returns
    -------
    Path
        The workbook: days as ``ddd yyyy-mm-dd`` date cells, start and end as
        ``hh:mm``, header frozen, ready to print (landscape, one page wide).
    """
    formats = {"Day": "ddd yyyy-mm-dd", "Start": "hh:mm", "End": "hh:mm"}
    widths = {"Day": 16, "Start": 8, "End": 8, "Minutes": 9}
    setup = SheetSetup(number_formats=formats, widths=widths, extra_rows=0)
    sheets = {"by day": schedule_sheet(schedule, "day"), "by interviewer": schedule_sheet(schedule, "interviewer")}
    return write_workbook(path, sheets, title="Interview schedule", setup={name: setup for name in sheets})


def event_summary(row: dict) -> str:
    """The calendar title of one interview: account, then the interviewee's title and decision role.

    Parameters
    ----------
    row
        One schedule row as a dict.

    Returns
    -------
    str

    Examples
    --------
    >>> event_summary({"account_name": "Acme", "title": "Buyer", "decision_role": "influencer"})
    'CRA interview: Acme — Buyer (influencer)'
    """
    who = _text(row.get(S.TITLE)) or _text(row.get(S.LEVEL))
    role = _text(row.get(S.DECISION_ROLE))
    return f"CRA interview: {_text(row.get(P.ACCOUNT_NAME))} — {who}" + (f" ({role})" if role else "")


def event_location(row: dict) -> str:
    """Where the interview is held: ``site, city`` (the account's name when the site is not recorded).

    Parameters
    ----------
    row
        One schedule row as a dict.

    Returns
    -------
    str

    Examples
    --------
    >>> event_location({"site": "Plant North", "city": "Hamburg"})
    'Plant North, Hamburg'
    """
    site = _text(row.get(S.SITE))
    if not site or site == P.NO_SITE:
        site = _text(row.get(P.ACCOUNT_NAME))
    return ", ".join(p for p in (site, _text(row.get(S.CITY))) if p)


def write_ics(schedule: pd.DataFrame, path: str | Path, a: Assessment) -> Path:
    """Write the schedule as an iCalendar file, one event per interview.

    Parameters
    ----------
    schedule
        Output of :func:`~cra_helpers.planning.schedule.schedule_interviews`.
    path
        File to write (``.ics``); parent folders are created.
    a
        The assessment the schedule was made from: the site's city and the
        account's name come from its ``locations`` and ``accounts`` when the
        schedule lacks them.

    Returns
    -------
    Path
        The calendar: ``SUMMARY`` account, title and decision role;
        ``LOCATION`` site and city; ``DESCRIPTION`` interviewee, level,
        department, interviewer and interview id; ``DTSTART``/``DTEND`` in
        local time; ``UID`` ``<interview_id>@cra-workbench``.
    """
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//CRA Workbench//cra plan//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "CRA interviews")
    stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    for row in _with_lookups(schedule, a).to_dict("records"):
        ev = Event()
        ev.add("uid", f"{row[S.INTERVIEW_ID]}@{UID_DOMAIN}")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", pd.Timestamp(row[P.START]).to_pydatetime())
        ev.add("dtend", pd.Timestamp(row[P.END]).to_pydatetime())
        ev.add("summary", event_summary(row))
        ev.add("location", event_location(row))
        ev.add("description", _description(row))
        if _text(row.get(S.INTERVIEWER)):
            ev.add("categories", [_text(row.get(S.INTERVIEWER))])
        cal.add_component(ev)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(cal.to_ical())
    return out


def _with_lookups(schedule: pd.DataFrame, a: Assessment) -> pd.DataFrame:
    s = schedule.copy()
    if a.locations is not None and S.LOCATION_ID in s:
        cities = a.locations.set_index(S.LOCATION_ID)[S.CITY]
        s[S.CITY] = s.get(S.CITY, pd.Series(index=s.index, dtype=object)).astype(object)
        s[S.CITY] = s[S.CITY].where(s[S.CITY].notna(), s[S.LOCATION_ID].map(cities))
    if P.ACCOUNT_NAME not in s:
        s[P.ACCOUNT_NAME] = s[S.ACCOUNT_ID].map(a.account_names())
    return s


def _description(row: dict) -> str:
    lines = [
        f"Interviewee: {_text(row.get(P.CONTACT_NAME))}" + (f", {_text(row.get(S.TITLE))}" if _text(row.get(S.TITLE)) else ""),
        f"Level: {_text(row.get(S.LEVEL))}; decision role: {_text(row.get(S.DECISION_ROLE))}; "
        f"department: {_text(row.get(S.DEPARTMENT))}",
        f"Interviewer: {_text(row.get(S.INTERVIEWER))}",
        f"Interview id: {row[S.INTERVIEW_ID]} (capture workbook of account {row[S.ACCOUNT_ID]})",
    ]
    return "\n".join(lines)
