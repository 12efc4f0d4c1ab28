"""``cra needs-tree``: outputs for a CSV or xlsx of verbatims, and clear errors (exit code 2) for bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cra_helpers.cli import EXIT_USER_ERROR, main

TEXTS = (
    ["Deliveries are late again", "Late delivery for the third time", "Your deliveries always arrive late",
     "The delivery was late by a week"]
    + ["The invoices are full of errors", "Wrong amounts on the invoice", "Invoice errors every month",
       "Another invoice with a wrong price"]
    + ["The hotline never answers", "Nobody picks up at the support hotline", "Hotline waiting times are long",
       "<script>alert(1)</script> the hotline is hard to reach"]
)


@pytest.fixture
def verbatims(tmp_path):
    refs = [f"R{i:02d}" for i in range(len(TEXTS) - 1)] + ["=R11"]
    df = pd.DataFrame({"ref": refs, "remark": TEXTS, "score": range(len(TEXTS))})
    path = tmp_path / "verbatims.csv"
    df.to_csv(path, index=False)
    return path, df


def _run(args, capsys):
    code = 0
    try:
        main(args)
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def test_writes_assignments_tree_and_page(verbatims, tmp_path, capsys):
    path, df = verbatims
    out = tmp_path / "out"
    code, _, err = _run(["needs-tree", str(path), "--text-col", "remark", "--id-col", "ref", "--out", str(out),
                         "--tertiary", "3", "--secondary", "2", "--primary", "1", "--backend", "lexical"], capsys)
    assert code == 0, err
    assign = pd.read_csv(out / "assignments.csv", dtype=str)
    assert list(assign.columns) == ["id", "primary", "secondary", "tertiary", "primary_label", "secondary_label", "tertiary_label",
                                    "sentiment", "sentiment_score"]
    assert set(assign["sentiment"]) <= {"negative", "neutral", "positive"}
    assert assign["sentiment_score"].astype(float).between(-1, 1).all()
    assert "'=R11" in set(assign["id"])  # neutralised for spreadsheets
    assert sorted(assign["id"].str.lstrip("'")) == sorted(df["ref"]) and assign["tertiary"].nunique() == 3
    topic = assign["id"].str.lstrip("'=R").astype(int) // 4
    assert assign.groupby(topic)["tertiary"].nunique().eq(1).all()  # the three topics
    tree = json.loads((out / "tree.json").read_text())
    assert tree["levels"] == {"primary": 1, "secondary": 2, "tertiary": 3} and tree["verbatims"] == 12

    def check(node):
        assert {"id", "label", "count", "sentiment", "children", "examples"} <= set(node)
        if node["children"]:
            assert sum(c["count"] for c in node["children"]) == node["count"]
            for c in node["children"]:
                check(c)
        else:
            assert set(node["examples"]) <= set(assign.loc[assign["tertiary"] == node["id"], "id"].str.lstrip("'"))

    for root in tree["nodes"]:
        check(root)
    html = (out / "needs_tree.html").read_text()
    assert "<script src=\"http" not in html and "cdn" not in html.lower().split("plotly.js v")[0][:2000]
    assert "<script>alert(1)" not in html  # text from the data is escaped
    assert "sunburst" in html
    from cra_helpers.export import template_dir

    css = (template_dir() / "cra" / "cra.css").read_text(encoding="utf-8")
    assert css in html and 'class="cra-report"' in html  # the report layer's stylesheet, not a copy of parts of it


def test_xlsx_input(tmp_path, capsys):
    df = pd.DataFrame({"id": [1, 2, 3, 4, 5, 6], "text": TEXTS[:3] + TEXTS[4:7]})
    path = tmp_path / "v.xlsx"
    df.to_excel(path, index=False)
    code, out, err = _run(["needs-tree", str(path), "--out", str(tmp_path / "o"), "--tertiary", "2", "--backend", "lexical"], capsys)
    assert code == 0, err
    assert sorted(pd.read_csv(tmp_path / "o" / "assignments.csv", dtype=str)["id"]) == ["1", "2", "3", "4", "5", "6"]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("ref,remark\nR1,late\n", ["--text-col", "comment", "--id-col", "ref"], "no column 'comment'; the columns are: ref, remark"),
        ("", ["--text-col", "remark", "--id-col", "ref"], "is empty"),
        ("ref,remark\n", ["--text-col", "remark", "--id-col", "ref"], "no rows"),
        ("ref,remark\nR1,1.5\nR2,2\n", ["--text-col", "remark", "--id-col", "ref"], "not text"),
        ("ref,remark\nR1,late\nR1,early\n", ["--text-col", "remark", "--id-col", "ref"], "repeated: R1"),
        ("ref,remark\nR1,\nR2,n/a\n", ["--text-col", "remark", "--id-col", "ref"], "none of the 2 verbatims"),
    ],
)
def test_bad_input_is_a_clear_user_error(tmp_path, capsys, content, args, message):
    path = tmp_path / "in.csv"
    path.write_text(content)
    code, out, err = _run(["needs-tree", str(path), "--out", str(tmp_path / "o"), "--backend", "lexical", *args], capsys)
    assert code == EXIT_USER_ERROR
    assert message in err and "Traceback" not in err


def test_missing_file_and_bad_overrides(tmp_path, capsys, verbatims):
    code, _, err = _run(["needs-tree", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o")], capsys)
    assert code == EXIT_USER_ERROR and "not found" in err
    path, _ = verbatims
    ov = tmp_path / "ov.yaml"
    ov.write_text("rename:\n  T999: Nothing\n")
    code, _, err = _run(["needs-tree", str(path), "--text-col", "remark", "--id-col", "ref", "--out", str(tmp_path / "o"),
                         "--backend", "lexical", "--tertiary", "3", "--overrides", str(ov)], capsys)
    assert code == EXIT_USER_ERROR and "T999" in err
