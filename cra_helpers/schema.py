"""The data contract: every table, column, category and scale name in one place.

Loaders, analyses, notebooks and tests import names from here; nothing else in
the package spells a column name as a string literal of its own. The human
version of this contract is ``docs/data-contract.md`` (kept in step by
``tests/test_schema.py``).

An assessment is an Excel workbook with one sheet per table, or a folder of
CSV files named ``<table>.csv``. Column kinds:

``id``
    Unique, non-empty text identifier of a row (e.g. ``A001``).
``ref``
    Text identifier that must exist in another table's ``id`` column.
``text``
    Free text. Text typed by customers is escaped whenever it reaches HTML and
    neutralised whenever it reaches a spreadsheet.
``category``
    Text restricted to a fixed list of choices (case-insensitive on input,
    stored lower case).
``number`` / ``integer``
    Numeric, with optional bounds; a ``scale`` names a rating scale declared in
    configuration (``scales`` in ``resources/defaults.yaml``).
``bool``
    yes/no, true/false, 1/0, y/n (case-insensitive).
``date``
    A calendar date (Excel date cell or ISO ``YYYY-MM-DD`` text).
``period``
    A sales period: ``YYYY``, ``YYYY-Qn`` or ``YYYY-MM``.
``list``
    Several values in one cell separated by ``;``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnKind = Literal["id", "ref", "text", "category", "number", "integer", "bool", "date", "period", "list"]

# --------------------------------------------------------------------------
# Category choices
# --------------------------------------------------------------------------
RELATIONSHIP_TYPES: tuple[str, ...] = ("lead", "prospect", "customer", "sales partner", "vendor")
STATUSES: tuple[str, ...] = ("active", "inactive", "archive")
COMPANY_SIZES: tuple[str, ...] = ("small", "medium", "large", "enterprise")
LEVELS: tuple[str, ...] = ("executive", "management", "operational")
DECISION_ROLES: tuple[str, ...] = ("decision-maker", "influencer", "user")
LIST_SEPARATOR = ";"

# --------------------------------------------------------------------------
# Table names
# --------------------------------------------------------------------------
ACCOUNTS = "accounts"
SALES_HISTORY = "sales_history"
LOCATIONS = "locations"
CONTACTS = "contacts"
COMPETITORS = "competitors"
NEEDS = "needs"
INTERVIEWS = "interviews"
RATINGS = "ratings"
LOYALTY = "loyalty"
VERBATIMS = "verbatims"

# --------------------------------------------------------------------------
# Column names (constants so that a rename is one edit)
# --------------------------------------------------------------------------
ACCOUNT_ID = "account_id"
ACCOUNT_NAME = "name"
RELATIONSHIP_TYPE = "relationship_type"
STATUS = "status"
INDUSTRY = "industry"
COMPANY_SIZE = "company_size"
REGION = "region"
PRODUCTS = "products"
MARKETING_SOURCE = "marketing_source"
REVENUE = "revenue"
VOLUME = "volume"
GROSS_MARGIN = "gross_margin_pct"
RETURNED_ORDERS = "returned_orders"
REFERRALS = "referrals"
POTENTIAL_REVENUE = "potential_revenue"
KEY_ACCOUNT = "key_account"
TOP_ELEMENTS = ("top_element_1", "top_element_2", "top_element_3")

PERIOD = "period"
RETURNS = "returns"

LOCATION_ID = "location_id"
SITE = "site"
CITY = "city"
COUNTRY = "country"

CONTACT_ID = "contact_id"
CONTACT_NAME = "name"
TITLE = "title"
LEVEL = "level"
DEPARTMENT = "department"
DECISION_ROLE = "decision_role"
EMAIL = "email"
PHONE = "phone"

COMPETITOR_ID = "competitor_id"
COMPETITOR_NAME = "name"

NEED_ID = "need_id"
NEED_NAME = "name"
PRIMARY_GROUP = "primary_group"
DESCRIPTION = "description"

INTERVIEW_ID = "interview_id"
DATE = "date"
INTERVIEWER = "interviewer"
DURATION_MIN = "duration_min"
WAVE = "wave"

IMPORTANCE = "importance"
PERFORMANCE = "performance"
COMPETITOR_PERFORMANCE = "competitor_performance"

SATISFACTION = "satisfaction"
RECOMMEND = "recommend"
CONTINUE = "continue"
INCREASE = "increase"
SHARE_OF_WALLET = "share_of_wallet_pct"

VERBATIM_ID = "verbatim_id"
TOPIC = "topic"
TEXT = "text"

# --------------------------------------------------------------------------
# Scale names (bounds live in configuration: ``scales`` in defaults.yaml)
# --------------------------------------------------------------------------
SCALE_IMPORTANCE = "importance"
SCALE_PERFORMANCE = "performance"
SCALE_SATISFACTION = "satisfaction"
SCALE_RECOMMEND = "recommend"
SCALE_LIKELIHOOD = "likelihood"
SCALE_PERCENT = "percent"


@dataclass(frozen=True)
class Column:
    """One column of a table in the data contract.

    Parameters
    ----------
    name
        Header as it appears in the sheet or CSV.
    kind
        One of the kinds described in the module docstring.
    description
        What the column holds, with units.
    required
        The column must be present in the sheet. Optional columns may be
        left out; the loader then adds them, empty, and notes it.
    nullable
        Cells may be empty.
    ref
        For ``ref`` columns, the table whose id the value must match.
    choices
        For ``category`` columns, the allowed values (lower case).
    scale
        Name of a configured rating scale bounding the values.
    minimum, maximum
        Fixed bounds for numeric columns without a scale.
    """

    name: str
    kind: ColumnKind
    description: str
    required: bool = True
    nullable: bool = False
    ref: str | None = None
    choices: tuple[str, ...] | None = None
    scale: str | None = None
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Table:
    """One table (sheet / CSV file) of the data contract.

    Parameters
    ----------
    name
        Sheet name in the workbook, file stem in a CSV folder.
    description
        What one row is.
    columns
        The columns, in template order.
    key
        Columns whose combination must be unique. For tables with an ``id``
        column this is that column.
    optional
        The table may be absent from an assessment.
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    optional: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        """Names of all columns, in template order."""
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        """Names of the columns that must be present."""
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        """Return the column called ``name`` (KeyError if unknown)."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def id_column(self) -> str | None:
        """The ``id`` column, if the table has one."""
        for c in self.columns:
            if c.kind == "id":
                return c.name
        return None


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            ACCOUNTS,
            "One customer relationship (lead, prospect, customer, sales partner or vendor).",
            (
                Column(ACCOUNT_ID, "id", "Account identifier, unique."),
                Column(ACCOUNT_NAME, "text", "Company name."),
                Column(RELATIONSHIP_TYPE, "category", "Type of relationship.", choices=RELATIONSHIP_TYPES),
                Column(STATUS, "category", "Status of the relationship.", choices=STATUSES),
                Column(INDUSTRY, "text", "Industry of the customer.", nullable=True, required=False),
                Column(COMPANY_SIZE, "category", "Company size band.", nullable=True, required=False, choices=COMPANY_SIZES),
                Column(REGION, "text", "Geography (sales region).", nullable=True, required=False),
                Column(PRODUCTS, "list", "Products / services used, separated by ';'.", nullable=True, required=False),
                Column(MARKETING_SOURCE, "text", "Marketing activity that started the relationship.", nullable=True, required=False),
                Column(REVENUE, "number", "Revenue of the latest full year, in the client's currency.", minimum=0),
                Column(VOLUME, "number", "Volume of the latest full year, in the client's unit (e.g. tonnes).", nullable=True, required=False, minimum=0),
                Column(GROSS_MARGIN, "number", "Gross margin of the latest year, % of revenue (may be negative).", nullable=True, required=False, minimum=-100, maximum=100),
                Column(RETURNED_ORDERS, "integer", "Orders returned in the latest year (count).", nullable=True, required=False, minimum=0),
                Column(REFERRALS, "integer", "Referrals received from the account in the latest year (count).", nullable=True, required=False, minimum=0),
                Column(POTENTIAL_REVENUE, "number", "Estimated additional yearly revenue achievable, in the client's currency.", nullable=True, required=False, minimum=0),
                Column(KEY_ACCOUNT, "bool", "Flagged as key account by the supplier (yes/no)."),
                *(
                    Column(c, "text", f"Element that matters most to the customer, rank {i}.", required=False, nullable=True)
                    for i, c in enumerate(TOP_ELEMENTS, start=1)
                ),
            ),
            key=(ACCOUNT_ID,),
        ),
        Table(
            SALES_HISTORY,
            "Sales of one account in one period.",
            (
                Column(ACCOUNT_ID, "ref", "Account.", ref=ACCOUNTS),
                Column(PERIOD, "period", "Period: YYYY, YYYY-Qn or YYYY-MM."),
                Column(REVENUE, "number", "Revenue in the period, in the client's currency.", minimum=0),
                Column(VOLUME, "number", "Volume in the period, in the client's unit.", nullable=True, required=False, minimum=0),
                Column(RETURNS, "integer", "Orders returned in the period (count).", nullable=True, required=False, minimum=0),
            ),
            key=(ACCOUNT_ID, PERIOD),
            optional=True,
        ),
        Table(
            LOCATIONS,
            "One site of an account.",
            (
                Column(LOCATION_ID, "id", "Location identifier, unique."),
                Column(ACCOUNT_ID, "ref", "Account the site belongs to.", ref=ACCOUNTS),
                Column(SITE, "text", "Site name as the customer calls it."),
                Column(CITY, "text", "City.", nullable=True, required=False),
                Column(COUNTRY, "text", "Country.", nullable=True, required=False),
            ),
            key=(LOCATION_ID,),
            optional=True,
        ),
        Table(
            CONTACTS,
            "One person at an account (the diagonal slice is drawn from these).",
            (
                Column(CONTACT_ID, "id", "Contact identifier, unique."),
                Column(ACCOUNT_ID, "ref", "Account.", ref=ACCOUNTS),
                Column(LOCATION_ID, "ref", "Site where the person works.", ref=LOCATIONS, nullable=True),
                Column(CONTACT_NAME, "text", "Full name."),
                Column(TITLE, "text", "Job title.", nullable=True, required=False),
                Column(LEVEL, "category", "Organization level.", choices=LEVELS),
                Column(DEPARTMENT, "text", "Department (e.g. Purchasing, Engineering, Quality)."),
                Column(DECISION_ROLE, "category", "Role in buying decisions.", choices=DECISION_ROLES),
                Column(EMAIL, "text", "E-mail address.", nullable=True, required=False),
                Column(PHONE, "text", "Telephone number.", nullable=True, required=False),
            ),
            key=(CONTACT_ID,),
            optional=True,
        ),
        Table(
            COMPETITORS,
            "One competitor the customers compare us with.",
            (
                Column(COMPETITOR_ID, "id", "Competitor identifier, unique."),
                Column(COMPETITOR_NAME, "text", "Competitor name."),
            ),
            key=(COMPETITOR_ID,),
            optional=True,
        ),
        Table(
            NEEDS,
            "One need (attribute) that interviewees rate.",
            (
                Column(NEED_ID, "id", "Need identifier, unique."),
                Column(NEED_NAME, "text", "Short name of the need."),
                Column(PRIMARY_GROUP, "text", "Primary need group the need belongs to."),
                Column(DESCRIPTION, "text", "Wording used in the interview guide.", nullable=True, required=False),
            ),
            key=(NEED_ID,),
            optional=True,
        ),
        Table(
            INTERVIEWS,
            "One assessment interview with one contact.",
            (
                Column(INTERVIEW_ID, "id", "Interview identifier, unique."),
                Column(CONTACT_ID, "ref", "Contact interviewed.", ref=CONTACTS),
                Column(DATE, "date", "Date of the interview."),
                Column(INTERVIEWER, "text", "Who conducted it.", nullable=True, required=False),
                Column(DURATION_MIN, "integer", "Duration in minutes.", nullable=True, required=False, minimum=1, maximum=600),
                Column(WAVE, "text", "Assessment wave (e.g. 2026).", nullable=True, required=False),
            ),
            key=(INTERVIEW_ID,),
            optional=True,
        ),
        Table(
            RATINGS,
            "Ratings of one need in one interview (long format); one row per competitor rated, "
            "or one row with an empty competitor.",
            (
                Column(INTERVIEW_ID, "ref", "Interview.", ref=INTERVIEWS),
                Column(NEED_ID, "ref", "Need rated.", ref=NEEDS),
                Column(IMPORTANCE, "number", "Importance of the need to the interviewee.", nullable=True, scale=SCALE_IMPORTANCE),
                Column(PERFORMANCE, "number", "Our performance on the need.", nullable=True, scale=SCALE_PERFORMANCE),
                Column(COMPETITOR_ID, "ref", "Competitor rated on the same need (empty if none).", ref=COMPETITORS, nullable=True, required=False),
                Column(COMPETITOR_PERFORMANCE, "number", "That competitor's performance.", nullable=True, required=False, scale=SCALE_PERFORMANCE),
            ),
            key=(INTERVIEW_ID, NEED_ID, COMPETITOR_ID),
            optional=True,
        ),
        Table(
            LOYALTY,
            "Satisfaction and loyalty indicators given in one interview.",
            (
                Column(INTERVIEW_ID, "ref", "Interview.", ref=INTERVIEWS),
                Column(SATISFACTION, "number", "Overall satisfaction.", nullable=True, scale=SCALE_SATISFACTION),
                Column(RECOMMEND, "number", "Likelihood to recommend us.", nullable=True, scale=SCALE_RECOMMEND),
                Column(CONTINUE, "number", "Likelihood to continue buying from us.", nullable=True, scale=SCALE_LIKELIHOOD),
                Column(INCREASE, "number", "Likelihood to increase business with us.", nullable=True, required=False, scale=SCALE_LIKELIHOOD),
                Column(SHARE_OF_WALLET, "number", "Our share of the account's spend in our category, %.", nullable=True, required=False, scale=SCALE_PERCENT),
            ),
            key=(INTERVIEW_ID,),
            optional=True,
        ),
        Table(
            VERBATIMS,
            "One remark an interviewee made, in their own words.",
            (
                Column(VERBATIM_ID, "id", "Verbatim identifier, unique."),
                Column(INTERVIEW_ID, "ref", "Interview.", ref=INTERVIEWS),
                Column(TOPIC, "text", "Question or topic that prompted the remark.", nullable=True),
                Column(TEXT, "text", "The remark, as said."),
            ),
            key=(VERBATIM_ID,),
            optional=True,
        ),
    )
}
"""Every table of the contract, by name, in workbook order."""

TABLE_ORDER: tuple[str, ...] = tuple(TABLES)
REQUIRED_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES.values() if not t.optional)
