"""GAP analysis: priorities versus perceptions, customer to customer, location to location, company to competitor.

Method
------
Comparable scales
    Importance and performance are rated on their configured scales
    (``scales.importance``, ``scales.performance``; default both 1–10).
    Importance is mapped linearly onto the performance scale
    (``perf_min + (imp − imp_min) / (imp_max − imp_min) · (perf_max − perf_min)``),
    the identity with the defaults, so a gap is in performance-scale points.
Gap per need
    For each respondent who rated both, ``gap = importance − performance``
    (positive: the need matters more than we deliver). The mean gap gets a
    Student *t* interval of the paired differences (:func:`cra_helpers.stats.mean_ci`).
Importance–performance matrix
    Martilla & James, "Importance-Performance Analysis", *Journal of
    Marketing* 41(1), 1977: performance on x, importance on y, crosshairs at
    the means of the need means (default) or at the scale midpoints
    (``gap.crosshair: midpoints``). A need on a crosshair counts as high.
    Quadrants: high importance & low performance → *Concentrate here*; high &
    high → *Keep up the good work*; low & low → *Low priority*; low
    importance & high performance → *Possible overkill*. Derived importance
    (relative weights, from the quantitative analysis) can replace stated
    importance on y; its crosshair is then the mean derived importance.
Opportunity score
    ``importance + max(importance − performance, 0)`` on the performance
    scale, after Ulwick, "Turn Customer Input into Innovation", *Harvard
    Business Review*, January 2002 (there with satisfaction on 0–10).
Tests
    Differences of means between two groups (an account against the rest of
    the portfolio; one site against another) use Welch's *t* test and its
    interval (unequal variances, suited to small groups); our performance
    against a competitor's, rated by the same respondents, uses the paired
    *t* test. Within each family (all account × need tests; all location
    pairs of the portfolio; all need × competitor pairs) *p*-values are
    adjusted with Holm's step-down method (``gap.correction``; ``fdr_bh``
    for Benjamini–Hochberg), and only adjusted *p* < ``gap.alpha`` is called
    a difference. Groups smaller than ``gap.min_n`` are shown, not tested.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from . import schema as S
from .assessment import Assessment
from .config import Config
from . import stats
from .stats import mean_ci

CONCENTRATE = "Concentrate here"
KEEP_UP = "Keep up the good work"
LOW_PRIORITY = "Low priority"
OVERKILL = "Possible overkill"
QUADRANTS: tuple[str, ...] = (CONCENTRATE, KEEP_UP, LOW_PRIORITY, OVERKILL)

WE_WIN = "we win"
WE_LOSE = "we lose"
NO_CLEAR = "no clear difference"

RESPONDENT_COLUMNS = (S.INTERVIEW_ID, S.ACCOUNT_ID, S.LOCATION_ID, S.LEVEL, S.DEPARTMENT, S.DECISION_ROLE, S.WAVE)


def respondent_needs(a: Assessment) -> pd.DataFrame:
    """One row per interview × need with our ratings on comparable scales.

    Parameters
    ----------
    a
        Assessment with ``ratings``, ``interviews`` and ``contacts``.

    Returns
    -------
    DataFrame
        ``interview_id, account_id, location_id, level, department,
        decision_role, wave, need_id, importance, performance, gap``;
        importance is mapped onto the performance scale (module docstring),
        ``gap = importance − performance`` (NaN unless both were rated).
        Rows repeated for several competitors in the long ratings table are
        counted once.
    """
    a.require(S.RATINGS, S.INTERVIEWS, S.CONTACTS, step="GAP analysis")
    r = a.ratings_by_respondent()
    r = r.drop_duplicates([S.INTERVIEW_ID, S.NEED_ID], keep="first")
    imp = a.config.scale(S.SCALE_IMPORTANCE)
    perf = a.config.scale(S.SCALE_PERFORMANCE)
    cols = [c for c in RESPONDENT_COLUMNS if c in r.columns]
    out = r[cols + [S.NEED_ID]].copy()
    for c in (S.INTERVIEW_ID, S.ACCOUNT_ID, S.LOCATION_ID, S.NEED_ID):
        if c in out:
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    out[S.IMPORTANCE] = perf.min + imp.to_unit(r[S.IMPORTANCE].astype(float)) * (perf.max - perf.min)
    out[S.PERFORMANCE] = r[S.PERFORMANCE].astype(float)
    out["gap"] = out[S.IMPORTANCE] - out[S.PERFORMANCE]
    return out.reset_index(drop=True)


def quadrant(importance: float, performance: float, importance_cut: float, performance_cut: float) -> str:
    """Martilla & James quadrant of one need (a value on a crosshair counts as high).

    Parameters
    ----------
    importance, performance
        The need's mean importance (stated or derived) and mean performance.
    importance_cut, performance_cut
        Crosshair positions on the same scales.
    """
    if np.isnan(importance) or np.isnan(performance):
        return ""
    high_imp = importance >= importance_cut
    high_perf = performance >= performance_cut
    if high_imp and not high_perf:
        return CONCENTRATE
    if high_imp and high_perf:
        return KEEP_UP
    if not high_perf:
        return LOW_PRIORITY
    return OVERKILL


def quadrants_meaningful(needs: pd.DataFrame, config: Config, crosshair: str | None = None) -> bool:
    """Whether quadrant names can be given: crosshairs at the scale midpoints, or enough rated needs.

    With crosshairs at the means of the needs, two or three needs always
    straddle them, so a quadrant would only say which need is above the
    other's average. The minimum is ``config.gap.min_needs_for_quadrants``.
    """
    mode = crosshair or config.gap.crosshair
    rated = int(needs[[S.IMPORTANCE, S.PERFORMANCE]].notna().all(axis=1).sum())
    return mode == "midpoints" or rated >= config.gap.min_needs_for_quadrants


def quadrant_note(needs: pd.DataFrame, config: Config) -> str | None:
    """The sentence shown instead of quadrant names when too few needs are rated (``None`` otherwise)."""
    if (needs["quadrant"].astype(str) != "").any() or needs.empty:
        return None
    rated = int(needs[[S.IMPORTANCE, S.PERFORMANCE]].notna().all(axis=1).sum())
    return (f"Not enough data to name quadrants: {rated} need(s) rated, at least {config.gap.min_needs_for_quadrants} "
            "are needed when the crosshairs sit at the needs' means (gap.min_needs_for_quadrants). The gaps and their "
            "intervals below still hold.")


def opportunity_score(importance: float | np.ndarray, performance: float | np.ndarray) -> float | np.ndarray:
    """Ulwick's opportunity score ``importance + max(importance − performance, 0)`` (scale points)."""
    return importance + np.maximum(np.asarray(importance) - np.asarray(performance), 0)


def _adjust(p: pd.Series, config: Config) -> pd.Series:
    """``p`` adjusted for multiplicity with ``config.gap.correction`` (:func:`cra_helpers.stats.adjust_pvalues`)."""
    return pd.Series(stats.adjust_pvalues(p.to_numpy(float), config.gap.correction), index=p.index)


welch_from_summaries = stats.welch_from_summaries


CLUSTER_COLUMNS: tuple[str, ...] = (stats.N_ACCOUNTS, stats.N_EFF, stats.DESIGN_EFFECT, stats.ICC, stats.INTERVAL_BASIS)
"""Per row of a portfolio table: accounts, effective sample size, design effect, ICC, how the interval was computed."""
RESPONDENT_GAP = "respondent_gap"
"""Beside a gap weighted per account or by revenue: the mean gap with every respondent counted once."""


def _need_scores(rn: pd.DataFrame, level: float = 0.95, weighting: str = "respondents",
                 revenue: pd.Series | None = None) -> pd.DataFrame:
    """Per need of :func:`respondent_needs` output: ``n`` (rated both), mean and CR2 interval of importance, performance and gap.

    The cluster columns (:data:`CLUSTER_COLUMNS`) are those of the gap.
    """
    both = rn[S.IMPORTANCE].notna() & rn[S.PERFORMANCE].notna()
    frame = rn[[S.NEED_ID, S.ACCOUNT_ID, S.IMPORTANCE, S.PERFORMANCE]].assign(gap=rn["gap"].where(both))
    out = None
    for col in (S.IMPORTANCE, S.PERFORMANCE, "gap"):
        est = stats.grouped_cluster_mean_ci(frame, [S.NEED_ID], col, S.ACCOUNT_ID, level, weighting, revenue).set_index(S.NEED_ID)
        part = est[["estimate", "ci_low", "ci_high"]].set_axis([col, f"{col}_ci_low", f"{col}_ci_high"], axis=1)
        if out is None:
            out = est[["n"]].copy()  # the gap's n is set below
        out = out.join(part)
        if col == "gap":
            out["n"] = est["n"]
            out = out.join(est[list(CLUSTER_COLUMNS)])
    if out is not None and weighting != "respondents":
        plain = stats.grouped_cluster_mean_ci(frame, [S.NEED_ID], "gap", S.ACCOUNT_ID, level).set_index(S.NEED_ID)
        out[RESPONDENT_GAP] = plain["estimate"]
    return out.reset_index() if out is not None else pd.DataFrame()


def need_gaps(a: Assessment, derived: pd.DataFrame | None = None, crosshair: str | None = None,
              respondents: pd.DataFrame | None = None) -> pd.DataFrame:
    """Priority versus perception per need, with intervals, quadrant and opportunity score.

    Parameters
    ----------
    a
        The assessment (filter it first to focus on an account or location).
    derived
        Optional driver table with ``need_id`` and ``pct_of_r2`` (derived
        importance, % of R²) from the quantitative analysis; adds
        ``derived_importance`` and ``quadrant_derived``.
    crosshair
        ``"means"`` or ``"midpoints"``; default from ``config.gap.crosshair``.
    respondents
        :func:`respondent_needs` of ``a`` when the caller already has it.

    Returns
    -------
    DataFrame
        One row per need of the ``needs`` table: ``need_id, need, primary_group,
        n, importance, importance_ci_low, importance_ci_high, performance,
        performance_ci_low, performance_ci_high, gap, gap_ci_low, gap_ci_high,
        n_accounts, n_eff, design_effect, icc, interval_basis`` (of the gap),
        ``quadrant, opportunity, rank_gap, rank_opportunity`` (+ derived
        columns; ``respondent_gap`` beside a gap weighted by
        ``quantitative.portfolio_weighting`` other than respondents).
        All on the performance scale; ``n`` counts respondents who rated both.
        Intervals over several accounts are cluster-robust (CR2, accounts as
        clusters, :mod:`cra_helpers.stats_cluster`); within one account they
        are the Student intervals of its respondents.
        A need nobody rated has NaN scores and an empty quadrant; with the
        crosshairs at the means and fewer rated needs than
        ``config.gap.min_needs_for_quadrants``, every quadrant is empty
        (:func:`quadrant_note` says why).
        ``frame.attrs`` holds the crosshair positions.
    """
    from .quantitative import portfolio_weighting
    rn = respondent_needs(a) if respondents is None else respondents
    needs = a.needs[[S.NEED_ID, S.NEED_NAME, S.PRIMARY_GROUP]].rename(columns={S.NEED_NAME: "need"}).astype(object)
    weighting, revenue = portfolio_weighting(a)
    out = needs.merge(_need_scores(rn, a.config.quantitative.confidence_level, weighting, revenue), on=S.NEED_ID, how="left")
    out["n"] = out["n"].fillna(0).astype(int)
    mode = crosshair or a.config.gap.crosshair
    if mode == "midpoints":
        imp_cut = perf_cut = a.config.scale(S.SCALE_PERFORMANCE).midpoint
    else:
        imp_cut, perf_cut = float(out[S.IMPORTANCE].mean()), float(out[S.PERFORMANCE].mean())
    out["quadrant"] = [quadrant(i, p, imp_cut, perf_cut) for i, p in zip(out[S.IMPORTANCE], out[S.PERFORMANCE])]
    named = quadrants_meaningful(out, a.config, mode)
    if not named:
        out["quadrant"] = ""
    out["opportunity"] = opportunity_score(out[S.IMPORTANCE], out[S.PERFORMANCE])
    out["rank_gap"] = out["gap"].rank(ascending=False, method="min").astype("Int64")
    out["rank_opportunity"] = out["opportunity"].rank(ascending=False, method="min").astype("Int64")
    attrs = {"crosshair": mode, "importance_cut": imp_cut, "performance_cut": perf_cut}
    if derived is not None and not derived.empty:
        out = _with_derived(out, derived, named, perf_cut, attrs)
    out.attrs.update(attrs)
    return out


def _with_derived(out: pd.DataFrame, derived: pd.DataFrame, named: bool, perf_cut: float, attrs: dict) -> pd.DataFrame:
    """``out`` with ``derived_importance`` (% of R²) and ``quadrant_derived``; the derived crosshair goes into ``attrs``."""
    d = derived[[S.NEED_ID, "pct_of_r2"]].drop_duplicates(S.NEED_ID).rename(columns={"pct_of_r2": "derived_importance"})
    out = out.merge(d, on=S.NEED_ID, how="left")
    d_cut = float(out["derived_importance"].mean())
    out["quadrant_derived"] = [quadrant(i, p, d_cut, perf_cut) if named else ""
                               for i, p in zip(out["derived_importance"], out[S.PERFORMANCE])]
    attrs["derived_cut"] = d_cut
    return out


def account_gaps(a: Assessment) -> pd.DataFrame:
    """Gap profile per account and need, compared with the rest of the portfolio.

    Returns
    -------
    DataFrame
        ``account_id, need_id, n, importance, performance, gap, rest_gap,
        difference, ci_low, ci_high, p_value, n_accounts, design_effect,
        interval_basis, p_adjusted, significant``:
        ``difference = gap − rest_gap`` where ``rest_gap`` is the mean gap of
        the respondents of all other accounts, ``n_accounts`` (the account
        and those of the rest), ``design_effect`` (variance over the
        all-respondent Welch variance), ``interval_basis``. The account's
        mean is respondent based, the rest's cluster-robust over the other
        accounts; *t* test and interval on the Welch–Satterthwaite degrees of
        freedom (:func:`cra_helpers.stats.account_vs_rest`); Holm over all
        account × need tests. Groups with fewer than ``gap.min_n``
        respondents are not tested (``p_value`` NaN).
    """
    rn = respondent_needs(a).dropna(subset=["gap"])
    cfg = a.config.gap
    keys = [S.ACCOUNT_ID, S.NEED_ID]
    g = rn.groupby(keys, sort=True).agg(
        n=("gap", "size"), importance=(S.IMPORTANCE, "mean"), performance=(S.PERFORMANCE, "mean"), gap=("gap", "mean"),
    ).reset_index()
    if g.empty:
        return g
    rest = _rest_of_portfolio(rn, g, a.config.quantitative.confidence_level)
    out = g.assign(**rest)
    out["p_value"] = np.where((g["n"] >= cfg.min_n) & (out["_n_rest"] >= cfg.min_n), out["p_value"], np.nan)
    out["p_adjusted"] = _adjust(out["p_value"], a.config)
    out["significant"] = out["p_adjusted"] < cfg.alpha
    return out.drop(columns="_n_rest")


def _rest_of_portfolio(rn: pd.DataFrame, g: pd.DataFrame, level: float) -> dict[str, np.ndarray]:
    """Per row of ``g`` (account × need): the rest's mean gap and the account − rest difference (:func:`stats.account_vs_rest`)."""
    sq = rn.assign(_sq=np.square(rn["gap"].to_numpy(float)))
    agg = sq.groupby([S.NEED_ID, S.ACCOUNT_ID], sort=True).agg(n=("gap", "size"), s=("gap", "sum"), ss=("_sq", "sum"))
    dense = {k: agg[k].astype(float).unstack(S.ACCOUNT_ID, fill_value=0.0) for k in ("n", "s", "ss")}
    res = stats.account_vs_rest(dense["n"].to_numpy(float), dense["s"].to_numpy(float), dense["ss"].to_numpy(float), level)
    need_pos = pd.Index(dense["n"].index).get_indexer(g[S.NEED_ID])
    acc_pos = pd.Index(dense["n"].columns).get_indexer(g[S.ACCOUNT_ID])
    pick = {k: v[need_pos, acc_pos] for k, v in res.items()}
    n_rest = dense["n"].to_numpy(float).sum(axis=1)[need_pos] - g["n"].to_numpy(float)
    return {"rest_gap": pick["rest_mean"], "difference": pick["difference"], "ci_low": pick["ci_low"], "ci_high": pick["ci_high"],
            "p_value": pick["p_value"], stats.N_ACCOUNTS: pick["rest_accounts"].astype(int) + 1, stats.DESIGN_EFFECT: pick[stats.DESIGN_EFFECT],
            stats.INTERVAL_BASIS: np.full(len(g), stats.BASIS_ACCOUNT_VS_REST), "_n_rest": n_rest}


def account_departures(gaps: pd.DataFrame) -> pd.DataFrame:
    """How far each account's gap profile departs from the rest of the portfolio.

    Parameters
    ----------
    gaps
        Output of :func:`account_gaps`.

    Returns
    -------
    DataFrame
        ``account_id, n_respondents (max over needs), departure (root mean
        square of the differences over needs, scale points), needs_worse,
        needs_better (significant differences: larger / smaller gap than the
        rest), departs (any significant difference), worst_need,
        worst_difference``, sorted by departure, largest first.
    """
    rows = []
    for acc, g in gaps.groupby(S.ACCOUNT_ID, sort=False):
        sig = g[g["significant"].fillna(False).astype(bool)]
        worst = g.loc[g["difference"].idxmax()] if g["difference"].notna().any() else None
        rows.append({
            S.ACCOUNT_ID: acc,
            "n_respondents": int(g["n"].max()),
            "departure": float(np.sqrt(np.nanmean(np.square(g["difference"])))),
            "needs_worse": int((sig["difference"] > 0).sum()),
            "needs_better": int((sig["difference"] < 0).sum()),
            "departs": bool(len(sig)),
            "worst_need": None if worst is None else worst[S.NEED_ID],
            "worst_difference": np.nan if worst is None else float(worst["difference"]),
        })
    return pd.DataFrame(rows).sort_values("departure", ascending=False, kind="stable").reset_index(drop=True)


def location_pairs(a: Assessment) -> pd.DataFrame:
    """Our performance site against site, within each account, for every need.

    Returns
    -------
    DataFrame
        ``account_id, need_id, location_a, location_b, site_a, site_b, n_a,
        n_b, mean_a, mean_b, difference, ci_low, ci_high, p_value,
        tested, p_adjusted, significant`` — one row per pair of sites of the same
        account and need; oriented so that ``location_a`` is the better-rated
        site (``difference = mean_a − mean_b ≥ 0``, performance points).
        ``n_accounts`` (1) and ``interval_basis``: both sites lie in one
        account, whose shared rating level cancels in the difference, so
        the test stays respondent based (Welch; sites are nested in
        accounts, the clustering level of the portfolio figures).
        Holm over every pair of the portfolio; pairs with a site
        below ``gap.min_n`` ratings are listed untested (``tested`` False).
        Sorted: significant first, then tested, then by difference, largest first.
    """
    rn = respondent_needs(a).dropna(subset=[S.PERFORMANCE, S.LOCATION_ID])
    cfg = a.config.gap
    cols = [S.ACCOUNT_ID, S.NEED_ID, "location_a", "location_b", "site_a", "site_b", "n_a", "n_b", "mean_a", "mean_b",
            "difference", "ci_low", "ci_high", "tested", "p_value", "p_adjusted", "significant", stats.N_ACCOUNTS,
            stats.INTERVAL_BASIS]
    keys = [S.ACCOUNT_ID, S.NEED_ID]
    summ = rn.groupby([*keys, S.LOCATION_ID], sort=True)[S.PERFORMANCE].agg(["size", "mean", "var"]).reset_index()
    pairs = summ.merge(summ, on=keys, suffixes=("_a", "_b"))
    pairs = pairs[pairs[f"{S.LOCATION_ID}_a"].astype(str) < pairs[f"{S.LOCATION_ID}_b"].astype(str)]
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    # orient every pair so that site a is the better-rated one
    swap = pairs["mean_a"] < pairs["mean_b"]
    for col in (S.LOCATION_ID, "size", "mean", "var"):
        a_col, b_col = pairs[f"{col}_a"].copy(), pairs[f"{col}_b"].copy()
        pairs[f"{col}_a"] = b_col.where(swap, a_col)
        pairs[f"{col}_b"] = a_col.where(swap, b_col)
    diff, lo, hi, p = welch_from_summaries(
        pairs["mean_a"], pairs["var_a"].fillna(0), pairs["size_a"], pairs["mean_b"], pairs["var_b"].fillna(0), pairs["size_b"]
    )
    testable = (pairs["size_a"] >= cfg.min_n) & (pairs["size_b"] >= cfg.min_n)
    sites = a.location_names()
    out = pd.DataFrame({
        S.ACCOUNT_ID: pairs[S.ACCOUNT_ID].to_numpy(), S.NEED_ID: pairs[S.NEED_ID].to_numpy(),
        "location_a": pairs[f"{S.LOCATION_ID}_a"].to_numpy(), "location_b": pairs[f"{S.LOCATION_ID}_b"].to_numpy(),
        "n_a": pairs["size_a"].to_numpy(), "n_b": pairs["size_b"].to_numpy(),
        "mean_a": pairs["mean_a"].to_numpy(), "mean_b": pairs["mean_b"].to_numpy(),
        "difference": diff, "ci_low": lo, "ci_high": hi, "tested": testable.to_numpy() & np.isfinite(p),
        stats.N_ACCOUNTS: 1, stats.INTERVAL_BASIS: stats.BASIS_RESPONDENTS,
    })
    out["p_value"] = np.where(out["tested"], p, np.nan)
    out["site_a"] = out["location_a"].astype(str).map(sites).fillna("")
    out["site_b"] = out["location_b"].astype(str).map(sites).fillna("")
    out["p_adjusted"] = _adjust(out["p_value"], a.config)
    out["significant"] = out["p_adjusted"] < cfg.alpha
    out = out.sort_values(["significant", "tested", "difference"], ascending=[False, False, False], kind="stable")
    return out.reset_index(drop=True)[cols]


def location_profile(a: Assessment) -> pd.DataFrame:
    """Mean performance per site and need beside the portfolio mean (the portfolio-wide view).

    Returns
    -------
    DataFrame
        ``account_id, location_id, site, need_id, n, performance,
        portfolio_performance, deviation`` (site mean − mean of all
        respondents, performance points).
    """
    rn = respondent_needs(a).dropna(subset=[S.PERFORMANCE, S.LOCATION_ID])
    port = rn.groupby(S.NEED_ID)[S.PERFORMANCE].mean().rename("portfolio_performance")
    out = (
        rn.groupby([S.ACCOUNT_ID, S.LOCATION_ID, S.NEED_ID])[S.PERFORMANCE].agg(["size", "mean"])
        .rename(columns={"size": "n", "mean": S.PERFORMANCE}).reset_index()
        .merge(port, left_on=S.NEED_ID, right_index=True)
    )
    out["deviation"] = out[S.PERFORMANCE] - out["portfolio_performance"]
    sites = a.location_names()
    out.insert(2, S.SITE, out[S.LOCATION_ID].astype(str).map(sites).fillna(""))
    return out


def competitor_gaps(a: Assessment) -> pd.DataFrame:
    """Our performance minus each competitor's, per need, rated by the same respondents.

    Returns
    -------
    DataFrame
        ``need_id, competitor_id, n, us, them, difference, ci_low, ci_high,
        p_value, p_adjusted, significant, importance, weighted_difference,
        verdict`` where ``difference = us − them`` (performance points; > 0
        we are rated better), the interval and test are paired: *t* on the
        per-respondent differences, cluster-robust (CR2, accounts as
        clusters; one account: Student) with ``n_accounts, n_eff,
        design_effect, icc, interval_basis``; Holm over all need × competitor
        pairs; ``importance`` is the mean stated importance of the need on
        the performance scale and ``weighted_difference = difference ×
        importance / scale maximum``. ``verdict``: *we win* / *we lose* when
        significant, else *no clear difference*. Sorted by difference,
        largest loss first. ``us, them, difference`` and the interval follow
        ``quantitative.portfolio_weighting`` (every respondent, every account
        once, or accounts by revenue); with a weighting other than
        respondents, ``difference_respondent_mean`` (every respondent once)
        and ``weighting_differs`` (it lies outside the weighted interval)
        stand beside, as in the need scores.
    """
    a.require(S.RATINGS, S.COMPETITORS, step="company-to-competitor GAP")
    r = a.ratings_by_respondent()
    r = r[r[S.COMPETITOR_ID].notna()].copy()
    perf_scale = a.config.scale(S.SCALE_PERFORMANCE)
    imp = respondent_needs(a).groupby(S.NEED_ID)[S.IMPORTANCE].mean()
    cfg = a.config.gap
    both = r[S.PERFORMANCE].notna() & r[S.COMPETITOR_PERFORMANCE].notna()
    r["_d"] = (r[S.PERFORMANCE] - r[S.COMPETITOR_PERFORMANCE]).where(both)
    r["_us"], r["_them"] = r[S.PERFORMANCE].where(both), r[S.COMPETITOR_PERFORMANCE].where(both)
    from .quantitative import portfolio_weighting

    weighting, revenue = portfolio_weighting(a)
    by, lvl = [S.NEED_ID, S.COMPETITOR_ID], a.config.quantitative.confidence_level
    est, keys, means = _weighted_differences(r, by, lvl, weighting, revenue)
    spread = r.groupby(by, sort=True, observed=True)["_d"].agg(lambda d: d.max() - d.min())
    enough = est["n"].to_numpy() >= cfg.min_n
    # a paired t-test where the differences vary; every respondent saw the same non-zero difference: p = 0
    p = np.where(enough & (spread.reindex(keys).to_numpy() > 0), est["t_p"].to_numpy(),
                 np.where(enough & (est["estimate"].to_numpy() != 0), 0.0, np.nan))
    out = pd.DataFrame({
        S.NEED_ID: est[S.NEED_ID].astype(str).to_numpy(), S.COMPETITOR_ID: est[S.COMPETITOR_ID].astype(str).to_numpy(),
        "n": est["n"].to_numpy(), "us": means["_us"].to_numpy(), "them": means["_them"].to_numpy(),
        "difference": est["estimate"].to_numpy(), "ci_low": est["ci_low"].to_numpy(), "ci_high": est["ci_high"].to_numpy(),
        "p_value": p, **{c: est[c].to_numpy() for c in CLUSTER_COLUMNS},
    })
    if out.empty:
        return out
    if weighting != "respondents":
        _respondent_view(out, r, by, keys, lvl)
    out["p_adjusted"] = _adjust(out["p_value"], a.config)
    out["significant"] = out["p_adjusted"] < cfg.alpha
    out[S.IMPORTANCE] = out[S.NEED_ID].map(imp)
    out["weighted_difference"] = out["difference"] * out[S.IMPORTANCE] / perf_scale.max
    out["verdict"] = np.where(~out["significant"], NO_CLEAR, np.where(out["difference"] > 0, WE_WIN, WE_LOSE))
    return out.sort_values("difference", kind="stable").reset_index(drop=True)


def _weighted_differences(r: pd.DataFrame, by: list[str], lvl: float, weighting: str,
                          revenue: pd.Series | None) -> tuple[pd.DataFrame, pd.MultiIndex, pd.DataFrame]:
    """CR2 mean of the paired difference ``_d`` per ``by`` under the weighting, its keys, and the weighted ``_us, _them``."""
    est = stats.grouped_cluster_mean_ci(r, by, "_d", S.ACCOUNT_ID, lvl, weighting, revenue)
    keys = pd.MultiIndex.from_frame(est[by])
    means = pd.DataFrame({c: stats.grouped_cluster_mean_ci(r, by, c, S.ACCOUNT_ID, lvl, weighting, revenue)
                          .set_index(by)["estimate"].reindex(keys).to_numpy() for c in ("_us", "_them")})
    return est, keys, means


def _respondent_view(out: pd.DataFrame, r: pd.DataFrame, by: list[str], keys: pd.MultiIndex, lvl: float) -> None:
    """Add the every-respondent difference beside the weighted one, and whether it lies outside the weighted interval."""
    from .quantitative import RESPONDENT_MEAN, WEIGHTING_DIFFERS

    col = f"difference_{RESPONDENT_MEAN}"
    out[col] = stats.grouped_cluster_mean_ci(r, by, "_d", S.ACCOUNT_ID, lvl).set_index(by)["estimate"].reindex(keys).to_numpy()
    out[WEIGHTING_DIFFERS] = (out[col] < out["ci_low"]) | (out[col] > out["ci_high"])


_WORDS = frozenset({"findings", "need_stance", "words_beside_numbers", "STANCE_GAP", "STANCE_STRENGTH", "STANCE_NEUTRAL",
                    "_need_names", "_words_for"})


def __getattr__(name: str):
    """Findings, stances and quotes (:mod:`cra_helpers.gap_words`), importable from here; imported on first use."""
    if name not in _WORDS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import gap_words

    value = getattr(gap_words, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | _WORDS)
