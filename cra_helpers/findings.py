"""The executive summary: a few findings, each a sentence with its evidence and the action it asks for.

The findings are generated from the result tables a run wrote (``tables/*.csv``)
and the assessment itself, never written by hand. Each candidate finding
comes from one step and states

* ``text`` — the finding in plain words;
* ``evidence`` — the figures behind it, with their interval and sample size;
* ``action`` — what to do, taken from the ranked recommendations when one
  addresses it, else a step any client can take;
* ``short`` — the finding in at most a dozen words, for a slide title or bullet;
* ``link`` — the report section that proves it (``<step>.html#<heading>``);
* ``revenue_at_stake`` — the last-period revenue of the accounts the finding
  concerns, in the configured currency (see each builder for which accounts).

Candidates whose figures do not hold — an interval that includes no
difference, a competitor difference that is not significant, a driver whose
weight interval touches zero — are not findings. The summary keeps the
``summary.max_findings`` largest by revenue at stake, and lists the steps
that could not run (and so could not yield findings) with the reason.

Revenue at stake, per kind of finding
    * ``risk``: accounts at risk level High or Medium (``at_risk.csv``).
    * ``need``, ``driver``: accounts whose own gap on the need (mean importance
      − mean performance of their respondents) is at least
      ``summary.material_account_gap`` points (``gap_accounts.csv``).
    * ``competitor``: accounts whose respondents, on average, rate the
      competitor at least that many points above us on the need.
    * ``loyalty``: accounts in the At risk or Vulnerable loyalty segment.
    * ``latent``: accounts whose respondents raised the latent need.
    * ``slice``: key accounts with a serious gap in their diagonal slice.
    * ``concentration``: the accounts of the top revenue class;
      ``suggested``: accounts the key-account rule adds.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from . import formatting as F
from . import schema as S
from .assessment import Assessment
from .config import Config

TABLES_DIR = "tables"


@dataclass
class Finding:
    """One finding of the executive summary (see the module docstring for the fields)."""

    kind: str
    text: str
    evidence: str
    action: str
    link: str
    revenue_at_stake: float
    accounts: int
    short: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The finding as a plain dict (for ``summary.json``)."""
        return asdict(self)


# Sections that prove each kind: the report page and its heading (nbconvert makes the anchor from it).
SECTIONS: dict[str, tuple[str, str]] = {
    "risk": ("05_actions", "At-risk accounts"),
    "need": ("04_gap_analysis", "Priorities versus perceptions"),
    "competitor": ("04_gap_analysis", "Company to competitor"),
    "driver": ("02_quantitative", "Key drivers"),
    "loyalty": ("02_quantitative", "Loyalty segments"),
    "latent": ("03_needs_tree", "Latent needs"),
    "slice": ("01_prioritize", "The diagonal slice of each key account"),
    "concentration": ("01_prioritize", "Pareto and ABC"),
    "suggested": ("01_prioritize", "Key accounts"),
}


def section_link(kind: str) -> str:
    """``<step>.html#<anchor>`` of the section that proves a finding of ``kind``."""
    step, heading = SECTIONS[kind]
    return f"{step}.html#{heading.replace(' ', '-')}"


class _Run:
    """The result tables of a run folder, read once, plus the assessment and the configuration."""

    def __init__(self, run_dir: Path, a: Assessment, config: Config) -> None:
        self.dir = Path(run_dir) / TABLES_DIR
        self.a = a
        self.config = config
        self._cache: dict[str, pd.DataFrame | None] = {}
        acc = a.accounts
        self.revenue = pd.to_numeric(acc[S.REVENUE], errors="coerce").fillna(0.0).groupby(acc[S.ACCOUNT_ID].astype(str)).sum()
        self.names = a.account_names().to_dict()
        self.total_revenue = float(self.revenue.sum())
        self.cur = config.currency

    def table(self, name: str) -> pd.DataFrame | None:
        if name not in self._cache:
            path = self.dir / f"{name}.csv"
            self._cache[name] = pd.read_csv(path, dtype={S.ACCOUNT_ID: str}) if path.is_file() else None
        t = self._cache[name]
        return None if t is None or t.empty else t

    def revenue_of(self, ids: "pd.Series | list[str] | set[str]") -> float:
        return float(self.revenue.reindex(sorted({str(i) for i in ids})).fillna(0.0).sum())

    def name(self, account_id: str) -> str:
        return self.names.get(str(account_id), str(account_id))

    @functools.cached_property
    def needs_of_action(self) -> dict[str, list[str]]:
        """Need names/ids (lower case) each library action addresses; read once per run."""
        from .actions import load_library

        try:
            lib = load_library(self.config).actions_frame()
        except Exception:  # a broken library was reported by 05_actions already
            return {}
        return {r["id"]: [n.strip().lower() for n in str(r["needs"]).split(";")] for _, r in lib.iterrows()}

    def action_for(self, need: str) -> str:
        """The best-ranked recommendation that addresses ``need`` (a need name), as a clause."""
        recs = self.table("recommendations")
        if recs is None:
            return ""
        needs_of = self.needs_of_action
        ids = self.a.needs.set_index(S.NEED_NAME)[S.NEED_ID].astype(str).to_dict() if self.a.has(S.NEEDS) else {}
        keys = {need.lower(), str(ids.get(need, "")).lower()}
        for _, r in recs.sort_values("rank").iterrows():
            if keys & set(needs_of.get(r["action_id"], [])) and float(r.get("impact", 0) or 0) > 0:
                return f"{r['action']} (owner: {r['owner']}; recommendation {int(r['rank'])} by return on resources)"
        return ""

    def accounts_with_gap(self, need_id: str) -> list[str]:
        gaps = self.table("gap_accounts")
        if gaps is None:
            return []
        g = gaps[(gaps[S.NEED_ID].astype(str) == str(need_id)) & (gaps["gap"] >= self.config.summary.material_account_gap)]
        return g[S.ACCOUNT_ID].astype(str).tolist()

    def share_text(self, revenue: float) -> str:
        if self.total_revenue <= 0:
            return F.money(revenue, self.cur)
        return f"{F.money(revenue, self.cur)}, {F.percent(_share(revenue, self.total_revenue))} of revenue"


def _share(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole > 0 else float("nan")


def _names(run: _Run, ids: list[str], most: int = 3) -> str:
    names = [run.name(i) for i in ids]
    if len(names) <= most:
        return ", ".join(names)
    return ", ".join(names[:most]) + f" and {len(names) - most} more"


# ---------------------------------------------------------------------------- builders
def _risk(run: _Run) -> list[Finding]:
    risk = run.table("at_risk")
    if risk is None:
        return []
    flagged = risk[risk["risk_level"].isin(["High", "Medium"])].sort_values("risk_score", ascending=False)
    if flagged.empty:
        return []
    high = int((flagged["risk_level"] == "High").sum())
    ids = flagged[S.ACCOUNT_ID].astype(str).tolist()
    rev = run.revenue_of(ids)
    top = flagged.iloc[0]
    reasons = "; ".join(str(top["reasons"]).split("; ")[:2])
    text = (f"{len(ids)} of the {len(risk)} accounts assessed are at risk of loss ({high} at risk level High, "
            f"{len(ids) - high} Medium); together they bring {run.share_text(rev)}.")
    evidence = (f"Highest risk: {run.name(top[S.ACCOUNT_ID])}, risk score {F.number(top['risk_score'], 0)} of 100 "
                f"({reasons}).")
    action = f"Meet the decision-makers of {_names(run, ids[:max(high, 1)])} first, with the actions for their largest gaps."
    short = f"{F.plural(len(ids), 'account')} at risk of loss: {F.money(rev, run.cur)} of revenue"
    return [Finding("risk", text, evidence, action, section_link("risk"), rev, len(ids), short)]


def _needs(run: _Run) -> list[Finding]:
    gaps = run.table("gap_needs")
    if gaps is None or "quadrant" not in gaps:
        return []
    scale = run.config.scale(S.SCALE_PERFORMANCE)
    lo, hi = scale.min, scale.max
    hold = gaps[(gaps["quadrant"] == "Concentrate here") & (gaps["gap_ci_low"] > 0)].sort_values("gap", ascending=False)
    out = []
    for i, (_, r) in enumerate(hold.head(3).iterrows()):
        ids = run.accounts_with_gap(r[S.NEED_ID])
        rev = run.revenue_of(ids)
        largest = " — the largest gap of the rated needs" if int(r.get("rank_gap", 0) or 0) == 1 else ""
        text = (f"Customers rate {r['need']} {F.number(r['gap'])} points below its importance{largest}; "
                f"it is a problem at {F.plural(len(ids), 'account')} bringing {run.share_text(rev)}.")
        evidence = (f"Importance {F.number(r['importance'])}, performance {F.number(r['performance'])} on the "
                    f"{F.number(lo, 0)}–{F.number(hi, 0)} scale; gap {F.number(r['gap'])} points (95% CI "
                    f"{F.number(r['gap_ci_low'])} to {F.number(r['gap_ci_high'])}), {F.count(r['n'])} respondents.")
        action = run.action_for(str(r["need"])) or f"Find an action for {r['need']}: none in the action library addresses it."
        short = f"{r['need']}: rated {F.number(r['gap'])} points below its importance"
        out.append(Finding("need", text, evidence, action, section_link("need"), rev, len(ids), short))
    return out


def _competitor(run: _Run) -> list[Finding]:
    comp = run.table("gap_competitors")
    if comp is None or not run.a.has(S.COMPETITORS, S.RATINGS, S.NEEDS):
        return []
    lose = comp[(comp["verdict"] == "we lose") & comp["significant"].astype(str).str.lower().eq("true")]
    if lose.empty:
        return []
    r = lose.sort_values("weighted_difference").iloc[0]
    cname = run.a.competitor_names().to_dict().get(r[S.COMPETITOR_ID], str(r[S.COMPETITOR_ID]))
    need = run.a.need_names().to_dict().get(r[S.NEED_ID], str(r[S.NEED_ID]))
    rat = run.a.ratings
    rat = rat[(rat[S.NEED_ID].astype(str) == str(r[S.NEED_ID])) & (rat[S.COMPETITOR_ID].astype(str) == str(r[S.COMPETITOR_ID]))]
    resp = run.a.respondents()[[S.INTERVIEW_ID, S.ACCOUNT_ID]]
    per = rat.merge(resp, on=S.INTERVIEW_ID).assign(d=lambda x: x[S.COMPETITOR_PERFORMANCE] - x[S.PERFORMANCE])
    per = per.groupby(S.ACCOUNT_ID)["d"].mean()
    ids = per[per >= run.config.summary.material_account_gap].index.astype(str).tolist()
    rev = run.revenue_of(ids)
    diff = -float(r["difference"])
    text = (f"{cname} is rated {F.number(diff)} points above us on {need}, at {F.plural(len(ids), 'account')} bringing "
            f"{run.share_text(rev)}.")
    evidence = (f"Us {F.number(r['us'])}, {cname} {F.number(r['them'])}; difference {F.number(diff)} points "
                f"(95% CI {F.number(-r['ci_high'])} to {F.number(-r['ci_low'])}), {F.count(r['n'])} respondents "
                f"who rated both, adjusted p {F.p_value(r['p_adjusted'])}.")
    action = run.action_for(need) or f"Learn what {cname} does on {need} and set a target to close the difference."
    short = f"{cname} leads us by {F.number(diff)} points on {need}"
    return [Finding("competitor", text, evidence, action, section_link("competitor"), rev, len(ids), short)]


def _driver(run: _Run) -> list[Finding]:
    drv = run.table("drivers")
    if drv is None:
        return []
    d = drv[(drv["outcome"] == "satisfaction") & (drv["level"] == "need") & (drv["ci_low"] > 0)].sort_values("rank")
    if d.empty:
        return []
    r = d.iloc[0]
    ids = run.accounts_with_gap(r[S.NEED_ID])
    rev = run.revenue_of(ids)
    text = (f"{r['need_name']} explains more of the differences in overall satisfaction than any other need "
            f"({F.percent(r['pct_of_r2'])} of what the needs explain).")
    evidence = (f"Relative weight {F.percent(r['pct_of_r2'])} (95% CI {F.percent(r['pct_ci_low'])} to "
                f"{F.percent(r['pct_ci_high'])}) of R² {F.number(r['r2'], 2)}, {F.count(r['n'])} respondents; "
                f"stated importance {F.number(r['stated_importance'])}, performance {F.number(r['performance_mean'])}; "
                f"a gap of {F.number(run.config.summary.material_account_gap)}+ points at {F.plural(len(ids), 'account')}.")
    action = run.action_for(str(r["need_name"])) or f"Make {r['need_name']} a priority of the action plan."
    short = f"{r['need_name']} moves satisfaction most ({F.percent(r['pct_of_r2'])} of what needs explain)"
    return [Finding("driver", text, evidence, action, section_link("driver"), rev, len(ids), short)]


def _loyalty(run: _Run) -> list[Finding]:
    roll, acc = run.table("loyalty_rollup"), run.table("loyalty_accounts")
    if roll is None or acc is None:
        return []
    nps = roll[(roll["metric"] == "NPS") & (roll["method"] == "All responses")]
    if nps.empty:
        return []
    n = nps.iloc[0]
    seg = acc["loyalty_segment"].astype(str)
    weak = acc.loc[seg.isin(["At risk", "Vulnerable"]), S.ACCOUNT_ID].astype(str).tolist()
    rev = run.revenue_of(weak)
    counts = ", ".join(f"{s} {int((seg == s).sum())}" for s in ("At risk", "Vulnerable", "Favorable", "Secure"))
    text = (f"The Net Promoter Score is {F.number(n['estimate'], 0)}; {len(weak)} of {len(acc)} accounts interviewed "
            f"are in the At risk or Vulnerable loyalty segments, bringing {run.share_text(rev)}.")
    thin = " Few accounts: read the account figures as indicative." if len(acc) < 5 else ""
    evidence = (f"NPS {F.number(n['estimate'], 0)} (95% CI {F.number(n['ci_low'], 0)} to {F.number(n['ci_high'], 0)}, "
                f"{F.count(n['n'])} interviews); accounts by segment: {counts}.{thin}")
    action = "Call back every detractor decision-maker with what will change, before the next wave."
    short = f"NPS {F.number(n['estimate'], 0)}; {len(weak)} of {len(acc)} accounts At risk or Vulnerable"
    return [Finding("loyalty", text, evidence, action, section_link("loyalty"), rev, len(weak), short)]


def _latent(run: _Run) -> list[Finding]:
    lat, vn = run.table("latent_needs"), run.table("verbatim_needs")
    if lat is None:
        return []
    asked = lat[lat["reason"] == "asked for"].sort_values("verbatims", ascending=False)
    if asked.empty:
        return []
    r = asked.iloc[0]
    ids: list[str] = []
    if vn is not None:
        col = "secondary" if r["level"] == "secondary" else "tertiary"
        ids = vn.loc[vn[col].astype(str) == str(r["node_id"]), S.ACCOUNT_ID].astype(str).unique().tolist()
    rev = run.revenue_of(ids)
    text = (f"Customers ask for something no rated need covers: \"{r['label']}\" ({F.count(r['verbatims'])} remarks "
            f"from {F.count(r['accounts'])} accounts).")
    evidence = (f"{F.percent(r['wish_share'], fraction=True)} of these remarks are wishes; the closest rated need is "
                f"{r['closest_need']} (similarity {F.number(r['similarity'], 2)} of 1).")
    action = "Add it to the next interview guide and check whether an offer would pay."
    short = f"Customers ask for \"{r['label']}\", which no rated need covers"
    return [Finding("latent", text, evidence, action, section_link("latent"), rev, len(ids), short)]


def _slice(run: _Run) -> list[Finding]:
    gaps = run.table("prioritize_slice_gaps")
    if gaps is None:
        return []
    bad = gaps[gaps["severity"] == "bad"]
    if bad.empty:
        return []
    ids = bad[S.ACCOUNT_ID].astype(str).unique().tolist()
    rev = run.revenue_of(ids)
    kinds = bad.groupby("gap")[S.ACCOUNT_ID].nunique().sort_values(ascending=False)
    what = "; ".join(f"{g} at {k}" for g, k in kinds.items())
    text = (f"{F.plural(len(ids), 'key account')} bringing {run.share_text(rev)} cannot be heard across their diagonal slice "
            f"({what}).")
    evidence = f"Accounts: {_names(run, ids, 4)}."
    action = "Name the missing contacts with the account managers before the interviews are planned."
    short = f"{F.plural(len(ids), 'key account')} cannot be heard across the slice"
    return [Finding("slice", text, evidence, action, section_link("slice"), rev, len(ids), short)]


def _concentration(run: _Run) -> list[Finding]:
    """Only when nothing was heard from customers: with interviews, concentration is the situation, not a finding."""
    acc = run.table("accounts_prioritized")
    if acc is None or "abc_class" not in acc or run.a.has(S.INTERVIEWS):
        return []
    first = run.config.prioritize.abc_classes[0].name
    top = acc[acc["abc_class"].astype(str) == first]
    if top.empty:
        return []
    rev = run.revenue_of(top[S.ACCOUNT_ID])
    text = (f"{len(top)} of {len(acc)} accounts (class {first}) bring {run.share_text(rev)}: the supplier depends "
            f"on them.")
    evidence = f"Largest: {_names(run, top.sort_values(S.REVENUE, ascending=False)[S.ACCOUNT_ID].astype(str).tolist(), 3)}."
    action = f"Assess every class {first} account in depth, starting with the largest."
    short = f"{F.plural(len(top), 'account')} bring {F.percent(_share(rev, run.total_revenue))} of revenue"
    return [Finding("concentration", text, evidence, action, section_link("concentration"), rev, len(top), short)]


def _suggested(run: _Run) -> list[Finding]:
    keys = run.table("prioritize_key_accounts")
    if keys is None or "key_account_reason" not in keys:
        return []
    add = keys[keys["key_account_reason"] == "rule"]
    if add.empty:
        return []
    ids = add[S.ACCOUNT_ID].astype(str).tolist()
    rev = run.revenue_of(ids)
    verb = "meets" if len(ids) == 1 else "meet"
    text = (f"{F.plural(len(ids), 'account')} bringing {run.share_text(rev)} {verb} the key-account rule but "
            f"{'is not a key account' if len(ids) == 1 else 'are not key accounts'}: {_names(run, ids)}.")
    evidence = "Selected by revenue class and relationship value (prioritize.key_accounts in the configuration)."
    action = "Decide whether to add them to the key-account programme and to the next assessment."
    short = f"{F.plural(len(ids), 'account')} to consider as key accounts"
    return [Finding("suggested", text, evidence, action, section_link("suggested"), rev, len(ids), short)]


BUILDERS: tuple[Callable[[_Run], list[Finding]], ...] = (
    _risk, _needs, _competitor, _driver, _loyalty, _latent, _slice, _concentration, _suggested,
)


def executive_findings(run_dir: str | Path, a: Assessment, config: Config) -> list[Finding]:
    """The findings of a run, largest revenue at stake first, at most ``config.summary.max_findings``.

    Parameters
    ----------
    run_dir
        Run folder holding ``tables/*.csv`` written by the notebooks.
    a
        The assessment the run analysed (account names and revenue, ratings).
    config
        The run's configuration (currency, scales, ``summary`` settings).

    Returns
    -------
    list of Finding
        Sorted by ``revenue_at_stake`` (descending), then by the order of
        :data:`BUILDERS`; empty when no step produced a finding.
    """
    run = _Run(Path(run_dir), a, config)
    found: list[tuple[float, int, Finding]] = []
    for order, build in enumerate(BUILDERS):
        for f in build(run):
            found.append((-f.revenue_at_stake, order, f))
    found.sort(key=lambda t: (t[0], t[1]))
    return [f for _, _, f in found[: config.summary.max_findings]]


def not_run(summary: dict[str, Any]) -> list[str]:
    """One sentence per step that did not run (skipped or failed), naming the reason."""
    out = []
    for nb in summary.get("notebooks", []):
        if nb.get("status") == "skipped":
            out.append(f"{nb['title']}: not run — {nb.get('reason', '')}.")
        elif nb.get("status") == "failed":
            out.append(f"{nb['title']}: failed, so its findings are missing.")
    return out


def write_summary_page(run_dir: Path, findings: list[Finding], summary: dict[str, Any],
                       render: Callable[..., str]) -> Path:
    """Write ``summary.html``: the executive summary as a page of its own (the landing page shows it too).

    Parameters
    ----------
    run_dir
        The run folder.
    findings, summary
        What :func:`executive_findings` found; the run summary.
    render
        ``render(template_name, **context) -> str``: the run folder's page
        renderer (``pipeline.render_template``), passed in so that this module
        does not import the layer that calls it.
    """
    html = render("summary_page.html.j2", s=summary, findings=[f.as_dict() for f in findings],
                           not_run=not_run(summary))
    path = Path(run_dir) / "summary.html"
    path.write_text(html, encoding="utf-8")
    return path


def findings_json(findings: list[Finding]) -> str:
    """The findings as JSON text (the ``findings`` entry of ``summary.json``)."""
    return json.dumps([f.as_dict() for f in findings], indent=2)


__all__ = ["Finding", "executive_findings", "not_run", "section_link", "write_summary_page", "SECTIONS"]
