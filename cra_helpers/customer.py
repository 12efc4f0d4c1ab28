"""Output meant for customers: "what you told us and what we will do", with nothing internal.

The run folder's ``customer/`` subfolder holds every file that may be handed
to a customer: the portfolio report (``customer/report.html``, written here),
one page per key account (``customer/one_pagers/<account>.html``, written by
``05_actions`` through :func:`cra_helpers.actions.customer_one_pager`) and an
index of both (``customer/index.html``).

What these files never contain
    Contact names, e-mail addresses and telephone numbers (remarks are passed
    through :func:`cra_helpers.redact.redact_text` and attributed by role —
    department and level — only); revenue, risk scores or levels, value
    classes, return on resources, owners, competitors' names or any figure
    about another customer. What they do contain is what customers said:
    the mean importance and performance they gave each need (1–10), their
    remarks, and the actions of the plan with their due dates.
    :func:`cra_helpers.redact.scan_for_pii` checks the folder after a run.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd

from . import formatting as F
from . import schema as S
from .actions import _role  # one rule for "who said it": department and level
from .assessment import Assessment
from .config import Config
from .redact import pii_terms, redact_text

CUSTOMER_DIR = "customer"
REPORT = "report.html"
INDEX = "index.html"
TOP_NEEDS = 5
QUOTES_PER_NEED = 2


def _e(x: object) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def portfolio_content(run_dir: str | Path, a: Assessment, config: Config) -> dict[str, Any]:
    """What the portfolio report says, as tables (no HTML): needs, shortfalls, strengths, actions.

    Parameters
    ----------
    run_dir
        Run folder with ``tables/gap_needs.csv``, ``gap_words.csv`` and
        ``action_plan.csv`` (any of them may be missing: that part is left out).
    a
        The assessment (remarks and who said them, for roles and redaction).
    config
        The run's configuration (client name, performance scale).

    Returns
    -------
    dict
        ``interviews`` and ``companies`` (counts), ``important`` (need,
        importance), ``short`` and ``strong`` (need, importance, performance,
        quotes: list of (redacted text, role)), ``actions`` (action, needs,
        due); ratings are means on the 1–10 scales.
    """
    tables = Path(run_dir) / "tables"
    out: dict[str, Any] = {"interviews": 0, "companies": 0, "important": pd.DataFrame(), "short": [], "strong": [],
                           "actions": pd.DataFrame()}
    if a.has(S.INTERVIEWS, S.CONTACTS):
        resp = a.respondents()
        out["interviews"], out["companies"] = len(resp), int(resp[S.ACCOUNT_ID].nunique())
    gaps, words = _read_table(tables, "gap_needs"), _read_table(tables, "gap_words")
    if gaps is not None:
        out["important"] = gaps.sort_values("importance", ascending=False).head(TOP_NEEDS)[["need", "importance"]]
        out.update(_shortfalls_and_strengths(gaps, words, _QuotePicker(a, _read_table(tables, "verbatim_needs"))))
    plan = _read_table(tables, "action_plan")
    if plan is not None and len(plan):
        cols = {"Action": "action", "Needs addressed": "needs", "Due date": "due"}
        out["actions"] = plan[[c for c in cols if c in plan.columns]].rename(columns=cols)
    return out


def _read_table(tables: Path, name: str) -> pd.DataFrame | None:
    p = tables / f"{name}.csv"
    return pd.read_csv(p) if p.is_file() else None


class _QuotePicker:
    """Remarks by id, redacted and attributed by role, kept only when their tone is the one wanted."""

    def __init__(self, a: Assessment, verbatim_needs: pd.DataFrame | None) -> None:
        self.terms = pii_terms(a)
        if a.has(S.INTERVIEWS, S.CONTACTS):
            self.who = a.respondents().set_index(S.INTERVIEW_ID)[[S.DEPARTMENT, S.LEVEL]]
        else:
            self.who = pd.DataFrame(columns=[S.DEPARTMENT, S.LEVEL])
        self.verb = a.verbatims.set_index(S.VERBATIM_ID) if a.has(S.VERBATIMS) else None
        vn = verbatim_needs
        self.tone = (dict(zip(vn[S.VERBATIM_ID].astype(str), vn["sentiment"].astype(str)))
                     if vn is not None and "sentiment" in vn else {})

    def __call__(self, ids: object, wanted: str) -> list[tuple[str, str]]:
        """The remarks of ``ids`` whose tone is ``wanted`` (a shortfall is never shown with praise)."""
        found = []
        t = self.terms
        for vid in [x.strip() for x in str(ids).split(";") if x.strip() and str(ids) != "nan"]:
            if self.verb is None or vid not in self.verb.index or self.tone.get(vid, wanted) != wanted:
                continue
            row = self.verb.loc[vid]
            dept, level = (self.who.loc[row[S.INTERVIEW_ID]] if row[S.INTERVIEW_ID] in self.who.index else (None, None))
            found.append((redact_text(row[S.TEXT], t["names"], t["emails"], t["phones"]), _role(dept, level)))
        return found[:QUOTES_PER_NEED]


def _shortfalls_and_strengths(gaps: pd.DataFrame, words: pd.DataFrame | None, quotes: _QuotePicker) -> dict[str, list]:
    """The largest gaps and strengths with remarks of the matching tone (``short``, ``strong``)."""
    out: dict[str, list] = {}
    w = words.set_index("need_id") if words is not None else pd.DataFrame()
    for stance, key, order in (("gap", "short", False), ("strength", "strong", True)):
        if "stance" not in w:
            break
        ids = w.index[w["stance"] == stance]
        rows = gaps[gaps[S.NEED_ID].isin(ids)].sort_values("gap", ascending=order).head(4)
        out[key] = [{"need": r["need"], "importance": r["importance"], "performance": r["performance"],
                     "quotes": quotes(w.at[r[S.NEED_ID], "quote_ids"], "negative" if key == "short" else "positive")}
                    for _, r in rows.iterrows()]
    return out


def _quote_html(quotes: list[tuple[str, str]]) -> str:
    return "".join(f'<blockquote>“{_e(t)}”<footer>— {_e(r)}</footer></blockquote>' for t, r in quotes)


def portfolio_html(content: dict[str, Any], config: Config, date: str) -> str:
    """The portfolio report page ("what you told us and what we will do") from :func:`portfolio_content`."""
    scale = config.scale(S.SCALE_PERFORMANCE)
    sc = f"{F.number(scale.min, 0)}–{F.number(scale.max, 0)}"
    parts = [f"<p class='lead'>Thank you. {F.plural(content['interviews'], 'person', 'people')} at "
             f"{F.plural(content['companies'], 'company', 'companies')} told us what matters to them and how we "
             f"perform. This is what we heard and what we will do about it.</p>"]
    if len(content["important"]):
        items = "".join(f"<li>{_e(r['need'])} <span class='fig'>importance {F.number(r['importance'])} of "
                        f"{F.number(scale.max, 0)}</span></li>" for _, r in content["important"].iterrows())
        parts.append(f"<h2>What matters most to you</h2><ol>{items}</ol>")
    for key, title in (("short", "Where you told us we fall short"), ("strong", "What you value in our work")):
        if content[key]:
            blocks = "".join(
                f"<section class='need'><h3>{_e(n['need'])}</h3><p class='fig'>Importance "
                f"{F.number(n['importance'])}, our performance {F.number(n['performance'])} (mean ratings, {sc})</p>"
                f"{_quote_html(n['quotes'])}</section>" for n in content[key])
            parts.append(f"<h2>{title}</h2>{blocks}")
    if len(content["actions"]):
        rows = "".join(f"<tr><td>{_e(r.get('action'))}</td><td>{_e(r.get('needs', ''))}</td>"
                       f"<td>{_e(r.get('due', ''))}</td></tr>" for _, r in content["actions"].iterrows())
        parts.append("<h2>What we will do</h2><table class='cra-table'><thead><tr><th>Action</th><th>For</th>"
                     f"<th>By</th></tr></thead><tbody>{rows}</tbody></table>")
    else:
        parts.append("<h2>What we will do</h2><p>The action plan is being agreed; we will tell you what we change.</p>")
    return _page(f"What you told us and what we will do — {config.client}", "".join(parts), config, date)


_EXTRA_CSS = ("blockquote{margin:8px 0 8px 0;padding:8px 14px;border-left:3px solid var(--cra-us);background:#f6f7f9;"
              "font-size:15px}blockquote footer{font-size:13px;color:var(--cra-muted);margin-top:4px}"
              ".fig{color:var(--cra-muted);font-size:14px}.lead{font-size:17px}section.need{break-inside:avoid}"
              "@media print{body.cra-report main{box-shadow:none}}")


def _page(title: str, body: str, config: Config, date: str) -> str:
    from .report import page_shell

    return page_shell(title, body, client=config.client, meta_html=_e(date), heading=title.split(" — ")[0],
                      extra_css=_EXTRA_CSS, viewport=True)


def write_customer_outputs(run_dir: str | Path, a: Assessment, config: Config, date: str) -> list[Path]:
    """Write ``customer/report.html`` and ``customer/index.html`` (listing the per-account pages too).

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(run_dir) / CUSTOMER_DIR
    folder.mkdir(exist_ok=True)
    report = folder / REPORT
    report.write_text(portfolio_html(portfolio_content(run_dir, a, config), config, date), encoding="utf-8")
    pages = sorted((folder / "one_pagers").glob("*.html")) if (folder / "one_pagers").is_dir() else []
    names = a.account_names().to_dict()
    titles = {}
    for p in pages:  # the page's own title names the account (file names may be made safe from ids)
        text = p.read_text(encoding="utf-8", errors="ignore")
        start = text.find("<title>")
        titles[p.name] = html.unescape(text[start + 7:text.find("</title>", start)]) if start >= 0 else p.stem
    items = "".join(f'<li><a href="one_pagers/{_e(p.name)}">{_e(titles.get(p.name) or names.get(p.stem, p.stem))}</a></li>'
                    for p in pages)
    body = (f'<p>Files for customers: no internal figures, no contact data.</p><ul><li><a href="{REPORT}">'
            f'What you told us and what we will do (all customers)</a></li></ul>'
            + (f"<h2>One page per key account</h2><ul>{items}</ul>" if items else ""))
    index = folder / INDEX
    index.write_text(_page(f"For customers — {config.client}", body, config, date), encoding="utf-8")
    return [report, index]
