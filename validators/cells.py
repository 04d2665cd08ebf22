"""Cell parsers: one precompiled closure per column, from text to a typed value.

A parser takes a stripped, non-empty cell text and returns ``(value, problems)``; problems
is None or a tuple of ``(code, detail, params)``. Results of repeating columns are memoised
in a small bounded dict per column (codes, dates and prices repeat a lot in real files).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from bildungsdaten.vocab.codelists import codelist
from bildungsdaten.vocab.columns import Column
from bildungsdaten.vocab.records import PRICE_AMOUNT, PRICE_FREE, PRICE_ON_REQUEST

Problem = tuple[str, str | None, dict[str, Any]]
Parsed = tuple[Any, tuple[Problem, ...] | None]
Parser = Callable[[str], Parsed]

FORMULA_CHARS = ("=", "+", "-", "@")
_EXCEL_EPOCH = date(1899, 12, 30)

_DE_DATE = re.compile(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_SLASH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_SERIAL = re.compile(r"(\d{4,5})(?:[.,]0+)?")
_TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?(?::(\d{2}))?\s*(?:uhr|h)?", re.IGNORECASE)
_EMAIL = re.compile(r"[^@\s<>(),;:\"]+@[^@\s<>(),;:\"]+\.[a-z]{2,}", re.IGNORECASE)
_PHONE_START = re.compile(r"\+[\d\s(]")
_WHITESPACE = re.compile(r"\s")
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'")

FREE_WORDS = frozenset({
    "kostenlos", "gebührenfrei", "gebuehrenfrei", "kostenfrei", "entgeltfrei", "frei", "gratis",
    "free", "umsonst", "eintritt frei"})
ON_REQUEST_WORDS = frozenset({
    "auf anfrage", "a. a.", "a.a.", "preis auf anfrage", "nach vereinbarung", "on request",
    "siehe preishinweis", "variabel"})
TRUE_WORDS = frozenset({"ja", "j", "x", "yes", "y", "true", "wahr", "1"})
FALSE_WORDS = frozenset({"nein", "n", "no", "false", "falsch", "0"})


def _err(code: str, detail: str | None = None, **params: Any) -> tuple[Problem, ...]:
    return ((code, detail, params),)


def _formula(text: str) -> tuple[Problem, ...] | None:
    return _err("formula-injection", None, char=text[0]) if text[0] in FORMULA_CHARS else None


# --- dates and times ----------------------------------------------------------------------

def parse_date(text: str) -> date | None:
    """German (08.09.2025, 8.9.25), ISO (2025-09-08) or Excel serial (45908) dates."""
    try:
        if len(text) == 10 and text[2] == "." and text[5] == ".":
            return date(int(text[6:]), int(text[3:5]), int(text[:2]))
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return date(int(text[:4]), int(text[5:7]), int(text[8:]))
        if m := _DE_DATE.fullmatch(text):
            year = int(m[3])
            if len(m[3]) == 2:
                year += 2000 if year < 70 else 1900
            return date(year, int(m[2]), int(m[1]))
        if m := _ISO_DATE.fullmatch(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _SLASH_DATE.fullmatch(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := _SERIAL.fullmatch(text):
            # Excel's serial day number, as a CSV export writes date cells without a format.
            return _EXCEL_EPOCH + timedelta(days=int(m[1]))
    except ValueError:
        return None
    return None


def _date(text: str) -> Parsed:
    value = parse_date(text)
    if value is None or value.year < 1900:
        return None, _err("type-error", "date")
    return value, None


def parse_time(text: str) -> time | None:
    """18:30, 18.30, 18.30 Uhr, 19 Uhr, 18:30:00."""
    try:
        if len(text) == 5 and text[2] == ":":
            return time(int(text[:2]), int(text[3:]))
        if m := _TIME.fullmatch(text):
            if m[2] is None and not text[len(m[1]):].strip():
                return None  # a bare number is no time ("19" could be anything)
            return time(int(m[1]), int(m[2] or 0), int(m[3] or 0))
    except ValueError:
        return None
    return None


def _time(text: str) -> Parsed:
    value = parse_time(text)
    return (value, None) if value is not None else (None, _err("type-error", "time"))


# --- numbers ------------------------------------------------------------------------------

def parse_number(text: str, grouping: bool) -> Decimal | None:
    """German or English decimals: 12,5  1.250,00  1,250.00  49.6407; `grouping` reads
    a lone dot followed by three digits (1.250) as a thousands separator (prices)."""
    s = text.translate(_SPACES)
    sign = ""
    if s and s[0] in "+-":
        sign, s = ("-" if s[0] == "-" else ""), s[1:]
    if not s:
        return None
    if "," in s and "." in s:
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif "," in s:
        if s.count(",") > 1:
            return None
        s = s.replace(",", ".")
    elif s.count(".") > 1 or (grouping and re.fullmatch(r"\d{1,3}\.\d{3}", s)):
        parts = s.split(".")
        if not all(len(p) == 3 for p in parts[1:]) or not 1 <= len(parts[0]) <= 3:
            return None
        s = "".join(parts)
    head, _, tail = s.partition(".")
    if not (head.isdigit() or (head == "" and tail)) or (tail and not tail.isdigit()):
        return None
    if not head.isascii() or not tail.isascii():
        return None
    try:
        return Decimal(sign + s)
    except InvalidOperation:
        return None


def _int(text: str) -> Parsed:
    if text.isdigit() and text.isascii():
        return int(text), None
    value = parse_number(text, grouping=True)
    if value is None or value != value.to_integral_value():
        return None, _err("type-error", "int")
    if value < 0:
        return None, _err("constraint-error", "minimum", limit=0)
    return int(value), None


def _decimal_parser(low: Decimal | None, high: Decimal | None, grouping: bool) -> Parser:
    def parse(text: str) -> Parsed:
        value = parse_number(text, grouping)
        if value is None:
            return None, _err("type-error", "decimal")
        if high is not None and low is not None and not low <= value <= high:
            return None, _err("constraint-error", "range", low=low, high=high)
        if low is not None and value < low:
            return None, _err("constraint-error", "minimum", limit=low)
        return value, None
    return parse


_CURRENCY = re.compile(r"\s*(€|eur|euro)\s*", re.IGNORECASE)


def _price(text: str) -> Parsed:
    lowered = " ".join(text.casefold().split())
    if lowered in FREE_WORDS:
        return (Decimal(0), PRICE_FREE), None
    if lowered in ON_REQUEST_WORDS:
        return (None, PRICE_ON_REQUEST), None
    amount = _CURRENCY.sub("", text).strip().rstrip(",-").rstrip(",") if text else text
    value = parse_number(amount, grouping=True) if amount else None
    if value is None:
        return None, _err("type-error", "price")
    if value < 0:
        return None, _err("constraint-error", "minimum", limit=0)
    if value == 0:
        return (Decimal(0), PRICE_FREE), None
    return (value, PRICE_AMOUNT), None


def _reduced_price(text: str) -> Parsed:
    """A reduced price: an amount written as `preis` accepts it ("70,00 €", "1.250,-",
    "kostenlos" = 0); "auf Anfrage" is no reduced price."""
    lowered = " ".join(text.casefold().split())
    if lowered in FREE_WORDS:
        return Decimal(0), None
    amount = _CURRENCY.sub("", text).strip().rstrip(",-").rstrip(",")
    value = parse_number(amount, grouping=True) if amount else None
    if value is None:
        return None, _err("type-error", "reduced-price")
    if value < 0:
        return None, _err("constraint-error", "minimum", limit=0)
    return value, None


def _bool(text: str) -> Parsed:
    lowered = text.casefold()
    if lowered in TRUE_WORDS:
        return True, None
    if lowered in FALSE_WORDS:
        return False, None
    return None, _err("type-error", "bool")


# --- identifiers and addresses ------------------------------------------------------------

# Lower-case http(s), a dotted host name, no whitespace: valid without asking urlsplit.
_SIMPLE_URL = re.compile(r"https?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:[/?#]\S*)?")


def _url(text: str) -> Parsed:
    if len(text) <= 2000 and _SIMPLE_URL.fullmatch(text):
        return text, None
    url = "https://" + text if text[:4].lower() == "www." else text
    try:
        parts = urlsplit(url)
    except ValueError:
        return None, _err("type-error", "url")
    host = parts.hostname or ""
    if (parts.scheme not in ("http", "https") or "." not in host.strip(".")
            or _WHITESPACE.search(url) or len(url) > 2000):
        return None, _err("type-error", "url")
    return url, None


def _email(text: str) -> Parsed:
    address = text[7:] if text[:7].lower() == "mailto:" else text
    if _EMAIL.fullmatch(address):
        return address, None
    return None, _err("type-error", "email")


def _digits(text: str, length: int, detail: str) -> Parsed:
    s = text.translate(_SPACES)
    if s[:2].upper() == "D-":
        s = s[2:]
    s = s.removesuffix(".0")  # a number cell exported as 64646.0
    if not (s.isdigit() and s.isascii()) or not length - 1 <= len(s) <= length:
        return None, _err("type-error", detail)
    # Excel drops the leading zero of postal codes and AGS stored as numbers.
    return s.zfill(length), None


def _postal_code(text: str) -> Parsed:
    return _digits(text, 5, "postal_code")


def _ags(text: str) -> Parsed:
    return _digits(text, 8, "ags")


def _phone_parser(max_length: int | None) -> Parser:
    def parse(text: str) -> Parsed:
        if not any(c.isdigit() for c in text):
            return None, _err("type-error", "phone")
        problems: tuple[Problem, ...] = ()
        if text[0] in FORMULA_CHARS and not _PHONE_START.match(text):
            problems += _err("formula-injection", None, char=text[0])
            text = "'" + text
        if max_length and len(text) > max_length:
            problems += _err("constraint-error", "max-length", length=len(text), limit=max_length)
        return text, problems or None
    return parse


def _text_parser(max_length: int | None, is_list: bool) -> Parser:
    def parse(text: str) -> Parsed:
        problems: tuple[Problem, ...] | None = None
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if text[0] in FORMULA_CHARS:
            problems = _err("formula-injection", None, char=text[0])
            text = "'" + text  # neutralised: spreadsheets show it as text, never run it
        if max_length and len(text) > max_length:
            problems = (problems or ()) + _err("constraint-error", "max-length",
                                               length=len(text), limit=max_length)
        if is_list:
            # Lists are tuples while checking: hashable, and safe to share from the memo.
            return tuple(filter(None, map(str.strip, text.split("|")))), problems
        return text, problems
    return parse


# --- code lists ---------------------------------------------------------------------------

def _code_parser(name: str, is_list: bool) -> Parser:
    scheme = codelist(name)
    allowed = ", ".join(scheme.codes) if len(scheme.codes) <= 12 else None

    def unknown(item: str) -> Problem:
        return ("constraint-error", "code",
                {"value": item, "suggestion": scheme.suggest(item), "allowed": allowed})

    def single(text: str) -> Parsed:
        concept = scheme.lookup(text)
        if concept is None:
            return None, (unknown(text),)
        return concept.code, None

    def many(text: str) -> Parsed:
        codes: list[str] = []
        problems: list[Problem] = []
        for item in text.split("|"):
            item = item.strip()
            if not item:
                continue
            concept = scheme.lookup(item)
            parts: list[tuple[str, Any]]
            if concept is not None:
                parts = [(item, concept)]
            else:
                # Some write "de, en" or "Mo;Mi" instead of the | separator.
                pieces = [p.strip() for p in re.split(r"[,;/]", item) if p.strip()]
                parts = [(p, scheme.lookup(p)) for p in pieces] if len(pieces) > 1 else [(item, None)]
            for piece, found in parts:
                if found is None:
                    problems.append(unknown(piece))
                elif found.code not in codes:
                    codes.append(found.code)
        return tuple(codes), tuple(problems) or None

    return many if is_list else single


# --- the registry -------------------------------------------------------------------------

RANGES: dict[str, tuple[Decimal | None, Decimal | None]] = {
    "lat": (Decimal(-90), Decimal(90)),
    "lon": (Decimal(-180), Decimal(180)),
}


def parser_for(column: Column) -> tuple[Parser, bool]:
    """The parser of one column and whether its results may be memoised."""
    kind = column.kind
    if kind == "text":
        return _text_parser(column.max_length, column.is_list), False
    if kind == "code":
        return _code_parser(column.codelist or "", column.is_list), True
    if column.field == "reduced_price":
        return _reduced_price, True
    if kind == "decimal":
        low, high = RANGES.get(column.field, (Decimal(0), None))
        return _decimal_parser(low, high, grouping=False), True
    if kind == "phone":
        return _phone_parser(column.max_length), True
    simple: dict[str, Parser] = {
        "date": _date, "time": _time, "int": _int, "bool": _bool, "price": _price,
        "url": _url, "email": _email, "postal_code": _postal_code, "ags": _ags,
    }
    return simple[kind], True
