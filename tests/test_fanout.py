"""Per-account reports fanned out: the same pages on the local pool and on a Dask cluster, failures contained,
paths kept inside the run folder, pages that open offline; the tiling of accounts and the landing-page table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cra_helpers import fanout, paths, tiling
from cra_helpers import schema as S
from cra_helpers.fanout import AccountResult, FanOutError, FanOutResult, accounts_index_html, fan_out
from cra_helpers.loader import load_assessment

EVIL = "../evil"
EVIL_NAME = "Evil <script>alert(1)</script> & Co"
ACCOUNTS = ["A005", EVIL, "NOPE", "A010"]


@pytest.fixture(scope="module")
def sample():
    return load_assessment(paths.sample_path())


@pytest.fixture(scope="module")
def tiled_data(sample, tmp_path_factory) -> Path:
    tables = tiling.tile_accounts(sample, ["A012"], [EVIL])
    acc = tables[S.ACCOUNTS]
    acc.loc[acc[S.ACCOUNT_ID] == EVIL, S.ACCOUNT_NAME] = EVIL_NAME
    return tiling.write_csv_folder(tables, tmp_path_factory.mktemp("data") / "tiled")


def test_tiling_copies_an_account_with_everything_it_owns(sample):
    tables = tiling.tile_accounts(sample, ["A005", "A010"], ["X1", "X2", "X3"])
    assert len(tables[S.ACCOUNTS]) == len(sample.accounts) + 3
    resp = sample.respondents()
    n5 = int((resp[S.ACCOUNT_ID] == "A005").sum())
    contacts = tables[S.CONTACTS]
    interviews = tables[S.INTERVIEWS].merge(contacts[[S.CONTACT_ID, S.ACCOUNT_ID]], on=S.CONTACT_ID)
    assert int((interviews[S.ACCOUNT_ID] == "X1").sum()) == n5 == int((interviews[S.ACCOUNT_ID] == "X3").sum())
    assert tables[S.INTERVIEWS][S.INTERVIEW_ID].is_unique and contacts[S.CONTACT_ID].is_unique
    with pytest.raises(ValueError):
        tiling.tile_accounts(sample, ["A005"], ["A010"])


def test_tiled_assessment_loads(sample, tiled_data):
    b = load_assessment(tiled_data)
    assert EVIL in set(b.accounts[S.ACCOUNT_ID])
    assert len(b.ratings) > len(sample.ratings)


def test_bad_options_are_plain_errors(tmp_path):
    for kw in ({"cluster": "k8s:3"}, {"cluster": "local:0"}, {"scheduler": "localhost:8786"},
               {"scheduler": "tcp://h:1", "cluster": "local:1"}):
        with pytest.raises(FanOutError):
            fan_out(tmp_path, paths.sample_path(), None, ["A005"], progress=False, echo=lambda s: None, **kw)
    with pytest.raises(FanOutError):
        fan_out(tmp_path / "absent", paths.sample_path(), None, ["A005"], progress=False)


def test_landing_table_is_escaped_and_links_inside(tmp_path):
    res = FanOutResult(tmp_path, [
        AccountResult("<b>1</b>", "A & <i>B</i>", "ok", 1.0, "accounts/b-1.html"),
        AccountResult("X", "X", "failed", 0.5, None, {"cell": 3, "source": "x = '<img>'", "ename": "E", "evalue": "<bad>"}),
        AccountResult("Y", "Y", "ok", 0.5, "../outside.html"),
    ], 2.0, "local pool", 2)
    page = accounts_index_html(res, tmp_path)
    assert "<b>" not in page and "<i>" not in page and "<img>" not in page and "<bad>" not in page
    assert 'href="accounts/b-1.html"' in page and "outside.html" not in page
    assert "cell 3" in page


def _text(page: str) -> str:
    """Visible text of a page without the report date."""
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\d{4}-\d{2}-\d{2}", "DATE", re.sub(r"\s+", " ", body))


def _run(folder: Path, data: Path, **kw) -> FanOutResult:
    folder.mkdir(parents=True)
    return fan_out(folder, data, None, ACCOUNTS, progress=False, echo=lambda s: None, **kw)


@pytest.fixture(scope="module")
def both(tiled_data, tmp_path_factory) -> tuple[FanOutResult, FanOutResult]:
    base = tmp_path_factory.mktemp("runs")
    return _run(base / "pool", tiled_data, workers=2), _run(base / "dask", tiled_data, cluster="local:2")


@pytest.mark.slow
def test_dask_and_local_pool_write_the_same_reports(both):
    pool, dask = both
    assert [r.status for r in pool.accounts] == [r.status for r in dask.accounts] == ["ok", "ok", "failed", "ok"]
    for a, b in zip(pool.accounts, dask.accounts):
        if a.path:
            assert a.path == b.path
            assert _text((pool.run_folder / a.path).read_text()) == _text((dask.run_folder / b.path).read_text())
    assert pool.prepare_seconds and dask.prepare_seconds


@pytest.mark.slow
def test_a_failing_account_is_reported_with_its_cell_and_the_others_finish(both):
    for res in both:
        bad = res.accounts[ACCOUNTS.index("NOPE")]
        assert bad.path is None
        assert bad.error["cell"] == 3 and bad.error["source"].startswith("from cra_helpers import account_view")
        assert bad.error["ename"] == "AccountNotFound" and "NOPE" in bad.error["evalue"]
        assert "cell 3" in bad.describe()
        assert sum(r.status == "ok" for r in res.accounts) == 3
        assert "Traceback" not in accounts_index_html(res, res.run_folder)


@pytest.mark.slow
def test_paths_stay_inside_the_run_folder(both):
    for res in both:
        folder = res.run_folder.resolve()
        evil = res.accounts[ACCOUNTS.index(EVIL)]
        assert evil.status == "ok" and evil.path.startswith(f"{fanout.ACCOUNTS_DIR}/")
        for p in folder.parent.rglob("*"):
            assert p.resolve().is_relative_to(folder.parent)
        assert not (folder.parent / "evil.html").exists() and not (folder.parent.parent / "evil.html").exists()
        written = sorted(p.name for p in (folder / fanout.ACCOUNTS_DIR).iterdir())
        assert written == sorted(Path(r.path).name for r in res.accounts if r.path)


@pytest.mark.slow
def test_pages_open_offline_and_escape_customer_text(both):
    pool, _ = both
    for r in pool.accounts:
        if not r.path:
            continue
        page = (pool.run_folder / r.path).read_text()
        for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", page):
            assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", tag), tag
        assert 'src="../assets/plotly.min.js"' in page and 'href="../index.html"' in page
        assert (pool.run_folder / "assets" / "plotly.min.js").exists()
        assert "<script>alert(1)</script>" not in page
    evil_page = (pool.run_folder / pool.accounts[1].path).read_text()
    assert "Evil &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in evil_page
    assert "not enough data" in evil_page or "Needs: this account" in evil_page
