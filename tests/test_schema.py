"""The data contract is coherent and docs/data-contract.md matches it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cra_helpers import schema as S
from cra_helpers.config import load_config
from cra_helpers.contract_doc import BEGIN, END, contract_markdown, generated_section

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-contract.md"
COLUMNS = [(t, c) for t in S.TABLES.values() for c in t.columns]


def test_doc_generated_section_matches_the_code():
    text = DOC.read_text(encoding="utf-8")
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    assert generated_section(text) == contract_markdown(load_config()), (
        "docs/data-contract.md is stale: run `python -m cra_helpers.contract_doc docs/data-contract.md`"
    )


def test_doc_names_every_table_column_and_scale():
    md = contract_markdown(load_config())
    for t, c in COLUMNS:
        assert f"### {t.name}\n" in md
        assert f"| `{c.name}` |" in md
    for name in load_config().scales:
        assert f"| `{name}` |" in md
    assert "1 to 10 (scale `importance`)" in md


def test_doc_uses_configured_scale_bounds():
    md = contract_markdown(load_config(scales={"importance": {"min": 0, "max": 5}}))
    assert "0 to 5 (scale `importance`)" in md


@pytest.mark.parametrize("table, column", [(t.name, c.name) for t, c in COLUMNS if c.ref], ids=str)
def test_every_ref_names_an_existing_table_with_an_id(table, column):
    col = S.TABLES[table].column(column)
    assert col.kind == "ref"
    assert col.ref in S.TABLES
    assert S.TABLES[col.ref].id_column is not None


def test_ref_kind_always_has_a_target():
    assert all(c.ref for _, c in COLUMNS if c.kind == "ref")


@pytest.mark.parametrize("table, column", [(t.name, c.name) for t, c in COLUMNS if c.scale], ids=str)
def test_every_scale_exists_in_the_default_config(table, column):
    col = S.TABLES[table].column(column)
    assert col.scale in load_config().scales
    assert col.kind in ("number", "integer")


def test_keys_are_columns_and_id_tables_are_keyed_by_their_id():
    for t in S.TABLES.values():
        assert t.key, t.name
        assert set(t.key) <= set(t.column_names), t.name
        if t.id_column:
            assert t.key == (t.id_column,), t.name
        assert len(set(t.column_names)) == len(t.column_names), t.name


def test_category_choices_are_canonical_and_unambiguous():
    from cra_helpers.loader import _category_key

    for t, c in COLUMNS:
        if c.kind == "category":
            assert c.choices, (t.name, c.name)
            assert all(ch == ch.lower().strip() for ch in c.choices)
            # Tolerant matching ("Decision maker" → "decision-maker") must not merge two choices.
            assert len({_category_key(ch) for ch in c.choices}) == len(c.choices), (t.name, c.name)


def test_only_accounts_is_required():
    assert S.REQUIRED_TABLES == (S.ACCOUNTS,)
    assert S.TABLE_ORDER[0] == S.ACCOUNTS


def test_headers_are_already_normalised():
    from cra_helpers.loader import normalize_header

    for t, c in COLUMNS:
        assert normalize_header(c.name) == c.name
        assert normalize_header(t.name) == t.name
