"""The interview schedule: properties over random contact sets and the sample's key accounts; its .xlsx and .ics files.

Every schedule is checked by :func:`check_schedule`, which recomputes each
property from the schedule and the contacts alone: one interview per contact
at the contact's own site, lengths by level, no two interviews of one
interviewer closer than the break (same site) or the travel buffer (another
site), day hours, working days inside the window, a site's interviews one
after another for each interviewer, new ids that collide with nothing.
"""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from cra_helpers import headlines
from cra_helpers import schema as S
from cra_helpers.assessment import Assessment
from cra_helpers.planning import calendar, schedule
from cra_helpers.planning.schedule import ScheduleError, schedule_interviews

from ._planning import FIRST_DAY, planning_config


def _rule(config, **kw):
    rule = config.planning.schedule.model_copy(update=kw)
    return config.model_copy(update={"planning": config.planning.model_copy(update={"schedule": rule})})


def _cities(a: Assessment, rows: pd.DataFrame) -> list[str]:
    """The city of each row's site, from sheet ``locations`` (``""`` when unknown)."""
    if a.locations is None or not len(a.locations):
        return [""] * len(rows)
    city = a.locations.set_index(S.LOCATION_ID)[S.CITY]
    return ["" if pd.isna(loc) or loc not in city.index or pd.isna(city[loc]) else str(city[loc]).casefold()
            for loc in rows[S.LOCATION_ID]]


def check_schedule(s: pd.DataFrame, a: Assessment, accounts: list[str], config, first_day: dt.date) -> None:
    """Assert every promise of the schedule, computed independently from the schedule and ``a``."""
    rule = config.planning.schedule
    contacts = a.contacts[a.contacts[S.ACCOUNT_ID].isin(accounts)]
    # every contact of the accounts exactly once, at the contact's own site
    assert s[S.CONTACT_ID].is_unique
    assert sorted(s[S.CONTACT_ID]) == sorted(contacts[S.CONTACT_ID])
    own = contacts.set_index(S.CONTACT_ID)
    for r in s.itertuples():
        assert r.account_id == own.loc[r.contact_id, S.ACCOUNT_ID]
        loc = own.loc[r.contact_id, S.LOCATION_ID]
        assert (pd.isna(loc) and pd.isna(r.location_id)) or loc == r.location_id
        assert r.minutes == rule.minutes[str(own.loc[r.contact_id, S.LEVEL])]
    # new ids, unique, colliding with nothing already there
    assert s[S.INTERVIEW_ID].is_unique
    if a.interviews is not None:
        assert not set(s[S.INTERVIEW_ID]) & set(a.interviews[S.INTERVIEW_ID])
    # day hours, working days, the window
    window = pd.bdate_range(first_day, periods=rule.window_days)
    start_t = dt.datetime.strptime(rule.day_start, "%H:%M").time()
    end_t = dt.datetime.strptime(rule.day_end, "%H:%M").time()
    for r in s.itertuples():
        assert r.end - r.start == pd.Timedelta(minutes=r.minutes)
        assert r.start.date() == r.end.date() and r.start.weekday() < 5
        assert r.start.time() >= start_t and r.end.time() <= end_t
        assert window[0].date() <= r.start.date() <= window[-1].date()
    # per interviewer: buffers between consecutive interviews, each site's interviews in one run
    for _, mine in s.sort_values(schedule.START).groupby(S.INTERVIEWER):
        sites = list(zip(mine[S.ACCOUNT_ID], mine[S.LOCATION_ID].astype(object).fillna("")))
        for k in range(1, len(mine)):
            gap = (mine[schedule.START].iloc[k] - mine[schedule.END].iloc[k - 1]) / pd.Timedelta(minutes=1)
            need = rule.break_minutes if sites[k] == sites[k - 1] else rule.travel_minutes
            assert gap >= need, (mine.iloc[k - 1:k + 1], need)
        if rule.new_city_next_day:  # a move to another (known) city waits for the next day
            cities = _cities(a, mine)
            for k in range(1, len(mine)):
                if cities[k] and cities[k - 1] and cities[k] != cities[k - 1]:
                    assert mine[schedule.START].iloc[k].date() > mine[schedule.END].iloc[k - 1].date()
        runs = [site for k, site in enumerate(sites) if k == 0 or site != sites[k - 1]]
        assert len(runs) == len(set(runs)), f"a site visited twice by one interviewer: {runs}"


# ----------------------------------------------------------------------
# Random contact sets
# ----------------------------------------------------------------------
@st.composite
def portfolios(draw):
    accounts, locations, contacts = [], [], []
    n_acc = draw(st.integers(1, 3))
    for i in range(n_acc):
        acc = f"A{i}"
        accounts.append({S.ACCOUNT_ID: acc, S.ACCOUNT_NAME: f"Account {i}"})
        locs = [f"{acc}L{j}" for j in range(draw(st.integers(0, 3)))]
        locations += [{S.LOCATION_ID: loc, S.ACCOUNT_ID: acc, S.SITE: f"Site {loc}",
                       S.CITY: draw(st.sampled_from(["Town", "Port"]))} for loc in locs]
        for k in range(draw(st.integers(0 if i else 1, 9))):
            contacts.append({
                S.CONTACT_ID: f"{acc}C{k}", S.ACCOUNT_ID: acc, S.CONTACT_NAME: f"Person {k}", S.TITLE: None,
                S.LOCATION_ID: draw(st.sampled_from(locs + [None])) if locs else None,
                S.LEVEL: draw(st.sampled_from(S.LEVELS)), S.DECISION_ROLE: draw(st.sampled_from(S.DECISION_ROLES)),
                S.DEPARTMENT: draw(st.sampled_from(["Purchasing", "Quality", "Operations"])),
            })
    taken = draw(st.lists(st.sampled_from([f"IV-{c[S.CONTACT_ID]}" for c in contacts]), max_size=3))
    tables = {S.ACCOUNTS: pd.DataFrame(accounts), S.CONTACTS: pd.DataFrame(contacts),
              S.LOCATIONS: pd.DataFrame(locations, columns=[S.LOCATION_ID, S.ACCOUNT_ID, S.SITE, S.CITY]),
              S.INTERVIEWS: pd.DataFrame({S.INTERVIEW_ID: taken, S.CONTACT_ID: [t[3:] for t in taken]})}
    return tables, [a[S.ACCOUNT_ID] for a in accounts]


settings_st = st.fixed_dictionaries({
    "interviewers": st.integers(1, 3).map(lambda n: tuple(f"Int {k}" for k in range(n))),
    "window_days": st.integers(1, 8),
    "break_minutes": st.integers(0, 40),
    "travel_minutes": st.sampled_from([0, 30, 90, 240, 900, 1440]),
    "minutes": st.fixed_dictionaries({lev: st.integers(45, 60) for lev in S.LEVELS}),
    "day_start": st.sampled_from(["08:00", "08:30", "13:00"]),
    "day_end": st.sampled_from(["17:30", "15:00"]),
    "new_city_next_day": st.booleans(),
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(portfolios(), settings_st, st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)))
def test_random_schedules_keep_every_promise(config, portfolio, kw, first_day):
    tables, accounts = portfolio
    cfg = _rule(config, **kw)
    a = Assessment(tables, cfg, "<random>")
    try:
        s = schedule_interviews(a, accounts, cfg, first_day=first_day)
    except ScheduleError as exc:
        m = re.match(r"(\d+) of (\d+) interviews do not fit", str(exc))
        assert m, str(exc)
        # Nothing dropped: a long window holds every interview, and exactly the reported number lies beyond the window.
        long = _rule(cfg, window_days=120)
        s = schedule_interviews(a, accounts, long, first_day=first_day)
        check_schedule(s, a, accounts, long, first_day)
        end = pd.bdate_range(first_day, periods=kw["window_days"])[-1].date()
        assert int(m.group(2)) == len(tables[S.CONTACTS]) == len(s)
        assert int(m.group(1)) == int((s[schedule.START].dt.date > end).sum()) > 0
        needed = len(pd.bdate_range(first_day, s[schedule.START].max().date()))
        assert f"would take {needed} working days" in str(exc)
        return
    check_schedule(s, a, accounts, cfg, first_day)
    for contact in tables[S.INTERVIEWS][S.CONTACT_ID]:  # an id taken before gets the next suffix
        assert s.loc[s[S.CONTACT_ID] == contact, S.INTERVIEW_ID].iloc[0] == f"IV-{contact}-2"


# ----------------------------------------------------------------------
# The sample's key accounts
# ----------------------------------------------------------------------
def test_sample_key_accounts_all_at_once(sample, config):
    """The 16 key accounts: the 12 with contacts are fully booked; the 4 prioritization adds have none, and the notes say so."""
    cfg = planning_config(config)
    keys = headlines.key_account_ids(sample)
    s = schedule_interviews(sample, keys, cfg, first_day=FIRST_DAY)
    with_contacts = sorted(set(sample.contacts[S.ACCOUNT_ID]) & set(keys))
    check_schedule(s, sample, with_contacts, cfg, dt.date.fromisoformat(FIRST_DAY))
    assert len(s) == 220
    without = sorted(set(keys) - set(with_contacts))
    assert len(without) == 4
    notes = s.attrs[schedule.NOTES]
    assert [n.split()[1] for n in notes] == without and all("nobody to interview" in n for n in notes)
    # all 3 interviewers used; executives first at every site block
    assert set(s[S.INTERVIEWER]) == set(cfg.planning.schedule.interviewers)


@pytest.mark.parametrize("account", ["A005", "A068", "A050"])
def test_one_key_account_with_default_settings(sample, config, account):
    s = schedule_interviews(sample, account, config, first_day=dt.date(2026, 3, 7))  # a Saturday: starts Monday
    check_schedule(s, sample, [account], config, dt.date(2026, 3, 9))
    assert s[schedule.START].min() == pd.Timestamp("2026-03-09 08:30")


def test_window_too_short_says_how_many_and_drops_none(sample, config):
    keys = headlines.key_account_ids(sample)
    with pytest.raises(ScheduleError) as err:
        schedule_interviews(sample, keys, config, first_day=FIRST_DAY)
    n_late = int(re.match(r"(\d+) of 220 interviews do not fit into the window of 10 working days", str(err.value)).group(1))
    long = _rule(config, window_days=60)
    s = schedule_interviews(sample, keys, long, first_day=FIRST_DAY)
    tenth = pd.bdate_range(FIRST_DAY, periods=10)[-1].date()
    assert n_late == int((s[schedule.START].dt.date > tenth).sum()) > 0
    assert "planning.schedule.window_days" in str(err.value)


def test_bad_requests_are_refused(sample, config):
    with pytest.raises(ScheduleError, match="'A999' not in sheet 'accounts'"):
        schedule_interviews(sample, ["A005", "A999"], config)
    with pytest.raises(ScheduleError, match="none of the accounts A020 has contacts"):
        schedule_interviews(sample, ["A020"], config)


def test_default_first_day_is_the_next_monday(sample, config):
    s = schedule_interviews(sample, "A050", config)
    first = s[schedule.START].min().date()
    today = dt.date.today()
    assert first.weekday() == 0 and 0 < (first - today).days <= 7


# ----------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_accounts(sample, config):
    return schedule_interviews(sample, ["A005", "A010"], config, first_day=FIRST_DAY)


def test_ics_parses_back_with_every_event(tmp_path, sample, two_accounts):
    s = two_accounts
    path = calendar.write_ics(s, tmp_path / "plan.ics", sample)
    cal = Calendar.from_ical(path.read_bytes())
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert len(events) == len(s) == len(list(cal.walk("VEVENT")))
    cities = sample.locations.set_index(S.LOCATION_ID)[S.CITY]
    names = sample.account_names()
    for r in s.itertuples():
        e = events[f"{r.interview_id}@cra-workbench"]
        assert e.decoded("dtstart") == r.start.to_pydatetime()
        assert e.decoded("dtend") == r.end.to_pydatetime()
        assert str(e["location"]) == f"{r.site}, {cities[r.location_id]}"
        assert str(e["summary"]) == f"CRA interview: {names[r.account_id]} — {r.title} ({r.decision_role})"
        assert r.contact_name in str(e["description"]) and r.interviewer in str(e["description"])
    # the same plan written again keeps every UID
    again = Calendar.from_ical(calendar.write_ics(s, tmp_path / "again.ics", sample).read_bytes())
    assert sorted(str(e["uid"]) for e in again.walk("VEVENT")) == sorted(events)


def test_xlsx_shows_names_grouped_by_day_and_site(tmp_path, two_accounts):
    s = two_accounts
    path = calendar.write_schedule_xlsx(s, tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["by day", "by interviewer"]
    ws = wb["by day"]
    head = [c.value for c in ws[1]]
    rows = [dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert len(rows) == len(s)
    keys = [(r["Day"], r["Site"], r["Start"]) for r in rows]
    assert keys == sorted(keys)
    by_id = s.set_index(S.INTERVIEW_ID)
    for r in rows:
        want = by_id.loc[r["Interview id"]]
        assert r["Interviewee"] == want[schedule.CONTACT_NAME] and r["Account"] == want[schedule.ACCOUNT_NAME]
        assert r["Start"] == want[schedule.START].to_pydatetime() and r["End"] == want[schedule.END].to_pydatetime()
        assert r["Day"].date() == want[schedule.START].date() and r["Minutes"] == want[schedule.MINUTES]
    assert ws["A2"].number_format == "ddd yyyy-mm-dd" and ws["B2"].number_format == "hh:mm"
    assert ws.freeze_panes == "A2"


def test_a_move_to_another_city_waits_for_the_next_day(sample, config):
    """The sample's key accounts have sites in several cities: without the rule an interviewer changes city
    within a day (90 minutes' travel from Hamburg to Timisoara); with it, never."""
    keys = headlines.key_account_ids(sample)
    moves = {}
    for rule in (False, True):
        cfg = planning_config(config, new_city_next_day=rule)
        s = schedule_interviews(sample, keys, cfg, first_day=FIRST_DAY)
        check_schedule(s, sample, keys, cfg, dt.date.fromisoformat(FIRST_DAY))
        same_day = 0
        for _, mine in s.sort_values(schedule.START).groupby(S.INTERVIEWER):
            cities, days = _cities(sample, mine), mine[schedule.START].dt.date.tolist()
            same_day += sum(1 for k in range(1, len(mine)) if cities[k] != cities[k - 1] and days[k] == days[k - 1])
        moves[rule] = same_day
    assert moves[False] > 0 and moves[True] == 0, moves
