"""Offers as database-ready rows: from typed upload rows (inside the validator's processes) or
from OfferRecords, with their content hash.

The content hash (OfferDigest, the only place it is defined) is the SHA-256 of the JSON list
``[provider name, course values, instance 1 values, venue 1 values or null, …]``. A JSON list
is its items' own JSON joined by ", ", so every row brings the JSON text of its instance and
venue, the first row of an offer the JSON of the course, and an offer's hash is fed those
texts in order: no dicts, no records, one pass. tests/offer_oracle.py computes the same hash
the slow, obvious way from a whole record, as the reference the tests hold this to.

Values are converted for the database by the columns' own SQLAlchemy bind processors (once per
distinct value), so storage is exactly what SQLAlchemy itself would write.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from operator import attrgetter, itemgetter
from typing import Any, Final

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect

from ...vocab.columns import COLUMNS
from ...vocab.columns import FIELD_POSITIONS as IDX
from ...vocab.identity import plain, venue_key_of
from ...vocab.records import COURSE_FIELDS, INSTANCE_FIELDS, VENUE_FIELDS, OfferRecord
from ..models import Offer, OfferInstance

LIST_FIELDS = frozenset(c.field for c in COLUMNS if c.is_list)
_COURSE_IDX = itemgetter(*(IDX[f] for f in COURSE_FIELDS))
_INSTANCE_IDX = tuple(IDX[f] for f in INSTANCE_FIELDS if f not in ("price", "price_kind"))
_VENUE_IDX = itemgetter(*(IDX[f] for f in VENUE_FIELDS))
_ID, _PRICE, _TERMIN, _START = IDX["angebot_id"], IDX["price"], IDX["termin_id"], IDX["start_date"]
_PRICE_POS = INSTANCE_FIELDS.index("price")
_START_POS, _END_POS = INSTANCE_FIELDS.index("start_date"), INSTANCE_FIELDS.index("end_date")
_NO_PRICE = (None, None)
_course_values = attrgetter(*COURSE_FIELDS)
_instance_values = attrgetter(*INSTANCE_FIELDS)
_venue_values = attrgetter(*VENUE_FIELDS)


def json_default(value: Any) -> Any:
    """json.dumps hook: the conversions of `plain`, called only for non-JSON values."""
    kind = type(value)
    if kind is date or kind is time or kind is datetime:  # plain's first case, called less
        return value.isoformat()
    converted = plain(value)
    if converted is value:
        raise TypeError(f"not JSON-able: {type(value).__name__}")
    return converted


_STDLIB_ENCODER = json.JSONEncoder(ensure_ascii=False, default=json_default)


def _made_once_encoder() -> Callable[[Any], str]:
    """_STDLIB_ENCODER.encode with its C encoder made once: `encode` builds a new one (and a
    circular-reference memo) for every value, which cost more than encoding the hash's short
    lists. The same C code with the same settings, so the same text (tested); without the C
    encoder, the plain `encode`."""
    base = _STDLIB_ENCODER
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None or base.indent is not None:
        return base.encode
    text = json.encoder.encode_basestring  # type: ignore[attr-defined]
    # markers None: no circular check (the hashed values are flat lists of scalars and lists)
    run = make(None, base.default, text, None, base.key_separator, base.item_separator,
               base.sort_keys, base.skipkeys, base.allow_nan)

    def dumps(value: Any) -> str:
        if isinstance(value, str):  # as JSONEncoder.encode: a string never reaches the C part
            return text(value)  # type: ignore[no-any-return]
        return "".join(run(value, 0))

    return dumps


_dumps = _made_once_encoder()


def digest_head(provider_name: str) -> str:
    """The start every offer's hashed text shares: the provider's name (see OfferDigest)."""
    return "[" + _dumps(provider_name) + ", "


class OfferDigest:
    """The content hash of one offer, fed its JSON fragments as they arrive: the course with
    `head` (digest_head of the provider), then each instance ('<instance>, <venue>')."""

    __slots__ = ("_sha",)

    def __init__(self, head: str, course_json: str) -> None:
        self._sha = hashlib.sha256((head + course_json).encode())

    def add(self, instance_json: str) -> None:
        self._sha.update((", " + instance_json).encode())

    def hexdigest(self) -> str:
        """The hash of what was added so far (more may still be added)."""
        final = self._sha.copy()
        final.update(b"]")
        return final.hexdigest()


def offer_digest(head: str, course_json: str, instance_jsons: Iterable[str]) -> str:
    """The content hash of an offer from all its JSON fragments at once."""
    digest = OfferDigest(head, course_json)
    for text in instance_jsons:
        digest.add(text)
    return digest.hexdigest()


def bind_processor(column: sa.Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column's bind processor; on PostgreSQL, a JSONB column takes the JSON text as a
    plain str: COPY writes it with psycopg's C text dumper instead of a Python Jsonb dumper
    per value (some 10^5 a page), a harvest's reader pickles a str instead of a Jsonb object,
    and an UPDATE binds it as text cast to JSONB. The server stores the same jsonb."""
    impl = column.type.dialect_impl(dialect)
    proc = impl.bind_processor(dialect)
    if dialect.name == "postgresql":
        if isinstance(impl, JSONB):
            return _jsonb_text
        if proc is None and isinstance(impl, (sa.Numeric, sa.Date, sa.Time)):
            # psycopg takes these as they are; through the converters' memo equal values
            # become one object, which a pickled page (the harvest's reader) then sends once
            return _same
    return proc  # type: ignore[no-any-return]


def _same(value: Any) -> Any:
    return value


def _jsonb_text(value: Any) -> str:
    return orjson.dumps(list(value) if isinstance(value, tuple) else value).decode()


class _Converted(dict):  # type: ignore[type-arg]
    """value -> database value through one bind processor, each distinct value once."""

    def __init__(self, process: Callable[[Any], Any]) -> None:
        super().__init__()
        self.process = process

    def __missing__(self, value: Any) -> Any:
        out = self[value] = self.process(value)
        return out


class Converter:
    """Turns tuples of typed values (columns `names` of `table`) into database values."""

    def __init__(self, table: sa.Table, names: Sequence[str], dialect: Dialect) -> None:
        self.steps: list[tuple[int, _Converted]] = []
        for pos, name in enumerate(names):
            proc = bind_processor(table.c[name], dialect)
            if proc is not None:
                self.steps.append((pos, _Converted(proc)))

    def __call__(self, values: Sequence[Any]) -> tuple[Any, ...]:
        out = list(values)
        for pos, convert in self.steps:
            out[pos] = convert[out[pos]]
        return tuple(out)


_enc = json.encoder.encode_basestring  # type: ignore[attr-defined]


class _JsonOf(dict):  # type: ignore[type-arg]
    """value -> its JSON text as in the content hash, each distinct value once."""

    def __missing__(self, value: Any) -> str:
        out = self[value] = _dumps(value)
        return out


class _DecimalJson(dict):  # type: ignore[type-arg]
    """str(decimal) -> its JSON text (keyed by text: 1.5 and 1.50 are equal Decimals)."""

    def __missing__(self, text: str) -> str:
        out = self[text] = "null" if text == "None" else _dumps(plain(Decimal(text)))
        return out


class _Columns:
    """Columns of typed values -> rows of database values and rows of JSON fragments."""

    def __init__(self, table: sa.Table, names: Sequence[str], dialect: Dialect) -> None:
        self.plan: list[tuple[str, _Converted | None, dict[Any, str]]] = []
        for name in names:
            column = table.c[name]
            proc = bind_processor(column, dialect)
            convert = _Converted(proc) if proc is not None else None
            python_type = _python_type(column)
            json_memo: dict[Any, str]
            if name in LIST_FIELDS:
                kind, json_memo = "list", _JsonOf({None: "[]"})
                if convert is not None:
                    convert[None] = convert.process(())  # an empty list column is []
            elif name in ("title", "description"):
                kind, json_memo = "text-required", {}
            elif python_type is str and name not in _CODE_FIELDS:
                kind, json_memo = "text", {}
            elif python_type is Decimal:
                kind, json_memo = "decimal", _DecimalJson()
            else:
                kind, json_memo = "value", _JsonOf()
            self.plan.append((kind, convert, json_memo))

    def run(self, columns: Sequence[Sequence[Any]]) -> tuple[list[tuple[Any, ...]], list[str]]:
        """Rows of database values and the JSON text of each row's values (without [])."""
        db_cols: list[Any] = []
        js_cols: list[Any] = []
        for (kind, convert, json_memo), col in zip(self.plan, columns, strict=True):
            if kind == "text-required":
                col = [v if v is not None else "" for v in col]
                js_cols.append(list(map(_enc, col)))
            elif kind == "text":
                js_cols.append([_enc(v) if v is not None else "null" for v in col])
            elif kind == "decimal":
                js_cols.append(list(map(json_memo.__getitem__, map(str, col))))
            else:
                js_cols.append(list(map(json_memo.__getitem__, col)))
            db_cols.append(list(map(convert.__getitem__, col)) if convert is not None else col)
        return list(zip(*db_cols, strict=True)), list(map(", ".join, zip(*js_cols, strict=True)))


def _python_type(column: sa.Column[Any]) -> type | None:
    try:
        return column.type.python_type  # type: ignore[no-any-return]
    except NotImplementedError:
        return None


# Plain tuples, not NamedTuples: the helper process pickles them, at half the cost.
# An instance ready to store: (database values of INSTANCE_FIELDS, instance_key, venue key,
# '<instance values JSON>, <venue values JSON or null>').
InstanceItem = tuple[tuple[Any, ...], str, "str | None", str]
I_VALUES: Final = 0
I_KEY: Final = 1
I_VENUE: Final = 2
I_JSON: Final = 3
# What the mapper keeps of one upload row: (angebot_id, (course JSON, course database values)
# at the offer's first sight or None, InstanceItem, typed venue values at first sight or None).
# The instance is None only for a record without any date (record_items), never in uploads.
RowItem = tuple[str, "tuple[str, tuple[Any, ...]] | None", "InstanceItem | None",
                "tuple[Any, ...] | None"]


@dataclass
class PreparedOffer:
    """An offer ready to store: database values of course and instances, and its hash."""

    angebot_id: str
    digest: str
    course: tuple[Any, ...]  # COURSE_FIELDS as database values
    instances: list[InstanceItem] = field(default_factory=list)


def row_mapper(driver: str) -> Callable[[list[tuple[Any, ...]]], list[RowItem]]:
    """The validator's RowMapper for a database ("sqlite+pysqlite", "postgresql+psycopg"):
    importable by name, so a helper interpreter can build its own (functools.partial)."""
    dialect = sa.engine.make_url(f"{driver}://").get_dialect()()
    return Preparer(dialect).map_rows


def driver_of(dialect: Dialect) -> str:
    """The `row_mapper` argument for an engine's dialect."""
    return f"{dialect.name}+{dialect.driver}"


class Preparer:
    """Database-ready rows for one dialect (one per upload and process)."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.course = Converter(Offer.__table__, COURSE_FIELDS, dialect)  # type: ignore[arg-type]
        self.instance = Converter(OfferInstance.__table__, INSTANCE_FIELDS, dialect)  # type: ignore[arg-type]
        self.seen_offers: set[str] = set()
        self.venue_keys: dict[tuple[Any, ...], tuple[str, tuple[Any, ...]]] = {}
        self.venues: dict[tuple[Any, ...], tuple[str | None, str]] = {}
        self.course_columns = _Columns(Offer.__table__, COURSE_FIELDS, dialect)  # type: ignore[arg-type]
        self.instance_columns = _Columns(OfferInstance.__table__, INSTANCE_FIELDS, dialect)  # type: ignore[arg-type]

    # --- from typed upload rows (validators' RowMapper) ------------------------------------

    def map_rows(self, rows: list[tuple[Any, ...]]) -> list[RowItem]:
        """A validator RowMapper: one RowItem per typed row that has an angebot_id.

        Works column by column (C-level map over memo dicts); values repeat a lot."""
        rows = [vals for vals in rows if vals[_ID] is not None]
        if not rows:
            return []
        cols = list(zip(*rows, strict=True))
        ids = cols[_ID]
        seen = self.seen_offers
        first = [n for n, aid in enumerate(ids) if aid not in seen and not seen.add(aid)]  # type: ignore[func-returns-value]
        courses: list[Any] = [None] * len(rows)
        if first:
            every = len(first) == len(rows)
            picked = [cols[i] if every else [cols[i][n] for n in first] for i in _COURSE_COLS]
            db, js = self.course_columns.run(picked)
            for n, values, text in zip(first, db, js, strict=True):
                courses[n] = ("[" + text + "]", values)
        inst_cols: list[Sequence[Any]] = [cols[i] for i in _INSTANCE_COLS]
        price = cols[_PRICE]
        inst_cols[_PRICE_POS:_PRICE_POS] = [
            [p[0] if p is not None else None for p in price],
            [p[1] if p is not None else None for p in price]]
        inst_db, inst_js = self.instance_columns.run(inst_cols)
        venue_of = self._venue
        out: list[RowItem] = []
        for vals, course, values, text in zip(rows, courses, inst_db, inst_js, strict=True):
            new_venue, venue_key, venue_json = venue_of(_VENUE_IDX(vals))
            termin = vals[_TERMIN]
            start = vals[_START]
            key = termin if termin else (start.isoformat() if start else "laufend")
            out.append((vals[_ID], course,
                        (values, key[:60], venue_key, "[" + text + "], " + venue_json), new_venue))
        return out

    def _venue(self, venue: tuple[Any, ...]) -> tuple[tuple[Any, ...] | None, str | None, str]:
        """(typed values at first sight, key, JSON) of a row's venue fields."""
        # Decimals equal in value may differ in text (49.5, 49.50): the key keeps them apart.
        memo_key = (venue, str(venue[_LAT]), str(venue[_LON]))
        known = self.venues.get(memo_key)
        if known is not None:
            return None, known[0], known[1]
        if all(v is None for v in venue):
            key, text = None, "null"
        else:
            key, text = venue_key_of(venue), _dumps(venue)
        self.venues[memo_key] = (key, text)
        return (venue if key is not None else None), key, text

    # --- from records -------------------------------------------------------------------------

    def record_items(self, records: Sequence[OfferRecord]) -> list[RowItem]:
        """RowItems of whole records, exactly as map_rows makes them of upload rows, so every
        writer goes through the same items, grouping and hash (an offer without any date
        gives one item without an instance)."""
        out: list[RowItem] = []
        for record in records:
            course_vals = _course_values(record)
            course = (_dumps(course_vals), self.course(_hashable(list(course_vals), _RECORD_COURSE_LISTS)))
            if not record.instances:
                out.append((record.angebot_id, course, None, None))
                continue
            for position, inst in enumerate(record.instances):
                vals = list(_instance_values(inst))
                venue = inst.venue
                typed: tuple[Any, ...] | None = None
                if venue is None or venue.is_empty():
                    venue_key, venue_json = None, "null" if venue is None else _dumps(
                        _venue_values(venue))
                else:
                    known = self.venue_keys.get(_venue_values(venue))
                    if known is None:
                        typed = _venue_values(venue)
                        known = self.venue_keys[typed] = (venue_key_of(typed), typed)
                    # one tuple per venue: a pickled page (the harvest's reader) sends it once
                    venue_key, typed = known
                    venue_json = _dumps(typed)
                item = (self.instance(_hashable(vals, _RECORD_INSTANCE_LISTS)), inst.key[:60], venue_key,
                        _dumps(vals) + ", " + venue_json)
                out.append((record.angebot_id, course if position == 0 else None, item, typed))
        return out

    def prepare_records(self, records: Sequence[OfferRecord]
                        ) -> tuple[list[PreparedOffer], dict[str, tuple[Any, ...]]]:
        """PreparedOffers of one provider's records (through record_items and Grouping, as an
        upload's rows) and the typed values of their venues by key."""
        grouping = Grouping()
        grouping.add(self.record_items(records))
        return grouping.finish(records[0].provider.name if records else "")


def _hashable(values: list[Any], lists: tuple[int, ...]) -> list[Any]:
    """The list fields' lists (at `lists`) as tuples: the converters memoise by value."""
    for pos in lists:
        value = values[pos]
        if type(value) is list:
            values[pos] = tuple(value)
    return values


# Positions of the list fields in a record's course and instance values (record_items).
_RECORD_COURSE_LISTS = tuple(n for n, f in enumerate(COURSE_FIELDS) if f in LIST_FIELDS)
_RECORD_INSTANCE_LISTS = tuple(n for n, f in enumerate(INSTANCE_FIELDS) if f in LIST_FIELDS)


_COURSE_COLS = tuple(IDX[f] for f in COURSE_FIELDS)
_INSTANCE_COLS = tuple(IDX[f] for f in INSTANCE_FIELDS if f not in ("price", "price_kind"))
_LAT, _LON = VENUE_FIELDS.index("lat"), VENUE_FIELDS.index("lon")
_CODE_FIELDS = frozenset(c.field for c in COLUMNS if c.kind == "code")
_COURSE_LISTS = tuple(n for n, f in enumerate(COURSE_FIELDS) if f in LIST_FIELDS)
_INSTANCE_LISTS = tuple(n for n, f in enumerate(f for f in INSTANCE_FIELDS
                                                   if f not in ("price", "price_kind"))
                        if f in LIST_FIELDS)


def group_items(items: Iterable[RowItem], provider_name: str
                ) -> tuple[list[PreparedOffer], dict[str, tuple[Any, ...]]]:
    """RowItems (file order) grouped into PreparedOffers (first appearance order) with their
    content hashes, and the typed values of the venues by key."""
    grouping = Grouping()
    grouping.add(items)
    return grouping.finish(provider_name)


class Grouping:
    """group_items in steps: RowItems added batch by batch, hashed at the end."""

    def __init__(self) -> None:
        self.offers: dict[str, PreparedOffer] = {}
        self.jsons: dict[str, str] = {}
        self.venues: dict[str, tuple[Any, ...]] = {}

    def add(self, items: Iterable[RowItem]) -> None:
        offers, jsons, venues = self.offers, self.jsons, self.venues
        for angebot_id, course, instance, venue in items:
            offer = offers.get(angebot_id)
            if offer is None:
                assert course is not None  # an offer's first row carries its course
                jsons[angebot_id], values = course
                offer = offers[angebot_id] = PreparedOffer(angebot_id, "", values)
            if instance is None:  # a record without dates (uploads always have a row)
                continue
            offer.instances.append(instance)
            if venue is not None and instance[I_VENUE] is not None:
                venues.setdefault(instance[I_VENUE], venue)

    def finish(self, provider_name: str
               ) -> tuple[list[PreparedOffer], dict[str, tuple[Any, ...]]]:
        head = digest_head(provider_name)
        jsons = self.jsons
        for angebot_id, offer in self.offers.items():
            offer.digest = offer_digest(head, jsons[angebot_id],
                                        [i[I_JSON] for i in offer.instances])
        return list(self.offers.values()), self.venues


def date_span(instances: Sequence[InstanceItem]) -> tuple[Any, Any]:
    """first_date/last_date of an offer from its instances' database date values (ISO texts
    on SQLite, dates on PostgreSQL: both order like the dates)."""
    if len(instances) == 1:  # the common case, without lists
        values = instances[0][I_VALUES]
        start, end = values[_START_POS], values[_END_POS]
        return start, (end if end is not None else start)
    return span_of([(i[I_VALUES][_START_POS], i[I_VALUES][_END_POS]) for i in instances])


def instance_dates(instance: InstanceItem) -> tuple[Any, Any]:
    """(start date, end date) of an instance, as database values."""
    values = instance[I_VALUES]
    return values[_START_POS], values[_END_POS]


def span_of(dates: Sequence[tuple[Any, Any]]) -> tuple[Any, Any]:
    """first_date/last_date of an offer from its instances' (start, end) database values."""
    starts = [start for start, _end in dates if start is not None]
    ends = [end if end is not None else start for start, end in dates]
    # An instance without dates (rolling entry) keeps the offer open-ended.
    if None in ends or not ends:
        return (min(starts) if starts else None), None
    return (min(starts) if starts else None), max(ends)
