"""What we know and do not know about one key account, and the questions that close each gap.

Step 2 of the method asks for a customer-specific guide whose questions
(a) determine current customer and competitive knowledge and (b) identify the
customer knowledge gaps. :func:`knowledge_gaps` reads the account's data and
lists every gap, one row each, with the question of the bank
(:mod:`cra_helpers.planning.questions`) that closes it, filled in for the
account; :func:`current_knowledge` lists what is on record.

The gaps, each a ``kind`` of :data:`~cra_helpers.planning.questions.GAP_KINDS`:

``top_elements``
    one or more of the three elements that matter most (``accounts.top_element_1…3``) are empty;
``not_interviewed`` / ``stale``
    nobody at the account has been interviewed, or its last interview is
    older than ``planning.guide.stale_after_months``;
``competitors``
    no competitor has been rated by anyone at the account (we do not know
    whom it compares us with);
``share_of_wallet``
    nobody at the account ever gave its share of wallet;
``complaints``
    negative remarks of the account's last wave (by
    :func:`cra_helpers.sentiment.classify`, or a sentiment table given), the
    most negative ``planning.guide.complaints`` of them, one row each;
``decision_process``
    no decision-maker is known among the account's contacts;
``executive_unheard``
    no executive decision-maker of the account has been interviewed;
``department_unheard`` / ``site_unheard``
    a department of the account's contacts, or a site (location) of the
    account, without an interview in the diagonal slice (one row each; not
    listed for an account nobody was interviewed at, where every one is).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from .. import schema as S
from ..assessment import Assessment
from ..config import Config
from ..errors import CraError
from .questions import QuestionBank, load_question_bank, scale_values

GAP_COLUMNS: tuple[str, ...] = ("kind", "subject", "detail", "question_id", "question", "section", "minutes",
                                "priority", "fills")
"""Columns of :func:`knowledge_gaps`."""
GAP_SHOWN: tuple[str, ...] = ("kind", "detail", "question", "section", "minutes", "priority")
"""The columns of :data:`GAP_COLUMNS` a person reads (the rest are ids for the guide and the data contract)."""

REMARK_CHARS = 200
"""Longest quoted remark in a follow-up question (characters; longer ones are cut at a word)."""


class UnknownAccountError(CraError, ValueError):
    """An account id that is not in the accounts table."""


@dataclass(frozen=True)
class AccountView:
    """One account's rows of every table, joined once.

    Attributes
    ----------
    account_id, name
        The account.
    account
        Its row of ``accounts``.
    contacts
        Its contacts, with ``site`` (the location's site name, or empty).
    interviews
        Its interviews with the contact's ``name``, ``title``, ``level``,
        ``department``, ``decision_role``, ``location_id``.
    ratings, loyalty, verbatims
        The rows of its interviews (verbatims with the interview columns).
    locations
        Its sites.
    """

    account_id: str
    name: str
    account: pd.Series
    contacts: pd.DataFrame
    interviews: pd.DataFrame
    ratings: pd.DataFrame
    loyalty: pd.DataFrame
    verbatims: pd.DataFrame
    locations: pd.DataFrame


def _empty(table: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in S.TABLES[table].column_names})


def _table(a: Assessment, table: str) -> pd.DataFrame:
    frame = a.tables.get(table)
    return _empty(table) if frame is None else frame


def account_view(a: Assessment, account_id: str) -> AccountView:
    """The rows of one account in every table (see :class:`AccountView`).

    Raises
    ------
    UnknownAccountError
        When ``account_id`` is not in the accounts table.
    """
    accounts = a.accounts
    hit = accounts[accounts[S.ACCOUNT_ID].astype(str) == str(account_id)]
    if hit.empty:
        raise UnknownAccountError(f"account {account_id!r} is not in the accounts table of {a.source.name}")
    locations = _table(a, S.LOCATIONS)
    locations = locations[locations[S.ACCOUNT_ID].astype(str) == str(account_id)]
    contacts = _table(a, S.CONTACTS)
    contacts = contacts[contacts[S.ACCOUNT_ID].astype(str) == str(account_id)].copy()
    sites = dict(zip(locations[S.LOCATION_ID].astype(str), locations[S.SITE].astype(str)))
    contacts[S.SITE] = [sites.get(str(x), "") if pd.notna(x) else "" for x in contacts[S.LOCATION_ID]]
    who = [S.CONTACT_ID, S.CONTACT_NAME, S.TITLE, S.LEVEL, S.DEPARTMENT, S.DECISION_ROLE, S.LOCATION_ID, S.SITE]
    interviews = _table(a, S.INTERVIEWS)
    interviews = interviews.merge(contacts[[c for c in who if c in contacts]], on=S.CONTACT_ID, how="inner")
    ids = set(interviews[S.INTERVIEW_ID].astype(str))

    def rows(table: str) -> pd.DataFrame:
        frame = _table(a, table)
        return frame[frame[S.INTERVIEW_ID].astype(str).isin(ids).to_numpy(bool)]

    verbatims = rows(S.VERBATIMS).merge(interviews, on=S.INTERVIEW_ID, how="left")
    return AccountView(str(account_id), str(hit.iloc[0][S.ACCOUNT_NAME]), hit.iloc[0], contacts, interviews,
                       rows(S.RATINGS), rows(S.LOYALTY), verbatims, locations)


def person(row: pd.Series) -> str:
    """A contact in plain words: ``"Ann Archer (CPO, Purchasing)"``."""
    extra = [str(row[c]) for c in (S.TITLE, S.DEPARTMENT) if c in row and pd.notna(row[c]) and str(row[c]).strip()]
    return f"{row[S.CONTACT_NAME]} ({', '.join(extra)})" if extra else str(row[S.CONTACT_NAME])


def words_list(items: list[str]) -> str:
    """``["a", "b", "c"]`` → ``"a, b and c"``.

    Examples
    --------
    >>> words_list(["Quality", "Price", "Delivery"]), words_list(["Quality"]), words_list([])
    ('Quality, Price and Delivery', 'Quality', '')
    """
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else (", ".join(items[:-1]) + " and " + items[-1] if items else "")


def date_words(day: object) -> str:
    """A date in words: ``3 February 2026`` (empty for a missing date).

    Examples
    --------
    >>> date_words(dt.date(2026, 2, 3))
    '3 February 2026'
    """
    if day is None or pd.isna(day):
        return ""
    d = pd.Timestamp(day)
    return f"{d.day} {d.strftime('%B %Y')}"


def competitors_rated(a: Assessment, view: AccountView) -> pd.DataFrame:
    """The competitors rated at the account, most rated first: ``competitor_id, name, ratings``."""
    rated = view.ratings[view.ratings[S.COMPETITOR_ID].notna()] if S.COMPETITOR_ID in view.ratings else view.ratings.iloc[:0]
    counts = rated[S.COMPETITOR_ID].astype(str).value_counts()
    names = a.competitor_names()
    out = pd.DataFrame({S.COMPETITOR_ID: counts.index.astype(str), "ratings": counts.to_numpy(int)})
    out[S.COMPETITOR_NAME] = [str(names.get(c, c)) for c in out[S.COMPETITOR_ID]]
    return out.sort_values(["ratings", S.COMPETITOR_ID], ascending=[False, True], ignore_index=True)[
        [S.COMPETITOR_ID, S.COMPETITOR_NAME, "ratings"]]


def _top_elements(view: AccountView) -> list[str]:
    return [str(view.account[c]).strip() for c in S.TOP_ELEMENTS
            if c in view.account and pd.notna(view.account[c]) and str(view.account[c]).strip()]


def _shares(view: AccountView) -> pd.Series:
    if S.SHARE_OF_WALLET not in view.loyalty:
        return pd.Series(dtype=float)
    return view.loyalty[S.SHARE_OF_WALLET].dropna().astype(float)


def confirm_fields(a: Assessment, view: AccountView) -> dict[str, str]:
    """Placeholder values of the ``confirms`` questions: what is on record (empty text when nothing is)."""
    shares = _shares(view)
    return {"top_elements": words_list(_top_elements(view)),
            "competitors": words_list(competitors_rated(a, view)[S.COMPETITOR_NAME].tolist()),
            "share": f"{shares.mean():.0f}%" if len(shares) else ""}


def current_knowledge(a: Assessment, account_id: str) -> pd.DataFrame:
    """What is on record about the account, in plain words: one row per fact (``fact``, ``value``).

    Parameters
    ----------
    a
        The assessment.
    account_id
        The account.

    Returns
    -------
    DataFrame
        Facts: the three elements that matter most, the competitors rated,
        the share of wallet (mean of the answers, %), the interviews (count,
        last date), the contacts and decision-makers known, the sites.
        A fact with nothing on record says so ("not recorded").
    """
    view = account_view(a, account_id)
    fields = confirm_fields(a, view)
    dms = view.contacts[view.contacts[S.DECISION_ROLE].astype(str) == "decision-maker"]
    last = view.interviews[S.DATE].max() if len(view.interviews) else None
    facts = [
        ("Elements that matter most", fields["top_elements"] or "not recorded"),
        ("Competitors rated", fields["competitors"] or "none rated yet"),
        ("Share of wallet", f"about {fields['share']} (mean of {len(_shares(view))} answers)" if fields["share"] else "never given"),
        ("Interviews", f"{len(view.interviews)}, the last on {date_words(last)}" if len(view.interviews) else "none yet"),
        ("Contacts", f"{len(view.contacts)}, of whom {len(dms)} decision-maker(s)" if len(view.contacts) else "none recorded"),
        ("Sites", words_list(view.locations[S.SITE].astype(str).tolist()) or "none recorded"),
    ]
    return pd.DataFrame(facts, columns=["fact", "value"])


def _months(earlier: pd.Timestamp, later: dt.date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (1 if later.day < earlier.day else 0)


def _gap(kind: str, detail: str, subject: str = "", **fields: str) -> dict:
    return {"kind": kind, "subject": subject, "detail": detail, "fields": fields}


def _gaps_elements(view: AccountView) -> list[dict]:
    known = _top_elements(view)
    if len(known) == len(S.TOP_ELEMENTS):
        return []
    if not known:
        return [_gap("top_elements", f"The three elements that matter most to {view.name} are not recorded.")]
    return [_gap("top_elements", f"Only {len(known)} of the three elements that matter most to {view.name} "
                                 f"are recorded ({words_list(known)}).")]


def _gaps_interviews(view: AccountView, config: Config, as_of: dt.date) -> list[dict]:
    if view.interviews.empty:
        return [_gap("not_interviewed", f"Nobody at {view.name} has been interviewed yet.")]
    last = pd.Timestamp(view.interviews[S.DATE].max())
    months, limit = _months(last, as_of), config.planning.guide.stale_after_months
    if months < limit:
        return []
    return [_gap("stale", f"{view.name} was last interviewed on {date_words(last)}, {months} months before "
                          f"{date_words(as_of)} (knowledge older than {limit} months counts as stale).",
                 last_interview=last.strftime("%B %Y"))]


def _gaps_competitors(a: Assessment, view: AccountView) -> list[dict]:
    if len(competitors_rated(a, view)):
        return []
    who = "nobody has been interviewed there" if view.interviews.empty else "nobody there has rated a competitor"
    return [_gap("competitors", f"We do not know which competitors {view.name} compares us with: {who}.")]


def _gaps_share(view: AccountView) -> list[dict]:
    if len(_shares(view)):
        return []
    return [_gap("share_of_wallet", f"{view.name} has never told us its share of wallet (the share of its spend "
                                    "on what we offer that comes to us).")]


def _gaps_decision(view: AccountView) -> list[dict]:
    roles = view.contacts[S.DECISION_ROLE].astype(str)
    out = []
    if not (roles == "decision-maker").any():
        n = len(view.contacts)
        out.append(_gap("decision_process", f"No decision-maker is known at {view.name} "
                                            f"({'no contact is recorded' if not n else f'none among its {n} contacts'}): "
                                            "its decision process is unknown."))
    heard = view.interviews
    if not ((heard[S.LEVEL].astype(str) == "executive") & (heard[S.DECISION_ROLE].astype(str) == "decision-maker")).any():
        execs = view.contacts[(view.contacts[S.LEVEL].astype(str) == "executive") & (roles == "decision-maker")]
        known = (f" {words_list([person(r) for _, r in execs.iterrows()])} "
                 f"{'is one' if len(execs) == 1 else 'are'} and {'has' if len(execs) == 1 else 'have'} not been interviewed."
                 if len(execs) else " No executive decision-maker is known among its contacts.")
        out.append(_gap("executive_unheard", f"No executive decision-maker of {view.name} has been heard.{known}"))
    return out


def _gaps_slice(view: AccountView) -> list[dict]:
    if view.interviews.empty:
        return []
    out = []
    heard = set(view.interviews[S.DEPARTMENT].dropna().astype(str))
    for dept in sorted(set(view.contacts[S.DEPARTMENT].dropna().astype(str)) - heard):
        people = view.contacts[view.contacts[S.DEPARTMENT].astype(str) == dept]
        out.append(_gap("department_unheard", f"Nobody in {dept} at {view.name} has been interviewed (contacts there: "
                                              f"{words_list([person(r) for _, r in people.iterrows()])}).",
                        subject=dept, department=dept))
    heard_sites = set(view.interviews[S.LOCATION_ID].dropna().astype(str))
    for _, loc in view.locations.iterrows():
        if str(loc[S.LOCATION_ID]) in heard_sites:
            continue
        place = ", ".join(str(loc[c]) for c in (S.CITY, S.COUNTRY) if c in loc and pd.notna(loc[c]))
        people = view.contacts[view.contacts[S.LOCATION_ID].astype(str) == str(loc[S.LOCATION_ID])]
        who = (f"contacts there: {words_list([person(r) for _, r in people.iterrows()])}" if len(people)
               else "no contact there is known")
        out.append(_gap("site_unheard", f"Nobody at the {loc[S.SITE]} site{f' ({place})' if place else ''} of "
                                        f"{view.name} has been interviewed ({who}).",
                        subject=str(loc[S.SITE]), site=str(loc[S.SITE])))
    return out


def _last_wave(view: AccountView) -> pd.DataFrame:
    """The account's remarks of its last wave (the wave of its latest interview; every remark when waves are empty)."""
    v = view.verbatims
    if v.empty or S.WAVE not in v or v[S.WAVE].isna().all():
        return v
    latest = view.interviews.sort_values(S.DATE).iloc[-1][S.WAVE]
    return v[(v[S.WAVE].astype(str) == str(latest)).fillna(False).to_numpy(bool)] if pd.notna(latest) else v


def _sentiment(v: pd.DataFrame, sentiment: str | pd.DataFrame) -> pd.DataFrame:
    if isinstance(sentiment, pd.DataFrame):
        missing = {S.VERBATIM_ID, "sentiment", "sentiment_score"} - set(sentiment.columns)
        if missing:
            raise ValueError(f"sentiment table lacks column(s) {', '.join(sorted(missing))}")
        s = sentiment.assign(**{S.VERBATIM_ID: sentiment[S.VERBATIM_ID].astype(str)}).set_index(S.VERBATIM_ID)
        ids = v[S.VERBATIM_ID].astype(str)
        return pd.DataFrame({"sentiment": s["sentiment"].reindex(ids).to_numpy(),
                             "sentiment_score": s["sentiment_score"].reindex(ids).astype(float).to_numpy()}, index=v.index)
    from .. import sentiment as sent

    scored = sent.classify(v[S.TEXT].tolist(), method=sentiment)
    return scored[["sentiment", "sentiment_score"]].set_index(v.index)


def _cut(text: str, limit: int = REMARK_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + " …"


def _gaps_complaints(view: AccountView, config: Config, sentiment: str | pd.DataFrame) -> list[dict]:
    v = _last_wave(view)
    n = config.planning.guide.complaints
    if v.empty or n == 0:
        return []
    v = pd.concat([v, _sentiment(v, sentiment)], axis=1)
    neg = v[v["sentiment"].astype(str) == "negative"].sort_values(["sentiment_score", S.VERBATIM_ID])
    wave = f"wave {v[S.WAVE].iloc[0]}" if S.WAVE in v and pd.notna(v[S.WAVE].iloc[0]) else "the last interviews"
    out = []
    for k, (_, r) in enumerate(neg.head(n).iterrows(), start=1):
        topic = str(r[S.TOPIC]) if pd.notna(r[S.TOPIC]) else ""
        asked = f", asked “{topic}”" if topic else ""
        out.append(_gap("complaints", f"Negative remark {k} of {len(neg)} at {view.name} in {wave}: {person(r)} said on "
                                      f"{date_words(r[S.DATE])}{asked}: “{_cut(r[S.TEXT], 400)}”",
                        subject=str(r[S.VERBATIM_ID]), remark=_cut(r[S.TEXT]), topic=topic))
    return out


def knowledge_gaps(a: Assessment, account_id: str, config: Config, *, bank: QuestionBank | None = None,
                   as_of: dt.date | None = None, sentiment: str | pd.DataFrame = "auto") -> pd.DataFrame:
    """Every knowledge gap of one account, with the question that closes it, one row per gap.

    Parameters
    ----------
    a
        The assessment (only ``accounts`` is required; every missing table is a gap).
    account_id
        The account.
    config
        Configuration (``planning.guide``: ``stale_after_months``, ``complaints``;
        ``scales`` for the bounds in a question).
    bank
        The question bank (default: :func:`~cra_helpers.planning.questions.load_question_bank`).
    as_of
        The day the plan is made (default: today); the age of the last interview is counted to it.
    sentiment
        How negative remarks are found: a method of :func:`cra_helpers.sentiment.classify`
        (``"auto"``: the sentence model when it can run, about 8 s to load
        once per process; ``"vader"``: instant, fewer negatives found), or a
        table with ``verbatim_id, sentiment, sentiment_score`` such as
        :func:`cra_helpers.actions.verbatim_sentiment` returns.

    Returns
    -------
    DataFrame
        :data:`GAP_COLUMNS`: ``kind`` (a gap kind), ``subject`` (the
        department, site or remark id a gap is about; empty for the others),
        ``detail`` (the gap in plain words, with names, for the interviewer),
        ``question_id`` and ``question`` (the bank's question, filled in for
        the account), ``section``, ``minutes``, ``priority`` (``core``,
        ``important`` or ``optional``) and ``fills`` (the column the answer goes to). One row
        per gap and gap question of the bank (normally one); in the order of
        :data:`~cra_helpers.planning.questions.GAP_KINDS`.
    """
    bank = bank or load_question_bank(config)
    as_of = as_of or dt.date.today()
    view = account_view(a, account_id)
    found = (_gaps_elements(view) + _gaps_interviews(view, config, as_of) + _gaps_competitors(a, view)
             + _gaps_share(view) + _gaps_complaints(view, config, sentiment) + _gaps_decision(view) + _gaps_slice(view))
    known = confirm_fields(a, view)
    rows = []
    for g in found:
        for q in bank.gap_questions(g["kind"]):
            values = {"client": config.client, "account": view.name, **known, **g["fields"],
                      **scale_values(config, q.scale)}
            rows.append({"kind": g["kind"], "subject": g["subject"], "detail": g["detail"], "question_id": q.id,
                         "question": q.render(**values), "section": q.section, "minutes": float(q.minutes),
                         "priority": q.priority, "fills": q.fills or ""})
    return pd.DataFrame(rows, columns=list(GAP_COLUMNS))
