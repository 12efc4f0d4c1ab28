"""Redaction of names, e-mail addresses and phone numbers; the PII scan of a folder."""

from __future__ import annotations

import zipfile

from openpyxl import Workbook

from cra_helpers import schema as S
from cra_helpers.redact import pii_terms, redact_text, scan_for_pii

NAMES = ["Zsófia Dvořák", "Thijs van den Berg", "Ann Archer"]


def test_known_terms_and_patterns_are_redacted():
    text = ("Zsofia Dvorak said it, and Thijs told van den Berg's team; mail ann.archer@acme.example or "
            "call +32 64 555 1934 / 064 555 1934. Order 2027-03-02 of 5,151,600 EUR at 0.5 mm, berg of parts.")
    out = redact_text(text, NAMES, ["ann.archer@acme.example"], ["+32 64 555 1934"])
    assert out == ("[name] said it, and [name] told van den [name]'s team; mail [e-mail] or "
                   "call [phone] / [phone]. Order 2027-03-02 of 5,151,600 EUR at 0.5 mm, berg of parts.")
    # generic patterns: people who are not in the tables
    assert redact_text("write to x.y@z.example or +44 20 7946 0958") == "write to [e-mail] or [phone]"
    assert redact_text(None) == "" and redact_text("no data") == "no data"


def test_pii_terms_cover_every_contact(sample):
    t = pii_terms(sample)
    c = sample.contacts
    assert set(c[S.CONTACT_NAME]) <= set(t["names"])
    assert set(c[S.EMAIL].dropna()) == set(t["emails"]) and set(c[S.PHONE].dropna()) == set(t["phones"])
    assert set(sample.interviews[S.INTERVIEWER].dropna()) <= set(t["names"])


def test_scan_finds_every_hit_with_its_file(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.html").write_text("<p>Ask Zs&oacute;fia Dvo&#345;&aacute;k</p>", encoding="utf-8")
    (tmp_path / "sub" / "b.txt").write_text("ann.archer@acme.example, +32 64 555 1934, stranger@x.example", encoding="utf-8")
    (tmp_path / "clean.html").write_text("<p>Delivery reliability 6.4</p>", encoding="utf-8")
    wb = Workbook()
    wb.active["A1"] = "Thijs van den Berg"
    wb.save(tmp_path / "c.xlsx")
    hits = scan_for_pii(tmp_path, {"names": NAMES, "emails": ["ann.archer@acme.example"], "phones": ["+32 64 555 1934"]})
    got = {(f, k, t) for f, k, t in hits[["file", "kind", "term"]].itertuples(index=False)}
    assert ("a.html", "name", "Zsófia Dvořák") in got
    assert ("sub/b.txt", "email", "ann.archer@acme.example") in got
    assert ("sub/b.txt", "phone", "+32 64 555 1934") in got
    assert ("sub/b.txt", "email", "stranger@x.example") in got
    assert ("c.xlsx", "name", "Thijs van den Berg") in got
    assert "clean.html" not in set(hits["file"])
    assert zipfile.is_zipfile(tmp_path / "c.xlsx")
