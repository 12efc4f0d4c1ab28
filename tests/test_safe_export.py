"""Escaping and neutralising text from the data; figure HTML that cannot break out of its script."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cra_helpers import export
from cra_helpers.report import html_table
from cra_helpers.safe import escape_html, neutralize_formula, neutralize_frame


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
def test_formula_prefixes_are_neutralised(text):
    assert neutralize_formula(text) == "'" + text


@pytest.mark.parametrize("value", ["ok", "a=b", "", 3, -2.5, None])
def test_other_values_pass_unchanged(value):
    assert neutralize_formula(value) == value


def test_neutralize_frame_touches_text_not_numbers():
    df = pd.DataFrame({"name": ["=HYPERLINK(\"x\")", "Acme"], "gap": [-3.1, 2.0]})
    out = neutralize_frame(df)
    assert out["name"].tolist() == ["'=HYPERLINK(\"x\")", "Acme"]
    assert out["gap"].tolist() == [-3.1, 2.0]
    assert df["name"].iloc[0].startswith("=")  # the input is not modified


def test_escape_html():
    assert escape_html('<script>alert("x")</script>') == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    assert escape_html(None) == ""
    assert escape_html(float("nan")) == ""


def test_html_table_escapes_cells_and_headers():
    df = pd.DataFrame({"<b>col</b>": ["<img src=x onerror=alert(1)>"], "n": [1234567]})
    html = html_table(df)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;col&lt;/b&gt;" in html
    assert "1,234,567" in html


def test_html_table_says_how_many_rows_were_left_out():
    html = html_table(pd.DataFrame({"x": range(100)}), max_rows=10)
    assert html.count("<tr>") == 11  # header + 10 rows
    assert "Showing 10 of 100 rows" in html


def test_script_safe_json_cannot_close_the_script():
    payload = {"text": "</script><script>alert(1)</script> & more"}
    safe = export.script_safe_json(payload)
    assert "</script" not in safe and "<" not in safe and "&" not in safe
    assert json.loads(safe) == payload  # the browser reads the same data back


def test_figure_html_draws_with_page_level_plotly():
    html = export.figure_html({"data": [{"type": "bar", "x": ["<b>"], "y": [1]}], "layout": {"height": 300}}, "f1")
    assert 'id="f1"' in html and "height:300px" in html
    assert "Plotly.newPlot" in html and "<b>" not in html.split("<script")[1]
