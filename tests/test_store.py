"""The store of imported waves (cra_helpers.store): round trip, replace, atomicity under a kill, errors, CLI."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from cra_helpers import cli, paths, store, store_db
from cra_helpers import schema as S
from cra_helpers.loader import AssessmentError, load_assessment

from .conftest import set_cell

SAMPLE_ROWS = 6060  # ratings of the bundled sample


def _assert_same_tables(got, want) -> None:
    assert list(got.tables) == list(want.tables)
    for name in want.tables:
        pd.testing.assert_frame_equal(got.tables[name], want.tables[name], obj=name)


def _rows_by_key(db: Path, table: str) -> dict[tuple[str, str], int]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(f"SELECT {store.CLIENT_KEY}, {store.WAVE_KEY}, count(*) FROM {table} GROUP BY ALL").fetchall()
    return {(c, w): n for c, w, n in rows}


def _ratings_digest(frame: pd.DataFrame) -> int:
    return int(pd.util.hash_pandas_object(frame, index=True).sum())


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store" / "cra.duckdb"


# ----------------------------------------------------------------------
# 1. Round trip
# ----------------------------------------------------------------------
def test_the_sample_reads_back_as_the_loader_gives_it(db, sample):
    result = store.import_assessment(db, paths.sample_path(), "acme", "2026")
    assert not result.replaced and result.rows[S.RATINGS] == SAMPLE_ROWS == len(sample.ratings)
    assert result.rows == {name: len(frame) for name, frame in sample.tables.items()}
    back = store.load_wave(db, "acme", "2026")
    _assert_same_tables(back, sample)  # values, dtypes (categories, Int64, boolean, dates) and source row numbers
    assert back.source == paths.sample_path() and back.notes == sample.notes and back.absent == sample.absent
    with duckdb.connect(str(db), read_only=True) as con:
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = ?", [S.INTERVIEWS]).fetchall())
    assert types[S.DATE] == "DATE" and types[S.INTERVIEW_ID] == "VARCHAR" and types[S.DURATION_MIN] == "BIGINT"


def test_text_ids_dates_and_missing_values_round_trip_from_a_csv_folder(db, tables, write):
    set_cell(tables, S.ACCOUNTS, 0, S.ACCOUNT_ID, "007")
    tables[S.LOCATIONS].loc[tables[S.LOCATIONS][S.ACCOUNT_ID] == "A001", S.ACCOUNT_ID] = "007"
    tables[S.CONTACTS].loc[tables[S.CONTACTS][S.ACCOUNT_ID] == "A001", S.ACCOUNT_ID] = "007"
    tables[S.SALES_HISTORY].loc[tables[S.SALES_HISTORY][S.ACCOUNT_ID] == "A001", S.ACCOUNT_ID] = "007"
    source = write(tables, fmt="csv")
    want = load_assessment(source)
    store.import_assessment(db, source, "acme", "2025")
    back = store.load_wave(db, "acme", "2025")
    _assert_same_tables(back, want)
    assert back.accounts[S.ACCOUNT_ID].iloc[0] == "007" and back.accounts[S.INDUSTRY].isna().iloc[2]


def test_export_reads_back_through_the_loader(db, sample, tmp_path):
    store.import_assessment(db, paths.sample_path(), "acme", "2026")
    folder = store.export_wave(db, "acme", "2026", tmp_path / "export")
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.csv" for t in sample.tables)
    _assert_same_tables(load_assessment(folder), sample)
    store.export_wave(db, "acme", "2026", folder)  # an earlier export is replaced
    (folder / "mine.txt").write_text("x", encoding="utf-8")
    with pytest.raises(store.StoreAccessError, match="holds other files"):
        store.export_wave(db, "acme", "2026", folder)


# ----------------------------------------------------------------------
# 2. Re-import replaces, never duplicates
# ----------------------------------------------------------------------
def test_importing_a_wave_again_replaces_it(db, tables, write):
    store.import_assessment(db, paths.sample_path(), "acme", "2026")
    again = store.import_assessment(db, paths.sample_path(), "acme", "2026")
    assert again.replaced
    assert _rows_by_key(db, S.RATINGS) == {("acme", "2026"): SAMPLE_ROWS}
    assert len(store.list_waves(db)) == 1

    small = write(tables, name="small.xlsx")
    store.import_assessment(db, small, "acme", "2025")
    store.import_assessment(db, small, "beta", "2026")
    before = {key: store.load_wave(db, *key) for key in [("acme", "2026"), ("beta", "2026")]}
    tables[S.RATINGS] = tables[S.RATINGS].iloc[:-3].reset_index(drop=True)
    set_cell(tables, S.LOYALTY, 0, S.SATISFACTION, 2.0)
    changed = store.import_assessment(db, write(tables, name="changed.xlsx"), "acme", "2025")
    assert changed.replaced and changed.source == "changed.xlsx"
    back = store.load_wave(db, "acme", "2025")
    _assert_same_tables(back, load_assessment(changed.store.parent.parent / "changed.xlsx"))
    for key, want in before.items():
        _assert_same_tables(store.load_wave(db, *key), want)
    counts = _rows_by_key(db, S.RATINGS)
    assert counts == {("acme", "2026"): SAMPLE_ROWS, ("acme", "2025"): len(tables[S.RATINGS]),
                      ("beta", "2026"): len(tables[S.RATINGS]) + 3}
    waves = store.list_waves(db)
    assert list(zip(waves["client"], waves["wave"])) == [("acme", "2026"), ("acme", "2025"), ("beta", "2026")]
    assert waves.loc[1, S.RATINGS] == len(tables[S.RATINGS]) and len(waves.loc[1, "sha256"]) == 12


def test_a_later_column_is_added_and_earlier_waves_keep_their_columns(db, tables, write):
    first = write(tables, name="first.xlsx")
    store.import_assessment(db, first, "acme", "2025")
    tables[S.ACCOUNTS]["Owner"] = ["Kim", None, "Lee"]
    second = write(tables, name="second.xlsx")
    store.import_assessment(db, second, "acme", "2026")
    _assert_same_tables(store.load_wave(db, "acme", "2026"), load_assessment(second))
    _assert_same_tables(store.load_wave(db, "acme", "2025"), load_assessment(first))


# ----------------------------------------------------------------------
# 3. A kill in the middle of a replace leaves the previous wave intact
# ----------------------------------------------------------------------
CHILD = r"""
import pathlib, sys
import pandas as pd
from cra_helpers import paths, store
from cra_helpers.loader import load_assessment

db, mark, times = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3])
big = load_assessment(paths.sample_path())
big.tables["ratings"] = pd.concat([big.tables["ratings"]] * times)
insert = store._insert_table

def marked(con, table, frame, client, wave):
    if table == "ratings":  # inside the transaction: the old rows are deleted, earlier tables inserted
        mark.write_text("writing", encoding="utf-8")
    return insert(con, table, frame, client, wave)

store._insert_table = marked
store._write_wave(db, big, "acme", "2026", paths.sample_path(), "f" * 64)
mark.write_text("committed", encoding="utf-8")
"""


def test_a_kill_during_a_replace_leaves_the_previous_wave_intact(db, tmp_path):
    store.import_assessment(db, paths.sample_path(), "acme", "2026")
    before = store.load_wave(db, "acme", "2026")
    digest = _ratings_digest(before.ratings)
    mark = tmp_path / "mark.txt"
    env = {**os.environ, "PYTHONPATH": str(paths.project_root())}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(mark), "100"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not mark.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(0.05)  # well inside the insert of ~600,000 rating rows
    child.send_signal(signal.SIGKILL)
    _, err = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL, err.decode()
    assert mark.read_text(encoding="utf-8") == "writing", "the kill must land after BEGIN and before COMMIT"

    waves = store.list_waves(db)
    assert len(waves) == 1 and waves.loc[0, S.RATINGS] == SAMPLE_ROWS and waves.loc[0, "sha256"] != "f" * 12
    after = store.load_wave(db, "acme", "2026")
    _assert_same_tables(after, before)
    assert _ratings_digest(after.ratings) == digest
    for table in before.tables:  # no partial rows of the killed import anywhere
        assert _rows_by_key(db, table) == {("acme", "2026"): len(before.tables[table])}
    assert store.import_assessment(db, paths.sample_path(), "acme", "2026").replaced  # the store is writable again


# ----------------------------------------------------------------------
# 4. Errors
# ----------------------------------------------------------------------
def test_bad_input_is_refused_with_the_loaders_message_and_writes_nothing(db, tables, write):
    set_cell(tables, S.RATINGS, 2, S.IMPORTANCE, 99.0)
    bad = write(tables, name="bad.xlsx")
    with pytest.raises(AssessmentError) as loader_error:
        load_assessment(bad)
    with pytest.raises(AssessmentError) as exc:
        store.import_assessment(db, bad, "acme", "2026")
    assert str(exc.value) == str(loader_error.value) and "row 4" in str(exc.value) and "importance" in str(exc.value)
    assert not db.exists()
    store.import_assessment(db, paths.sample_path(), "acme", "2026")
    with pytest.raises(AssessmentError):
        store.import_assessment(db, bad, "acme", "2026")
    assert _rows_by_key(db, S.RATINGS) == {("acme", "2026"): SAMPLE_ROWS}


def test_unknown_client_or_wave_lists_the_stored_ones(db):
    store.import_assessment(db, paths.sample_path(), "acme", "2026")
    store.import_assessment(db, paths.sample_path(), "acme", "2025")
    with pytest.raises(store.StoreError, match=r"client 'acme' has no wave '2024'.*its waves: '2026', '2025'"):
        store.load_wave(db, "acme", "2024")
    with pytest.raises(store.StoreError, match=r"client 'zeta' is not in the store .*'acme' \(waves '2026', '2025'\)"):
        store.export_wave(db, "zeta", "2026", db.parent / "out")


@pytest.mark.parametrize("client, wave, says", [
    ("", "2026", "client name is empty"),
    ("acme", "  ", "wave name is empty"),
    ("ac\x00me", "2026", "U\\+0000 at position 3"),
    ("acme", "2026\u202e", "U\\+202E"),
])
def test_bad_names_are_refused(db, client, wave, says):
    with pytest.raises(store.StoreError, match=says):
        store.import_assessment(db, paths.sample_path(), client, wave)
    assert not db.exists()


def test_a_missing_store_and_a_file_that_is_not_a_store(db):
    with pytest.raises(store.StoreError, match="does not exist.*cra import"):
        store.list_waves(db)
    db.parent.mkdir(parents=True)
    db.write_text("not a database", encoding="utf-8")
    with pytest.raises(store.StoreError, match="not a store"):
        store.list_waves(db)


HOLDER = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True); time.sleep(60)"


def test_a_store_in_use_by_another_process_is_said_so(db, monkeypatch, capsys):
    store.import_assessment(db, paths.sample_path(), "acme", "2026")
    monkeypatch.setattr(store_db, "LOCK_WAIT_SECONDS", 0.3)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(store.StoreBusy, match=f"in use by another process \\(process {holder.pid}\\)"):
            store.list_waves(db)
        code, text = _cra(capsys, "import", str(paths.sample_path()), "--client", "acme", "--wave", "2026", "--store", str(db))
        assert code == 4 and "in use by another process" in text and "Traceback" not in text
    finally:
        holder.kill()
        holder.wait()
    assert len(store.list_waves(db)) == 1


# ----------------------------------------------------------------------
# 5. Command line
# ----------------------------------------------------------------------
def _cra(capsys, *args) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        cli.main(list(args))
    got = capsys.readouterr()
    return exc.value.code, got.out + got.err


def test_cli_imports_replaces_and_lists(db, capsys):
    code, text = _cra(capsys, "waves", "--store", str(db))
    assert code == 2 and "does not exist" in text and "Traceback" not in text
    args = ["import", str(paths.sample_path()), "--client", "acme", "--wave", "2026", "--store", str(db)]
    cli.main(args)  # success returns; every failure exits
    out = capsys.readouterr().out
    assert f"ratings {SAMPLE_ROWS:,}" in out and "stored: client acme, wave 2026" in out
    cli.main(args)
    assert "replaced: client acme, wave 2026" in capsys.readouterr().out
    cli.main(["waves", "--store", str(db)])
    lines = capsys.readouterr().out.splitlines()
    assert re.match(r"client\s+wave\s+imported_at\s+source\s+accounts", lines[0]) and len(lines) == 2
    assert re.match(rf"acme\s+2026\s+\S+ \S+\s+assessment\.xlsx\s+80\s+.*{SAMPLE_ROWS}", lines[1])


def test_cli_empty_store_bad_input_and_bad_names(db, tables, write, capsys):
    db.parent.mkdir(parents=True)
    duckdb.connect(str(db)).close()  # an empty database: no catalogue yet
    cli.main(["waves", "--store", str(db)])
    assert capsys.readouterr().out.strip() == f"no waves stored in {db}"
    set_cell(tables, S.RATINGS, 2, S.IMPORTANCE, 99.0)
    code, text = _cra(capsys, "import", str(write(tables, name="bad.xlsx")), "--client", "acme", "--wave", "1",
                      "--store", str(db))
    assert code == 2 and "bad.xlsx" in text and "importance" in text and "Traceback" not in text
    code, text = _cra(capsys, "import", str(paths.sample_path()), "--client", "a\tb", "--wave", "1", "--store", str(db))
    assert code == 2 and "control character U+0009" in text and "Traceback" not in text
    assert store.list_waves(db).empty
