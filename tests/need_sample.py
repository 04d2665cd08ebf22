"""A released survey that states a need, and the MONITORING_BEDARF file that maps it (for the
monitoring's need tests and its browser test)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from bildungsdaten.hub.models import utcnow
from bildungsdaten.hub.monitoring.store import store_snapshot
from bildungsdaten.vocab.codelists import municipalities
from tests import survey_synth
from tests.demo_district import load_demo

# the synthetic survey's wish codes: Digitales and Beruf are one topic of the vocabulary
TOPICS = {"T1": "sprachen", "T2": "arbeit_beruf_it", "T3": "gesundheit",
          "T4": "arbeit_beruf_it", "T5": "kultur_gestalten"}
# A1 and A2 are two life phases: the published group "unter 30" (A1 + A2) gives no value
PHASES = {"A1": "schule", "A2": "ausbildung_beruf", "A3": "erwachsenenbildung",
          "A4": "erwachsenenbildung", "A5": "senioren", "A6": "senioren"}
DEFINITION = {
    "titel": "Lernwünsche", "k": 5, "mindestgruppe": 10, "schutzbreite": 2,
    "gliederungen": {k: survey_synth.DEFINITION["gliederungen"][k]
                     for k in ("gemeinde", "altersgruppe")},
    "tabellen": [{"name": "wunsch-gemeinde", "frage": "Q1", "gliederung": ["gemeinde"]},
                 {"name": "wunsch-alter", "frage": "Q1", "gliederung": ["altersgruppe"]},
                 {"name": "lernwege-alter", "frage": "Q2", "gliederung": ["altersgruppe"]}],
}


def need_file(folder: Path, **extra: str) -> Path:
    areas = {code: m.ags for (code, _), m in zip(survey_synth.municipality_codes(),
                                                 municipalities(), strict=True)}
    lines = ["[umfragen.bu2026]", 'tabellen = ["wunsch-gemeinde", "wunsch-alter"]',
             "[umfragen.bu2026.gemeinden]", *(f'{c} = "{a}"' for c, a in areas.items()),
             "[umfragen.bu2026.lebensphasen]", *(f'{c} = "{p}"' for c, p in PHASES.items()),
             "[umfragen.bu2026.themen]", *(f'{c} = "{t}"' for c, t in TOPICS.items()),
             *(f'{k} = "{v}"' for k, v in extra.items())]
    path = folder / "bedarf.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def release_with_need(app: Any, folder: Path, respondents: int = 1500) -> None:
    """Demo offers, a released survey of `respondents`, the mapping file and today's
    snapshot (the release's day, so the cube of the latest day holds its need values)."""
    hub = app.extensions["hub"]
    load_demo(app, offers=60)
    survey_synth.import_export(hub.engine, n=respondents)
    survey_synth.release(hub.engine, DEFINITION)
    hub.settings.monitoring_bedarf = str(need_file(folder))
    store_snapshot(hub.engine, hub.settings, utcnow().date())
