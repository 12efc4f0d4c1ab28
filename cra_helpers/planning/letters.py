"""Executive letters: one per contact of a key account, announcing the assessment interview.

Step 2 of the method sends an executive letter to each interview contact
before the on-site interviews. :func:`write_letters` renders, for every
contact of the account, the Jinja2 template
``cra_helpers/resources/planning/letter.html.j2`` (or the client's, named by
``planning.letter.template`` and read from the configuration file's folder)
with autoescaping on, and writes it as HTML and as a Word document
(python-docx) built from the same rendered page, so both say the same thing.

Variables of the template: ``client``; ``contact`` (``name``, ``title``,
``department``, ``level``, ``decision_role``, ``site``; empty text when
unknown); ``account`` (``id``, ``name``); ``purpose``, ``confidentiality``,
``sender``, ``sender_title`` (``planning.letter``); ``window`` (``start``,
``end``: the interview window in words); ``minutes`` (the interview length
for the contact's level, ``planning.schedule.minutes``); ``today`` (the
letter's date in words). A variable the template names that does not exist
is an error, as is a template that is not valid Jinja2: both name the
template file and line (:class:`LetterTemplateError`).
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from importlib import resources as ir
from pathlib import Path
from typing import Any

import pandas as pd

from .. import schema as S
from ..assessment import Assessment
from ..config import Config
from ..errors import CraError
from ..outputs import ensure_writable_dir, inside, safe_name
from .knowledge import account_view, date_words
from .questions import client_file

TEMPLATE_RESOURCE = "planning/letter.html.j2"
"""The packaged letter template, in ``cra_helpers/resources``."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class LetterTemplateError(CraError):
    """A letter template that cannot be read or rendered; the message names the file and line."""


class LetterError(CraError, ValueError):
    """Letters that cannot be written as asked (e.g. an interview window that ends before it starts)."""


def template_path(config: Config) -> Path:
    """The letter template in use: the client's (``planning.letter.template``) or the packaged one."""
    own = client_file(config, config.planning.letter.template)
    if own is not None:
        return own
    return Path(str(ir.files("cra_helpers.resources").joinpath(TEMPLATE_RESOURCE)))


def load_template(config: Config) -> Any:
    """The letter template, parsed (autoescape on, an unknown variable is an error).

    Raises
    ------
    LetterTemplateError
        The file is missing, not UTF-8, or not valid Jinja2 (``file, line N: problem``).
    """
    import jinja2

    path = template_path(config)
    if not path.is_file():
        raise LetterTemplateError(f"{path}: letter template not found (planning.letter.template)")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(path.parent)), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    try:
        return env.get_template(path.name)
    except jinja2.TemplateSyntaxError as exc:
        raise LetterTemplateError(f"{path}, line {exc.lineno}: not a valid Jinja2 template: {exc.message}") from None
    except UnicodeDecodeError:
        raise LetterTemplateError(f"{path}: not UTF-8 text — save the template as UTF-8") from None


def _line_in(exc: BaseException, filename: str) -> int | None:
    """The last line of ``filename`` in the traceback of ``exc`` (Jinja2 maps template frames to their lines)."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render_letter(template: Any, context: dict[str, Any]) -> str:
    """Render one letter; a failing template is reported with its file and line (:class:`LetterTemplateError`)."""
    try:
        return template.render(**context)
    except Exception as exc:  # noqa: BLE001 - any error of a client template is the template's
        line = _line_in(exc, template.filename)
        at = f", line {line}" if line else ""
        raise LetterTemplateError(f"{template.filename}{at}: the letter template failed: {exc}") from None


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()


def letter_context(contact: pd.Series, account_id: str, account_name: str, config: Config,
                   window: tuple[dt.date, dt.date], today: dt.date) -> dict[str, Any]:
    """The template variables of one contact's letter (see the module docstring).

    Parameters
    ----------
    contact
        The contact's row, with ``site`` (as in :class:`~cra_helpers.planning.knowledge.AccountView`).
    account_id, account_name
        The account.
    config
        Configuration (``client``, ``planning.letter``, ``planning.schedule.minutes``).
    window
        First and last day of the interview window.
    today
        The letter's date.
    """
    letter, level = config.planning.letter, _text(contact.get(S.LEVEL))
    who = {k: _text(contact.get(c)) for k, c in (("name", S.CONTACT_NAME), ("title", S.TITLE), ("department", S.DEPARTMENT),
                                                 ("level", S.LEVEL), ("decision_role", S.DECISION_ROLE), ("site", S.SITE))}
    return {"client": config.client, "contact": who, "account": {"id": str(account_id), "name": account_name},
            "purpose": letter.purpose, "confidentiality": letter.confidentiality, "sender": letter.sender,
            "sender_title": letter.sender_title, "window": {"start": date_words(window[0]), "end": date_words(window[1])},
            "minutes": config.planning.schedule.minutes.get(level, max(config.planning.schedule.minutes.values())),
            "today": date_words(today)}


class _Blocks(HTMLParser):
    """The text blocks of a rendered page: (kind, [(text, bold), ...]) with kind ``h1``…``h3`` or ``p``."""

    BLOCK = {"p", "h1", "h2", "h3", "li", "div", "address", "blockquote", "td", "th"}
    SKIP = {"style", "script", "title", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, list[tuple[str, bool]]]] = []
        self._runs: list[tuple[str, bool]] = []
        self._kind, self._bold, self._skip = "p", 0, 0

    def _flush(self) -> None:
        if "".join(t for t, _ in self._runs).strip():
            self.blocks.append((self._kind, self._runs))
        self._runs, self._kind = [], "p"

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag in self.BLOCK:
            self._flush()
            self._kind = tag if tag in ("h1", "h2", "h3") else "p"
        elif tag == "br":
            self._runs.append(("\n", False))
        elif tag in ("b", "strong"):
            self._bold += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCK:
            self._flush()
        elif tag in ("b", "strong"):
            self._bold = max(0, self._bold - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._runs.append((_CONTROL.sub("", re.sub(r"\s+", " ", data)), self._bold > 0))


def html_to_docx(page: str, path: str | Path, title: str = "") -> Path:
    """Write the text of an HTML page (headings, paragraphs, line breaks, bold) as a Word document.

    Parameters
    ----------
    page
        The rendered HTML.
    path
        The ``.docx`` file to write.
    title
        The document title (its properties).

    Returns
    -------
    Path
        ``path``.
    """
    from docx import Document
    from docx.shared import Mm

    parser = _Blocks()
    parser.feed(page)
    parser.close()
    parser._flush()
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    doc.core_properties.title = _CONTROL.sub("", title)
    for kind, runs in parser.blocks:
        para = doc.add_heading(level=int(kind[1])) if kind.startswith("h") else doc.add_paragraph()
        line_start = True
        for text, bold in runs:
            if text == "\n":
                para.add_run().add_break()
                line_start = True
                continue
            text = text.lstrip() if line_start else text
            if text:
                para.add_run(text).bold = bold or None
                line_start = False
    out = Path(path)
    doc.save(str(out))
    return out


def write_letters(a: Assessment, account_id: str, out_dir: str | Path, config: Config,
                  window: tuple[dt.date, dt.date], *, today: dt.date | None = None) -> list[Path]:
    """Write the executive letter of every contact of the account, as HTML and DOCX.

    Parameters
    ----------
    a
        The assessment (``contacts``; ``locations`` for the contact's site).
    account_id
        The key account.
    out_dir
        Folder to write into (created when missing).
    config
        Configuration: ``client``, ``planning.letter`` (sender, purpose,
        confidentiality, template), ``planning.schedule.minutes``.
    window
        First and last day of the interview window (``start <= end``).
    today
        The letter's date (default: today).

    Returns
    -------
    list of Path
        ``letter_<contact id>.html`` and ``.docx`` per contact, in contacts
        order; file names are made safe (:func:`cra_helpers.outputs.safe_name`:
        a contact id like ``../x`` becomes ``x-<hash>``) and stay inside
        ``out_dir``. An account with no contacts gets none.

    Raises
    ------
    LetterError
        When the window ends before it starts.
    LetterTemplateError
        When the template cannot be read or rendered (file and line named).
    """
    start, end = (pd.Timestamp(d).date() for d in window)
    if end < start:
        raise LetterError(f"interview window: {end.isoformat()} is before {start.isoformat()}; give (first day, last day)")
    template = load_template(config)
    view = account_view(a, account_id)
    root = ensure_writable_dir(out_dir)
    today = today or dt.date.today()
    written: list[Path] = []
    taken: set[str] = set()
    for _, contact in view.contacts.iterrows():
        context = letter_context(contact, view.account_id, view.name, config, (start, end), today)
        page = render_letter(template, context)
        stem = safe_name(f"letter_{contact[S.CONTACT_ID]}", taken)
        html_path = inside(root, root / f"{stem}.html")
        html_path.write_text(page, encoding="utf-8")
        docx_path = html_to_docx(page, inside(root, root / f"{stem}.docx"),
                                 title=f"Customer Relationship Assessment: {context['contact']['name']}")
        written += [html_path, docx_path]
    return written
