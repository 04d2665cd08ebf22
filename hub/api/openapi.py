"""The OpenAPI 3.1 document of /api/v1, its component schemas generated from hub.api.schemas
by a small marshmallow -> JSON Schema (2020-12) converter."""
from __future__ import annotations

from functools import cache
from typing import Any

from marshmallow import Schema, fields, validate

from ...vocab.codelists import codelist
from ..offers.filter_params import FILTER_RULES, filter_params
from .schemas import (
    DECIMAL_PATTERN,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    OfferPageSchema,
    OfferSchema,
    ProblemSchema,
    ProviderListSchema,
)

COMPONENTS: tuple[type[Schema], ...] = (OfferPageSchema, OfferSchema, ProviderListSchema,
                                        ProblemSchema)
PROBLEM = "application/problem+json"


def _name(schema: type[Schema] | Schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Schema")


def field_schema(field: fields.Field, refs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """JSON Schema of one marshmallow field; nested schemas land in `refs`."""
    meta = dict(field.metadata)
    out: dict[str, Any]
    if isinstance(field, fields.Nested):
        nested = field.nested
        if not isinstance(nested, (type, Schema)):
            raise TypeError(f"unsupported nested schema {nested!r}")
        cls = nested if isinstance(nested, type) else type(nested)
        name = _name(cls)
        if name not in refs:
            refs[name] = {}  # placeholder against recursion
            refs[name] = schema_of(cls, refs)
        out = {"$ref": f"#/components/schemas/{name}"}
    elif isinstance(field, fields.List):
        out = {"type": "array", "items": field_schema(field.inner, refs)}
    elif isinstance(field, fields.Dict):
        out = {"type": "object"}
        if field.value_field is not None:
            out["additionalProperties"] = field_schema(field.value_field, refs)
    elif isinstance(field, fields.Decimal):
        out = {"type": "string", "pattern": DECIMAL_PATTERN}
    elif isinstance(field, fields.Integer):
        out = {"type": "integer"}
    elif isinstance(field, fields.Boolean):
        out = {"type": "boolean"}
    elif isinstance(field, fields.Date):
        out = {"type": "string", "format": "date"}
    elif isinstance(field, fields.Time):
        out = {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"}
    else:
        out = {"type": "string"}
    for validator in getattr(field, "validators", []):
        if isinstance(validator, validate.OneOf):
            out["enum"] = list(validator.choices)
        elif isinstance(validator, validate.Range):
            out.update({k: v for k, v in (("minimum", validator.min),
                                          ("maximum", validator.max)) if v is not None})
        elif isinstance(validator, validate.Length):
            out.update({k: v for k, v in (("minLength", validator.min),
                                          ("maxLength", validator.max)) if v is not None})
    if "codelist" in meta:
        out["enum"] = list(codelist(meta.pop("codelist")).codes)
    for key in ("description", "format", "pattern", "enum"):
        if key in meta:
            out[key] = meta[key]
    if field.allow_none and "$ref" not in out:
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        out["type"] = [out["type"], "null"]
    elif field.allow_none:
        out = {"oneOf": [out, {"type": "null"}]}
    return out


def schema_of(schema_cls: type[Schema], refs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """JSON Schema (object) of a marshmallow schema, keyed by each field's data key."""
    schema = schema_cls()
    props: dict[str, Any] = {}
    required: list[str] = []
    for name, field in schema.fields.items():
        key = field.data_key or name
        props[key] = field_schema(field, refs)
        if field.required:
            required.append(key)
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    if schema_cls.__doc__:
        out["description"] = schema_cls.__doc__.strip().splitlines()[0]
    return out


def _query_parameters() -> list[dict[str, Any]]:
    """The filter parameters (hub.offers.filters, the one model every reader uses) and paging."""
    params = [{"name": p.name, "in": "query", "required": False, "description": p.description,
               "schema": ({"type": "array", "items": p.schema} if p.repeatable else p.schema),
               **({"style": "form", "explode": True} if p.repeatable else {})}
              for p in filter_params()]
    params += [
        {"name": "limit", "in": "query", "required": False,
         "description": f"Angebote je Seite (Standard {DEFAULT_LIMIT}, höchstens {MAX_LIMIT})",
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                    "default": DEFAULT_LIMIT}},
        {"name": "after", "in": "query", "required": False,
         "description": "Fortsetzungsmarke aus `next` der vorigen Seite",
         "schema": {"type": "string", "minLength": 1, "maxLength": 100}},
    ]
    return params


CACHE_HEADERS = {
    "ETag": {"description": "Kennung dieser Antwort; mit If-None-Match kommt 304, solange "
                            "sie gilt", "schema": {"type": "string"}},
    "Cache-Control": {"description": "Wie lange die Antwort ohne Nachfrage gelten darf",
                      "schema": {"type": "string"}},
}


def _json(ref: str, description: str) -> dict[str, Any]:
    return {"description": description, "headers": CACHE_HEADERS,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


@cache
def openapi_document(server_url: str) -> dict[str, Any]:
    """The complete OpenAPI 3.1 document, with `server_url` (…/api/v1) as its server."""
    refs: dict[str, dict[str, Any]] = {}
    for component in COMPONENTS:
        refs[_name(component)] = schema_of(component, refs)
    path_params = [
        {"name": "provider", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "Kurzname (slug) des Anbieters"},
        {"name": "angebot_id", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "angebot_id des Anbieters (URL-kodiert)"},
    ]
    bad = _problem("Ungültiger Parameter (der Name steht in `parameter`)")
    not_modified = {"description": "Nicht geändert: die Antwort mit dem ETag aus "
                                   "If-None-Match gilt noch", "headers": CACHE_HEADERS}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Bildungsdaten-Hub API",
            "version": "1.0.0",
            "summary": "Bildungsangebote des Kreises als JSON (nur lesend)",
            "description": (
                "Lesende JSON-API des Bildungsdaten-Hubs. Feldnamen wie in den Angebotsdatensätzen; "
                "Codes aus den Codelisten unter /vocab/. Dezimalzahlen (Preise, UE, Koordinaten, "
                "ECTS) sind Zeichenketten wie \"89.00\", damit kein Betrag gerundet wird; Daten "
                "im Format JJJJ-MM-TT, Uhrzeiten HH:MM:SS (Europe/Berlin). Fehler als "
                "application/problem+json (RFC 9457)."),
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/providers": {"get": {
                "operationId": "listProviders", "summary": "Alle Anbieter mit Zahl ihrer Angebote",
                "responses": {"200": _json("ProviderList", "Die Anbieter, nach slug sortiert"),
                              "304": not_modified, "400": bad}}},
            "/offers": {"get": {
                "operationId": "listOffers",
                "summary": "Aktuelle Angebote, seitenweise (mit Suchtext nach Relevanz, sonst nach "
                           "Beginn; siehe `sort`)",
                "description": f"Höchstens {MAX_LIMIT} je Seite; `next` ist der Link auf die "
                               "nächste Seite oder null. " + FILTER_RULES,
                "parameters": _query_parameters(),
                "responses": {"200": _json("OfferPage", "Eine Seite Angebote"),
                              "304": not_modified, "400": bad}}},
            "/offers/{provider}/{angebot_id}": {"get": {
                "operationId": "getOffer", "summary": "Ein Angebot",
                "parameters": path_params,
                "responses": {"200": _json("Offer", "Das Angebot"), "304": not_modified,
                              "400": bad,
                              "404": _problem("Unbekanntes Angebot"),
                              "410": _problem("Das Angebot wurde gelöscht")}}},
            "/openapi.json": {"get": {
                "operationId": "getOpenAPI", "summary": "Dieses Dokument",
                "responses": {"200": {"description": "OpenAPI 3.1",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": refs},
    }
