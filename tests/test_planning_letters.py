"""Executive letters: one HTML and one DOCX per contact with the same content, escaped, safe file names,
client templates with located errors."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from cra_helpers import schema as S
from cra_helpers.config import load_config
from cra_helpers.loader import assessment_from_frames
from cra_helpers.planning.letters import LetterError, LetterTemplateError, write_letters

from .conftest import build_valid_tables

WINDOW = (dt.date(2027, 1, 11), dt.date(2027, 1, 22))
TODAY = dt.date(2026, 12, 2)


def _docx_text(path) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def _visible(page: str) -> str:
    body = re.sub(r"(?s)<(style|title|head)[^>]*>.*?</\1>", " ", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_one_letter_per_contact_in_html_and_docx(sample, tmp_path):
    paths = write_letters(sample, "A012", tmp_path, sample.config, WINDOW, today=TODAY)
    contacts = sample.contacts[sample.contacts[S.ACCOUNT_ID] == "A012"]
    assert len(paths) == 2 * len(contacts)
    letter = sample.config.planning.letter
    sites = sample.locations.set_index(S.LOCATION_ID)[S.SITE]
    for (_, c), page, doc in zip(contacts.iterrows(), paths[::2], paths[1::2]):
        assert page.name == f"letter_{c[S.CONTACT_ID]}.html" and doc.suffix == ".docx"
        text = _docx_text(doc)
        for want in (c[S.CONTACT_NAME], "Thornbury Turbines SE", sample.config.client, "11 January 2027",
                     "22 January 2027", letter.purpose, letter.confidentiality, letter.sender, sites[c[S.LOCATION_ID]]):
            assert want in text, (c[S.CONTACT_ID], want)
            assert want in _visible(page.read_text(encoding="utf-8")), (c[S.CONTACT_ID], want)
        minutes = sample.config.planning.schedule.minutes[c[S.LEVEL]]
        assert f"about {minutes} minutes" in text


def test_docx_says_what_the_html_says(sample, tmp_path):
    page, doc = write_letters(sample, "A005", tmp_path, sample.config, WINDOW, today=TODAY)[:2]
    visible = _visible(page.read_text(encoding="utf-8"))
    words = " ".join(_docx_text(doc).split())
    assert words == visible


def test_a_hostile_contact_name_is_escaped_and_an_id_cannot_escape_the_folder(tmp_path):
    t = build_valid_tables()
    t[S.CONTACTS].loc[0, S.CONTACT_NAME] = "<script>alert(1)</script>"
    t[S.CONTACTS].loc[0, S.CONTACT_ID] = "../x"
    t[S.INTERVIEWS].loc[t[S.INTERVIEWS][S.CONTACT_ID] == "C01", S.CONTACT_ID] = "../x"
    t[S.CONTACTS].loc[1, S.CONTACT_ID] = "..\\x"
    t[S.INTERVIEWS].loc[t[S.INTERVIEWS][S.CONTACT_ID] == "C02", S.CONTACT_ID] = "..\\x"
    a = assessment_from_frames(t)
    out = tmp_path / "letters"
    paths = write_letters(a, "A001", out, a.config, WINDOW, today=TODAY)
    assert len(paths) == 4 and len({p.name for p in paths}) == 4
    assert all(p.parent == out.resolve() for p in paths)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letters"]
    page = paths[0].read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" in _docx_text(paths[1])  # the DOCX holds the text as typed


def test_a_client_template_is_used_from_the_configuration_folder(tmp_path, monkeypatch, sample):
    (tmp_path / "our_letter.html.j2").write_text(
        "<html><body><p>Hello {{ contact.name }} of {{ account.name }}, from {{ client }}.</p>"
        "<p>{{ window.start }} to {{ window.end }}</p></body></html>", encoding="utf-8")
    cfg_path = tmp_path / "client.yaml"
    cfg_path.write_text("client: Our Company\nplanning:\n  letter:\n    template: our_letter.html.j2\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path.parent)
    cfg = load_config(cfg_path)
    paths = write_letters(sample, "A012", tmp_path / "out", cfg, WINDOW, today=TODAY)
    first = sample.contacts[sample.contacts[S.ACCOUNT_ID] == "A012"].iloc[0]
    assert _docx_text(paths[1]) == (f"Hello {first[S.CONTACT_NAME]} of Thornbury Turbines SE, from Our Company.\n"
                                    "11 January 2027 to 22 January 2027")


@pytest.mark.parametrize("body, line, problem", [
    ("<p>ok</p>\n<p>fine</p>\n{% if contact.name %}<p>x</p>\n", 3, "not a valid Jinja2 template"),
    ("<p>ok</p>\n<p>{{ contact.shoe_size }}</p>\n", 2, "shoe_size"),
    ("<p>{{ contact.name | nosuchfilter }}</p>\n", 1, "nosuchfilter"),
])
def test_a_bad_template_names_its_file_and_line(tmp_path, sample, body, line, problem):
    path = tmp_path / "bad.html.j2"
    path.write_text(body, encoding="utf-8")
    cfg = load_config(planning={"letter": {"template": str(path)}})
    with pytest.raises(LetterTemplateError) as err:
        write_letters(sample, "A012", tmp_path / "out", cfg, WINDOW, today=TODAY)
    assert f"{path}, line {line}:" in str(err.value) and problem in str(err.value)


def test_missing_template_and_reversed_window(tmp_path, sample):
    cfg = load_config(planning={"letter": {"template": str(tmp_path / "none.html.j2")}})
    with pytest.raises(LetterTemplateError, match="letter template not found"):
        write_letters(sample, "A012", tmp_path, cfg, WINDOW)
    with pytest.raises(LetterError, match="2027-01-11 is before 2027-01-22"):
        write_letters(sample, "A012", tmp_path, sample.config, (WINDOW[1], WINDOW[0]))
