"""The action plan: its rows, the workbook people fill in, reading it back, and its progress.

See the package docstring (:mod:`cra_helpers.actions`, *Action plan*).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import schema as S
from ..config import Config
from ..errors import CraError
from .library import ActionItem, ActionLibrary, _round_return, rating_measure, scale_label
from .risk import risk_weights_table

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

PLAN_STATUSES: tuple[str, ...] = ("not started", "in progress", "done", "dropped")
"""Values of the plan's Status column (the workbook's drop-down)."""

PLAN_SHEET = "Action plan"
UNRANKED_SHEET = "Not ranked (no impact)"


def plan_columns(config: Config) -> dict[str, str]:
    """The action plan's columns: key → header in words (rating headers name the performance scale).

    Keys: ``rank, action, needs, owner, person, rating_measure,
    rating_baseline, rating_target, rated_by, metric, unit,
    operational_baseline, operational_target, due, status, progress,
    comment, accounts, return, internal, customer, action_id``.
    """
    sc = scale_label(config)
    return {
        "rank": "Rank", "action": "Action", "needs": "Needs addressed", "owner": "Owner (role)", "person": "Person",
        "rating_measure": "Customers' rating measured", "rating_baseline": f"Rating baseline ({sc})",
        "rating_target": f"Rating target ({sc})", "rated_by": "Rated by (respondents)",
        "metric": "Operational metric", "unit": "Operational unit",
        "operational_baseline": "Operational baseline (client fills in, unit: see Operational unit)",
        "operational_target": "Operational target (client fills in)",
        "due": "Due date", "status": "Status", "progress": "Progress (%)", "comment": "Comment",
        "accounts": "Accounts affected", "return": "Return on resources (impact per currency unit)",
        "internal": "Internal communication", "customer": "Communication to the customer", "action_id": "Action id",
    }


def plan_columns_default() -> dict[str, str]:
    """:func:`plan_columns` keys for the columns that do not depend on the scale."""
    return {"action_id": "Action id", "due": "Due date", "status": "Status", "progress": "Progress (%)", "action": "Action"}



def action_plan(recs: pd.DataFrame, library: ActionLibrary, gaps: pd.DataFrame, config: Config,
                today: dt.date | None = None) -> pd.DataFrame:
    """The action plan people track: one row per ranked action (impact > 0), headers in words.

    Parameters
    ----------
    recs
        :func:`recommendations` output; actions without a rank (no impact)
        are left out (see :func:`unranked_actions`).
    library
        The validated library (metrics catalogue, communication texts).
    gaps
        :func:`cra_helpers.gap.need_gaps` output.
    config
        ``actions.plan`` rules and the performance scale.
    today
        Start date of the plan (default: today).

    Returns
    -------
    DataFrame
        Columns :func:`plan_columns` (headers in words). The rating baseline
        is the customers' mean rating of the action's first need and the
        target ``baseline + target_gap_closure × gap⁺`` (performance-scale
        points, 2 decimals), named in ``Customers' rating measured``. The
        operational metric (``%``, ``days``, ``ppm`` …) comes with its unit and
        empty baseline and target for the client; when the catalogue metric
        is the rating itself, the operational columns say so. ``Due date`` is
        a date: ``due_days_top`` days after ``today`` for the first
        ``top_actions``, ``due_days_rest`` for the others. ``Person``,
        ``Comment`` are empty, ``Status`` is ``not started`` and
        ``Progress (%)`` 0.
    """
    today = today or dt.date.today()
    cols = plan_columns(config)
    g = gaps.set_index(S.NEED_ID)
    items = {a.id: a for a in library.actions}
    ranked = recs[recs["rank"].notna()] if "rank" in recs else recs
    rows = [_plan_row(r, items[r.action_id], library, g, config, cols, today) for r in ranked.itertuples(index=False)]
    return pd.DataFrame(rows, columns=list(cols.values()))


def _plan_row(r: tuple, item: ActionItem, library: ActionLibrary, g: pd.DataFrame, config: Config,
              cols: dict[str, str], today: dt.date) -> dict[str, object]:
    """One ranked action (a :func:`recommendations` row) as a plan row under the headers ``cols``."""
    rule = config.actions.plan
    first = r.need_ids.split("; ")[0] if r.need_ids else ""
    known = first in g.index
    base = float(g.loc[first, S.PERFORMANCE]) if known else np.nan
    gplus = max(float(g.loc[first, "gap"]), 0.0) if known else np.nan
    need_name = str(g.loc[first, "need"]) if known else first
    due = today + dt.timedelta(days=rule.due_days_top if int(r.rank) <= rule.top_actions else rule.due_days_rest)
    metric = library.metrics[item.metric]
    ok = known and not np.isnan(base)
    return {
        cols["rank"]: int(r.rank), cols["action"]: r.action, cols["needs"]: r.needs, cols["owner"]: r.owner, cols["person"]: "",
        cols["rating_measure"]: rating_measure(need_name, config),
        cols["rating_baseline"]: round(base, 2) if ok else np.nan,
        cols["rating_target"]: round(base + rule.target_gap_closure * gplus, 2) if ok else np.nan,
        cols["rated_by"]: int(g.loc[first, "n"]) if known else 0,
        cols["metric"]: "none: the customers' rating is the metric" if metric.is_rating else metric.name,
        cols["unit"]: "" if metric.is_rating else metric.unit,
        cols["operational_baseline"]: np.nan, cols["operational_target"]: np.nan,
        cols["due"]: due, cols["status"]: PLAN_STATUSES[0], cols["progress"]: 0, cols["comment"]: "",
        cols["accounts"]: r.accounts_affected,
        cols["return"]: _round_return(float(r.return_on_resources)),
        cols["internal"]: item.internal or (f"Present at the business-team workshop; the {r.owner.lower()} reports "
                                            f"{metric.name.lower()} monthly against the target."),
        cols["customer"]: item.customer or (f"Tell the accounts affected what they told us about {r.needs.lower()}, "
                                            f"what we will change and by when ({due.isoformat()})."),
        cols["action_id"]: r.action_id,
    }


RECS_HEADERS = {
    "rank": "Rank", "action_id": "Action id", "action": "Action", "needs": "Needs addressed", "owner": "Owner (role)",
    "impact": "Impact", "effort_days": "Effort (person-days)", "cost": "External cost", "resources": "Resources",
    "return_on_resources": "Return on resources", "arithmetic": "Arithmetic", "accounts_affected": "Accounts affected",
    "unknown_needs": "Needs not in this assessment",
}
RISK_HEADERS = {S.ACCOUNT_ID: "Account id", "account_name": "Account", "risk_score": "Risk score (0–100)",
                "risk_level": "Risk level", "revenue": "Revenue", "revenue_at_stake": "Revenue at stake", "reasons": "Reasons"}
METRIC_HEADERS = {"need": "Need", "metric": "Metric", "unit": "Unit", "direction": "Better when", "definition": "Definition",
                  "baseline": "Baseline (in the metric's unit; empty: from the client's systems)",
                  "rating_measure": "Customers' rating measured", "customers_rating": "Customers' rating now",
                  "baseline_n": "Rated by (respondents)"}


def write_action_plan(path: str | Path, plan: pd.DataFrame, recs: pd.DataFrame, risk: pd.DataFrame,
                      metrics: pd.DataFrame, config: Config, unranked: pd.DataFrame | None = None) -> Path:
    """Write the action-plan workbook (.xlsx) people fill in and track.

    Sheets: *Action plan* (:func:`action_plan`: Status drop-down of
    :data:`PLAN_STATUSES`, Progress 0–100, due dates as date cells, the
    columns to fill in tinted), *Not ranked (no impact)*
    (:func:`unranked_actions`, when given), *Recommendations* with the
    arithmetic, *At-risk accounts*, *Metrics*, *Risk weights*. Every sheet
    prints landscape, fitted to the page width, with the header row on every
    page. Text from the data and the library is stored as text (never as a
    formula): see :mod:`cra_helpers.spreadsheet`.

    Returns
    -------
    Path
        The workbook written.
    """
    from ..spreadsheet import write_workbook

    sheets = _workbook_sheets(plan, recs, risk, metrics, config, unranked)
    setup = _workbook_setup(plan_columns(config), config)
    return write_workbook(path, sheets, title=f"{config.client} — action plan", setup=setup)


def _workbook_sheets(plan: pd.DataFrame, recs: pd.DataFrame, risk: pd.DataFrame, metrics: pd.DataFrame, config: Config,
                     unranked: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """The workbook's sheets in order, their headers in words and figures rounded for reading."""
    r = recs.drop(columns=["need_ids", "metric"], errors="ignore").copy()
    for c in ("impact", "resources", "cost"):
        r[c] = r[c].astype(float).round(0)
    r["return_on_resources"] = r["return_on_resources"].astype(float).map(_round_return)
    r = r.rename(columns=RECS_HEADERS)
    rk = risk[list(RISK_HEADERS)].copy()
    rk["risk_score"] = rk["risk_score"].astype(float).round(1)
    rk = rk.rename(columns=RISK_HEADERS)
    m = metrics[[c for c in METRIC_HEADERS if c in metrics]].rename(columns=METRIC_HEADERS)
    w = risk_weights_table(config).rename(columns={"component": "Component", "weight": "Weight", "share_pct": "Share (%)"})
    w["Share (%)"] = w["Share (%)"].round(1)
    sheets: dict[str, pd.DataFrame] = {PLAN_SHEET: plan}
    if unranked is not None:
        sheets[UNRANKED_SHEET] = unranked
    sheets.update({"Recommendations": r, "At-risk accounts": rk, "Metrics": m, "Risk weights": w})
    return sheets


def _workbook_setup(cols: dict[str, str], config: Config) -> dict[str, object]:
    """Layout of each sheet (:class:`cra_helpers.spreadsheet.SheetSetup`): wrapping, formats, drop-down, ranges, widths."""
    from ..spreadsheet import SheetSetup

    sc = config.scale(S.SCALE_PERFORMANCE)
    rating_fmt = "0.00"
    return {
        PLAN_SHEET: SheetSetup(
            wrap=[cols[k] for k in ("action", "needs", "rating_measure", "metric", "accounts", "internal", "customer", "comment")],
            number_formats={cols["rating_baseline"]: rating_fmt, cols["rating_target"]: rating_fmt, cols["progress"]: "0",
                            cols["return"]: "#,##0.##", cols["due"]: "yyyy-mm-dd"},
            choices={cols["status"]: PLAN_STATUSES},
            ranges={cols["progress"]: (0, 100), cols["rating_baseline"]: (sc.min, sc.max), cols["rating_target"]: (sc.min, sc.max)},
            dates=[cols["due"]],
            inputs=[cols[k] for k in ("person", "operational_baseline", "operational_target", "status", "progress", "comment")],
            widths={cols["action"]: 42, cols["needs"]: 22, cols["rating_measure"]: 28, cols["metric"]: 26, cols["accounts"]: 24,
                    cols["internal"]: 40, cols["customer"]: 40, cols["comment"]: 30, cols["person"]: 16, cols["status"]: 13,
                    cols["operational_baseline"]: 18, cols["operational_target"]: 16, cols["due"]: 12, cols["return"]: 14},
        ),
        UNRANKED_SHEET: SheetSetup(wrap=["Action", "Why not ranked"], widths={"Action": 50, "Why not ranked": 60}),
        "Recommendations": SheetSetup(wrap=["Action", "Arithmetic", "Accounts affected"],
                                      number_formats={"Impact": "#,##0", "Resources": "#,##0", "External cost": "#,##0",
                                                      "Return on resources": "#,##0.##"}),
        "At-risk accounts": SheetSetup(wrap=["Reasons"], number_formats={"Revenue": "#,##0", "Revenue at stake": "#,##0",
                                                                          "Risk score (0–100)": "0.0"}),
        "Metrics": SheetSetup(wrap=["Definition", "Customers' rating measured"], number_formats={"Customers' rating now": "0.00"}),
    }


class ActionPlanError(CraError):
    """A filled-in action plan holds values the workbench cannot read; the message locates each one."""

    def __init__(self, path: str | Path, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = list(problems)
        super().__init__(f"{path}: {len(problems)} problem(s) in the action plan\n" + "\n".join(f"  - {p}" for p in problems))


def _as_date(v: object) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip()[:10])
        except ValueError:
            return None
    return None


def read_action_plan(path: str | Path, sheet: str = PLAN_SHEET) -> pd.DataFrame:
    """Read a filled-in action-plan workbook back, every value checked.

    Parameters
    ----------
    path
        The workbook :func:`write_action_plan` wrote, as people filled it in
        (statuses, progress, persons, comments, changed due dates, rows added).
    sheet
        The plan's sheet.

    Returns
    -------
    DataFrame
        One row per non-empty row of the sheet, the columns under their
        headers, plus ``row`` (the sheet's row number). ``Status`` is one of
        :data:`PLAN_STATUSES` (lower case; empty reads as ``not started``),
        ``Progress (%)`` a number 0–100 (``"40%"`` reads as 40; empty: 100
        when done, else 0), ``Due date`` a :class:`datetime.date`.

    Raises
    ------
    ActionPlanError
        The file, the sheet, or a column is missing, or cells hold a status
        not in the list, a progress that is not a number from 0 to 100, or
        a due date that is not a date; the message names the file, sheet,
        row and column (letter and header) of every such cell.
    """
    path = Path(path)
    ws = _open_plan_sheet(path, sheet)
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        raise ActionPlanError(path, [f"sheet {sheet!r} is empty"])
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    need = _plan_key_columns(headers, path, sheet)
    problems: list[str] = []
    records = []
    for i, values in enumerate(rows[1:], start=2):
        values = list(values) + [None] * (len(headers) - len(values))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        records.append(_plan_record(ws, i, values, headers, need, _CellPlace(sheet, i, need), problems))
    if problems:
        raise ActionPlanError(path, problems)
    out = pd.DataFrame(records, columns=[h for h in headers if h] + ["row"] if records else [h for h in headers if h] + ["row"])
    out["Progress (%)"] = out["Progress (%)"].astype(float)
    out.attrs["path"] = str(path)
    return out


_PLAN_KEY_COLUMNS = ("Action", "Status", "Progress (%)", "Due date")
"""Columns :func:`read_action_plan` needs in the plan's sheet."""


def _open_plan_sheet(path: Path, sheet: str) -> Worksheet:
    """The plan's worksheet (values, not formulas); :class:`ActionPlanError` when the file or the sheet is missing or unreadable."""
    from openpyxl import load_workbook

    if not path.is_file():
        raise ActionPlanError(path, ["file not found"])
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
        raise ActionPlanError(path, [f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})"]) from None
    if sheet not in wb.sheetnames:
        raise ActionPlanError(path, [f"no sheet {sheet!r} (sheets: {', '.join(wb.sheetnames)})"])
    return wb[sheet]


def _plan_key_columns(headers: list[str], path: Path, sheet: str) -> dict[str, int]:
    """Position of each of :data:`_PLAN_KEY_COLUMNS` among the headers; :class:`ActionPlanError` naming the missing ones."""
    need = {key: headers.index(key) if key in headers else None for key in _PLAN_KEY_COLUMNS}
    missing = [k for k, j in need.items() if j is None]
    if missing:
        raise ActionPlanError(path, [f"sheet {sheet!r}, row 1: column {k!r} is missing" for k in missing])
    return need


class _CellPlace:
    """Where a key cell of one plan row is, in words: sheet, row, column letter and header."""

    def __init__(self, sheet: str, row: int, columns: dict[str, int]) -> None:
        self.sheet, self.row, self.columns = sheet, row, columns

    def __call__(self, key: str) -> str:
        from openpyxl.utils import get_column_letter

        return f"sheet {self.sheet!r}, row {self.row}, column {get_column_letter(self.columns[key] + 1)} ({key!r})"


def _plan_record(ws: Worksheet, i: int, values: list, headers: list[str], need: dict[str, int], where: _CellPlace,
                 problems: list[str]) -> dict[str, object]:
    """One row of the plan under its headers, Status, Progress and Due date checked (``problems`` collects the bad cells)."""
    from openpyxl.utils import get_column_letter

    rec = {h or get_column_letter(j + 1): v for j, (h, v) in enumerate(zip(headers, values))}
    st = _plan_status(values[need["Status"]], where, problems)
    rec["Status"] = st

    def percent_cell() -> bool:
        return ws.cell(row=i, column=need["Progress (%)"] + 1).number_format.endswith("%")

    rec["Progress (%)"] = _plan_progress_value(values[need["Progress (%)"]], st, percent_cell, where, problems)
    due = values[need["Due date"]]
    d = _as_date(due)
    if d is None:
        problems.append(f"{where('Due date')}: {due!r} is not a date (yyyy-mm-dd)")
    rec["Due date"] = d
    rec["row"] = i
    return rec


def _plan_status(status: object, where: _CellPlace, problems: list[str]) -> str:
    """The Status cell in lower case (empty: ``not started``); a value not in :data:`PLAN_STATUSES` is a problem."""
    st = str(status).strip().lower() if status is not None else ""
    if st == "":
        st = PLAN_STATUSES[0]
    elif st not in PLAN_STATUSES:
        problems.append(f"{where('Status')}: {status!r} is not a status; use one of: {', '.join(PLAN_STATUSES)}")
    return st


def _plan_progress_value(prog: object, st: str, percent_cell: Callable[[], bool], where: _CellPlace,
                         problems: list[str]) -> float | None:
    """The Progress cell as 0–100 (``"40%"`` reads 40; empty: 100 when done, else 0); ``None`` and a problem when unreadable.

    ``percent_cell`` tells whether the cell is formatted as a percentage (asked only for a number from 0 to 1).
    """
    if prog is None or (isinstance(prog, str) and not prog.strip()):
        return 100.0 if st == "done" else 0.0
    try:
        p = float(str(prog).strip().rstrip("%").strip()) if isinstance(prog, str) else float(prog)
        if isinstance(prog, str) is False and 0 < p <= 1 and percent_cell():
            p *= 100  # typed as 40 % in a percent-formatted cell
        if not (0 <= p <= 100) or np.isnan(p):
            raise ValueError
    except (TypeError, ValueError):
        problems.append(f"{where('Progress (%)')}: {prog!r} is not a number from 0 to 100")
        return None
    return p


def plan_progress(plan: pd.DataFrame, today: dt.date | None = None) -> pd.DataFrame:
    """How far the action plan has come: actions by status, share done, overdue.

    Parameters
    ----------
    plan
        :func:`read_action_plan` output (or :func:`action_plan`): columns
        ``Status``, ``Progress (%)``, ``Due date``.
    today
        The date to judge overdue by (default: today).

    Returns
    -------
    DataFrame
        One row per status of :data:`PLAN_STATUSES`, then ``all``:
        ``status, actions, share_pct`` (of all actions), ``overdue``
        (due before ``today`` and neither done nor dropped) and
        ``mean_progress_pct``. ``attrs`` holds the headline figures:
        ``actions``, ``done``, ``share_done_pct`` (done as a share of the
        actions not dropped; NaN when every action is dropped), ``overdue``,
        ``overdue_actions`` (their ``Action`` texts) and ``today``.

    Examples
    --------
    >>> import datetime as dt
    >>> p = pd.DataFrame({"Action": ["a", "b", "c"], "Status": ["done", "in progress", "dropped"],
    ...                   "Progress (%)": [100, 40, 0], "Due date": [dt.date(2026, 1, 1)] * 3})
    >>> plan_progress(p, today=dt.date(2026, 6, 1)).attrs["share_done_pct"]
    50.0
    """
    today = today or dt.date.today()
    st = plan["Status"].astype(str).str.strip().str.lower()
    due = plan["Due date"].map(_as_date)
    open_ = ~st.isin(["done", "dropped"])
    late = open_ & due.map(lambda d: d is not None and d < today)
    prog = pd.to_numeric(plan["Progress (%)"], errors="coerce")
    n = len(plan)
    rows = []
    for s in PLAN_STATUSES:
        mask = st == s
        rows.append({"status": s, "actions": int(mask.sum()), "share_pct": 100 * mask.sum() / n if n else np.nan,
                     "overdue": int((late & mask).sum()), "mean_progress_pct": float(prog[mask].mean()) if mask.any() else np.nan})
    rows.append({"status": "all", "actions": n, "share_pct": 100.0 if n else np.nan, "overdue": int(late.sum()),
                 "mean_progress_pct": float(prog.mean()) if n else np.nan})
    out = pd.DataFrame(rows)
    done, dropped = int((st == "done").sum()), int((st == "dropped").sum())
    out.attrs.update({"actions": n, "done": done,
                      "share_done_pct": 100 * done / (n - dropped) if n - dropped > 0 else np.nan,
                      "overdue": int(late.sum()),
                      "overdue_actions": plan.loc[late, "Action"].astype(str).tolist() if "Action" in plan else [],
                      "today": today.isoformat()})
    return out


def progress_headlines(progress: pd.DataFrame) -> list[tuple[str, object, str]]:
    """Headline figures of :func:`plan_progress` for a summary: ``(label, value, unit)``.

    ``Actions in the plan``, ``Actions done``, ``Share of actions done`` (%
    of the actions not dropped) and ``Actions overdue``.
    """
    at = progress.attrs
    return [("Actions in the plan", at.get("actions", 0), ""), ("Actions done", at.get("done", 0), ""),
            ("Share of actions done", at.get("share_done_pct", np.nan), "%"), ("Actions overdue", at.get("overdue", 0), "")]


def plan_summary(path: str | Path) -> dict:
    """Progress of a filled-in action-plan workbook as the run's ``summary.json`` holds it.

    Parameters
    ----------
    path
        The workbook (:func:`read_action_plan` reports bad cells with sheet, row and column).

    Returns
    -------
    dict
        ``source`` (file name), ``today``, ``headlines`` (label, value, unit of
        :func:`progress_headlines`; NaN as ``None``), ``by_status`` (status,
        actions, overdue) and ``overdue_actions``.
    """
    table = plan_progress(read_action_plan(path))
    at = table.attrs
    return {
        "source": Path(path).name,
        "today": at.get("today"),
        "headlines": [{"label": lab, "value": (None if isinstance(v, float) and v != v else v), "unit": unit}
                      for lab, v, unit in progress_headlines(table)],
        "by_status": table[["status", "actions", "overdue"]].to_dict(orient="records"),
        "overdue_actions": list(at.get("overdue_actions", [])),
    }
