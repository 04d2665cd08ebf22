"""Pure upload checking: bytes -> decoded rows -> typed offers + a Report. No Flask, no database.

    from bildungsdaten.validators import validate, Limits, ValidationResult, Report
    result = validate(path_or_bytes, filename="angebote.csv", lang="de")
    result.report.to_dict()

This is the package's whole public surface; the hub uses nothing else of it. Streaming
(`check_stream`: batches of mapped rows while the rest of the file is still checked) and
the upload templates are part of it, and so are the columns a provider may preset for
calendar uploads (`ICS_DEFAULT_COLUMNS`, checked by `check_ics_default`): an .ics file is
read by `validate(..., defaults=...)` like any other upload.
"""
from .core import Limits, RowMapper, ValidationResult, gc_paused, validate
from .ics import count_events as count_ics_events
from .ics import looks_like_ics
from .ics_rows import DEFAULT_COLUMNS as ICS_DEFAULT_COLUMNS
from .ics_rows import check_default as check_ics_default
from .report import Report
from .stream import CheckStream, StreamBroken, check_stream
from .template import template_csv, template_xlsx

__all__ = ["ICS_DEFAULT_COLUMNS", "CheckStream", "Limits", "Report", "RowMapper", "StreamBroken",
           "ValidationResult", "check_ics_default", "check_stream", "count_ics_events", "looks_like_ics", "gc_paused", "template_csv",
           "template_xlsx", "validate"]
