"""What a reader must know to read a release correctly, as plain data for the pages:
who is counted (exclusions, bases), how "keine Angabe" is handled, the symbols, the
disclosure rules actually applied, and the self-selection caveat. German text."""
from __future__ import annotations

from dataclasses import dataclass, field

from .models import SurveyRelease, SurveyReleaseTable
from .tables import ITEM, TOTAL, TableSpec

SYMBOLS = [(".", "Zahlenwert unbekannt oder geheim zu halten (gesperrt)"),
           ("–", "nichts vorhanden (genau null)")]

EXCLUSIONS = [
    "Nur abgeschlossene Fragebögen zählen; abgebrochene werden nicht ausgewertet.",
    "Wer eine Frage nicht beantwortet hat, die eine Tabelle der Veröffentlichung gliedert "
    "(etwa Wohnort oder Alter), zählt in keiner Tabelle dieser Veröffentlichung – so zählen "
    "alle Tabellen dieselben Befragten und keine lässt sich von einer anderen abziehen.",
    "Freitexte, Kommentare, „Sonstiges“-Texte, Zugangsschlüssel, IP-Adresse, Zeitstempel und "
    "Herkunftsseite werden schon beim Import verworfen und nie veröffentlicht.",
]

NO_ANSWER = ("„keine Angabe“: Wer eine Frage nicht beantwortet hat, zählt in deren Tabelle nicht "
             "mit. Jede Tabelle hat darum ihre eigene Basis (n = alle, die die Frage beantwortet "
             "haben); die Basen verschiedener Tabellen können sich unterscheiden. Bei "
             "Mehrfachauswahl zählt „nicht genannt“ für alle, denen die Frage gestellt wurde; "
             "die Nennungen einer Gruppe ergeben zusammen mehr als n.")

SELF_SELECTION = ("Die Teilnahme war freiwillig und offen für alle (Selbstauswahl, keine "
                  "Zufallsstichprobe). Die Zahlen beschreiben die Teilnehmenden, nicht die "
                  "Bevölkerung des Kreises: Sie sind nicht repräsentativ, und Unterschiede "
                  "zwischen Gruppen können auch daran liegen, wer teilgenommen hat.")


@dataclass
class ReleaseMethod:
    responses: int
    k: list[int]  # the distinct k of the release's tables
    k_minors: int  # 0 when no cell counts only minors
    widths: list[int]  # distinct explicit protection widths ([] = k)
    exclusions: list[str] = field(default_factory=lambda: list(EXCLUSIONS))
    no_answer: str = NO_ANSWER
    symbols: list[tuple[str, str]] = field(default_factory=lambda: list(SYMBOLS))
    self_selection: str = SELF_SELECTION

    def suppression(self) -> str:
        """The disclosure rules in one German paragraph."""
        ks = " bzw. ".join(str(k) for k in self.k)
        text = (f"Zahlen unter {ks} (außer null) sind gesperrt, dazu so viele weitere, dass sich "
                "keine gesperrte Zahl aus Summen oder aus anderen Tabellen auf einen engen "
                "Bereich zurückrechnen lässt; alle gesperrten Zahlen tragen dasselbe Zeichen „.“.")
        if self.k_minors:
            text += (f" Zahlen, die nur Befragte unter 18 Jahren zählen, sind unter "
                     f"{self.k_minors} gesperrt.")
        if self.widths:
            text += (" Jede gesperrte Zahl bleibt mindestens auf einen Bereich der Breite "
                     f"{' bzw. '.join(map(str, self.widths))} unbestimmt.")
        else:
            text += " Jede gesperrte Zahl bleibt mindestens auf einen Bereich der Breite k unbestimmt."
        return text + (" Vor der Veröffentlichung hat eine unabhängige Prüfung (ganzzahlige "
                       "Optimierung über alle Tabellen zusammen) das bestätigt.")


def release_method(release: SurveyRelease, tables: list[SurveyReleaseTable]) -> ReleaseMethod:
    specs = [TableSpec.from_dict(t.spec) for t in tables]
    minors = [s.k_minors for s in specs if s.k_minors > s.k and (s.minors or s.minors_only)]
    return ReleaseMethod(release.response_count, sorted({s.k for s in specs}),
                         max(minors, default=0), sorted({s.width for s in specs if s.width}))


def table_base(table: SurveyReleaseTable) -> int | None:
    """n of a table: its grand total (per item for multiple choice); None when suppressed."""
    spec = TableSpec.from_dict(table.spec)
    for cell in table.cells:
        if all(c == TOTAL or d.var == ITEM for c, d in zip(cell.coords, spec.dims, strict=True)):
            return cell.count
    return None
