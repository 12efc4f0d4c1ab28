"""Wave-over-wave trends: what changed between two assessment waves, tested for small samples.

:func:`wave_changes` compares the current wave with the previous one, one row
per metric x scope:

* per need: our ``performance``, stated ``importance`` (on the performance
  scale, as in :func:`cra_helpers.gap.respondent_needs`), the ``gap``
  (importance − performance) and the ``competitor_difference`` (competitor −
  us, per competitor), for the portfolio, each account and each site;
* per account and for the portfolio: mean overall ``satisfaction`` (its own
  scale), the ``nps`` and the share of respondents in each loyalty
  ``segment_share`` (Secure … At risk).

Paired or independent
    A contact interviewed in both waves answers for the same person twice.
    When at least ``trends.min_paired`` contacts answered a metric in both
    waves, the row compares *those contacts only* (``test = "paired"``):
    ``previous`` and ``current`` are their means and ``change`` the mean of
    their differences. Otherwise, with at least ``trends.min_answers``
    answers in each wave, the waves are compared as independent samples
    (``test = "independent"``) and ``change`` is the difference of the wave
    means. Fewer answers: "not enough data", no *p*-value.
Portfolio rows: accounts as clusters
    People at one account rate alike, and an account's level moves between
    waves as a whole (a turned account moves every one of its people), so a
    portfolio change rests on its 12–16 accounts rather than on its ~150
    contacts. Portfolio rows spanning two or more accounts are therefore
    tested with the cluster-robust variance "CR2" of Bell & McCaffrey
    (*Survey Methodology* 28(2), 2002) and a *t* reference on their
    Satterthwaite degrees of freedom (Pustejovsky & Tipton, *J. Business &
    Economic Statistics* 36(4), 2018), accounts as clusters, exactly as the
    other portfolio statistics (:mod:`cra_helpers.stats_cluster`): paired
    rows take the CR2 mean of the per-contact differences
    (:func:`cra_helpers.stats.grouped_cluster_mean_ci`), independent rows
    the CR2 difference of the wave means
    (:func:`cra_helpers.stats.cluster_diff_ci`, group = current wave; the
    same account sits in both waves, which the two-group fit allows). A
    portfolio row whose answers come from one account, and every account
    and site row, is respondent based: the paired *t* test (Student, 1908),
    ``d̄ ± t(1 − α/2, n − 1) · s_d / √n``, or Welch's *t* with the
    Welch–Satterthwaite degrees of freedom (Welch, *Biometrika* 34, 1947;
    Satterthwaite, *Biometrics Bulletin* 2, 1946). ``n_accounts`` and
    ``interval_basis`` (:data:`cra_helpers.stats.BASIS_CLUSTERS` or
    :data:`cra_helpers.stats.BASIS_RESPONDENTS`) say which; an independent
    portfolio row with a wave inside one account has no interval (CR2 is
    not estimable there). ``benchmarks/coverage_trends.py`` measures the
    coverage of both methods on simulated two-wave portfolios.
NPS
    Each answer coded +100 (promoter), 0 (passive) or −100 (detractor), so
    that the mean of the codes is the NPS; the *t* interval on the codes
    (paired, Welch or CR2 as above) uses their trinomial variance (the
    variance Rocks, *The American Statistician* 70(4), 2016, uses for NPS
    intervals).
Segment shares (percent)
    The interval is the same *t* interval on the 0/100 indicators. At an
    account or site the *p*-value is exact, because counts are tiny:
    McNemar's exact test (a binomial test on the discordant pairs; McNemar,
    *Psychometrika* 12, 1947) when paired, Fisher's exact test on the 2 x 2
    table otherwise. Across the portfolio the exact tests would treat the
    respondents as independent, so the *p*-value is the CR2 *t*-test's.
Multiple comparisons
    Each family — one metric at one scope (e.g. performance at the account
    level, 20 needs x 12 accounts) — is adjusted by Benjamini–Hochberg (*JRSS
    B* 57, 1995) by default (``trends.correction``; Holm is the alternative).
    A trend table is a screening list: a turned account moves every need at
    once, and the false discovery rate keeps the share of false flags among
    the flagged rows at ``alpha`` without losing those real changes, where a
    family-wise (Holm) bound across hundreds of rows would hide most of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from . import schema as S
from . import stats
from .assessment import Assessment
from .config import Config
from .gap import respondent_needs
from .quantitative import NPS_CATEGORY, SEGMENT, SEGMENTS, respondent_loyalty
from .trends_words import finding, label_rows

__all__ = ["wave_changes", "TREND_COLUMNS", "METRICS", "PAIRED", "INDEPENDENT", "NOT_ENOUGH", "PORTFOLIO",
           "ACCOUNT", "SITE"]

# Metrics
PERFORMANCE, IMPORTANCE, GAP, COMPETITOR_DIFFERENCE = S.PERFORMANCE, S.IMPORTANCE, "gap", "competitor_difference"
SATISFACTION, NPS, SEGMENT_SHARE = S.SATISFACTION, "nps", "segment_share"
METRICS: tuple[str, ...] = (PERFORMANCE, IMPORTANCE, GAP, COMPETITOR_DIFFERENCE, SATISFACTION, NPS, SEGMENT_SHARE)
# Scopes and tests
PORTFOLIO, ACCOUNT, SITE = "portfolio", "account", "site"
PAIRED, INDEPENDENT, NOT_ENOUGH = "paired", "independent", "not enough data"
# Columns of the trend table
METRIC, SCOPE, SEGMENT_COL = "metric", "scope", "segment"
PREVIOUS, CURRENT, CHANGE, CI_LOW, CI_HIGH = "previous", "current", "change", "ci_low", "ci_high"
N_PREVIOUS, N_CURRENT, N_PAIRED = "n_previous", "n_current", "n_paired"
TEST, P_VALUE, P_ADJUSTED, SIGNIFICANT, FINDING = "test", "p_value", "p_adjusted", "significant", "finding"
N_ACCOUNTS, INTERVAL_BASIS = stats.N_ACCOUNTS, stats.INTERVAL_BASIS
ACCOUNT_NAME, SITE_NAME, NEED_NAME, COMPETITOR_NAME = "account_name", "site_name", "need_name", "competitor_name"
KEYS: tuple[str, ...] = (METRIC, SCOPE, S.ACCOUNT_ID, S.LOCATION_ID, S.NEED_ID, S.COMPETITOR_ID, SEGMENT_COL)
TREND_COLUMNS: tuple[str, ...] = (
    *KEYS, PREVIOUS, CURRENT, CHANGE, CI_LOW, CI_HIGH, N_PREVIOUS, N_CURRENT, N_PAIRED, N_ACCOUNTS, TEST,
    INTERVAL_BASIS, P_VALUE, P_ADJUSTED, SIGNIFICANT, ACCOUNT_NAME, SITE_NAME, NEED_NAME, COMPETITOR_NAME, FINDING,
)
_VALUE, _WAVE, _PREV, _CUR, _CLUSTER = "_value", "_wave", "_prev", "_cur", "_cluster"
_NPS_CODE = {"promoter": 100.0, "passive": 0.0, "detractor": -100.0}


def _contact_of(a: Assessment) -> pd.Series:
    return a.interviews.set_index(S.INTERVIEW_ID)[S.CONTACT_ID]


def _need_values(a: Assessment) -> pd.DataFrame:
    """Long values of the need metrics: one row per contact x need (x competitor) x metric."""
    rn = respondent_needs(a)
    rn[S.CONTACT_ID] = rn[S.INTERVIEW_ID].map(_contact_of(a))
    ids = [S.CONTACT_ID, S.ACCOUNT_ID, S.LOCATION_ID, S.NEED_ID]
    parts = [rn[ids].assign(**{METRIC: m, _VALUE: rn[m].to_numpy()}) for m in (PERFORMANCE, IMPORTANCE, GAP)]
    if S.COMPETITOR_ID in a.ratings.columns:
        r = a.ratings_by_respondent().dropna(subset=[S.COMPETITOR_ID])
        r[S.CONTACT_ID] = r[S.INTERVIEW_ID].map(_contact_of(a))
        diff = r[S.COMPETITOR_PERFORMANCE].astype(float) - r[S.PERFORMANCE].astype(float)
        parts.append(r[[*ids, S.COMPETITOR_ID]].assign(**{METRIC: COMPETITOR_DIFFERENCE, _VALUE: diff.to_numpy()}))
    return pd.concat(parts, ignore_index=True)


def _loyalty_values(a: Assessment) -> pd.DataFrame:
    """Long values of NPS codes (−100/0/100) and segment indicators (0/100) per contact."""
    if not a.has(S.LOYALTY):
        return pd.DataFrame(columns=[S.CONTACT_ID, S.ACCOUNT_ID, METRIC, _VALUE])
    resp = respondent_loyalty(a)
    base = resp[[S.CONTACT_ID, S.ACCOUNT_ID]] if S.CONTACT_ID in resp else None
    if base is None:
        base = resp[[S.INTERVIEW_ID, S.ACCOUNT_ID]].assign(**{S.CONTACT_ID: resp[S.INTERVIEW_ID].map(_contact_of(a))})
        base = base[[S.CONTACT_ID, S.ACCOUNT_ID]]
    code = resp[NPS_CATEGORY].astype(object).map(_NPS_CODE).astype(float)
    parts = [base.assign(**{METRIC: NPS, _VALUE: code.to_numpy()}),
             base.assign(**{METRIC: SATISFACTION, _VALUE: resp[S.SATISFACTION].astype(float).to_numpy()})]
    seg = resp[SEGMENT].astype(object)
    for name in SEGMENTS:
        flag = np.where(seg.isna(), np.nan, 100.0 * (seg == name))
        parts.append(base.assign(**{METRIC: SEGMENT_SHARE, SEGMENT_COL: name, _VALUE: flag}))
    return pd.concat(parts, ignore_index=True)


def _scoped(values: pd.DataFrame, with_sites: bool) -> pd.DataFrame:
    """The values once per scope: portfolio (no account), account (no site) and site; ``_cluster`` keeps the account."""
    values = values.assign(**{_CLUSTER: values[S.ACCOUNT_ID].astype(object)})
    out = [values.assign(**{SCOPE: PORTFOLIO, S.ACCOUNT_ID: None, S.LOCATION_ID: None}),
           values.assign(**{SCOPE: ACCOUNT, S.LOCATION_ID: None})]
    if with_sites:
        out.append(values.dropna(subset=[S.LOCATION_ID]).assign(**{SCOPE: SITE}))
    return pd.concat(out, ignore_index=True)


def _long(a: Assessment) -> pd.DataFrame:
    need = _scoped(_need_values(a), with_sites=True) if a.has(S.RATINGS) else pd.DataFrame()
    loy = _scoped(_loyalty_values(a), with_sites=False)
    out = pd.concat([need, loy], ignore_index=True)
    for c in (*KEYS, _CLUSTER):
        if c not in out:
            out[c] = None
    out[list(KEYS)] = out[list(KEYS)].astype(object).where(out[list(KEYS)].notna(), "")
    return out.dropna(subset=[_VALUE])


def _per_contact(previous: Assessment, current: Assessment) -> pd.DataFrame:
    """One row per row key x contact: the contact's value in each wave (mean of repeats; NaN if absent) and account.

    The account (``_cluster``) is the contact's account in the current wave,
    else in the previous one.
    """
    cur, prev = _long(current).assign(**{_WAVE: _CUR}), _long(previous).assign(**{_WAVE: _PREV})
    both = pd.concat([prev, cur])
    wide = both.pivot_table(index=[*KEYS, S.CONTACT_ID], columns=_WAVE, values=_VALUE, aggfunc="mean")
    wide = wide.reindex(columns=[_PREV, _CUR]).reset_index()
    account = pd.concat([cur, prev]).dropna(subset=[_CLUSTER]).drop_duplicates(S.CONTACT_ID)
    wide[_CLUSTER] = wide[S.CONTACT_ID].map(account.set_index(S.CONTACT_ID)[_CLUSTER])
    return wide


def _summaries(wide: pd.DataFrame) -> pd.DataFrame:
    """Per row key: independent summaries of each wave and the paired summary of the differences."""
    g = wide.groupby(list(KEYS), sort=True)
    ind = pd.DataFrame({"m_p": g[_PREV].mean(), "v_p": g[_PREV].var(), N_PREVIOUS: g[_PREV].count(),
                        "m_c": g[_CUR].mean(), "v_c": g[_CUR].var(), N_CURRENT: g[_CUR].count(),
                        N_ACCOUNTS: g[_CLUSTER].nunique()})
    pairs = wide.dropna(subset=[_PREV, _CUR]).assign(_d=lambda f: f[_CUR] - f[_PREV])
    gp = pairs.groupby(list(KEYS), sort=True)
    paired = pd.DataFrame({"pm_p": gp[_PREV].mean(), "pm_c": gp[_CUR].mean(), "d": gp["_d"].mean(),
                           "v_d": gp["_d"].var(), N_PAIRED: gp["_d"].count()})
    out = ind.join(paired, how="left")
    out[N_PAIRED] = out[N_PAIRED].fillna(0).astype("int64")
    return out.reset_index()


def paired_t(d: np.ndarray, v: np.ndarray, n: np.ndarray, level: float = 0.95
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Paired *t* interval and two-sided *p* of mean differences, many at once.

    Parameters
    ----------
    d, v, n
        Mean, sample variance (ddof = 1) and number of the paired differences
        (on the metric's scale).
    level
        Confidence level.

    Returns
    -------
    (ci_low, ci_high, p_value)
        ``d ± t(1 − α/2, n − 1) · √(v / n)``; NaN for n < 2. Without spread
        the interval has zero width and *p* is 0 (a change) or 1 (none).

    Examples
    --------
    >>> lo, hi, p = paired_t([1.0], [0.5], [4])
    >>> [round(float(x[0]), 4) for x in (lo, hi, p)]
    [-0.1252, 2.1252, 0.0663]
    """
    d, v, n = (np.asarray(x, dtype=float) for x in (d, v, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(v / n)
        dof = np.where(n >= 2, n - 1, 1.0)
        half = np.where(n >= 2, sps.t.ppf(0.5 + level / 2, dof) * se, np.nan)
        t = np.where(se > 0, d / se, np.where(d == 0, 0.0, np.inf))
        p = np.where(n >= 2, 2 * sps.t.sf(np.abs(t), dof), np.nan)
    return d - half, d + half, p


def _exact_share_p(sub: pd.DataFrame, test: str) -> float:
    """McNemar's exact (paired) or Fisher's exact (independent) p of one segment share (0/100 per contact)."""
    if test == PAIRED:
        pr = sub.dropna(subset=[_PREV, _CUR])
        b, c = int(((pr[_PREV] > 0) & (pr[_CUR] == 0)).sum()), int(((pr[_PREV] == 0) & (pr[_CUR] > 0)).sum())
        return 1.0 if b + c == 0 else float(sps.binomtest(b, b + c, 0.5).pvalue)
    p, c = sub[_PREV].dropna(), sub[_CUR].dropna()
    table = [[int((p > 0).sum()), int((p == 0).sum())], [int((c > 0).sum()), int((c == 0).sum())]]
    return float(sps.fisher_exact(table).pvalue)


def _tests(t: pd.DataFrame, config: Config, level: float) -> pd.DataFrame:
    """Choose the test per row and fill previous, current, change, interval and p."""
    tr = config.trends
    paired = t[N_PAIRED] >= tr.min_paired
    indep = ~paired & (t[N_PREVIOUS] >= tr.min_answers) & (t[N_CURRENT] >= tr.min_answers)
    t[TEST] = np.where(paired, PAIRED, np.where(indep, INDEPENDENT, NOT_ENOUGH))
    lo_p, hi_p, p_p = paired_t(t["d"], t["v_d"], t[N_PAIRED], level)
    diff, lo_i, hi_i, p_i = stats.welch_from_summaries(t["m_c"], t["v_c"], t[N_CURRENT], t["m_p"], t["v_p"],
                                                        t[N_PREVIOUS], level)
    t[PREVIOUS] = np.where(paired, t["pm_p"], t["m_p"])
    t[CURRENT] = np.where(paired, t["pm_c"], t["m_c"])
    t[CHANGE] = np.where(paired, t["d"], diff)
    t[CI_LOW] = np.where(paired, lo_p, np.where(indep, lo_i, np.nan))
    t[CI_HIGH] = np.where(paired, hi_p, np.where(indep, hi_i, np.nan))
    # Welch without spread on both sides: equal constants are no change, different ones are
    still = indep & np.isnan(p_i)
    p_i = np.where(still, np.where(diff == 0, 1.0, 0.0), p_i)
    t[P_VALUE] = np.where(paired, p_p, np.where(indep, p_i, np.nan))
    t[INTERVAL_BASIS] = np.where(t[TEST] == NOT_ENOUGH, "", stats.BASIS_RESPONDENTS)
    return t


def _stacked_diff(sub: pd.DataFrame, level: float) -> dict:
    """:func:`cra_helpers.stats.cluster_diff_ci` of one row: current-wave answers against the previous wave's."""
    prev, cur = sub.dropna(subset=[_PREV]), sub.dropna(subset=[_CUR])
    values = np.concatenate([prev[_PREV].to_numpy(float), cur[_CUR].to_numpy(float)])
    in_current = np.r_[np.zeros(len(prev), bool), np.ones(len(cur), bool)]
    return stats.cluster_diff_ci(values, in_current, [*prev[_CLUSTER], *cur[_CLUSTER]], level)


def _cluster_portfolio(t: pd.DataFrame, wide: pd.DataFrame, level: float) -> pd.DataFrame:
    """Portfolio rows spanning accounts: CR2 interval and *t*-test, accounts as clusters (module docstring)."""
    keys, tested = list(KEYS), (t[SCOPE] == PORTFOLIO) & (t[N_ACCOUNTS] >= 2)
    w = wide[wide[SCOPE] == PORTFOLIO]
    paired, indep = tested & (t[TEST] == PAIRED), tested & (t[TEST] == INDEPENDENT)
    if paired.any():
        pairs = w.dropna(subset=[_PREV, _CUR])
        cm = stats.grouped_cluster_mean_ci(pairs.assign(_d=pairs[_CUR] - pairs[_PREV]), keys, "_d", _CLUSTER, level)
        got = t.loc[paired, keys].merge(cm, on=keys, how="left")
        t.loc[paired, N_ACCOUNTS] = got[N_ACCOUNTS].to_numpy()
        t.loc[paired, INTERVAL_BASIS] = got[INTERVAL_BASIS].to_numpy()
        t.loc[paired, [CI_LOW, CI_HIGH]] = got[["ci_low", "ci_high"]].to_numpy(float)
        t.loc[paired, P_VALUE] = _p_or_still(got["t_p"], got["se"], t.loc[paired, CHANGE])
    if indep.any():
        groups = dict(list(w.groupby(keys, sort=False)))
        got = pd.DataFrame([_stacked_diff(groups[tuple(r)], level) for r in t.loc[indep, keys].itertuples(index=False)])
        t.loc[indep, INTERVAL_BASIS] = got[INTERVAL_BASIS].to_numpy()
        t.loc[indep, [CI_LOW, CI_HIGH]] = got[["ci_low", "ci_high"]].to_numpy(float)
        t.loc[indep, P_VALUE] = _p_or_still(got["p_value"], got["se"], t.loc[indep, CHANGE])
    return t


def _p_or_still(p: pd.Series, se: pd.Series, change: pd.Series) -> np.ndarray:
    """Two-sided *p*; without any spread (standard error 0) 1 for no change and 0 for a change."""
    p, se, change = (np.asarray(x, float) for x in (p, se, change))
    return np.where(se == 0, np.where(change == 0, 1.0, 0.0), p)


def _adjust(t: pd.DataFrame, wide: pd.DataFrame, config: Config) -> pd.DataFrame:
    shares = (t[METRIC] == SEGMENT_SHARE) & (t[TEST] != NOT_ENOUGH) & (t[INTERVAL_BASIS] == stats.BASIS_RESPONDENTS)
    if shares.any():
        groups = dict(list(wide[wide[METRIC] == SEGMENT_SHARE].groupby(list(KEYS), sort=False)))
        t.loc[shares, P_VALUE] = [_exact_share_p(groups[tuple(r[k] for k in KEYS)], r[TEST])
                                  for _, r in t[shares].iterrows()]
    for metric, b in ((SEGMENT_SHARE, 100.0), (NPS, 200.0)):  # an interval of a change stays within its range
        m = t[METRIC] == metric
        t.loc[m, [CI_LOW, CI_HIGH]] = t.loc[m, [CI_LOW, CI_HIGH]].clip(-b, b)
    t[P_ADJUSTED] = np.nan
    for _, idx in t.groupby([METRIC, SCOPE]).groups.items():
        t.loc[idx, P_ADJUSTED] = stats.adjust_pvalues(t.loc[idx, P_VALUE], method=config.trends.correction)
    t[SIGNIFICANT] = (t[P_ADJUSTED] < config.trends.alpha).astype(bool)
    return t


def wave_changes(current: Assessment, previous: Assessment, config: Config | None = None) -> pd.DataFrame:
    """Change of every metric from the previous wave to the current one, per scope, tested.

    Parameters
    ----------
    current, previous
        The two waves of the same portfolio (contacts matched by
        ``contact_id``). Names come from ``current``.
    config
        Settings (``trends``, ``quantitative.confidence_level``, NPS and
        segment rules); default: ``current.config``.

    Returns
    -------
    DataFrame
        Columns :data:`TREND_COLUMNS`, one row per metric x scope (x need x
        competitor x segment), rows with neither wave's answers left out.
        ``previous``, ``current``, ``change``, ``ci_low``, ``ci_high`` are in
        points of the performance scale (performance, importance, gap,
        competitor difference; 1–10 in the sample), NPS points (−100…100) or
        percentage points (segment shares); the interval is the change's
        (level ``quantitative.confidence_level``). ``n_previous`` /
        ``n_current``: answers in each wave; ``n_paired``: contacts answering
        in both. ``n_accounts``: accounts behind the change (of the paired
        contacts for a paired row, else answering in either wave).
        ``test``: ``paired``, ``independent`` or ``not enough data``
        (then no interval and no *p*). ``interval_basis``: ``accounts as
        clusters`` for portfolio rows spanning two or more accounts (CR2
        interval and *t*-test with Bell–McCaffrey degrees of freedom, module
        docstring), ``respondents (one account)`` for the paired / Welch
        *t* (and exact share tests) of account and site rows, empty where
        nothing was tested. ``p_adjusted`` within each
        metric x scope family (module docstring); ``significant``:
        ``p_adjusted < trends.alpha``. ``finding``: the row in plain words.
        Empty strings in the id columns mean "all" (e.g. no site).

    Examples
    --------
    >>> from cra_helpers.loader import load_assessment
    >>> from cra_helpers.paths import sample_path
    >>> a = load_assessment(sample_path())
    >>> t = wave_changes(a, a)
    >>> bool((t["change"].fillna(0) == 0).all()), sorted(set(t["test"]))
    (True, ['not enough data', 'paired'])
    """
    config = config or current.config
    level = config.quantitative.confidence_level
    wide = _per_contact(previous, current)
    t = _cluster_portfolio(_tests(_summaries(wide), config, level), wide, level)
    t = _adjust(t, wide, config)
    t = label_rows(t, current)
    prev_label, cur_label = _wave(previous), _wave(current)
    t[FINDING] = [finding(r, config, prev_label, cur_label) for _, r in t.iterrows()]
    return t[list(TREND_COLUMNS)].reset_index(drop=True)


def _wave(a: Assessment) -> str:
    """The wave label of an assessment (its most frequent ``wave``; "previous"/"current" when absent)."""
    iv = a.interviews
    if iv is None or S.WAVE not in iv or iv[S.WAVE].dropna().empty:
        return ""
    return str(iv[S.WAVE].dropna().astype(str).mode().iloc[0])
