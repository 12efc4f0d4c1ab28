"""The question bank: the packaged one covers the interview and the contract, and a bad bank is reported with
file, key path, line and problem."""

from __future__ import annotations

from importlib import resources as ir
from pathlib import Path

import pytest
import yaml

from cra_helpers import schema as S
from cra_helpers.config import load_config
from cra_helpers.planning.questions import (GAP_KINDS, SECTIONS, QuestionBankError, client_file, column_of,
                                            load_question_bank)


def _packaged_text() -> str:
    return ir.files("cra_helpers.resources").joinpath("question_bank.yaml").read_text(encoding="utf-8")


def _packaged() -> dict:
    return yaml.safe_load(_packaged_text())


def _write(tmp_path: Path, data: dict, name: str = "bank.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    hits = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def test_packaged_bank_covers_every_section_and_the_contract(config):
    bank = load_question_bank(config)
    assert set(bank.sections) == set(SECTIONS)
    assert {q.section for q in bank.questions} == set(SECTIONS)
    fills = {q.fills for q in bank.questions if q.fills}
    # every fills names a real contract column
    for f in fills:
        table, column = f.split(".")
        assert column in S.TABLES[table].column_names
    # needs: importance, our performance, each competitor's performance
    needs = {q.fills: q.per for q in bank.questions if q.section == "needs"}
    assert needs == {f"{S.RATINGS}.{S.IMPORTANCE}": "need", f"{S.RATINGS}.{S.PERFORMANCE}": "need",
                     f"{S.RATINGS}.{S.COMPETITOR_PERFORMANCE}": "competitor"}
    # loyalty: every loyalty column of the contract (current and future behaviour)
    loyalty = {q.fills for q in bank.questions if q.section == "loyalty"}
    assert loyalty == {f"{S.LOYALTY}.{c}" for c in S.TABLES[S.LOYALTY].column_names if c != S.INTERVIEW_ID}
    # open questions produce verbatims
    assert all(q.fills == f"{S.VERBATIMS}.{S.TEXT}" for q in bank.questions if q.section == "open")
    # every knowledge gap has its question
    assert {q.gap for q in bank.questions if q.gap} == set(GAP_KINDS)
    assert {q.priority for q in bank.questions} == {"core", "important", "optional"}
    assert bank.source.endswith("question_bank.yaml")


def test_rating_questions_take_their_bounds_from_the_configured_scales():
    cfg = load_config(scales={"importance": {"min": 0, "max": 5}, "percent": {"min": 0, "max": 1}})
    bank = load_question_bank(cfg)
    from cra_helpers.planning.questions import scale_values

    imp = bank.question("need_importance")
    text = imp.render(client="Us", account="Them", need="Delivery", need_wording="How do we deliver?",
                      **scale_values(cfg, imp.scale))
    assert "from 0 to 5" in text and "Delivery" in text
    share = bank.question("share_ask")
    assert share.scale == "percent"
    assert "from 0 to 1 %" in share.render(client="Us", account="Them", share="", **scale_values(cfg, share.scale))
    assert column_of(imp.fills).scale == S.SCALE_IMPORTANCE


@pytest.mark.parametrize("field, value, problem", [
    ("fills", "ratings.importanc", "table 'ratings' has no column 'importanc'"),
    ("fills", "nowhere.text", "no table 'nowhere'"),
    ("section", "smalltalk", "unknown section 'smalltalk'"),
    ("minutes", 0, "greater than 0"),
    ("minutes", -1.5, "greater than 0"),
    ("levels", ["board"], "unknown level(s) 'board'"),
    ("text", "How is {weather} at {account}?", "unknown placeholder(s) {weather}"),
    ("gap", "gossip", "unknown knowledge gap 'gossip'"),
])
def test_a_bad_question_is_reported_with_file_key_path_and_line(tmp_path, config, field, value, problem):
    data = _packaged()
    k = next(i for i, q in enumerate(data["questions"]) if q["id"] == "frustrated")
    data["questions"][k][field] = value
    path = _write(tmp_path, data)
    with pytest.raises(QuestionBankError) as err:
        load_question_bank(config, path)
    msg = str(err.value)
    assert str(path) in msg
    assert problem in msg
    # the key path and the line of the offending entry (the line of the value, or of the entry for a text check)
    key = f"questions[{k}].{field}" if field != "text" else f"questions[{k}]"
    assert key in msg
    needle = f"{field}:" if field != "text" else "id: frustrated"
    line = _line_of(path, needle, occurrence=1 + sum(1 for q in data["questions"][:k] if field in q)) \
        if field != "text" else _line_of(path, needle)
    assert f"{key} (line {line})" in msg or f"{key} (line {line + 1})" in msg, msg


def test_a_duplicate_id_names_both_entries(tmp_path, config):
    data = _packaged()
    data["questions"].append({**data["questions"][2]})
    path = _write(tmp_path, data)
    with pytest.raises(QuestionBankError) as err:
        load_question_bank(config, path)
    n = len(data["questions"]) - 1
    assert f"questions[{n}].id" in str(err.value)
    assert f"duplicate id '{data['questions'][2]['id']}' (first used by questions[2])" in str(err.value)


def test_every_problem_is_listed_at_once(tmp_path, config):
    data = _packaged()
    data["questions"][0]["minutes"] = 0
    data["questions"][1]["fills"] = "contacts.shoe_size"
    data["sections"]["smalltalk"] = "Small talk"
    data["questions"] = [q for q in data["questions"] if q.get("gap") != "stale"]
    path = _write(tmp_path, data)
    with pytest.raises(QuestionBankError) as err:
        load_question_bank(config, path)
    msg = str(err.value)
    assert "questions[0].minutes" in msg and "questions[1].fills" in msg
    assert "unknown section(s) smalltalk" in msg
    assert "no question for the knowledge gap(s) stale" in msg


def test_yaml_problems_are_located(tmp_path, config):
    dup = tmp_path / "dup.yaml"
    dup.write_text(_packaged_text().replace("  needs: Needs to rate\n", "  needs: Needs to rate\n  needs: Again\n"),
                   encoding="utf-8")
    with pytest.raises(QuestionBankError) as err:
        load_question_bank(config, dup)
    assert "key 'needs' appears twice" in str(err.value) and str(dup) in str(err.value)
    broken = tmp_path / "broken.yaml"
    broken.write_text("sections: [unclosed\n", encoding="utf-8")
    with pytest.raises(QuestionBankError, match=r"broken.yaml, line \d+, column \d+: not valid YAML"):
        load_question_bank(config, broken)
    with pytest.raises(QuestionBankError, match="question bank not found"):
        load_question_bank(config, tmp_path / "missing.yaml")


def test_a_client_bank_is_read_from_the_configuration_files_folder(tmp_path, monkeypatch):
    client_dir = tmp_path / "client"
    client_dir.mkdir()
    data = _packaged()
    k = next(i for i, q in enumerate(data["questions"]) if q["id"] == "improve")
    data["questions"][k]["text"] = "What is the one thing {client} must fix at {account}?"
    _write(client_dir, data, "our_bank.yaml")
    cfg_path = client_dir / "client.yaml"
    cfg_path.write_text("planning:\n  guide:\n    question_bank: our_bank.yaml\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the relative path is not read from the current folder
    cfg = load_config(cfg_path)
    assert client_file(cfg, cfg.planning.guide.question_bank) == client_dir / "our_bank.yaml"
    bank = load_question_bank(cfg)
    assert bank.question("improve").text == "What is the one thing {client} must fix at {account}?"
    assert bank.source == str(client_dir / "our_bank.yaml")
