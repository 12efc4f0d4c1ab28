"""The validated assessment every analysis takes.

An :class:`Assessment` is built by :func:`cra_helpers.loader.load_assessment`
(never by hand in analyses): its tables have passed the data contract of
:mod:`cra_helpers.schema`, so analyses can rely on column names, dtypes,
category choices, scale bounds and references without re-checking.

Typing of the tables (see ``docs/data-contract.md``):

* ``id``, ``ref``, ``text``, ``list`` and ``period`` columns: pandas ``"string"``;
* ``number``: ``float64`` (ratings on their configured scale, e.g. 1–10);
* ``integer``: ``Int64``; ``bool``: ``"boolean"``; ``date``: ``datetime64``;
* ``category``: ordered ``Categorical`` whose categories are the contract's
  choices, in contract order;
* extra columns not in the contract are kept after the contract's columns.

The index of every table is the row number the user sees in the source
(Excel row, header = row 1; CSV line, header = line 1), named ``"row"``, so a
warning can point back at the cell that caused it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from . import schema as S

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config

ACCOUNT_NAME_LABEL = "account_name"
"""Column holding the account's name in :meth:`Assessment.respondents` (the
contract's ``accounts.name`` renamed, since contacts also have a ``name``)."""

RESPONDENT_ATTRIBUTES: tuple[str, ...] = (S.ACCOUNT_ID, S.LOCATION_ID, S.LEVEL, S.DEPARTMENT, S.DECISION_ROLE)
"""Contact attributes attached to each interview by :meth:`Assessment.respondents`."""

# Tables restricted by ``filter``; reference tables (needs, competitors) are kept whole.
_ENTITY_TABLES = (S.ACCOUNTS, S.LOCATIONS, S.CONTACTS, S.INTERVIEWS)


class MissingTablesError(ValueError):
    """An analysis step needs tables that the assessment does not have."""


def split_list(value: object) -> list[str]:
    """Split one ``list`` cell into its items.

    Parameters
    ----------
    value
        Cell text such as ``"Pumps; Valves"``; empty/NA gives ``[]``.

    Returns
    -------
    list of str
        The non-empty items, stripped, in cell order.
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return []
    return [part.strip() for part in str(value).split(S.LIST_SEPARATOR) if part.strip()]


def explode_list(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row per item of a ``list`` column (e.g. ``accounts.products``).

    Parameters
    ----------
    frame
        A table of the assessment.
    column
        A ``list`` column of that table.

    Returns
    -------
    DataFrame
        ``frame`` with ``column`` holding single items (``"string"`` dtype);
        rows with an empty list keep one row with ``<NA>``. The index repeats
        the source row numbers.
    """
    out = frame.copy()
    out[column] = out[column].map(lambda v: split_list(v) or [pd.NA])
    out = out.explode(column)
    out[column] = out[column].astype("string")
    return out


def _as_id_list(values: object) -> list[str]:
    if isinstance(values, (str, int, float)):
        values = [values]
    out = []
    for v in values:  # type: ignore[union-attr]
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        out.append(str(v).strip())
    return out


def _rows_in(frame: pd.DataFrame, column: str, values: Iterable[str]) -> pd.DataFrame:
    """The rows of ``frame`` whose ``column`` is one of ``values`` (missing values drop out)."""
    return frame[frame[column].isin(values).fillna(False).to_numpy(bool)]


def _keep_ids(tables: dict[str, pd.DataFrame], table: str, column: str, wanted: list[str], what: str) -> None:
    """Restrict ``tables[table]`` in place to the rows whose ``column`` is in ``wanted``; an unknown value is an error."""
    frame = tables[table]
    present = set(frame[column].dropna())
    unknown = [w for w in wanted if w not in present]
    if unknown:
        raise ValueError(f"filter: unknown {what} {', '.join(repr(u) for u in unknown)} (not in '{table}')")
    tables[table] = _rows_in(frame, column, wanted)


class Assessment:
    """A validated assessment: the tables of the data contract plus context.

    Parameters
    ----------
    tables
        Present tables only, by contract name, typed as described in the
        module docstring.
    config
        The configuration the data was validated against (scales, quality
        thresholds).
    source
        Workbook or CSV folder the data came from.
    notes
        Things the loader noticed that are not errors (blank rows ignored,
        extra columns kept, ...).
    absent
        Optional tables that the source does not have.

    Attributes
    ----------
    tables, config, source, notes, absent
        As given.
    """

    def __init__(
        self,
        tables: dict[str, pd.DataFrame],
        config: "Config",
        source: str | Path,
        notes: Iterable[str] = (),
        absent: Iterable[str] = (),
    ) -> None:
        self.tables: dict[str, pd.DataFrame] = {n: tables[n] for n in S.TABLE_ORDER if n in tables}
        self.config = config
        self.source = Path(source)
        self.notes: list[str] = list(notes)
        self.absent: list[str] = list(absent)

    # ------------------------------------------------------------------
    # Table access
    # ------------------------------------------------------------------
    def _get(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    @property
    def accounts(self) -> pd.DataFrame | None:
        """The ``accounts`` table (always present after loading)."""
        return self._get(S.ACCOUNTS)

    @property
    def sales_history(self) -> pd.DataFrame | None:
        """The ``sales_history`` table, or ``None`` when absent."""
        return self._get(S.SALES_HISTORY)

    @property
    def locations(self) -> pd.DataFrame | None:
        """The ``locations`` table, or ``None`` when absent."""
        return self._get(S.LOCATIONS)

    @property
    def contacts(self) -> pd.DataFrame | None:
        """The ``contacts`` table, or ``None`` when absent."""
        return self._get(S.CONTACTS)

    @property
    def competitors(self) -> pd.DataFrame | None:
        """The ``competitors`` table, or ``None`` when absent."""
        return self._get(S.COMPETITORS)

    @property
    def needs(self) -> pd.DataFrame | None:
        """The ``needs`` table, or ``None`` when absent."""
        return self._get(S.NEEDS)

    @property
    def interviews(self) -> pd.DataFrame | None:
        """The ``interviews`` table, or ``None`` when absent."""
        return self._get(S.INTERVIEWS)

    @property
    def ratings(self) -> pd.DataFrame | None:
        """The ``ratings`` table (long format, one row per need × interview × competitor), or ``None``."""
        return self._get(S.RATINGS)

    @property
    def loyalty(self) -> pd.DataFrame | None:
        """The ``loyalty`` table, or ``None`` when absent."""
        return self._get(S.LOYALTY)

    @property
    def verbatims(self) -> pd.DataFrame | None:
        """The ``verbatims`` table, or ``None`` when absent."""
        return self._get(S.VERBATIMS)

    def has(self, *names: str) -> bool:
        """Whether every table in ``names`` is present."""
        return all(n in self.tables for n in names)

    def missing(self, *names: str) -> list[str]:
        """The tables of ``names`` that are not present, in the order given."""
        return [n for n in names if n not in self.tables]

    def require(self, *names: str, step: str | None = None) -> None:
        """Raise :class:`MissingTablesError` unless every table in ``names`` is present.

        Parameters
        ----------
        *names
            Contract table names the step needs.
        step
            Name of the analysis step, used in the message.
        """
        gone = self.missing(*names)
        if gone:
            what = f"The {step} step" if step else "This step"
            listed = ", ".join(f"'{n}'" for n in gone)
            raise MissingTablesError(
                f"{what} needs the table(s) {listed}, which {self.source.name} does not have. "
                f"Add the sheet(s) (or <table>.csv files) described in docs/data-contract.md."
            )

    def explode(self, table: str, column: str) -> pd.DataFrame:
        """:func:`explode_list` applied to ``self.tables[table]``."""
        self.require(table)
        return explode_list(self.tables[table], column)

    # ------------------------------------------------------------------
    # Id → name lookups
    # ------------------------------------------------------------------
    def _names(self, table: str, id_column: str, name_column: str) -> pd.Series:
        frame = self._get(table)
        if frame is None:
            frame = pd.DataFrame({id_column: pd.Series(dtype="string"), name_column: pd.Series(dtype="string")})
        index = pd.Index(frame[id_column].astype(str).to_numpy(object), name=id_column)
        return pd.Series(frame[name_column].astype(str).to_numpy(object), index=index, name=name_column)

    def account_names(self) -> pd.Series:
        """The name of every account, by account id.

        Returns
        -------
        Series
            ``accounts.name`` (text) indexed by ``account_id`` (text), in
            table order.
        """
        return self._names(S.ACCOUNTS, S.ACCOUNT_ID, S.ACCOUNT_NAME)

    def need_names(self) -> pd.Series:
        """The short name of every need, by need id.

        Returns
        -------
        Series
            ``needs.name`` (text) indexed by ``need_id`` (text), in table
            order; empty without a ``needs`` table.
        """
        return self._names(S.NEEDS, S.NEED_ID, S.NEED_NAME)

    def location_names(self) -> pd.Series:
        """The site name of every location, by location id.

        Returns
        -------
        Series
            ``locations.site`` (text) indexed by ``location_id`` (text), in
            table order; empty without a ``locations`` table.
        """
        return self._names(S.LOCATIONS, S.LOCATION_ID, S.SITE)

    def competitor_names(self) -> pd.Series:
        """The name of every competitor, by competitor id.

        Returns
        -------
        Series
            ``competitors.name`` (text) indexed by ``competitor_id`` (text), in
            table order; empty without a ``competitors`` table.
        """
        return self._names(S.COMPETITORS, S.COMPETITOR_ID, S.COMPETITOR_NAME)

    # ------------------------------------------------------------------
    # Joined views
    # ------------------------------------------------------------------
    def respondents(self) -> pd.DataFrame:
        """One row per interview with the interviewee's attributes.

        Returns
        -------
        DataFrame
            The interview columns, then the contact's ``account_id``,
            ``location_id``, ``level``, ``department``, ``decision_role``,
            plus ``account_name`` (when ``accounts`` has names) and ``site``
            (when ``locations`` is present). An extra interview column that
            clashes with one of these is suffixed ``_interview``.

        Raises
        ------
        MissingTablesError
            Without ``interviews`` and ``contacts``.
        """
        self.require(S.INTERVIEWS, S.CONTACTS, step="respondents")
        contacts = self.tables[S.CONTACTS]
        cols = [S.CONTACT_ID, *(c for c in RESPONDENT_ATTRIBUTES if c in contacts.columns)]
        out = self.tables[S.INTERVIEWS].merge(
            contacts[cols], on=S.CONTACT_ID, how="left", suffixes=("_interview", ""), validate="many_to_one"
        )
        accounts = self.accounts
        if accounts is not None and S.ACCOUNT_NAME in accounts.columns and S.ACCOUNT_ID in out.columns:
            names = accounts[[S.ACCOUNT_ID, S.ACCOUNT_NAME]].rename(columns={S.ACCOUNT_NAME: ACCOUNT_NAME_LABEL})
            out = out.merge(names, on=S.ACCOUNT_ID, how="left", suffixes=("_interview", ""), validate="many_to_one")
        locations = self.locations
        if locations is not None and S.LOCATION_ID in out.columns:
            out = out.merge(
                locations[[S.LOCATION_ID, S.SITE]], on=S.LOCATION_ID, how="left", suffixes=("_interview", ""), validate="many_to_one"
            )
        return out

    def _respondent_keys(self) -> pd.DataFrame:
        resp = self.respondents()
        keep = [S.INTERVIEW_ID, *RESPONDENT_ATTRIBUTES, S.WAVE, ACCOUNT_NAME_LABEL, S.SITE]
        return resp[[c for c in keep if c in resp.columns]]

    def _by_respondent(self, table: str) -> pd.DataFrame:
        self.require(table, S.INTERVIEWS, S.CONTACTS, step=f"{table} by respondent")
        return self.tables[table].merge(
            self._respondent_keys(), on=S.INTERVIEW_ID, how="left", suffixes=(f"_{table}", ""), validate="many_to_one"
        )

    def ratings_by_respondent(self) -> pd.DataFrame:
        """Ratings (long format) with the respondent's attributes.

        Returns
        -------
        DataFrame
            ``ratings`` columns (importance/performance on their configured
            scales) plus ``account_id``, ``location_id``, ``level``,
            ``department``, ``decision_role``, ``wave`` and, when available,
            ``account_name`` and ``site``.
        """
        return self._by_respondent(S.RATINGS)

    def loyalty_by_respondent(self) -> pd.DataFrame:
        """Loyalty indicators with the respondent's attributes (as :meth:`ratings_by_respondent`)."""
        return self._by_respondent(S.LOYALTY)

    # ------------------------------------------------------------------
    # Subsets
    # ------------------------------------------------------------------
    def filter(
        self,
        accounts: str | Iterable[str] | None = None,
        locations: str | Iterable[str] | None = None,
        waves: str | Iterable[str] | None = None,
    ) -> "Assessment":
        """A consistent subset of the assessment.

        Parameters
        ----------
        accounts
            Account ids to keep: every table is restricted to those accounts
            (their sales, sites, contacts, interviews, ratings, loyalty,
            verbatims).
        locations
            Location ids to keep: their accounts, those sites, the contacts
            working there and everything those contacts said.
        waves
            Interview waves to keep (``interviews.wave``); accounts and
            contacts are not reduced by wave.

        Returns
        -------
        Assessment
            A new assessment; ``needs`` and ``competitors`` are kept whole.
            No row refers to a row that was filtered out.

        Raises
        ------
        ValueError
            When an id or wave is not in the assessment (a typo would
            otherwise silently give an empty report).
        MissingTablesError
            When filtering by locations or waves without those tables.
        """
        tables = dict(self.tables)
        done = self._select(tables, accounts, locations, waves)
        self._cascade(tables)
        notes = [*self.notes, f"filtered to {'; '.join(done)}"] if done else list(self.notes)
        return Assessment(tables, self.config, self.source, notes=notes, absent=self.absent)

    def _select(
        self,
        tables: dict[str, pd.DataFrame],
        accounts: str | Iterable[str] | None,
        locations: str | Iterable[str] | None,
        waves: str | Iterable[str] | None,
    ) -> list[str]:
        """Restrict ``tables`` in place to the requested accounts, locations and waves; what was kept, in words."""
        done: list[str] = []
        if accounts is not None:
            ids = _as_id_list(accounts)
            _keep_ids(tables, S.ACCOUNTS, S.ACCOUNT_ID, ids, "account id(s)")
            done.append(f"accounts {', '.join(ids)}")
        if locations is not None:
            self.require(S.LOCATIONS, step="location filter")
            ids = _as_id_list(locations)
            _keep_ids(tables, S.LOCATIONS, S.LOCATION_ID, ids, "location id(s)")
            owners = set(tables[S.LOCATIONS][S.ACCOUNT_ID].dropna())
            tables[S.ACCOUNTS] = _rows_in(tables[S.ACCOUNTS], S.ACCOUNT_ID, owners)
            if S.CONTACTS in tables:
                tables[S.CONTACTS] = _rows_in(tables[S.CONTACTS], S.LOCATION_ID, ids)
            done.append(f"locations {', '.join(ids)}")
        if waves is not None:
            self.require(S.INTERVIEWS, step="wave filter")
            ids = _as_id_list(waves)
            _keep_ids(tables, S.INTERVIEWS, S.WAVE, ids, "wave(s)")
            done.append(f"waves {', '.join(ids)}")
        return done

    def _cascade(self, tables: dict[str, pd.DataFrame]) -> None:
        """Drop, in place, every row of ``tables`` whose reference points at a row filtered out.

        Tables are visited in contract order (a topological order of the
        references), so a removal propagates down the reference chain.
        """
        kept: dict[str, set[str]] = {}
        for name in S.TABLE_ORDER:
            if name not in tables:
                continue
            frame = tables[name]
            mask = pd.Series(True, index=frame.index)
            for col in S.TABLES[name].columns:
                if col.ref in kept and col.name in frame.columns:
                    ref = frame[col.name]
                    mask &= (ref.isna() | ref.isin(kept[col.ref])).fillna(False).to_numpy(bool)
            if not mask.all():
                frame = frame[mask.to_numpy(bool)]
                tables[name] = frame
            id_col = S.TABLES[name].id_column
            if name in _ENTITY_TABLES and id_col and id_col in frame.columns and len(frame) < len(self.tables[name]):
                kept[name] = set(frame[id_col].dropna())

    # ------------------------------------------------------------------
    # Display
    # ------------------------------------------------------------------
    def __repr__(self) -> str:
        lines = [f"Assessment from {self.source}"]
        width = max((len(n) for n in self.tables), default=8)
        for name, frame in self.tables.items():
            lines.append(f"  {name:<{width}}  {len(frame):>6,} rows")
        if self.absent:
            lines.append(f"  absent: {', '.join(self.absent)}")
        if self.notes:
            lines.append(f"  notes ({len(self.notes)}):")
            lines.extend(f"    - {n}" for n in self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        rows = "".join(f"<tr><td>{e(n)}</td><td style='text-align:right'>{len(f):,}</td></tr>" for n, f in self.tables.items())
        parts = [
            f"<div class='cra-assessment'><strong>Assessment</strong> from <code>{e(str(self.source))}</code>",
            f"<table><thead><tr><th>table</th><th>rows</th></tr></thead><tbody>{rows}</tbody></table>",
        ]
        if self.absent:
            parts.append(f"<p>absent: {e(', '.join(self.absent))}</p>")
        if self.notes:
            parts.append("<details><summary>notes (%d)</summary><ul>%s</ul></details>" % (len(self.notes), "".join(f"<li>{e(n)}</li>" for n in self.notes)))
        parts.append("</div>")
        return "".join(parts)
