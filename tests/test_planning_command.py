"""``cra plan`` and :func:`cra_helpers.planning.command.plan_accounts`: one folder with every file the
interviews need, each link of its landing page resolving; the command's errors as plain messages with
documented exit codes; an interrupted plan leaving the previous one as it was; the 00_plan notebook."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest
from icalendar import Calendar

from cra_helpers import cli, headlines, paths
from cra_helpers import schema as S
from cra_helpers.pipeline import discover
from cra_helpers.planning import capture, command, guide, schedule

from ._planning import FIRST_DAY, planning_config
from ._reports import guarded_page

AS_OF = dt.date(2026, 2, 20)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href"]


def _hrefs(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.hrefs


@pytest.fixture(scope="module")
def planned(sample, tmp_path_factory):
    """A012 (16 contacts on three sites in three cities) and A020 (a key account without contacts)."""
    a = _with_config(sample)
    out = tmp_path_factory.mktemp("plan") / "plan"
    lines: list[str] = []
    result = command.plan_accounts(a, ["A012", "A020", "A012"], out=out, as_of=AS_OF, sentiment="vader",
                                   echo=lines.append)
    return a, result, lines


def _with_config(sample):
    from cra_helpers.assessment import Assessment

    cfg = planning_config(sample.config, first_day=dt.date.fromisoformat(FIRST_DAY))
    return Assessment(dict(sample.tables), cfg, sample.source)


def test_the_plan_holds_every_file_and_each_link_resolves(planned):
    a, result, lines = planned
    root = result.folder
    assert [p.account_id for p in result.accounts] == ["A012", "A020"]  # a repeated id is planned once
    assert len(lines) == 2 and "A012" in lines[0] and "no contacts" in lines[1]
    hrefs = _hrefs(result.index)
    assert hrefs and all((root / h).is_file() for h in hrefs), [h for h in hrefs if not (root / h).is_file()]
    contacts = a.contacts[a.contacts[S.ACCOUNT_ID] == "A012"]
    # every contact: one letter as HTML and DOCX, the DOCX naming the contact; all linked from the index
    letters = sorted((root / "A012" / "letters").iterdir())
    assert len(letters) == 2 * len(contacts)
    for c in contacts.itertuples():
        assert f"A012/letters/letter_{c.contact_id}.html" in hrefs
        text = "\n".join(p.text for p in docx.Document(root / "A012" / "letters" / f"letter_{c.contact_id}.docx").paragraphs)
        assert getattr(c, S.CONTACT_NAME) in text
    # one guide per role among the contacts, HTML and PDF
    roles = guide.roles_of(a, "A012")
    assert len([h for h in hrefs if h.startswith("A012/guides/") and h.endswith(".html")]) == len(roles)
    assert len(list((root / "A012" / "guides").glob("*.pdf"))) == len(roles)
    # the account without contacts: its guide for every role, nothing else, and a note saying why
    assert sorted(p.name for p in (root / "A020").rglob("*") if p.is_file()) == ["guide_A020_any.html", "guide_A020_any.pdf"]
    assert any("Rheinfeld Automation GmbH (A020)" in n and "No contacts" in n for n in result.notes)
    assert "Rheinfeld Automation GmbH (A020): No contacts" in result.index.read_text(encoding="utf-8")
    assert not [p for p in root.parent.iterdir() if ".staging-" in p.name]


def test_schedule_files_and_letters_agree_with_the_schedule(planned):
    a, result, _ = planned
    s, root = result.schedule, result.folder
    contacts = a.contacts[a.contacts[S.ACCOUNT_ID] == "A012"]
    assert sorted(s[S.CONTACT_ID]) == sorted(contacts[S.CONTACT_ID]) and s[S.CONTACT_ID].is_unique
    events = [e for e in Calendar.from_ical((root / "schedule.ics").read_bytes()).walk("VEVENT")]
    assert sorted(str(e["UID"]).split("@")[0] for e in events) == sorted(s[S.INTERVIEW_ID])
    wb = openpyxl.load_workbook(root / "schedule.xlsx", read_only=True)
    assert sum(ws.max_row - 1 for ws in wb.worksheets[:1]) == len(s)
    # the letters give the account's own interview days; the index states the same window
    first, last = (pd.to_datetime(s[schedule.START]).dt.date.agg(f) for f in ("min", "max"))
    plan = result.accounts[0]
    assert plan.window == (first, last) and plan.interviews == len(s)
    letter = (root / "A012" / "letters" / f"letter_{contacts[S.CONTACT_ID].iloc[0]}.html").read_text(encoding="utf-8")
    assert str(first.day) in letter and str(last.day) in letter
    index = result.index.read_text(encoding="utf-8")
    assert f">{len(s)}<" in index and "Thornbury Turbines SE" in index
    # the capture workbook lists exactly the interviews booked
    ws = openpyxl.load_workbook(root / "A012" / "capture_A012.xlsx")[S.INTERVIEWS]
    head = [c.value for c in ws[1]]
    ids = [ws.cell(r, head.index(S.INTERVIEW_ID) + 1).value for r in range(2, ws.max_row + 1)]
    assert sorted(i for i in ids if i) == sorted(s[S.INTERVIEW_ID])


def test_text_from_the_data_is_escaped_on_the_index(sample, tmp_path):
    a = _with_config(sample)
    accounts = a.accounts.copy()
    accounts.loc[accounts[S.ACCOUNT_ID] == "A012", S.ACCOUNT_NAME] = "<script>alert(1)</script> & Co"
    from cra_helpers.assessment import Assessment

    b = Assessment({**a.tables, S.ACCOUNTS: accounts}, a.config, a.source)
    result = command.plan_accounts(b, ["A012"], out=tmp_path / "p", as_of=AS_OF, sentiment="vader", pdf=False)
    html = result.index.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html


def test_an_interrupted_plan_leaves_the_previous_one(sample, tmp_path, monkeypatch):
    a = _with_config(sample)
    out = tmp_path / "plan"
    first = command.plan_accounts(a, ["A012"], out=out, as_of=AS_OF, sentiment="vader", pdf=False)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(capture, "write_capture_workbook", broken)
    with pytest.raises(KeyboardInterrupt):
        command.plan_accounts(a, ["A012", "A005"], out=out, as_of=AS_OF, sentiment="vader", pdf=False)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before and first.index.is_file()
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name]


def test_accounts_for_the_notebook_parameter(sample):
    keys = headlines.key_account_ids(sample)
    assert command.accounts_for(sample, "all") == keys
    assert command.accounts_for(sample, " A012, A005 ") == ["A012", "A005"]
    first = command.accounts_for(sample, "")
    assert len(first) == 1 and first[0] in set(sample.contacts[S.ACCOUNT_ID])
    assert first[0] == next(k for k in keys if k in set(sample.contacts[S.ACCOUNT_ID]))


def test_readiness_and_timing_against_the_tables(sample):
    keys = headlines.key_account_ids(sample)
    r = schedule.readiness(sample, keys).set_index(S.ACCOUNT_ID)
    for acc in keys:
        mine = sample.contacts[sample.contacts[S.ACCOUNT_ID] == acc]
        assert r.loc[acc, "contacts"] == len(mine)
        assert r.loc[acc, "sites"] == mine[S.LOCATION_ID].nunique()
        assert r.loc[acc, "interviewed_before"] == int(mine[S.CONTACT_ID].isin(sample.interviews[S.CONTACT_ID]).sum())
        assert r.loc[acc, "status"] == ("ready to book" if len(mine) else "no contacts yet")
    t = guide.guide_timing(sample, "A012", sample.config, sentiment="vader")
    assert len(t) == len(guide.roles_of(sample, "A012"))
    for row, (level, role) in zip(t.itertuples(), guide.roles_of(sample, "A012")):
        g = guide.build_guide(sample, "A012", sample.config, level, role, sentiment="vader")
        assert row.total_minutes == g.attrs["total_minutes"] <= row.max_minutes
        assert row.questions == int(g["kept"].sum()) and row.left_out == int((~g["kept"].astype(bool)).sum())


# ----------------------------------------------------------------------
# The command line: plain messages, documented exit codes
# ----------------------------------------------------------------------
def _cra(capsys, *args) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        cli.main(list(args))
    got = capsys.readouterr()
    return exc.value.code, got.out + got.err


@pytest.mark.parametrize("args, code, says", [
    (("--account", "NOPE"), 2, r"account\(s\) 'NOPE' not in sheet 'accounts'"),
    (("--account", "A012", "--all"), 2, r"--account ID \(repeatable\) or --all"),
    ((), 2, r"--account ID \(repeatable\) or --all"),
    (("--account", "A012", "--interviewers", " , "), 2, r"interviewers: .*at least one interviewer"),
    (("--all", "--first-day", FIRST_DAY), 2, r"do not fit into the window of 10 working days .*--window-days \d+ or more"),
    (("--account", "A012", "--data", "missing.xlsx"), 2, r"missing\.xlsx.*not found"),
    (("--account", "A012", "--first-day", "2026-13-01"), 2, r"--first-day"),
])
def test_cli_errors_are_one_message_and_an_exit_code(capsys, tmp_path, args, code, says):
    got, text = _cra(capsys, "plan", "--out", str(tmp_path / "p"), *args)
    assert got == code and re.search(says, text), text
    assert "Traceback" not in text and not (tmp_path / "p").exists()


def test_cli_refuses_a_folder_in_use_unless_forced(capsys, tmp_path):
    out = tmp_path / "p"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    code, text = _cra(capsys, "plan", "--account", "A020", "--out", str(out), "--no-pdf")
    assert code == 2 and "--force" in text and (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    code, text = _cra(capsys, "plan", "--account", "A020", "--out", str(out), "--no-pdf", "--force")
    assert code == 3 and "not a CRA report" in text and (out / "notes.txt").is_file()


def test_cli_plans_and_replaces_its_own_plan(capsys, tmp_path):
    out = tmp_path / "p"
    args = ("plan", "--account", "A012", "--out", str(out), "--no-pdf", "--first-day", FIRST_DAY, "--window-days", "5",
            "--interviewers", "Ana,Ben")
    cli.main(list(args))  # success returns; every failure exits
    text = capsys.readouterr().out
    assert f"Plan: {out / 'index.html'}" in text
    sched = pd.read_excel(out / "schedule.xlsx", engine="openpyxl")
    assert set(sched["Interviewer"]) == {"Ana", "Ben"} and not list(out.rglob("*.pdf"))
    code, text = _cra(capsys, *args)
    assert code == 2 and "--force" in text
    cli.main([*args, "--force"])
    assert f"Plan: {out / 'index.html'}" in capsys.readouterr().out and (out / "index.html").is_file()


def test_the_plan_notebook_runs_only_on_request():
    names = [p.stem for p in discover(paths.notebooks_dir())]
    assert "00_plan" not in names and "00_overview" in names
    assert [p.stem for p in discover(paths.notebooks_dir(), ["00_plan"])] == ["00_plan"]


@pytest.mark.slow
def test_the_plan_notebook_writes_the_plan_into_the_run(sample, tmp_path):
    from cra_helpers.pipeline import run_pipeline

    out = tmp_path / "run"
    result = run_pipeline(data=paths.sample_path(), out=out, only=["00_plan"], echo=lambda _l: None)
    assert result.ok, [n.error for n in result.failed]
    page = out / "00_plan.html"
    html = page.read_text(encoding="utf-8")
    assert "Dunmore MedTech NV" in html and "Knowledge gaps" in html
    plan_links = [h for h in _hrefs(page) if h.startswith("plan/")]
    assert plan_links and all((out / h).is_file() for h in plan_links)
    assert (out / "plan" / "A005" / "capture_A005.xlsx").is_file()
    assert len(pd.read_csv(out / "tables" / "plan_schedule.csv")) == int((sample.contacts[S.ACCOUNT_ID] == "A005").sum())


@pytest.mark.browser
def test_the_plan_opens_offline(planned, browser):
    _, result, _ = planned
    guard = guarded_page(browser, 1280, 720)
    context, page, outside, errors = guard.context, guard.page, guard.outside, guard.errors
    page.goto(result.index.as_uri(), wait_until="load")
    assert "Interview plan" in page.inner_text("h1")
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.screenshot(path="/tmp/plan_index.png", full_page=True)
    page.click("text=executive · decision-maker")
    page.wait_for_load_state("load")
    assert "guide_A012_executive_decision-maker.html" in page.url
    assert "Thornbury Turbines SE" in page.inner_text("body")
    assert outside == [] and errors == []
    context.close()
