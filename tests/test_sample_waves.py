"""The second wave of the sample: determinism, committed files, the same portfolio, pairing."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cra_helpers import sample as sm
from cra_helpers import sample_waves as sw
from cra_helpers import schema as S

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("waves")
    return {p.name: p for p in sw.write_waves(out)}


def test_same_seed_same_wave():
    (a, ta), (b, tb) = sw.generate_second_wave(), sw.generate_second_wave()
    for name in S.TABLE_ORDER:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    assert ta == tb


def test_other_seed_other_wave():
    a, _ = sw.generate_second_wave()
    b, _ = sw.generate_second_wave(seed=sm.DEFAULT_SEED + 1)
    assert not a.tables[S.RATINGS].equals(b.tables[S.RATINGS])


def test_committed_wave_matches_a_fresh_one(written):
    truth = json.loads(written[sw.TRUTH_WAVES_NAME].read_text(encoding="utf-8"))
    committed_dir = SAMPLE_DIR / sw.WAVES_DIR
    assert written[sw.TRUTH_WAVES_NAME].read_bytes() == (committed_dir / sw.TRUTH_WAVES_NAME).read_bytes()
    fresh = pd.read_excel(written[sm.XLSX_NAME], sheet_name=None, dtype=object, engine="calamine")
    committed = pd.read_excel(committed_dir / truth[sw.TRUTH_CURRENT] / sm.XLSX_NAME, sheet_name=None, dtype=object,
                              engine="calamine")
    for name in S.TABLE_ORDER:
        pd.testing.assert_frame_equal(fresh[name], committed[name], obj=name)


def test_same_portfolio_new_interviews():
    first = sm.generate_sample()
    second, truth = sw.generate_second_wave()
    for name in (S.ACCOUNTS, S.LOCATIONS, S.NEEDS, S.COMPETITORS):
        pd.testing.assert_frame_equal(first.tables[name], second.tables[name])
    assert truth[sw.TRUTH_CURRENT] == str(int(truth[sw.TRUTH_PREVIOUS]) + 1)
    assert set(second.tables[S.INTERVIEWS][S.WAVE]) == {truth[sw.TRUTH_CURRENT]}
    assert not set(first.tables[S.INTERVIEWS][S.INTERVIEW_ID]) & set(second.tables[S.INTERVIEWS][S.INTERVIEW_ID])
    assert not set(first.tables[S.VERBATIMS][S.VERBATIM_ID]) & set(second.tables[S.VERBATIMS][S.VERBATIM_ID])
    both = set(first.tables[S.INTERVIEWS][S.CONTACT_ID]) & set(second.tables[S.INTERVIEWS][S.CONTACT_ID])
    assert len(both) == truth[sw.TRUTH_CONTACTS]["re_interviewed"]
    assert 0.7 * len(first.tables[S.INTERVIEWS]) < len(both) < len(first.tables[S.INTERVIEWS])
    new = set(second.tables[S.INTERVIEWS][S.CONTACT_ID]) - set(first.tables[S.CONTACTS][S.CONTACT_ID])
    assert len(new) == truth[sw.TRUTH_CONTACTS]["new"] > 0
    kinds = [c[sw.TRUTH_KIND] for c in truth[sw.TRUTH_CHANGES]]
    assert kinds == [sw.IMPROVED, sw.WORSENED, sw.TURNED_AT_RISK]
    accounts = [c[S.ACCOUNT_ID] for c in truth[sw.TRUTH_CHANGES]]
    assert len(set(accounts)) == 3 and not set(accounts) & set(first.truth[sm.TRUTH_AT_RISK])
