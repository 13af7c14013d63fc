"""Validation problems in plain words: what is allowed, never the validator's own phrases.

Pydantic says "Input should be a valid integer, unable to parse string as an integer";
a person needs "must be a whole number (got 'abc')". :func:`plain_problem` turns one
pydantic error into such a phrase (the field's name is the caller's to add), so the
command line, the web forms and the API speak the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: Pydantic error types -> what is allowed.
_TYPES: dict[str, str] = {
    "missing": "is required",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "decimal_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "string_unicode": "must be text",
    "date_type": "must be a date as YYYY-MM-DD",
    "date_parsing": "must be a date as YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date as YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date as YYYY-MM-DD (without a time)",
    "datetime_type": "must be a date and time as YYYY-MM-DDTHH:MM",
    "datetime_parsing": "must be a date and time as YYYY-MM-DDTHH:MM",
    "datetime_from_date_parsing": "must be a date and time as YYYY-MM-DDTHH:MM",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "set_type": "must be a list",
    "dict_type": "must be a JSON object",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "url_parsing": "must be a URL such as https://example.com",
    "url_scheme": "must be an http or https URL",
    "json_invalid": "must be JSON",
    "uuid_parsing": "must be a UUID",
    "extra_forbidden": "is not a field here",
    "none_required": "must be empty",
}

#: Known patterns -> how a person would describe them.
PATTERNS: dict[str, str] = {
    r"^[A-Z][A-Z0-9]*-[A-Za-z0-9.]+$": "a record id such as SYS-3",
    r"^A\.(?:[2-9]|10)(?:\.[0-9]+){1,2}$": "an Annex A control id such as A.6.2.4",
}


def _quoted(value: Any) -> str | None:
    """A short echo of what was given, for ``(got ...)``."""
    if isinstance(value, (dict, list, tuple)) or value is None:
        return None
    text = str(value)
    if len(text) > 40:
        text = text[:39] + "…"
    return repr(text) if isinstance(value, str) else text


def _choices(expected: str) -> str:
    """``"'a', 'b' or 'c'"`` (pydantic's) -> ``"a, b, c"``."""
    return ", ".join(part.strip().strip("'\"") for part in re.split(r",| or ", expected) if part.strip())


def plain_problem(error: Mapping[str, Any], patterns: Mapping[str, str] | None = None) -> str:
    """What is wrong with one value, as ``must be ...`` (see the module)."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    given = _quoted(error.get("input"))
    message: str
    if kind in ("literal_error", "enum"):
        message = f"must be one of: {_choices(str(ctx.get('expected', '')))}"
    elif kind == "greater_than_equal":
        message = f"must be at least {ctx.get('ge')}"
    elif kind == "greater_than":
        message = f"must be more than {ctx.get('gt')}"
    elif kind == "less_than_equal":
        message = f"must be at most {ctx.get('le')}"
    elif kind == "less_than":
        message = f"must be less than {ctx.get('lt')}"
    elif kind == "string_too_short":
        least = int(ctx.get("min_length", 1))
        message = "must not be empty" if least <= 1 else f"must be at least {least} characters"
        given = None
    elif kind == "string_too_long":
        message = f"must be at most {ctx.get('max_length')} characters"
        given = None
    elif kind == "too_short":
        message = f"must have at least {ctx.get('min_length')} item(s)"
        given = None
    elif kind == "too_long":
        message = f"must have at most {ctx.get('max_length')} item(s)"
        given = None
    elif kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        known = {**PATTERNS, **(patterns or {})}
        message = f"must be {known[pattern]}" if pattern in known else "does not have the expected form"
    elif kind in ("value_error", "assertion_error"):
        message = str(error.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        given = None
    elif kind in _TYPES:
        message = _TYPES[kind]
        if kind in ("missing", "extra_forbidden"):
            given = None
    else:
        text = str(error.get("msg", "is not valid"))
        message = text[:1].lower() + text[1:]
    return f"{message} (got {given})" if given is not None else message
