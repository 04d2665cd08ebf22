"""Pure upload checking: bytes -> decoded rows -> typed offers + a Report. No Flask, no database.

    from bildungsdaten.validators import validate, Limits, ValidationResult, Report
    result = validate(path_or_bytes, filename="angebote.csv", lang="de")
    result.report.to_dict()

This is the package's whole public surface; the hub uses nothing else of it. Streaming
(`check_stream`: batches of mapped rows while the rest of the file is still checked) and
the upload templates are part of it.
"""
from .core import Limits, RowMapper, ValidationResult, gc_paused, validate
from .report import Report
from .stream import CheckStream, StreamBroken, check_stream
from .template import template_csv, template_xlsx

__all__ = ["CheckStream", "Limits", "Report", "RowMapper", "StreamBroken", "ValidationResult",
           "check_stream", "gc_paused", "template_csv", "template_xlsx", "validate"]
