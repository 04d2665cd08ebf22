"""Pure upload checking: bytes -> decoded rows -> typed offers + a Report. No Flask, no database.

    from bildungsdaten.validators import validate, Limits, ValidationResult, Report
    result = validate(path_or_bytes, filename="angebote.csv", lang="de")
    result.report.to_dict()
"""
from .core import Limits, ValidationResult, validate
from .report import Report

__all__ = ["Limits", "Report", "ValidationResult", "validate"]
