"""DataFrames in and out: validation, CSV for the C library, typed reading of its output.

In: a DataFrame is checked column by column before any work (unsupported dtypes raise
ValueError naming the column), then written to a temporary CSV (``index=False``, a missing
value as an empty field, datetimes as ISO 8601 in UTC).

Out: the synthesized CSV is read with the dtypes the schema implies: categorical columns
as strings (``object``, NaN for missing), numeric columns as ``int64`` when the schema's
bin edges are all integers (the library then samples integers) and the column has no
missing value, else ``float64``, datetime columns as ``datetime64[ns]`` (naive, UTC).
"""
from __future__ import annotations

import datetime as _dt
import decimal
import json
import math
import numbers
import os
from typing import Any, Dict, List

import numpy as np
import pandas as pd
from pandas.api import types as pdt

# infer_dtype results of object columns that are written faithfully as CSV text
_OK_INFERRED = {"string", "empty", "integer", "floating", "mixed-integer-float", "mixed-integer",
                "boolean", "decimal", "datetime", "datetime64", "date"}
_SCALARS = (str, numbers.Number, decimal.Decimal, _dt.date, _dt.datetime, np.generic)


def _bad(column: Any, why: str) -> ValueError:
    return ValueError("column %r: %s" % (column, why))


def check_frame(df: pd.DataFrame, what: str = "data") -> None:
    """Raises ValueError (naming the column) for anything fhesynth cannot take."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError("%s: expected a pandas DataFrame, got %s" % (what, type(df).__name__))
    if df.shape[1] == 0:
        raise ValueError("%s: the DataFrame has no columns" % what)
    if df.shape[0] == 0:
        raise ValueError("%s: the DataFrame has no rows" % what)
    if isinstance(df.columns, pd.MultiIndex):
        raise ValueError("%s: MultiIndex columns are not supported; flatten them first" % what)
    names = [str(c) for c in df.columns]
    seen = set()
    for n in names:
        if n in seen:
            raise ValueError("%s: duplicate column name %r" % (what, n))
        if n == "":
            raise ValueError("%s: a column has an empty name" % what)
        seen.add(n)
    for name in df.columns:
        _check_column(name, df[name])


def _check_column(name: Any, col: pd.Series) -> None:
    dt = col.dtype
    if isinstance(dt, pd.CategoricalDtype):
        cats = pd.Series(dt.categories)
        if len(cats):
            _check_column(name, cats)
        return
    if pdt.is_complex_dtype(dt):
        raise _bad(name, "complex numbers (dtype %s) are not supported" % dt)
    if pdt.is_timedelta64_dtype(dt):
        raise _bad(name, "durations (dtype %s) are not supported; convert them to numbers "
                         "(e.g. .dt.total_seconds())" % dt)
    if isinstance(dt, (pd.PeriodDtype, pd.IntervalDtype, pd.SparseDtype)):
        raise _bad(name, "dtype %s is not supported" % dt)
    if pdt.is_bool_dtype(dt) or pdt.is_datetime64_any_dtype(dt) or pdt.is_string_dtype(dt) and dt != object:
        return
    if pdt.is_float_dtype(dt):
        values = col.to_numpy(dtype="float64", na_value=np.nan)
        if np.isinf(values).any():
            raise _bad(name, "infinite values are not supported (use a missing value instead)")
        return
    if pdt.is_integer_dtype(dt):
        return
    if dt == object:
        kind = pd.api.types.infer_dtype(col, skipna=True)
        if kind in _OK_INFERRED:
            if kind in ("floating", "mixed-integer-float", "decimal"):
                for v in col:
                    if isinstance(v, (float, decimal.Decimal)) and not _finite_or_nan(v):
                        raise _bad(name, "infinite values are not supported (use a missing value instead)")
            return
        for v in col:
            if v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
                continue
            if isinstance(v, (bytes, bytearray, complex, np.complexfloating)) or not isinstance(v, _SCALARS):
                raise _bad(name, "holds %s values; only strings, numbers, booleans and dates are "
                                 "supported (no lists, dicts or other objects)" % type(v).__name__)
        return
    raise _bad(name, "dtype %s is not supported" % dt)


def _finite_or_nan(v: Any) -> bool:
    f = float(v)
    return math.isnan(f) or math.isfinite(f)


def _iso(col: pd.Series) -> pd.Series:
    """Datetimes as the ISO 8601 text the library parses (UTC; naive times are UTC)."""
    s = pd.to_datetime(col, utc=True) if not pdt.is_datetime64_any_dtype(col.dtype) else col
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    valid = s.dropna()
    if len(valid) and (valid == valid.dt.normalize()).all():
        fmt = "%Y-%m-%d"
    elif len(valid) and (valid.dt.microsecond != 0).any() or len(valid) and (valid.dt.nanosecond != 0).any():
        fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
    else:
        fmt = "%Y-%m-%dT%H:%M:%SZ"
    return s.dt.strftime(fmt)


def write_csv(df: pd.DataFrame, path: str) -> None:
    """Writes a checked DataFrame as the CSV the library reads."""
    out = pd.DataFrame(index=df.index)
    for name in df.columns:
        col = df[name]
        if pdt.is_datetime64_any_dtype(col.dtype) or (
                col.dtype == object and pd.api.types.infer_dtype(col, skipna=True) in ("datetime", "datetime64", "date")):
            col = _iso(col)
        out[str(name)] = col
    out.to_csv(path, index=False, na_rep="")


# ---------- schema and output ----------


def read_schema(path: "os.PathLike[str] | str") -> Dict[str, Any]:
    with open(path, "rb") as f:
        return json.load(f)


def _integer_output(column: Dict[str, Any]) -> bool:
    """Mirrors the library's choice (src/synth/model.c): integers when every edge is one."""
    edges = column.get("bins") or []
    return all(float(e) == math.floor(float(e)) and abs(float(e)) <= 2.0 ** 53 for e in edges)


def read_synthetic_csv(path: "os.PathLike[str] | str", schema: Dict[str, Any]) -> pd.DataFrame:
    """Reads the library's CSV output with the dtypes the schema implies."""
    columns: List[Dict[str, Any]] = schema.get("columns", [])
    text_cols = [c["name"] for c in columns if c.get("type") in ("categorical", "datetime")]
    df = pd.read_csv(path, dtype={c: str for c in text_cols}, keep_default_na=False,
                     na_values={c["name"]: [""] for c in columns}, low_memory=False)
    for c in columns:
        name, kind = c["name"], c.get("type")
        if name not in df.columns:
            continue
        if kind == "datetime":
            s = pd.to_datetime(df[name], utc=True)
            df[name] = s.dt.tz_convert("UTC").dt.tz_localize(None)
        elif kind == "numeric":
            s = pd.to_numeric(df[name])
            if _integer_output(c) and not c.get("missing") and not s.isna().any():
                df[name] = s.astype("int64")
            else:
                df[name] = s.astype("float64")
        else:
            df[name] = df[name].astype(object)
    return df


def labels(column: Dict[str, Any]) -> List[Any]:
    """Domain labels of a schema column, in domain order (the missing index last, as None).

    Categorical: the category strings. Numeric: ``pandas.Interval(lo, hi, closed="left")``
    (the last bin also holds its upper edge). Datetime: intervals of Timestamps."""
    out: List[Any] = []
    if column.get("type") == "categorical":
        out.extend(column.get("categories", []))
    else:
        edges = column.get("bins", [])
        conv = (lambda v: pd.Timestamp(float(v), unit="s")) if column.get("type") == "datetime" else float
        for lo, hi in zip(edges[:-1], edges[1:]):
            out.append(pd.Interval(conv(lo), conv(hi), closed="left"))
    if column.get("missing"):
        out.append(None)
    return out
