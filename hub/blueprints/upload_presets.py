"""The fields of the presets form on the upload page (what a calendar upload cannot say).

One field per column of ICS_DEFAULT_COLUMNS, labelled and typed from the column list: a code
column is a choice from its code list (check boxes where several codes are allowed), the rest
text inputs of the fitting HTML type.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...validators import ICS_DEFAULT_COLUMNS
from ...vocab.codelists import codelist
from ...vocab.columns import COLUMNS

_COLUMN = {c.name: c for c in COLUMNS}
_INPUT_TYPES = {"url": "url", "email": "email", "phone": "tel"}
HINTS = {
    "preis": "z. B. 45,00 oder kostenlos",
    "sprache": "Sprachcode nach ISO 639-1, z. B. de; mehrere mit | getrennt",
    "plz": "5 Ziffern",
    "ort_name": "Gilt, wenn im Kalendereintrag keine Adresse steht (mit Straße, PLZ, Ort)",
}


@dataclass(frozen=True)
class PresetField:
    """One form field: column name, label, input kind, choices (code, label) and value."""

    name: str
    label: str
    kind: str  # "checkboxes", "select" or an <input> type
    choices: tuple[tuple[str, str], ...]
    value: str
    hint: str = ""

    @property
    def id(self) -> str:
        return field_id(self.name)

    @property
    def selected(self) -> set[str]:
        return {v for v in self.value.split("|") if v}


def field_id(name: str) -> str:
    """The HTML id of a column's field (the error summary links to it)."""
    return f"vorgabe-{name}"


def preset_fields(values: Mapping[str, str]) -> list[PresetField]:
    fields = []
    for name in ICS_DEFAULT_COLUMNS:
        column = _COLUMN[name]
        choices: tuple[tuple[str, str], ...] = ()
        if column.codelist:
            concepts = codelist(column.codelist).concepts
            choices = tuple((c.code, c.label_de) for c in concepts)
            kind = "checkboxes" if column.is_list and len(choices) <= 12 else "select"
            if column.is_list and kind == "select":
                kind, choices = "text", ()  # a long list (languages): codes typed
        else:
            kind = _INPUT_TYPES.get(column.kind, "text")
        fields.append(PresetField(name, column.label_de, kind, choices, values.get(name, ""),
                                  HINTS.get(name, "")))
    return fields


def presets_from_form(form: Any) -> dict[str, str]:
    """The submitted values, a check box group joined with | as in the upload template."""
    values = {}
    for name in ICS_DEFAULT_COLUMNS:
        items = [v.strip() for v in form.getlist(name) if v.strip()]
        values[name] = "|".join(items)
    return values
