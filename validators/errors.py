"""Typed validation errors (frictionless style): a class per stable kebab-case code.

Each error knows its code, severity and message key; an instance carries the place
(Excel row number, the provider's own column header) and the offending value.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from .messages import render

ERROR = "error"
WARNING = "warning"


@dataclass(slots=True)
class ValidationError:
    """One problem found in an upload; `row` is None for file-level problems."""

    code: ClassVar[str] = "error"
    severity: ClassVar[str] = ERROR
    row: int | None = None
    column: str | None = None
    value: str | None = None
    detail: str | None = None  # refines the message key: "type-error.date"
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message_key(self) -> str:
        return f"{self.code}.{self.detail}" if self.detail else self.code

    def message(self, lang: str = "de") -> str:
        """The message in German ("de", default) or English ("en")."""
        params = {"value": self.value, "column": self.column, **self.params}
        return render(self.message_key, lang, params)

    def to_dict(self, lang: str = "de") -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code,
                "severity": self.severity, "message": self.message(lang), "value": self.value}


class EncodingError(ValidationError):
    code = "encoding-error"


class UnsupportedFormat(ValidationError):
    code = "unsupported-format"


class SurveyExport(ValidationError):
    """A survey export (responses, structure, archive) instead of offers: refused whole."""

    code = "survey-export"


class FileTooLarge(ValidationError):
    code = "file-too-large"


class TooManyRows(ValidationError):
    code = "too-many-rows"


class TooManyCells(ValidationError):
    """A row wider, a sheet or its texts bigger than any real offers table: reading stops
    before the parser builds them (details: row, sheet, rows, strings)."""

    code = "too-many-cells"


class BlankLabel(ValidationError):
    code = "blank-label"


class DuplicateLabel(ValidationError):
    code = "duplicate-label"


class MissingLabel(ValidationError):
    code = "missing-label"


class ExtraLabel(ValidationError):
    code = "extra-label"
    severity = WARNING


class BlankRow(ValidationError):
    code = "blank-row"
    severity = WARNING


class MissingCell(ValidationError):
    code = "missing-cell"


class ExtraCell(ValidationError):
    code = "extra-cell"


class CellTypeError(ValidationError):
    code = "type-error"


class ConstraintError(ValidationError):
    code = "constraint-error"


class RequiredError(ValidationError):
    code = "required-error"


class RecommendedMissing(ValidationError):
    """A conditional column left empty where it may rightly be (the reference's "falls
    öffentlich"): a warning, the row is imported."""

    code = "recommended-missing"
    severity = WARNING


class UniqueError(ValidationError):
    code = "unique-error"


class DateOrderError(ValidationError):
    code = "date-order-error"


class OutOfDistrict(ValidationError):
    code = "out-of-district"
    severity = WARNING


class FilledByRule(ValidationError):
    """A required value the file's format cannot carry, filled by a documented rule (open-Qcat
    has no life phase): a warning, the rows are imported with it."""

    code = "filled-by-rule"
    severity = WARNING


class IgnoredElement(ValidationError):
    """Part of a file the hub does not take (an open-Qcat deletion): a warning."""

    code = "ignored-element"
    severity = WARNING


class FormulaInjection(ValidationError):
    code = "formula-injection"
    severity = WARNING


ERROR_CLASSES: dict[str, type[ValidationError]] = {
    cls.code: cls for cls in (
        EncodingError, UnsupportedFormat, FileTooLarge, TooManyRows, TooManyCells, BlankLabel, DuplicateLabel,
        MissingLabel, ExtraLabel, BlankRow, MissingCell, ExtraCell, CellTypeError,
        ConstraintError, RequiredError, RecommendedMissing, UniqueError, DateOrderError, OutOfDistrict,
        FilledByRule, IgnoredElement, FormulaInjection)
}
CODES: tuple[str, ...] = tuple(ERROR_CLASSES)

# Problems that mean no row of the file could be read at all (CLI exit code 2).
FATAL_CODES = frozenset({"unsupported-format", "file-too-large", "too-many-cells"})


def make_error(code: str, **kwargs: Any) -> ValidationError:
    """An error instance of the class registered for `code`."""
    return ERROR_CLASSES[code](**kwargs)
