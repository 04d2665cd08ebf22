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
            "summary": "Bildungsangebote des Kreises als JSON; Uploads der Anbieter",
            "description": (
                "JSON-API des Bildungsdaten-Hubs: lesend für alle, `/uploads` für Anbieter mit "
                "Token. Feldnamen wie in den Angebotsdatensätzen; "
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
            **_upload_paths(bad),
            "/openapi.json": {"get": {
                "operationId": "getOpenAPI", "summary": "Dieses Dokument",
                "responses": {"200": {"description": "OpenAPI 3.1",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": {**refs, **UPLOAD_SCHEMAS},
                       "securitySchemes": {"anbieterToken": {
                           "type": "http", "scheme": "bearer",
                           "description": "Token eines Anbieters (`bildungsdaten tokens "
                                          "create SLUG`); es gilt nur für dessen Angebote"}}},
    }


# --- uploads (hub/blueprints/uploads.py): the one writing part of the API ------------------

_ERROR = {"type": "object", "description": "Ein Befund der Prüfung (Zeile und Spalte der "
          "Datei, stabiler Code, deutsche Meldung)",
          "properties": {
              "row": {"type": ["integer", "null"], "description": "Zeile der Datei (1 = Kopf)"},
              "column": {"type": ["string", "null"]},
              "column_letter": {"type": ["string", "null"],
                                "description": "Spaltenbuchstabe wie in Excel"},
              "code": {"type": "string"}, "severity": {"enum": ["error", "warning"]},
              "message": {"type": "string"}, "value": {},
              "place": {"type": "string", "description": "Ort in einer XML- oder "
                        "Kalenderdatei (Element, Termin)"}},
          "required": ["row", "column", "code", "severity", "message"]}
UPLOAD_SCHEMAS: dict[str, Any] = {
    "Upload": {
        "type": "object", "description": "Ein Upload mit Prüfbericht und Importzahlen",
        "properties": {
            "upload_id": {"type": "integer"},
            "status": {"enum": ["pending", "done", "invalid", "failed"]},
            "mode": {"enum": ["replace", "upsert"]}, "dry_run": {"type": "boolean"},
            "valid": {"type": "boolean"}, "stats": {"type": "object"},
            "errors": {"type": "array", "items": _ERROR,
                       "description": "höchstens 1.000; dann ist `truncated` wahr"},
            "truncated": {"type": "boolean"},
            "import": {"type": ["object", "null"], "description": "Angebote neu, geändert, "
                       "unverändert, gelöscht; null ohne Import (ungültig, in Arbeit)"},
            "url": {"type": "string", "format": "uri"}},
        "required": ["upload_id", "status", "mode", "dry_run", "import"]},
    "UploadList": {
        "type": "object", "properties": {
            "provider": {"type": "string"},
            "uploads": {"type": "array", "items": {"$ref": "#/components/schemas/Upload"},
                        "description": "die letzten 50, neueste zuerst, ohne `errors`"}},
        "required": ["provider", "uploads"]},
}
FILE_TYPES = ("text/csv", "text/tab-separated-values",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "text/calendar", "application/xml")


def _upload_paths(bad: dict[str, Any]) -> dict[str, Any]:
    secured: list[dict[str, list[str]]] = [{"anbieterToken": []}]
    own = {"description": "Das Upload-Ergebnis",
           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Upload"}}}}
    denied = {"401": _problem("Kein oder ein unbekanntes Token"),
              "429": _problem("Zu viele Fehlversuche mit Tokens (Retry-After)")}
    upload_id = [{"name": "upload_id", "in": "path", "required": True,
                  "schema": {"type": "integer"}}]
    return {
        "/uploads": {
            "post": {
                "operationId": "createUpload", "security": secured,
                "summary": "Eine Datei des Anbieters prüfen und übernehmen (CSV, XLSX, "
                           "open-Qcat-XML, iCalendar)",
                "description": "Die Datei als Rohdaten (Content-Type der Datei, Dateiname "
                               "optional in Content-Disposition) oder als multipart/form-data "
                               "im Feld `file`. Ungültige Dateien ändern nichts (422 mit "
                               "Bericht).",
                "parameters": [
                    {"name": "mode", "in": "query", "required": False,
                     "description": "replace: die Datei ist der ganze Bestand des Anbieters "
                                    "(fehlende Angebote werden gelöscht); upsert: nur "
                                    "hinzufügen und ändern",
                     "schema": {"enum": ["replace", "upsert"], "default": "replace"}},
                    {"name": "dry_run", "in": "query", "required": False,
                     "description": "true: nur prüfen, nichts übernehmen",
                     "schema": {"enum": ["true", "false", "1", "0"], "default": "false"}},
                    {"name": "lang", "in": "query", "required": False,
                     "description": "Sprache der Meldungen",
                     "schema": {"enum": ["de", "en"], "default": "de"}}],
                "requestBody": {"required": True, "content": {
                    **{t: {"schema": {"type": "string", "format": "binary"}}
                       for t in FILE_TYPES},
                    "multipart/form-data": {"schema": {
                        "type": "object", "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}}}}}},
                "responses": {"200": own,
                              "422": {**own, "description": "Ungültig: der Bericht nennt "
                                                            "Zeile, Spalte und Grund"},
                              "400": bad, **denied,
                              "413": _problem("Datei zu groß (UPLOAD_MAX_BYTES)"),
                              "500": _problem("Import fehlgeschlagen; nichts geändert")}},
            "get": {
                "operationId": "listUploads", "security": secured,
                "summary": "Die letzten Uploads des Anbieters",
                "responses": {"200": {"description": "Die Uploads", "content": {
                    "application/json": {"schema": {
                        "$ref": "#/components/schemas/UploadList"}}}}, **denied}}},
        "/uploads/{upload_id}": {"get": {
            "operationId": "getUpload", "security": secured, "parameters": upload_id,
            "summary": "Ein Upload des Anbieters mit Bericht",
            "responses": {"200": own, **denied,
                          "404": _problem("Kein Upload dieses Anbieters")}}},
        "/uploads/{upload_id}/original": {"get": {
            "operationId": "getUploadOriginal", "security": secured,
            "parameters": upload_id, "summary": "Die hochgeladene Originaldatei",
            "responses": {"200": {"description": "Die Datei, wie sie hochgeladen wurde",
                                  "content": {"application/octet-stream": {
                                      "schema": {"type": "string", "format": "binary"}}}},
                          **denied, "404": _problem("Kein Upload dieses Anbieters"),
                          "409": _problem("Die Datei wird noch geprüft"),
                          "410": _problem("Originaldatei nicht (mehr) aufbewahrt")}}},
    }
