"""A small printable document (headings, paragraphs, lists, tables, page breaks) written to an A4 PDF.

The interview guides are printed from here with fpdf2, a pure-Python PDF
library (no system library, no browser). Text is set in DejaVu Sans when
the system has it (Debian's ``fonts-dejavu-core``, or matplotlib's copy), so
every name prints as written; without it the PDF core font Helvetica is used
and characters outside Latin-1 are spelled in the nearest Latin letters
(``ș`` → ``s``, ``“`` → ``"``).

A document is a list of blocks, each a tuple whose first item is its kind:

``("h1", text)``, ``("h2", text)``, ``("p", text)``, ``("small", text)``
    a heading, a paragraph, a paragraph in small grey type;
``("warn", text)``
    a warning, in bold on a pale yellow band;
``("list", [text, ...], numbered)``
    a bullet or numbered list;
``("table", headers, rows, widths)``
    a table; ``widths`` are relative column widths, the table spans the
    page; headings repeat on every page it runs over, and long text wraps;
``("kpis", [(value, label), ...])``
    key figures, set in bold on one line (``label: value``);
``("section", title)``
    a new page headed by ``title``;
``("page",)``
    a page break.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any, Iterable, Sequence

Block = tuple[Any, ...]

FONT_DIRS: tuple[str, ...] = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF")
"""Folders searched for ``DejaVuSans.ttf`` (then matplotlib's font folder, when matplotlib is installed)."""

_ASCII = {"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "•": "-", "→": "->",
          "≤": "<=", "≥": ">=", "×": "x", "€": "EUR", "\u00a0": " "}


def find_font() -> tuple[Path, Path] | None:
    """Paths of DejaVu Sans regular and bold (bold falls back to regular), or ``None`` when absent."""
    dirs = [Path(d) for d in FONT_DIRS]
    try:
        import matplotlib

        dirs.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf")
    except ImportError:
        pass
    for d in dirs:
        regular = d / "DejaVuSans.ttf"
        if regular.is_file():
            bold = d / "DejaVuSans-Bold.ttf"
            return regular, bold if bold.is_file() else regular
    return None


def latin1(text: str) -> str:
    """``text`` in characters the PDF core fonts have (Latin-1): others folded to their nearest Latin letters.

    Examples
    --------
    >>> latin1("Timișoara – “plant”")
    'Timisoara - "plant"'
    """
    out = []
    for ch in str(text):
        if ord(ch) < 256:
            out.append(ch)
        elif ch in _ASCII:
            out.append(_ASCII[ch])
        else:
            folded = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(folded or "?")
    return "".join(out)


class _Writer:
    """fpdf2 with the fonts set up and one method per block kind."""

    def __init__(self, title: str, footer: str) -> None:
        from fpdf import FPDF

        footer_text = footer

        class _Doc(FPDF):
            def footer(self) -> None:  # noqa: D401 - fpdf2 hook
                self.set_y(-12)
                self.set_font(self.font_family, "", 8)
                self.set_text_color(110)
                self.cell(0, 6, owner.text(f"{footer_text}   page {self.page_no()} of {{nb}}"), align="C")

        owner = self
        self.pdf = _Doc(orientation="portrait", unit="mm", format="A4")
        self.pdf.set_margins(15, 15, 15)
        self.pdf.set_auto_page_break(True, margin=16)
        self.pdf.set_title(title)
        font = find_font()
        self.unicode = font is not None
        if font is not None:
            self.pdf.add_font("DejaVu", "", str(font[0]))
            self.pdf.add_font("DejaVu", "B", str(font[1]))
            self.family = "DejaVu"
        else:
            self.family = "Helvetica"
        self.pdf.set_font(self.family, "", 10)
        self.pdf.add_page()

    def text(self, value: object) -> str:
        s = "" if value is None else str(value)
        return s if self.unicode else latin1(s)

    def _para(self, text: str, size: float, style: str = "", gray: int = 0, gap: float = 2, fill: bool = False) -> None:
        pdf = self.pdf
        pdf.set_font(self.family, style, size)
        pdf.set_text_color(gray)
        if fill:
            pdf.set_fill_color(253, 246, 227)
        pdf.multi_cell(0, size * 0.5, self.text(text), fill=fill, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)
        pdf.set_text_color(0)

    def block(self, block: Block) -> None:
        kind = block[0]
        if kind in ("page", "section"):
            self.pdf.add_page()
            if kind == "section":
                self._para(block[1], 13, "B", gap=1.5)
        elif kind == "kpis":
            self._para("   ·   ".join(f"{label}: {value}" for value, label in block[1]), 11, "B", gap=3)
        elif kind in ("h1", "h2"):
            self._para(block[1], 17 if kind == "h1" else 13, "B", gap=3 if kind == "h1" else 1.5)
        elif kind == "p":
            self._para(block[1], 10)
        elif kind == "small":
            self._para(block[1], 8.5, gray=90)
        elif kind == "warn":
            self._para(block[1], 10, "B", fill=True)
        elif kind == "list":
            self._list(block[1], block[2] if len(block) > 2 else False)
        elif kind == "table":
            self._table(block[1], block[2], block[3])
        else:
            raise ValueError(f"unknown block kind {kind!r}")

    def _list(self, items: Iterable[str], numbered: bool) -> None:
        pdf = self.pdf
        pdf.set_font(self.family, "", 10)
        for k, item in enumerate(items, start=1):
            mark = f"{k}." if numbered else "-"
            pdf.cell(8, 5, mark)
            pdf.multi_cell(0, 5, self.text(item), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    def _table(self, headers: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float]) -> None:
        from fpdf.fonts import FontFace

        pdf = self.pdf
        pdf.set_font(self.family, "", 9)
        heading = FontFace(emphasis="BOLD", fill_color=(238, 241, 245))
        scale = pdf.epw / float(sum(widths))
        with pdf.table(col_widths=tuple(w * scale for w in widths), width=pdf.epw, text_align="LEFT", line_height=4.6,
                       padding=1.2, headings_style=heading, v_align="TOP") as table:
            row = table.row()
            for h in headers:
                row.cell(self.text(h))
            for values in rows:
                row = table.row()
                for v in values:
                    row.cell(self.text(v))
        pdf.ln(3)


def write_pdf(path: str | Path, title: str, blocks: Iterable[Block], footer: str = "") -> Path:
    """Write ``blocks`` (see the module docstring) to an A4 PDF at ``path``.

    Parameters
    ----------
    path
        The file to write (its folder must exist).
    title
        The document title (PDF metadata).
    blocks
        The content, in order.
    footer
        Text printed at the foot of every page, before the page number.

    Returns
    -------
    Path
        ``path``.
    """
    writer = _Writer(title, footer)
    for block in blocks:
        writer.block(block)
    out = Path(path)
    writer.pdf.output(str(out))
    return out
