"""One account against the portfolio: the tables of the per-account report (``10_account``).

The portfolio-wide results every account page compares with (need scores,
GAPs per account, risk, loyalty per account) are computed once by
:func:`prepare` and kept in a module-level cache keyed by the data file, its
modification time and the configuration file: a kernel that writes many
account pages pays for loading and the shared analysis once. Each
``account_*`` function then only selects and names the rows of one account.

Thin evidence is never shown as a figure: a cell resting on fewer
respondents than ``gap.min_n`` (an account's need scores, GAPs and
competitor differences) or than ``quantitative.small_account_interviews``
(loyalty) reads :data:`NOT_ENOUGH`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import gap, loyalty
from . import quantitative as Q
from . import schema as S
from .actions import account_risk, verbatim_sentiment
from .assessment import Assessment
from .config import Config, load_config
from .errors import CraError
from .loader import load_assessment

NOT_ENOUGH = "not enough data"
"""What a table shows instead of a figure resting on too few respondents."""

_CACHE: dict[tuple, "Portfolio"] = {}
_CACHE_SIZE = 2


class AccountNotFound(CraError):
    """The account asked for is not in the assessment."""


@dataclass
class Portfolio:
    """The assessment and the portfolio-wide results shared by every account page.

    Attributes
    ----------
    a
        The assessment.
    config
        Its configuration.
    scores, account_scores
        :func:`cra_helpers.quantitative.need_scores` of all respondents and per account.
    gaps
        :func:`cra_helpers.gap.account_gaps` (each account against the others).
    risk
        :func:`cra_helpers.actions.account_risk`.
    loyalty
        :func:`cra_helpers.loyalty.account_loyalty`.
    seconds
        Time taken to load and compute all of it.
    """

    a: Assessment
    config: Config
    scores: pd.DataFrame
    account_scores: pd.DataFrame
    gaps: pd.DataFrame
    risk: pd.DataFrame
    loyalty: pd.DataFrame
    seconds: float = 0.0
    _respondents: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def respondents(self) -> pd.DataFrame:
        """One row per interview with its account (empty without interviews and contacts)."""
        if self._respondents is None:
            has = self.a.has(S.INTERVIEWS, S.CONTACTS)
            self._respondents = self.a.respondents() if has else pd.DataFrame(columns=[S.INTERVIEW_ID, S.ACCOUNT_ID])
        return self._respondents


def _stamp(path: str | Path | None) -> tuple[str, int]:
    """Resolved path and latest modification time (ns) of a file or of the files of a folder."""
    if not path:
        return ("", 0)
    p = Path(path).resolve()
    if p.is_dir():
        return (str(p), max([f.stat().st_mtime_ns for f in p.iterdir()] or [0]))
    return (str(p), p.stat().st_mtime_ns if p.exists() else 0)


def prepare(data_path: str | Path, config_path: str | Path | None = None) -> Portfolio:
    """Load the assessment and compute the shared results, once per data file and configuration.

    Parameters
    ----------
    data_path
        Assessment workbook or CSV folder.
    config_path
        Client configuration YAML (``None`` or ``""``: package defaults).

    Returns
    -------
    Portfolio
        The cached results when neither file changed since the last call.
    """
    key = (_stamp(data_path), _stamp(config_path))
    if key in _CACHE:
        return _CACHE[key]
    t0 = time.perf_counter()
    config = load_config(config_path or None)
    a = load_assessment(data_path, config=config)
    have = a.has(S.INTERVIEWS, S.CONTACTS, S.NEEDS, S.RATINGS)
    empty = pd.DataFrame(columns=[S.ACCOUNT_ID])
    scores = Q.need_scores(a) if have else empty
    account_scores = Q.need_scores(a, by=S.ACCOUNT_ID) if have else empty
    gaps = gap.account_gaps(a) if have else empty
    ready = have and a.has(S.LOYALTY)
    risk = account_risk(a, sentiment=verbatim_sentiment(a)) if ready else empty
    loyal = loyalty.account_loyalty(a) if ready else empty
    port = Portfolio(a, config, scores, account_scores, gaps, risk, loyal)
    port.seconds = round(time.perf_counter() - t0, 3)
    while len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = port
    return port


def account_profile(p: Portfolio, account_id: str) -> dict[str, object]:
    """Name, industry, region, revenue and number of interviews of one account.

    Raises
    ------
    AccountNotFound
        When ``account_id`` is not in the accounts table.
    """
    acc = p.a.accounts
    rows = acc[acc[S.ACCOUNT_ID].astype(str) == str(account_id)]
    if rows.empty:
        raise AccountNotFound(f"account {account_id!r} is not in the assessment ({len(acc)} accounts)")
    r = rows.iloc[0]
    n = int((p.respondents[S.ACCOUNT_ID].astype(str) == str(account_id)).sum())
    return {
        "account_id": str(account_id), "name": str(r[S.ACCOUNT_NAME]), "industry": r.get(S.INDUSTRY),
        "region": r.get(S.REGION), "revenue": r.get(S.REVENUE), "interviews": n,
        "thin": n < p.config.quantitative.small_account_interviews,
    }


def _with_need_names(p: Portfolio, frame: pd.DataFrame) -> pd.DataFrame:
    names = p.a.need_names() if p.a.has(S.NEEDS) else pd.Series(dtype=object)
    out = frame.copy()
    out.insert(0, "need", out[S.NEED_ID].map(names).fillna(out[S.NEED_ID]))
    return out.drop(columns=[S.NEED_ID])


def _blank_thin(frame: pd.DataFrame, columns: list[str], thin: pd.Series) -> pd.DataFrame:
    """Numbers of thin rows replaced by :data:`NOT_ENOUGH` (the columns become text only where needed)."""
    out = frame.copy()
    for c in columns:
        out[c] = out[c].astype(object).where(~thin, NOT_ENOUGH)
    return out


def account_need_scores(p: Portfolio, account_id: str) -> pd.DataFrame:
    """Mean importance and performance of each need at the account beside all respondents.

    Returns
    -------
    DataFrame
        ``need, measure, account_mean, portfolio_mean, difference, n`` (``n``
        respondents of the account; rows under ``gap.min_n`` read
        :data:`NOT_ENOUGH`). Empty without ratings.
    """
    mine = p.account_scores[p.account_scores[S.ACCOUNT_ID].astype(str) == str(account_id)]
    if mine.empty:
        return pd.DataFrame(columns=["need", "measure", "account_mean", "portfolio_mean", "difference", "n"])
    keys = [S.NEED_ID, "measure"]
    both = mine[keys + ["mean", "n"]].merge(p.scores[keys + ["mean"]], on=keys, suffixes=("", "_all"))
    both = both.rename(columns={"mean": "account_mean", "mean_all": "portfolio_mean"})
    both["difference"] = both["account_mean"] - both["portfolio_mean"]
    both = both[keys + ["account_mean", "portfolio_mean", "difference", "n"]]
    thin = both["n"] < p.config.gap.min_n
    return _with_need_names(p, _blank_thin(both, ["account_mean", "difference"], thin))


def account_gap_table(p: Portfolio, account_id: str) -> pd.DataFrame:
    """The account's GAP (importance − performance) per need beside the other accounts', largest first.

    Returns
    -------
    DataFrame
        ``need, n, importance, performance, gap, others_gap, difference,
        significant``; ``difference = gap − others_gap`` (rating points),
        ``significant`` after the multiplicity adjustment of
        :func:`cra_helpers.gap.account_gaps`. Rows under ``gap.min_n`` read
        :data:`NOT_ENOUGH`.
    """
    g = p.gaps[p.gaps[S.ACCOUNT_ID].astype(str) == str(account_id)] if len(p.gaps) else p.gaps
    cols = [S.NEED_ID, "n", S.IMPORTANCE, S.PERFORMANCE, "gap", "rest_gap", "difference", "significant"]
    if g.empty:
        return pd.DataFrame(columns=["need"] + cols[1:5] + ["others_gap"] + cols[6:])
    g = g[cols].sort_values("gap", ascending=False, kind="stable").rename(columns={"rest_gap": "others_gap"})
    thin = g["n"] < p.config.gap.min_n
    g = _blank_thin(g, [S.IMPORTANCE, S.PERFORMANCE, "gap", "difference", "significant"], thin)
    return _with_need_names(p, g.reset_index(drop=True))


def account_competitors(p: Portfolio, account_id: str) -> pd.DataFrame:
    """Our performance minus each competitor's, rated by the account's own respondents.

    Returns
    -------
    DataFrame
        ``need, competitor, n, us, them, difference, verdict`` (paired, as
        :func:`cra_helpers.gap.competitor_gaps` on the account alone), largest
        loss first; pairs rated by fewer than ``gap.min_n`` respondents are
        left out. Empty without competitor ratings.
    """
    cols = ["need", "competitor", "n", "us", "them", "difference", "verdict"]
    if not p.a.has(S.RATINGS, S.COMPETITORS) or account_id not in set(p.respondents[S.ACCOUNT_ID].astype(str)):
        return pd.DataFrame(columns=cols)
    c = gap.competitor_gaps(p.a.filter(accounts=[account_id]))
    if c.empty:
        return pd.DataFrame(columns=cols)
    c = c[c["n"] >= p.config.gap.min_n]
    comp = p.a.competitor_names()
    c = c.assign(competitor=c[S.COMPETITOR_ID].map(comp).fillna(c[S.COMPETITOR_ID]))
    return _with_need_names(p, c[[S.NEED_ID, "competitor", "n", "us", "them", "difference", "verdict"]].reset_index(drop=True))


LOYALTY_ROWS = (
    ("Interviews", "n_interviews", ""),
    ("Net Promoter Score (all respondents)", "nps_all", "points, −100 to 100"),
    ("Satisfaction, mean", S.SATISFACTION, "rating"),
    ("Satisfaction index", Q.SATISFACTION_INDEX, "0–100"),
    ("Intention to continue, mean", "continue_mean", "rating"),
    ("Share of wallet", S.SHARE_OF_WALLET, "%"),
)


def account_loyalty(p: Portfolio, account_id: str) -> tuple[pd.DataFrame, str | None]:
    """The account's loyalty figures beside the mean of all interviewed accounts, and its loyalty segment.

    Returns
    -------
    (DataFrame, str or None)
        ``measure, unit, account, mean_of_accounts`` and the segment (``None``
        when not classified). With fewer than
        ``quantitative.small_account_interviews`` interviews the account's
        figures other than the count read :data:`NOT_ENOUGH`.
    """
    lo = p.loyalty
    mine = lo[lo[S.ACCOUNT_ID].astype(str) == str(account_id)] if len(lo) else lo
    if mine.empty:
        return pd.DataFrame(columns=["measure", "unit", "account", "mean_of_accounts"]), None
    r = mine.iloc[0]
    thin = int(r["n_interviews"]) < p.config.quantitative.small_account_interviews
    rows = []
    for label, col, unit in LOYALTY_ROWS:
        value = r[col] if col == "n_interviews" or not thin else NOT_ENOUGH
        rows.append({"measure": label, "unit": unit, "account": value, "mean_of_accounts": float(lo[col].mean())})
    seg = r.get(Q.SEGMENT)
    return pd.DataFrame(rows, dtype=object), (None if pd.isna(seg) or thin else str(seg))


def account_risk_summary(p: Portfolio, account_id: str) -> dict[str, object]:
    """Risk score (0–100), level, revenue at stake and the reasons, strongest first.

    Returns
    -------
    dict
        ``score, level, revenue_at_stake, reasons`` (a list of sentences);
        ``score`` is ``None`` for an account that was not interviewed.
    """
    rk = p.risk
    mine = rk[rk[S.ACCOUNT_ID].astype(str) == str(account_id)] if len(rk) else rk
    if mine.empty:
        return {"score": None, "level": None, "revenue_at_stake": None, "reasons": []}
    r = mine.iloc[0]
    reasons = [s.strip() for s in str(r.get("reasons") or "").split(";") if s.strip()]
    score = r["risk_score"]
    return {"score": None if pd.isna(score) else float(score), "level": r["risk_level"],
            "revenue_at_stake": r["revenue_at_stake"], "reasons": reasons}


def account_verbatims(p: Portfolio, account_id: str, limit: int | None = None) -> pd.DataFrame:
    """What the account's respondents said, attributed by role (no names), newest first.

    Returns
    -------
    DataFrame
        ``date, role, topic, text`` (the text as said; escape it to show it).
    """
    cols = ["date", "role", S.TOPIC, S.TEXT]
    if not p.a.has(S.VERBATIMS, S.INTERVIEWS, S.CONTACTS):
        return pd.DataFrame(columns=cols)
    resp = p.respondents[p.respondents[S.ACCOUNT_ID].astype(str) == str(account_id)]
    v = p.a.verbatims.merge(resp[[S.INTERVIEW_ID, S.DATE, S.DEPARTMENT, S.LEVEL]], on=S.INTERVIEW_ID)
    role = v[S.DEPARTMENT].fillna("").astype(str) + np.where(v[S.LEVEL].notna(), " (" + v[S.LEVEL].astype(str) + ")", "")
    out = pd.DataFrame({"date": pd.to_datetime(v[S.DATE]).dt.date, "role": role.str.strip(),
                        S.TOPIC: v[S.TOPIC], S.TEXT: v[S.TEXT]})
    out = out.sort_values("date", ascending=False, kind="stable").reset_index(drop=True)
    return out if limit is None else out.head(limit)
