"""Settings of assessment planning (``cra plan``): the interview guide, the executive letter, the schedule.

Used by :mod:`cra_helpers.planning`. Times of day are ``HH:MM`` text on a
24-hour clock; durations are minutes.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, field_validator, model_validator

from .. import schema as S
from .base import StrictModel


def _hhmm(value: str) -> str:
    try:
        dt.datetime.strptime(value, "%H:%M")
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a time of day HH:MM (24-hour clock)") from None
    return value


class GuideRule(StrictModel):
    """How long an interview guide may run.

    Attributes
    ----------
    min_minutes, max_minutes
        The interview's length (minutes): the guide is built to fill at least
        ``min_minutes`` and at most ``max_minutes``; questions beyond the
        maximum are listed as "drop when time runs short".
    question_bank
        Client question bank (YAML); empty: the packaged one
        (``cra_helpers/resources/question_bank.yaml``).
    stale_after_months
        An account's knowledge older than this (months since its last
        interview) counts as stale and is asked again.
    complaints
        Most negative remarks of the account's last wave (at most this many,
        most negative first) that become follow-up questions in its guides.
    """

    min_minutes: int = Field(45, ge=10, le=240)
    max_minutes: int = Field(60, ge=10, le=240)
    question_bank: str = ""
    stale_after_months: int = Field(12, ge=1)
    complaints: int = Field(3, ge=0, le=20)

    @model_validator(mode="after")
    def _ordered(self) -> "GuideRule":
        if self.min_minutes > self.max_minutes:
            raise ValueError(f"min_minutes ({self.min_minutes}) must not exceed max_minutes ({self.max_minutes})")
        return self


class LetterRule(StrictModel):
    """The executive letter sent to each contact before the interviews.

    Attributes
    ----------
    sender, sender_title
        Who signs the letter (the supplier's executive sponsor).
    purpose
        One or two sentences: why the assessment is held.
    confidentiality
        The confidentiality statement printed in every letter.
    template
        Client Jinja2 template of the letter (HTML); empty: the packaged one
        (``cra_helpers/resources/planning/letter.html.j2``).
    """

    sender: str = "The Managing Director"
    sender_title: str = ""
    purpose: str = ("We would like to understand how well we serve you today, where we fall short and what "
                    "matters most to you over the coming years, so that we can act on it.")
    confidentiality: str = ("Your answers are treated confidentially. Individual remarks are reported without "
                            "names; your name and contact details are not passed to anyone outside the "
                            "assessment team.")
    template: str = ""


class ScheduleRule(StrictModel):
    """How the on-site interviews are scheduled.

    Attributes
    ----------
    interviewers
        Names of the interviewers who can be booked (at least one).
    first_day
        First day interviews may be booked (ISO date); empty: the Monday
        after the day the plan is made.
    window_days
        Working days (Monday–Friday) in the interview window.
    day_start, day_end
        Earliest start and latest end of an interview (HH:MM).
    minutes
        Interview length (minutes) by organisation level; every value
        within 45–60 minutes as the method asks.
    break_minutes
        Pause (minutes) between two interviews of one interviewer at one site.
    travel_minutes
        Buffer (minutes) between two interviews of one interviewer at
        different sites.
    new_city_next_day
        An interviewer who moves to a site in another city starts there on
        the next working day (the journey takes the evening), instead of
        after ``travel_minutes``.
    """

    interviewers: tuple[str, ...] = ("Interviewer 1", "Interviewer 2")
    first_day: dt.date | None = None
    window_days: int = Field(10, ge=1, le=120)
    day_start: str = "08:30"
    day_end: str = "17:30"
    minutes: dict[str, int] = {"executive": 60, "management": 60, "operational": 45}
    break_minutes: int = Field(15, ge=0, le=240)
    travel_minutes: int = Field(90, ge=0, le=24 * 60)
    new_city_next_day: bool = True

    _check_times = field_validator("day_start", "day_end")(_hhmm)

    @field_validator("interviewers")
    @classmethod
    def _some(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        names = tuple(v.strip() for v in value)
        if not names or any(not n for n in names):
            raise ValueError("at least one interviewer, and no empty name")
        if len(set(names)) != len(names):
            raise ValueError("an interviewer is listed twice")
        return names

    @field_validator("minutes")
    @classmethod
    def _levels(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(S.LEVELS))
        if unknown:
            raise ValueError(f"unknown level(s) {', '.join(unknown)}; levels are {', '.join(S.LEVELS)}")
        missing = sorted(set(S.LEVELS) - set(value))
        if missing:
            raise ValueError(f"missing level(s) {', '.join(missing)}")
        bad = {k: v for k, v in value.items() if not 45 <= v <= 60}
        if bad:
            raise ValueError(f"interviews last 45–60 minutes; got {bad}")
        return value

    @model_validator(mode="after")
    def _day(self) -> "ScheduleRule":
        start = dt.datetime.strptime(self.day_start, "%H:%M")
        end = dt.datetime.strptime(self.day_end, "%H:%M")
        if (end - start).total_seconds() < 60 * max(self.minutes.values()):
            raise ValueError(f"day_start {self.day_start} to day_end {self.day_end} is shorter than one interview")
        return self


class Planning(StrictModel):
    """Settings of ``cra plan`` (guide, letter, schedule)."""

    guide: GuideRule = GuideRule()
    letter: LetterRule = LetterRule()
    schedule: ScheduleRule = ScheduleRule()
