"""Personal data kept out of what a customer sees: redaction of remarks and a scan of output folders.

Three functions, a stable API for every customer-facing report:

* :func:`pii_terms` — every contact name, e-mail address and telephone number
  of an assessment (``contacts`` table: ``name``, ``email``, ``phone``; the
  interviewers of the ``interviews`` table as names too).
* :func:`redact_text` — one text with those terms, and anything that looks
  like an e-mail address or a telephone number, replaced by ``[name]``,
  ``[e-mail]``, ``[phone]``.
* :func:`scan_for_pii` — every file under a folder searched for those terms
  and patterns; one row per hit (file, kind, term, count).

Matching
--------
Names match case-insensitively and without regard to accents (``Zsófia
Dvořák`` also matches ``Zsofia Dvorak``), on word boundaries; a full name
also matches with any spacing between its parts. Each part of a name with
at least :data:`MIN_NAME_PART` letters also matches on its own when written
with a capital initial ("ask Jeroen"), so a first name or surname alone is
caught; a capitalised common word equal to a name part is redacted too (the
safe side). Telephone numbers match on their digits with any separators
between them (``+32 64 555 1934`` = ``+32-64-5551934``), and also in the
national form with ``0`` instead of the country code when that code is one
to three digits. The generic patterns (:data:`EMAIL_RE`, :data:`PHONE_RE`)
find addresses and numbers of people who are not in the tables: a phone
number is a ``+``/``00``/``0``-prefixed group of 8 to 15 digits.
"""

from __future__ import annotations

import html
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from . import schema as S

if TYPE_CHECKING:  # pragma: no cover
    from .assessment import Assessment

NAME_MASK = "[name]"
EMAIL_MASK = "[e-mail]"
PHONE_MASK = "[phone]"
MIN_NAME_PART = 3
"""Shortest part of a name (letters) that is redacted on its own."""

NAME_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "el", "al",
                            "bin", "ter", "ten", "mc", "mac", "st", "dos", "das", "y", "e"})
"""Lower-case parts of names that are never redacted on their own."""

EMAIL_RE = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
"""Anything written like an e-mail address."""

PHONE_RE = re.compile(r"(?<![\w+])(?:\+|00|0)\d(?:[\s().\-/]{0,2}\d){6,16}(?!\w)")
"""Candidates for a telephone number; :func:`_phone_like` keeps those with 8–15 digits."""

KINDS = ("name", "email", "phone")


# --------------------------------------------------------------------------- matching helpers
@lru_cache(maxsize=1)
def _fold_table() -> dict[str, str]:
    """Base ASCII letter → every Latin letter that folds to it (upper and lower case)."""
    table: dict[str, set[str]] = {}
    for code in list(range(0x41, 0x5B)) + list(range(0x61, 0x7B)) + list(range(0xC0, 0x250)):
        ch = chr(code)
        base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode().lower()
        if len(base) == 1 and base.isalpha():
            table.setdefault(base, set()).update({ch, ch.lower(), ch.upper()})
    for extra, base in (("ß", "s"), ("ø", "o"), ("Ø", "o"), ("ł", "l"), ("Ł", "l"), ("đ", "d"), ("Đ", "d"), ("æ", "a"), ("Æ", "a")):
        table.setdefault(base, set()).add(extra)
    return {b: "".join(sorted(chars)) for b, chars in table.items()}


def fold(text: str) -> str:
    """``text`` in lower case without accents (``Dvořák`` → ``dvorak``)."""
    return unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()


def _letter_chars(ch: str) -> set[str]:
    base = fold(ch)
    if len(base) == 1 and base.isalpha():
        return set(_fold_table().get(base, base)) | {ch, ch.lower(), ch.upper()}
    return {ch}


def _cls(chars: set[str]) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]" if len(chars) > 1 else re.escape(next(iter(chars)))


def _name_pattern(name: str, capital: bool = False) -> str:
    """Regex source for one name: accent-free letters, any spacing or hyphen between parts.

    With ``capital`` the first letter must be upper case (used for a part of a
    name matched on its own, with a case-sensitive regex).
    """
    parts = [p for p in re.split(r"[\s\-]+", name.strip()) if p]
    pieces = []
    for k, p in enumerate(parts):
        classes = [_letter_chars(c) for c in p]
        if capital and k == 0 and classes:
            upper = {c for c in classes[0] if c.isupper()}
            classes[0] = upper or classes[0]
        pieces.append("".join(_cls(c) for c in classes))
    return r"(?<![\w])" + r"[\s\-]+".join(pieces) + r"(?![\w])"


def _name_parts(name: str) -> list[str]:
    parts = [p.strip(".,'") for p in re.split(r"[\s\-]+", str(name).strip())]
    return [p for p in parts if len(fold(p)) >= MIN_NAME_PART and fold(p) not in NAME_PARTICLES and fold(p).isalpha()]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", str(text))


def _phone_pattern(phone: str) -> str | None:
    """Regex source for a phone number: its digits with any separators; also its national 0-form."""
    raw = str(phone).strip()
    digits = _digits(raw)
    if len(digits) < 6:
        return None
    sep = r"[\s().\-/]{0,3}"
    forms = []
    international = raw.startswith("+") or raw.startswith("00")
    core = digits[2:] if raw.startswith("00") else digits
    forms.append(r"(?:\+|00)?" + sep.join(core))
    if international:
        for cc in (1, 2, 3):  # national form: 0 + the number without its country code
            rest = core[cc:]
            if len(rest) >= 6:
                forms.append("0" + sep + sep.join(rest))
    else:
        forms.append(sep.join(digits))
    return r"(?<![\d])(?:" + "|".join(forms) + r")(?![\d])"


def _phone_like(match: str) -> bool:
    d = _digits(match)
    return 8 <= len(d) <= 15 and not re.fullmatch(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}", match.strip())


def _clean_terms(values: Iterable[object] | None) -> list[str]:
    out, seen = [], set()
    for v in values or ():
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            continue
        s = str(v).strip()
        if s and s.lower() not in seen:
            seen.add(s.lower())
            out.append(s)
    return sorted(out, key=len, reverse=True)  # longest first: a full name before its parts


def _compiled(names: tuple[str, ...], emails: tuple[str, ...], phones: tuple[str, ...]):
    return _compile_cached(names, emails, phones)


@lru_cache(maxsize=32)
def _compile_cached(names: tuple[str, ...], emails: tuple[str, ...], phones: tuple[str, ...]):
    full = [re.compile(_name_pattern(n), re.IGNORECASE) for n in names]
    parts = sorted({p for n in names for p in _name_parts(n)}, key=len, reverse=True)
    part = [re.compile(_name_pattern(p, capital=True)) for p in parts]
    mail = [re.compile(r"(?<![\w.+-])" + re.escape(e) + r"(?![\w-])", re.IGNORECASE) for e in emails]
    tel = [re.compile(p) for p in (_phone_pattern(x) for x in phones) if p]
    return full, part, mail, tel


# --------------------------------------------------------------------------- public API
def pii_terms(assessment: "Assessment") -> dict[str, list[str]]:
    """Every contact name, e-mail address and telephone number of an assessment.

    Parameters
    ----------
    assessment
        A loaded assessment. Read: ``contacts`` (``name``, ``email``,
        ``phone``) and the ``interviewer`` column of ``interviews`` (the
        supplier's own staff, named in notes and remarks too).

    Returns
    -------
    dict
        ``{"names": [...], "emails": [...], "phones": [...]}``, each list
        without blanks or duplicates (case-insensitive), longest first.
        Tables the assessment lacks contribute nothing.
    """
    names: list[object] = []
    emails: list[object] = []
    phones: list[object] = []
    if assessment.has(S.CONTACTS):
        c = assessment.contacts
        names += c[S.CONTACT_NAME].tolist() if S.CONTACT_NAME in c else []
        emails += c[S.EMAIL].tolist() if S.EMAIL in c else []
        phones += c[S.PHONE].tolist() if S.PHONE in c else []
    if assessment.has(S.INTERVIEWS) and S.INTERVIEWER in assessment.interviews:
        names += assessment.interviews[S.INTERVIEWER].tolist()
    return {"names": _clean_terms(names), "emails": _clean_terms(emails), "phones": _clean_terms(phones)}


def redact_text(text: object, names: Iterable[str] = (), emails: Iterable[str] = (), phones: Iterable[str] = ()) -> str:
    """``text`` with names, e-mail addresses and telephone numbers replaced by placeholders.

    Parameters
    ----------
    text
        Any text (``None``/NaN give ``""``).
    names, emails, phones
        The known terms (:func:`pii_terms`). Besides them, anything written
        like an e-mail address (:data:`EMAIL_RE`) or a telephone number
        (:data:`PHONE_RE`, 8–15 digits) is redacted too.

    Returns
    -------
    str
        The text with ``[e-mail]``, ``[phone]`` and ``[name]`` in place of
        each hit (e-mails first, so a name inside an address goes with it);
        everything else unchanged.

    Examples
    --------
    >>> redact_text("Ask Ann Archer (ann@example.com, +49 40 555 1234).", ["Ann Archer"])
    'Ask [name] ([e-mail], [phone]).'
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    out = str(text)
    full, part, mail, tel = _compiled(tuple(_clean_terms(names)), tuple(_clean_terms(emails)), tuple(_clean_terms(phones)))
    for rx in mail:
        out = rx.sub(EMAIL_MASK, out)
    out = EMAIL_RE.sub(EMAIL_MASK, out)
    for rx in tel:
        out = rx.sub(PHONE_MASK, out)
    out = PHONE_RE.sub(lambda m: PHONE_MASK if _phone_like(m.group(0)) else m.group(0), out)
    for rx in full:
        out = rx.sub(NAME_MASK, out)
    for rx in part:
        out = rx.sub(NAME_MASK, out)
    return out


def _file_text(path: Path) -> str:
    """The readable text of a file: HTML entities decoded; Office files (zip) by their XML parts."""
    data = path.read_bytes()
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(path) as z:
                parts = [z.read(n).decode("utf-8", "ignore") for n in z.namelist() if n.endswith((".xml", ".rels", ".txt", ".csv"))]
            text = "\n".join(parts)
            return html.unescape(re.sub(r"<[^>]+>", " ", text))
        except zipfile.BadZipFile:
            pass
    text = data.decode("utf-8", "ignore")
    return html.unescape(text)


def _term_hits(text: str, kind: str, term: str, rx: re.Pattern) -> list[dict]:
    found = rx.findall(text)
    return [{"kind": kind, "term": term, "count": len(found)}] if found else []


def scan_for_pii(folder: str | Path, terms: dict[str, Iterable[str]] | None = None) -> pd.DataFrame:
    """Every hit of personal data in every file under ``folder``.

    Parameters
    ----------
    folder
        The folder to scan (recursively; every file, whatever its suffix:
        text and HTML as UTF-8 with entities decoded, ``.xlsx``/``.docx``
        by their XML parts, other binaries as the text they contain).
    terms
        :func:`pii_terms` output (keys ``names``, ``emails``, ``phones``);
        ``None``: the generic patterns only.

    Returns
    -------
    DataFrame
        ``file`` (path relative to ``folder``), ``kind`` (``name``,
        ``email``, ``phone``), ``term`` (the known term, or the text found
        by a generic pattern), ``count`` (occurrences in the file), ``match``
        (``"known"``, ``"name part"`` or ``"pattern"``); empty when the
        folder holds none.
    """
    folder = Path(folder)
    terms = terms or {}
    names = tuple(_clean_terms(terms.get("names")))
    emails = tuple(_clean_terms(terms.get("emails")))
    phones = tuple(_clean_terms(terms.get("phones")))
    full, part, mail, tel = _compiled(names, emails, phones)
    parts = sorted({p for n in names for p in _name_parts(n)}, key=len, reverse=True)
    tel_terms = [p for p in phones if _phone_pattern(p)]
    rows: list[dict] = []
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    for path in files:
        text = _file_text(path)
        rel = str(path.relative_to(folder))
        hits: list[dict] = []
        for term, rx in zip(names, full):
            hits += [{**h, "match": "known"} for h in _term_hits(text, "name", term, rx)]
        for term, rx in zip(parts, part):
            hits += [{**h, "match": "name part"} for h in _term_hits(text, "name", term, rx)]
        for term, rx in zip(emails, mail):
            hits += [{**h, "match": "known"} for h in _term_hits(text, "email", term, rx)]
        for term, rx in zip(tel_terms, tel):
            hits += [{**h, "match": "known"} for h in _term_hits(text, "phone", term, rx)]
        known_mail = {e.lower() for e in emails}
        for m in sorted(set(EMAIL_RE.findall(text))):
            if m.lower() not in known_mail:
                hits.append({"kind": "email", "term": m, "count": len(re.findall(re.escape(m), text)), "match": "pattern"})
        known_digits = {_digits(p)[-8:] for p in phones}
        for m in sorted({m.group(0) for m in PHONE_RE.finditer(text) if _phone_like(m.group(0))}):
            if _digits(m)[-8:] not in known_digits:
                hits.append({"kind": "phone", "term": m, "count": text.count(m), "match": "pattern"})
        rows += [{"file": rel, **h} for h in hits]
    return pd.DataFrame(rows, columns=["file", "kind", "term", "count", "match"])
