"""Typing of one column: tolerant parsers of raw cells by column kind, and the wording of valid values."""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import schema as S
from ..config import Config
from .cells import _FLOAT_LIMIT, _NUMBER_RE, MAX_CELL_CHARS, MAX_EXACT_INTEGER, _is_empty, _num_text, _show


_BAD = object()  # a cell that is not a valid value of its column
_NONFINITE = object()  # a number that is infinite, NaN or too large to compute with
_NONFINITE_TEXT_RE = re.compile(r"[+-]?(inf(inity)?|nan)", re.IGNORECASE)
_PERIOD_RE = re.compile(r"(\d{4})(?:-(Q[1-4])|-(0[1-9]|1[0-2]))?")
_BOOLS = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False, "0": False}
_CATEGORY_KEY_RE = re.compile(r"[\s_\-]+")


def _text(v: Any) -> str | None:
    """Any cell as text: Excel number ids without '.0', dates as ISO."""
    if _is_empty(v):
        return None
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        f = float(v)
        return str(int(f)) if f.is_integer() else repr(f)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    return str(v).strip()


def _number(v: Any) -> Any:
    """A float, :data:`_BAD` (not a number) or :data:`_NONFINITE` (infinite, NaN or beyond the float range)."""
    if isinstance(v, bool):
        return _BAD
    if isinstance(v, numbers.Real):
        try:
            f = float(v)
        except OverflowError:  # a Python int beyond the float range
            return _NONFINITE
        return f if math.isfinite(f) else _NONFINITE
    if isinstance(v, str):
        s = v.strip()
        if _NUMBER_RE.fullmatch(s):
            f = float(s)  # "1e309" parses to inf
            return f if math.isfinite(f) else _NONFINITE
        return _NONFINITE if _NONFINITE_TEXT_RE.fullmatch(s) else _BAD
    return _BAD


_INTEGER_TEXT_RE = re.compile(r"[+-]?\d{1,30}")


def _integer(v: Any) -> Any:
    if isinstance(v, str) and _INTEGER_TEXT_RE.fullmatch(v.strip()):
        n = int(v.strip())  # exact: "9007199254740993" must not become ...992 through a float
        return n if abs(n) <= MAX_EXACT_INTEGER else _NONFINITE
    f = _number(v)
    if f is _BAD or f is _NONFINITE:
        return f
    if not f.is_integer():
        return _BAD
    if abs(f) > MAX_EXACT_INTEGER:
        return _NONFINITE  # too large to be held exactly (and for the Int64 column)
    return int(f)


def _bool(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, numbers.Real):
        return {1.0: True, 0.0: False}.get(float(v), _BAD)
    if isinstance(v, str):
        return _BOOLS.get(v.strip().lower(), _BAD)
    return _BAD


def _date(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return dt.datetime(v.year, v.month, v.day)
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    if isinstance(v, str):
        s = v.strip()
        for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
            try:
                d = parse(s)
            except ValueError:
                continue
            return dt.datetime(d.year, d.month, d.day)
    return _BAD


def _period(v: Any) -> Any:
    if isinstance(v, bool):
        return _BAD
    if isinstance(v, (dt.date, dt.datetime)):
        # Excel turns "2025-03" typed in a cell into the date 2025-03-01.
        return f"{v.year:04d}-{v.month:02d}" if v.day == 1 else _BAD
    if isinstance(v, numbers.Real):
        f = float(v)
        return str(int(f)) if f.is_integer() and 1000 <= f <= 9999 else _BAD
    if isinstance(v, str):
        s = v.strip().upper()
        return s if _PERIOD_RE.fullmatch(s) else _BAD
    return _BAD


def _category_key(text: str) -> str:
    return _CATEGORY_KEY_RE.sub("", text.lower())


def _category_parser(choices: tuple[str, ...]):
    lookup = {_category_key(c): c for c in choices}

    def parse(v: Any) -> Any:
        return lookup.get(_category_key(v), _BAD) if isinstance(v, str) else _BAD

    return parse


def _bounds(col: S.Column, config: Config) -> tuple[float | None, float | None, str]:
    """Lower and upper bound of a numeric column, and their wording."""
    if col.scale is not None:
        sc = config.scales[col.scale]
        return sc.min, sc.max, f" from {_num_text(sc.min)} to {_num_text(sc.max)} (scale '{col.scale}')"
    lo, hi = col.minimum, col.maximum
    if lo is not None and hi is not None:
        return lo, hi, f" from {_num_text(lo)} to {_num_text(hi)}"
    if lo is not None:
        return lo, hi, f" of {_num_text(lo)} or more"
    if hi is not None:
        return lo, hi, f" of {_num_text(hi)} or less"
    return lo, hi, ""


def expected_phrase(col: S.Column, config: Config) -> str:
    """The plain-words description of a valid value of ``col`` (used in messages and the template)."""
    kind = col.kind
    if kind in ("number", "integer"):
        noun = "a number" if kind == "number" else "a whole number"
        return noun + _bounds(col, config)[2]
    if kind == "category":
        return "one of: " + ", ".join(col.choices or ())
    if kind == "bool":
        return "yes or no (also accepted: true/false, y/n, 1/0)"
    if kind == "date":
        return "a date (an Excel date cell or YYYY-MM-DD text)"
    if kind == "period":
        return "a period written YYYY, YYYY-Qn or YYYY-MM (e.g. 2025, 2025-Q3, 2025-07)"
    if kind == "id":
        return "a unique id"
    return "a value"


@dataclass
class _Typed:
    """One column typed by :func:`_convert`, with the positions of its faulty cells."""

    array: Any  # for the frame
    bad: list[int]  # not a valid value of the column
    empty: list[int]  # empty cells
    nonfinite: list[int] = field(default_factory=list)  # infinite, NaN or too large numbers
    too_long: list[int] = field(default_factory=list)  # text over MAX_CELL_CHARS


def _is_nonfinite_float(v: Any, nan_is_value: bool) -> bool:
    if not isinstance(v, (float, np.floating)):
        return False
    return math.isinf(v) or (nan_is_value and v != v)


def _convert(col: S.Column, values: list[Any], config: Config, nan_is_value: bool = False) -> _Typed:
    """Type one column.

    ``nan_is_value``: a float NaN cell is a NaN in the file (workbooks), reported
    as not finite, rather than an empty cell (DataFrames).
    """
    kind = col.kind
    if kind in ("id", "ref", "text", "list"):
        return _convert_text(values, nan_is_value)
    out, bad, empty, nonfinite = _parse_cells(col, values, nan_is_value)
    too_long = [i for i, v in enumerate(values) if isinstance(v, str) and len(v) > MAX_CELL_CHARS]
    if too_long:  # reported as too long, not also as invalid
        long_set = set(too_long)
        bad = [i for i in bad if i not in long_set]
        nonfinite = [i for i in nonfinite if i not in long_set]
    if kind in ("number", "integer"):
        arr, bad = _check_bounds(col, out, bad, config)
        array = arr if kind == "number" else pd.array(out, dtype="Int64")
    elif kind == "bool":
        array = pd.array(out, dtype="boolean")
    elif kind == "date":
        array = pd.to_datetime(pd.Series(out, dtype=object)).to_numpy()
    elif kind == "period":
        array = pd.array(out, dtype="string")
    else:
        array = pd.Categorical(out, categories=list(col.choices or ()), ordered=True)
    return _Typed(array, bad, empty, nonfinite, too_long)


def _convert_text(values: list[Any], nan_is_value: bool) -> _Typed:
    """Type a text-like column (``id``, ``ref``, ``text``, ``list``): every cell is text, none is invalid."""
    texts = [_text(v) for v in values]
    nonfinite = [i for i, v in enumerate(values) if _is_nonfinite_float(v, nan_is_value)]
    if nonfinite:
        for i in nonfinite:
            texts[i] = None
    skip = set(nonfinite)
    empty = [i for i, t in enumerate(texts) if t is None and i not in skip]
    too_long = [i for i, t in enumerate(texts) if t is not None and len(t) > MAX_CELL_CHARS]
    return _Typed(pd.array(texts, dtype="string"), [], empty, nonfinite, too_long)


def _parse_cells(col: S.Column, values: list[Any], nan_is_value: bool) -> tuple[list[Any], list[int], list[int], list[int]]:
    """Parse the cells of a non-text column: parsed values (``None`` when empty or faulty) and the positions of bad, empty and non-finite cells."""
    kind = col.kind
    bad: list[int] = []
    empty: list[int] = []
    nonfinite: list[int] = []
    parser = {
        "number": _number,
        "integer": _integer,
        "bool": _bool,
        "date": _date,
        "period": _period,
    }.get(kind) or _category_parser(col.choices or ())
    out: list[Any] = []
    for i, v in enumerate(values):
        if _is_empty(v):
            if nan_is_value and v != v and isinstance(v, (float, np.floating)):
                nonfinite.append(i)  # a NaN number cell, not an empty one
            else:
                empty.append(i)
            out.append(None)
            continue
        parsed = parser(v)
        if parsed is _BAD or parsed is _NONFINITE:
            (bad if parsed is _BAD or kind not in ("number", "integer") else nonfinite).append(i)
            out.append(None)
        else:
            out.append(parsed)
    return out, bad, empty, nonfinite


def _check_bounds(col: S.Column, out: list[Any], bad: list[int], config: Config) -> tuple[np.ndarray, list[int]]:
    """The parsed numbers as a float array, and ``bad`` with the positions of numbers outside the column's bounds added."""
    lo, hi, _ = _bounds(col, config)
    arr = np.array([np.nan if x is None else x for x in out], dtype=float)
    with np.errstate(invalid="ignore"):
        outside = np.zeros(len(arr), dtype=bool)
        if lo is not None:
            outside |= arr < lo
        if hi is not None:
            outside |= arr > hi
    if outside.any():
        bad = sorted(set(bad) | set(np.flatnonzero(outside).tolist()))
    return arr, bad


def _nonfinite_expected(col: S.Column, value: Any, config: Config) -> str:
    """What was expected instead of a number that is infinite, NaN or too large, and why it is refused."""
    phrase = expected_phrase(col, config) if col.kind in ("number", "integer") else "text or a finite number"
    shown = _show(value)
    text = value.strip() if isinstance(value, str) else None
    try:
        f = float(text if text is not None else value)
        literal = text is None or bool(_NONFINITE_TEXT_RE.fullmatch(text))  # "inf", or an infinite number cell
    except (OverflowError, TypeError, ValueError):
        f, literal = math.inf, False  # a Python int beyond the float range
    if f != f:
        why = f"{shown} is not a number (NaN)"
    elif math.isinf(f) and literal:
        why = f"{shown} is infinite"
    elif math.isinf(f):
        why = f"{shown} is beyond the largest number that can be computed with (about ±{_FLOAT_LIMIT})"
    else:
        why = f"{shown} is too large for a whole number (exact up to {MAX_EXACT_INTEGER:,})"
    return f"{phrase}; {why}"
