"""Input that no route may see: integers beyond the database's columns, NUL bytes, digits that
are not ASCII. One mechanism each, registered for the whole app, so no route needs its own.

PostgreSQL answers an `integer` parameter above 2**31 - 1 and a text containing NUL with an
error (500), SQLite does not; Python's int() and str.isdigit() accept "²" and "٣".
"""
from __future__ import annotations

from flask import Flask, Request, request
from werkzeug.routing import IntegerConverter, Map

from .problems import Problem, bad_parameter

# Every id column of the hub is a 32-bit `integer` on PostgreSQL (hub/models.py).
INT_MAX = 2**31 - 1
# More digits than any bounded int has: never handed to int() (Python refuses > 4300 digits).
MAX_DIGITS = 19


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` limited to ASCII digits and to the columns' range unless a route says
    otherwise (`<int(max=…):…>`); out of range, the rule does not match: a 404."""

    regex = rf"[0-9]{{1,{MAX_DIGITS}}}"
    signed_regex = rf"-?[0-9]{{1,{MAX_DIGITS}}}"

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, 0 if min is None and not signed else min,
                         INT_MAX if max is None else max, signed)


def bounded_int(text: str | None, low: int = 0, high: int = INT_MAX) -> int | None:
    """`text` as an int when it is ASCII digits only and within [low, high]; else None.

    The one decoder for numbers from query strings and cursors."""
    if not text or len(text) > MAX_DIGITS or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if low <= value <= high else None


NUL_DETAIL = "Der Wert enthält ein Nullzeichen (%00); das ist in keinem Wert erlaubt."


def _nul_problem(name: str) -> Problem:
    """The same 400 the filter model gives for a bad parameter, naming the field."""
    return bad_parameter(name.replace("\x00", "") or "Parameter", NUL_DETAIL)


def reject_nul() -> None:  # form fields: see HubRequest
    """400 for a NUL byte anywhere in the path or the query string (names and values)."""
    if "\x00" in request.path:
        raise Problem(400, "invalid-path", "Ungültige Adresse",
                      "Die Adresse enthält ein Nullzeichen (%00); das ist nicht erlaubt.")
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise _nul_problem(name)


class HubRequest(Request):
    """Flask's request, refusing form fields and upload file names with a NUL byte as soon as
    a view reads the form (so no route stores one; the body is still parsed only on demand)."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        for name, value in self.form.items(multi=True):
            if "\x00" in name or "\x00" in value:
                raise _nul_problem(name)
        for name, storage in self.files.items(multi=True):
            if "\x00" in name or "\x00" in (storage.filename or ""):
                raise _nul_problem(name)


def init_app(app: Flask) -> None:
    """Register the bounded `int` converter (before any blueprint adds its rules) and the
    NUL check (runs before routing errors are raised, so it also covers unknown paths)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.request_class = HubRequest
    app.before_request(reject_nul)

