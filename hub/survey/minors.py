"""A higher k for respondents under 18, and which cells count only them.

The rule: a cell counts only minors when
  (a) its table is marked `nur_minderjaehrige = true` (a question shown only to under-18s), or
  (b) its selection on the age question holds only codes under 18 — the row "unter 18" of an
      age breakdown, or the answer "unter 18" in a table of the age question itself.
Such a cell is shown only from `k_minderjaehrige` (default K_MINORS = 10, the ONS threshold;
never below the table's k) and, without an explicit `schutzbreite`, needs that width when
suppressed. A mixed group ("unter 30") keeps the ordinary k: it may hold adults.

The age question, in the definition:
    k_minderjaehrige = 10
    [minderjaehrige]
    frage = "ALTER"; antworten = ["A1"]      # single choice: the codes under 18
    # or, for a number question with klassen: unter = 18 (classes ending at or below 18)
Without the section, every single-choice question with an answer text such as "unter 18",
"jünger als 18", "bis 17" or "minderjährig" is taken as the age question (so the higher k
holds by default); `[minderjaehrige] aus = true` switches the rule off.
"""
from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from .errors import SurveyError
from .limesurvey import Structure

if TYPE_CHECKING:
    from .release import ReleaseDefinition

K_MINORS = 10
UNDER_18 = re.compile(r"unter\s*18\b|jünger\s+als\s+18|\bbis\s+17\b|minderjährig|\b0\s*[-–]\s*17\b",
                      re.IGNORECASE)
WHERE = "Definitionsdatei, minderjaehrige"


def minor_codes(raw: dict[str, Any], structure: Structure,
                definition: ReleaseDefinition) -> dict[str, list[str]]:
    """Age question code -> its finest codes under 18 (empty when the rule is off)."""
    section = raw.get("minderjaehrige")
    if section is None:
        return {q.code: [o.code for o in q.answers if UNDER_18.search(o.text)]
                for q in structure.questions
                if q.kind == "single" and any(UNDER_18.search(o.text) for o in q.answers)}
    if not isinstance(section, dict):
        raise SurveyError("invalid-minors", "„minderjaehrige“ muss eine Zuordnung sein "
                          "(frage, antworten oder unter).", WHERE)
    if section.get("aus") is True:
        return {}
    q = structure.by_code().get(str(section.get("frage", "")))
    if q is None or q.kind not in ("single", "numeric"):
        raise SurveyError("invalid-minors", f"„{section.get('frage')}“ ist keine Einfachauswahl- "
                          "oder Zahlenfrage der Umfrage.", WHERE)
    if q.kind == "single":
        codes = section.get("antworten")
        known = {o.code for o in q.answers}
        if not isinstance(codes, list) or not codes or not set(map(str, codes)) <= known:
            raise SurveyError("invalid-minors", f"„antworten“ muss die Antwortcodes von {q.code} "
                              f"unter 18 nennen (bekannt: {', '.join(sorted(known))}).", WHERE)
        return {q.code: [str(c) for c in codes]}
    limit = section.get("unter")
    if isinstance(limit, bool) or not isinstance(limit, int | float):
        raise SurveyError("invalid-minors", f"{q.code} ist eine Zahlenfrage: „unter“ = 18 "
                          "angeben.", WHERE)
    classes = definition.classes.get(q.code)
    if classes is None:
        return {}  # never tabulated: no cell selects by age
    ends = list(classes.bounds[1:]) + [math.inf]
    return {q.code: [c for c, end in zip(classes.codes, ends, strict=True) if end <= limit]}


def apply_minors(raw: dict[str, Any], structure: Structure,
                 definition: ReleaseDefinition, k_of: Any) -> None:
    """Set the minors rule on every table of `definition` (`k_of` validates a k value)."""
    codes = {v: c for v, c in minor_codes(raw, structure, definition).items() if c}
    k_minors = k_of(raw.get("k_minderjaehrige", K_MINORS), "Definitionsdatei, k_minderjaehrige")
    for t, spec in zip(raw.get("tabellen") or [], definition.tables, strict=True):
        flag = t.get("nur_minderjaehrige", False)
        if not isinstance(flag, bool):
            raise SurveyError("invalid-minors", "„nur_minderjaehrige“ ist true oder false.",
                              f"Tabelle „{spec.slug}“")
        spec.minors, spec.k_minors, spec.minors_only = codes, k_minors, flag
