"""The release definition file (JSON or TOML, German keys) resolved into TableSpecs.

    titel = "Bildungsumfrage 2026"
    k = 5                 # primary suppression below k (per question: [k_je_frage])
    mindestgruppe = 10    # no 0 %/100 % shares in smaller groups
    schutzbreite = 5      # a suppressed cell's range must be at least this wide (default: k)
    max_gesperrt = 0.5    # refuse a table with more suppressed inner cells than this share
    [k_je_frage]
    Q9 = 10
    [gliederungen.region]
    frage = "WOHNORT"; bezeichnung = "Region"
    zusammenfassen = { ried = ["G03", "G05"] }; bezeichnungen = { ried = "Ried" }
    [[tabellen]]
    name = "lernwunsch-alter"; frage = "Q1"; gliederung = ["altersgruppe"]
    zusammenfassen = { ... }   # answer categories
    [[tabellen]]               # a number question: published only in classes
    name = "lernstunden"; frage = "Q6"
    klassen = { "0" = 0, "1-4" = 1, "5-9" = 5, "10-und-mehr" = 10 }   # lower bounds

A number question (age, hours) may be a breakdown or a table when it has `klassen`: each
class runs from its lower bound up to the next class's bound; the classes are the finest codes
anyone sees, and a question has the same classes wherever it is used. A dual-scale array
(LimeSurvey type 1) is tabulated one scale at a time: `skala = 1` or `2` (the whole question
or one row, "Q8[SQ001]"); each scale counts as a question of its own ("Q8#1", "Q8#2").

The protection width defaults to each cell's k (see audit.py for why not less); the higher k
for cells counting only respondents under 18 is described in minors.py.
"""
from __future__ import annotations

import bisect
import json
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from .errors import SurveyError
from .limesurvey import Option, Question, Structure
from .minors import apply_minors
from .tables import ANSWER, ITEM, Dim, TableSpec

MIN_K = 3
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


@dataclass(frozen=True)
class NumericClasses:
    """Classes of a number question: codes in ascending order of their lower bounds."""

    question: str
    codes: tuple[str, ...]
    bounds: tuple[float, ...]

    def options(self, labels: dict[str, Any]) -> list[Option]:
        return [Option(c, str(labels.get(c, c))) for c in self.codes]

    def code_of(self, value: Any) -> str:
        """The class of an answer; SurveyError below the smallest bound."""
        number = float(str(value).replace(",", "."))
        at = bisect.bisect_right(self.bounds, number) - 1
        if at < 0:
            raise SurveyError("below-classes", f"Eine Antwort auf {self.question} ({value}) liegt "
                              f"unter der kleinsten Klassengrenze {self.bounds[0]:g}: eine "
                              "Klasse mit kleinerer Untergrenze ergänzen.",
                              f"Frage {self.question}, klassen")
        return self.codes[at]


@dataclass
class ReleaseDefinition:
    title: str
    k: int
    min_group: int
    width: int | None  # None: every cell's own k
    max_suppressed: float
    tables: list[TableSpec] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    classes: dict[str, NumericClasses] = field(default_factory=dict)  # by question code
    # Answers of one scale of a dual-scale array under their own key: "Q8#1[SQ001]" from
    # "Q8[SQ001][1]" (one scale = one question to tables and audit).
    scale_keys: dict[str, str] = field(default_factory=dict)

    def classify(self, answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The answers as the tables count them: every number of a classed question replaced
        by its class, every tabulated dual-scale answer also under its scale's own key."""
        if not self.classes and not self.scale_keys:
            return answers
        out = []
        for answer in answers:
            answer = dict(answer)
            for code, classes in self.classes.items():
                value = answer.get(code)
                if value is not None and value != "":
                    answer[code] = classes.code_of(value)
            for key, source in self.scale_keys.items():
                answer[key] = answer.get(source)
            out.append(answer)
        return out

    def use_scale(self, question: Question, spec: dict[str, Any], where: str
                  ) -> tuple[str, list[Option]]:
        """(code of the scale as a question, its answer options) from `skala` in `spec`."""
        scale = spec.get("skala")
        if scale not in (1, 2) or isinstance(scale, bool):
            raise SurveyError("scale-required", f"{question.code} hat zwei Skalen: „skala“ = 1 "
                              f"({_scale_names(question.answers)}) oder 2 "
                              f"({_scale_names(question.answers2)}) angeben.", where)
        code = f"{question.code}#{scale}"
        for sub in question.subquestions:
            self.scale_keys[f"{code}[{sub.code}]"] = f"{question.code}[{sub.code}][{scale}]"
        return code, question.answers if scale == 1 else question.answers2

    def use_classes(self, question: Question, spec: dict[str, Any], where: str) -> list[Option]:
        """The classes of a number question from `klassen` in `spec`, as answer options."""
        raw = spec.get("klassen")
        if not isinstance(raw, dict) or len(raw) < 2:
            raise SurveyError("classes-required", f"{question.code} ist eine Zahlenfrage: sie "
                              "braucht „klassen“ mit mindestens zwei Klassen (Code = "
                              "Untergrenze), z. B. { \"unter-30\" = 0, \"30-plus\" = 30 }.",
                              where)
        pairs = []
        for code, bound in raw.items():
            if isinstance(bound, bool) or not isinstance(bound, int | float) or not str(code):
                raise SurveyError("invalid-classes", f"Klasse „{code}“: die Untergrenze muss eine "
                                  f"Zahl sein, nicht „{bound}“.", where)
            pairs.append((float(bound), str(code)))
        pairs.sort()
        bounds = tuple(b for b, _ in pairs)
        if len(set(bounds)) < len(bounds):
            raise SurveyError("invalid-classes", "Zwei Klassen haben dieselbe Untergrenze.", where)
        classes = NumericClasses(question.code, tuple(c for _, c in pairs), bounds)
        known = self.classes.setdefault(question.code, classes)
        if known != classes:
            raise SurveyError("conflicting-classes", f"{question.code} hat hier andere Klassen als "
                              "an anderer Stelle der Definition; überall dieselben angeben "
                              "(sonst ließen sich die Klassen gegeneinander verrechnen).", where)
        return classes.options(spec.get("bezeichnungen") or {})


def load_definition(data: bytes, filename: str = "") -> dict[str, Any]:
    """The definition file as a dict (TOML when the name ends .toml or JSON fails)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SurveyError("definition-encoding", "Die Definitionsdatei ist nicht in UTF-8 "
                          f"gespeichert (Byte {exc.start + 1} ist ungültig). Bitte als UTF-8 "
                          "speichern.", "Definitionsdatei") from None
    try:
        if filename.endswith(".toml"):
            return tomllib.loads(text)
        parsed = json.loads(text)
        if not isinstance(parsed, dict):
            raise SurveyError("definition-syntax", "Die Definitionsdatei muss ein JSON-Objekt "
                              "({…}) sein, keine Liste oder einzelne Angabe.", "Definitionsdatei")
        return parsed
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        if not filename.endswith(".toml"):
            try:
                return tomllib.loads(text)
            except tomllib.TOMLDecodeError:
                pass
        raise SurveyError("definition-syntax", f"Die Definitionsdatei ist weder gültiges JSON "
                          f"noch TOML ({exc}).", "Definitionsdatei") from None


def _k(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise SurveyError("invalid-k", f"k muss eine ganze Zahl sein, nicht „{value}“.", where)
    if value < MIN_K:
        raise SurveyError("k-too-small", f"k = {value} ist zu klein: mindestens {MIN_K} "
                          "(amtliche Statistik), üblich 5.", where)
    return value


def _width(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise SurveyError("invalid-width", f"schutzbreite muss eine ganze Zahl ab 1 sein, nicht "
                          f"„{value}“ (ohne Angabe gilt k).", "Definitionsdatei, schutzbreite")
    return value


def _grouping(options: list[Option], spec: dict[str, Any], where: str,
              extra: list[tuple[str, str]]) -> tuple[list[str], dict[str, str], dict[str, list[str]]]:
    """Published codes, labels and groups for a variable with optional coarsening."""
    known = {o.code: o.text for o in options} | dict(extra)
    merge = spec.get("zusammenfassen") or {}
    labels_in = spec.get("bezeichnungen") or {}
    if not isinstance(merge, dict):
        raise SurveyError("invalid-grouping", "„zusammenfassen“ muss eine Zuordnung sein.", where)
    used: dict[str, str] = {}
    for new, members in merge.items():
        for m in members:
            if m not in known:
                raise SurveyError("unknown-code", f"Der Antwortcode „{m}“ (in „{new}“) kommt in "
                                  "der Frage nicht vor.", where)
            if m in used:
                raise SurveyError("invalid-grouping", f"Der Antwortcode „{m}“ steht in „{used[m]}“ "
                                  f"und „{new}“.", where)
            used[m] = str(new)
    codes: list[str] = []
    groups: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for code in known:  # keep the questionnaire's order; a merged group sits at its first member
        target = used.get(code, code)
        if target not in groups:
            codes.append(target)
            groups[target] = []
            labels[target] = str(labels_in.get(target, known.get(target, target)))
        groups[target].append(code)
    return codes, labels, groups


def resolve(raw: dict[str, Any], structure: Structure) -> ReleaseDefinition:
    """Check the definition against the survey's questions and resolve every table."""
    questions = structure.by_code()
    k = _k(raw.get("k", 5), "Definitionsdatei, k")
    per_question = {str(q): _k(v, f"Definitionsdatei, k_je_frage.{q}")
                    for q, v in (raw.get("k_je_frage") or {}).items()}
    for code in per_question:
        if _question(code, questions) is None:
            raise SurveyError("unknown-question", f"Die Frage „{code}“ gibt es in der Umfrage nicht.",
                              "Definitionsdatei, k_je_frage")
    definition = ReleaseDefinition(
        title=str(raw.get("titel", "")), k=k, min_group=int(raw.get("mindestgruppe", 2 * k)),
        width=_width(raw.get("schutzbreite")), max_suppressed=float(raw.get("max_gesperrt", 0.5)),
        raw=raw)
    breakdowns = raw.get("gliederungen") or {}
    tables = raw.get("tabellen") or []
    if not tables:
        raise SurveyError("no-tables", "Die Definition enthält keine Tabellen.", "Definitionsdatei")
    seen: set[str] = set()
    for i, t in enumerate(tables):
        name = str(t.get("name", ""))
        where = f"Tabelle „{name or i + 1}“"
        if not SLUG.match(name):
            raise SurveyError("invalid-table-name", "Name nur aus a–z, 0–9 und Bindestrich.", where)
        if name in seen:
            raise SurveyError("duplicate-table", "Der Tabellenname kommt doppelt vor.", where)
        seen.add(name)
        code = str(t.get("frage", ""))
        q = _question(code, questions)
        if q is None:
            raise SurveyError("unknown-question", f"Die Frage „{code}“ gibt es in der Umfrage "
                              "nicht.", where)
        names = t.get("gliederung") or []
        if isinstance(names, str):
            names = [names]
        if len(names) > 2:
            raise SurveyError("too-many-breakdowns", "Höchstens zwei Gliederungen je Tabelle.", where)
        table_k = max(_k(t.get("k", per_question.get(code, k)), where), per_question.get(code, k))
        dims, domains = [], {}
        for b in names:
            if b not in breakdowns:
                raise SurveyError("unknown-breakdown", f"Die Gliederung „{b}“ ist unter "
                                  "[gliederungen] nicht erklärt.", where)
            bspec = breakdowns[b]
            bq = questions.get(str(bspec.get("frage", "")))
            if bq is None or bq.kind not in ("single", "numeric"):
                raise SurveyError("invalid-breakdown", f"Gliederung „{b}“: „{bspec.get('frage')}“ "
                                  "ist weder eine Einfachauswahl- noch eine Zahlenfrage der "
                                  "Umfrage.", where)
            bwhere = f"{where}, Gliederung {b}"
            options = (definition.use_classes(bq, bspec, bwhere) if bq.kind == "numeric"
                       else bq.answers)
            extra = [("-oth-", "Sonstiges")] if bq.other and bq.kind == "single" else []
            codes, labels, groups = _grouping(options, bspec, bwhere, extra)
            dims.append(Dim(b, str(bspec.get("bezeichnung", b.capitalize())), bq.code, codes,
                            labels, groups))
            domains[bq.code] = [o.code for o in options] + [c for c, _ in extra]
        if len({d.var for d in dims}) < len(dims):
            raise SurveyError("invalid-breakdown", "Zwei Gliederungen derselben Frage in einer "
                              "Tabelle.", where)
        counted = code  # the question as tables and audit count it
        if q.kind == "numeric":
            kind, answer_options, items = "single", definition.use_classes(q, t, where), None
        elif q.kind == "array" and q.type == "1":
            scale_code, answer_options = definition.use_scale(q, t, where)
            if code == q.code:
                kind, items, counted = "array", q.subquestions, scale_code
            else:
                kind, items = "item", None
                counted = f"{scale_code}[{code[len(q.code) + 1:-1]}]"
        else:
            kind, answer_options, items = _shape(q, code)
        if items is not None:
            dims.append(Dim("teilfrage", "Teilfrage", ITEM, [o.code for o in items],
                            {o.code: o.text for o in items}, {o.code: [o.code] for o in items},
                            has_total=False))
            domains[ITEM] = [o.code for o in items]
        extra = [("-oth-", "Sonstiges")] if q.kind == "single" and q.other else []
        codes, labels, groups = _grouping(answer_options, t, f"{where}, Antworten", extra)
        dims.append(Dim("antwort", "Antwort", ANSWER, codes, labels, groups))
        domains[ANSWER] = [o.code for o in answer_options] + [c for c, _ in extra]
        title = str(t.get("titel") or (q.text if kind != "item" else f"{q.text} – {code}"))
        definition.tables.append(TableSpec(name, title[:300], counted, kind, dims, table_k,
                                           definition.min_group, domains,
                                           width=definition.width or 0))
    population: dict[str, list[str]] = {}
    for spec in definition.tables:
        for d in spec.dims:
            if d.var not in (ITEM, ANSWER):
                population[d.var] = spec.domains[d.var]
    for spec in definition.tables:
        spec.population = population
    apply_minors(raw, structure, definition, _k)
    return definition


def _question(code: str, questions: dict[str, Question]) -> Question | None:
    """A question by code; "Q3[SQ001]" names one row of an array question."""
    if code in questions:
        return questions[code]
    m = re.fullmatch(r"([^\[]+)\[([^\]]+)\]", code)
    if m and m.group(1) in questions:
        q = questions[m.group(1)]
        if q.kind == "array" and any(s.code == m.group(2) for s in q.subquestions):
            return q
    return None


def _scale_names(options: list[Option]) -> str:
    return ", ".join(o.text for o in options[:3]) + (" …" if len(options) > 3 else "")


def _shape(q: Question, code: str) -> tuple[str, list[Option], list[Option] | None]:
    """(kind, answer options, items) of a tabulated question."""
    if code != q.code:
        return "item", q.answers, None
    if q.kind == "single":
        return "single", q.answers, None
    if q.kind == "multiple":
        return "multiple", [Option("Y", "genannt"), Option("N", "nicht genannt")], q.subquestions
    if q.kind == "array" and q.type != "1":
        return "array", q.answers, q.subquestions
    raise SurveyError("not-tabulable", f"Frage {q.code} (Typ {q.type}) lässt sich nicht "
                      "tabellieren (Freitext, Rangfolge oder Doppelskala).", f"Frage {q.code}")
