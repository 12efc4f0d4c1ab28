"""Read what a run folder holds, for the decks: result tables, headlines, names and roles.

Every accessor tolerates a step that did not run: a missing, empty or
unreadable table is ``None`` and the deck shows what could not be shown and
why (:meth:`RunData.why_missing`) instead of failing.
"""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from .. import schema as S
from ..config import Config

log = logging.getLogger(__name__)

#: Which notebook writes which table (to say why a slide is missing).
TABLE_STEP = {
    "overview_accounts": "00_overview", "accounts_prioritized": "01_prioritize",
    "need_scores": "02_quantitative", "drivers": "02_quantitative", "loyalty_rollup": "02_quantitative",
    "loyalty_respondents": "02_quantitative", "loyalty_accounts": "02_quantitative",
    "verbatim_needs": "03_needs_tree", "needs_tree_evidence": "03_needs_tree",
    "gap_needs": "04_gap_analysis", "gap_competitors": "04_gap_analysis", "gap_words": "04_gap_analysis",
    "at_risk": "05_actions", "recommendations": "05_actions", "action_plan": "05_actions", "metrics": "05_actions",
}


class RunData:
    """The tables and summary of one run folder.

    Parameters
    ----------
    run_dir
        The run folder (``tables/*.csv`` inside).
    summary
        The run summary (the content of ``summary.json``).
    config
        The configuration the run used (client, currency, scales).
    """

    def __init__(self, run_dir: Path, summary: dict, config: Config) -> None:
        self.run_dir = Path(run_dir)
        self.summary = summary or {}
        self.config = config
        self._cache: dict[str, pd.DataFrame | None] = {}

    # -- tables ---------------------------------------------------------
    def table(self, name: str) -> pd.DataFrame | None:
        """``tables/<name>.csv`` as a DataFrame, or ``None`` when absent, empty or unreadable."""
        if name not in self._cache:
            path = self.run_dir / "tables" / f"{name}.csv"
            df = None
            if path.is_file():
                try:
                    df = pd.read_csv(path, keep_default_na=True)
                except (OSError, ValueError, pd.errors.ParserError) as exc:
                    log.warning("decks: %s cannot be read (%s)", path, exc)
                    df = None
            self._cache[name] = df if df is not None and len(df) else None
        return self._cache[name]

    # Deck names of the plan's columns, by the keys of cra_helpers.actions.plan_columns.
    PLAN_KEYS = {"rank": "rank", "action": "action", "needs": "needs", "owner": "owner", "due": "due_date",
                 "rating_measure": "metric", "rating_baseline": "baseline", "rating_target": "target",
                 "accounts": "accounts_affected", "internal": "internal_communication",
                 "customer": "communication_to_customer", "action_id": "action_id"}

    def action_plan(self) -> pd.DataFrame | None:
        """The action plan with its communication columns (from ``action_plan.xlsx`` when present).

        The workbook's headers are in words (:func:`cra_helpers.actions.plan_columns`);
        they are renamed to the short names the slides use (:data:`PLAN_KEYS`).
        """
        from ..actions import plan_columns

        words = plan_columns(self.config)
        rename = {words[k]: v for k, v in self.PLAN_KEYS.items() if k in words}
        xlsx = self.run_dir / "tables" / "action_plan.xlsx"
        df = None
        if xlsx.is_file():
            try:
                df = pd.read_excel(xlsx, sheet_name="Action plan", engine="openpyxl")
            except (OSError, ValueError, KeyError) as exc:
                log.warning("decks: %s cannot be read (%s)", xlsx, exc)
        if df is None or not len(df):
            df = self.table("action_plan")
        if df is None or not len(df):
            return None
        df = df.rename(columns=rename)
        if "due_date" in df:
            df["due_date"] = pd.to_datetime(df["due_date"], errors="coerce").dt.date.astype("string").fillna("–")
        return df

    def why_missing(self, *tables: str) -> str:
        """One sentence saying why none of ``tables`` is in this run."""
        steps = list(dict.fromkeys(TABLE_STEP.get(t, "") for t in tables if TABLE_STEP.get(t)))
        by_name = {n.get("name"): n for n in self.summary.get("notebooks", [])}
        for step in steps:
            nb = by_name.get(step)
            if nb is None:
                return f"Step {step} was not part of this run."
            if nb.get("status") == "skipped":
                return f"Step {step} was skipped: {nb.get('reason') or 'its input tables are missing'}."
            if nb.get("status") == "failed":
                return f"Step {step} failed; its report names the error."
        absent = self.summary.get("tables_absent") or []
        if absent:
            return "The assessment has no " + ", ".join(absent) + " table."
        return "This run wrote no " + " or ".join(f"{t}.csv" for t in tables) + "."

    # -- headlines ------------------------------------------------------
    def headline(self, notebook: str, label: str) -> Any:
        """The value of a notebook's headline ``label``, or ``None``."""
        for nb in self.summary.get("notebooks", []):
            if nb.get("name") == notebook:
                for h in nb.get("headlines") or []:
                    if h.get("label") == label:
                        return h.get("value")
        return None

    @property
    def client(self) -> str:
        """Client name (summary first, then configuration)."""
        return str(self.summary.get("client") or self.config.client)

    @property
    def currency(self) -> str:
        """Currency of money amounts."""
        return str(self.config.currency or "")

    def scale_max(self, scale: str) -> float:
        """Top of a rating scale (e.g. 10)."""
        sc = self.config.scales.get(scale)
        return float(sc.max) if sc is not None else 10.0

    # -- names ----------------------------------------------------------
    @cached_property
    def account_names(self) -> dict[str, str]:
        """Account id → account name, from whichever tables the run wrote."""
        names: dict[str, str] = {}
        for table, col in (("at_risk", "account_name"), ("loyalty_accounts", "account_name"),
                           ("overview_accounts", S.ACCOUNT_NAME), ("accounts_prioritized", S.ACCOUNT_NAME)):
            df = self.table(table)
            if df is not None and col in df and S.ACCOUNT_ID in df:
                names.update({str(k): str(v) for k, v in zip(df[S.ACCOUNT_ID], df[col]) if isinstance(v, str) and v})
        return names

    @cached_property
    def need_names(self) -> dict[str, str]:
        """Need id → need name."""
        names: dict[str, str] = {}
        for table, col in (("need_scores", "need_name"), ("drivers", "need_name"), ("gap_needs", "need"), ("gap_words", "need")):
            df = self.table(table)
            if df is not None and col in df and S.NEED_ID in df:
                names.update({str(k): str(v) for k, v in zip(df[S.NEED_ID], df[col]) if isinstance(v, str) and v})
        return names

    @cached_property
    def competitor_names(self) -> dict[str, str]:
        """Competitor id → name, read from the assessment the run analysed (the run tables hold ids only)."""
        data = self.summary.get("data")
        if not data or not Path(str(data)).exists():
            return {}
        try:
            from ..loader import load_assessment

            tables = load_assessment(Path(str(data)), config=self.config).tables
            comp = tables.get(S.COMPETITORS)
            if comp is None:
                return {}
            return {str(k): str(v) for k, v in zip(comp[S.COMPETITOR_ID], comp[S.COMPETITOR_NAME]) if isinstance(v, str) and v}
        except Exception as exc:  # noqa: BLE001 - names are a nicety; the deck says "a competitor" without them
            log.warning("decks: competitor names not available (%s)", exc)
            return {}

    def competitor(self, cid: Any) -> str:
        """A competitor's name ("a competitor" when the assessment cannot be read)."""
        return self.competitor_names.get(str(cid), "a competitor")

    # -- verbatims ------------------------------------------------------
    @cached_property
    def verbatims(self) -> dict[str, tuple[str, str]]:
        """Verbatim id → (text, role attribution such as "Purchasing, decision-maker")."""
        df = self.table("verbatim_needs")
        out: dict[str, tuple[str, str]] = {}
        if df is None or "verbatim_id" not in df or "text" not in df:
            return out
        for row in df.itertuples(index=False):
            parts = [getattr(row, c, None) for c in (S.DEPARTMENT, S.DECISION_ROLE)]
            who = ", ".join(str(p) for p in parts if isinstance(p, str) and p) or "a customer"
            out[str(row.verbatim_id)] = (str(row.text), who)
        return out
