"""Recognise survey exports uploaded by mistake as offers (LimeSurvey: responses as CSV or
Excel, the `.lss` structure, the `.lsa` archive; shared/standards/survey.md).

Raw responses are personal data: such a file is refused as a whole, before any row is read,
so no answer ends up quoted in a report (and the hub does not keep the file).
"""
from __future__ import annotations

import re

# LimeSurvey's system columns, as "question code" headings and as full-text headings in
# German and English exports. `id`, `token` and `seed` alone are too common to count.
_SYSTEM_HEADINGS = frozenset({
    "submitdate", "lastpage", "startlanguage", "startdate", "datestamp", "ipaddr", "refurl",
    "datum abgeschickt", "letzte seite", "start-sprache", "startsprache", "datum gestartet",
    "datum letzte aktivität", "ip-adresse", "verweis-url", "zufallsstartwert",
    "date submitted", "last page", "start language", "date started", "date last action",
    "ip address", "referrer url",
})
_ID_HEADINGS = frozenset({"id", "antwort id", "antwort-id", "response id"})
# Question-code headings of subquestions and extras: Q2[SQ001], Q8[SQ001][1], Q1[other].
_BRACKETED = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\[[^\[\]]+\])+")


def is_survey_responses(labels: list[str]) -> bool:
    """True when header labels are those of a survey's responses export: two of LimeSurvey's
    system columns, or a response id with three bracketed question codes."""
    keys = [label.replace("\ufeff", "").strip().lower() for label in labels]
    system = sum(1 for key in keys if key in _SYSTEM_HEADINGS)
    bracketed = sum(1 for label in labels if _BRACKETED.fullmatch(label.strip()))
    has_id = any(key in _ID_HEADINGS for key in keys)
    return system >= 2 or (has_id and bracketed >= 3)


def is_survey_structure(head: bytes) -> bool:
    """True for the start of a LimeSurvey structure file (`.lss`, XML)."""
    return b"<document>" in head and b"<LimeSurveyDocType>" in head


def is_survey_archive(names: set[str]) -> bool:
    """True for the member names of a LimeSurvey archive (`.lsa`: structure + responses)."""
    return any(name.lower().endswith((".lss", ".lsr")) for name in names)
