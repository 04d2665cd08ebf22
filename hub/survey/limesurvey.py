"""Read LimeSurvey exports: the responses CSV (own parser: `;;` is NULL, `;"";` is empty),
the `.lss` structure (defusedxml; 3.x inline texts and 4.x+ `*_l10ns`), and as alternative
a plain CSV with a JSON question catalogue."""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from defusedxml import ElementTree as SafeET

from .errors import SurveyError

Cell = str | None  # None = NULL (not shown), "" = shown but not answered


@dataclass(frozen=True)
class Option:
    code: str
    text: str


@dataclass
class Question:
    """One question of the structure; `kind` decides what the importer keeps."""

    code: str
    type: str
    kind: str  # single | multiple | array | numeric | ranking | free | drop
    text: str
    other: bool = False
    subquestions: list[Option] = field(default_factory=list)
    answers: list[Option] = field(default_factory=list)
    answers2: list[Option] = field(default_factory=list)  # second scale of dual-scale arrays

    def answer_codes(self) -> set[str]:
        codes = {a.code for a in self.answers} | {a.code for a in self.answers2}
        return codes | ({"-oth-"} if self.other and self.kind == "single" else set())


@dataclass
class Structure:
    title: str
    language: str
    questions: list[Question]

    def by_code(self) -> dict[str, Question]:
        return {q.code: q for q in self.questions}


# LimeSurvey question types (one letter) -> what the hub keeps of them.
KINDS: dict[str, str] = {
    "L": "single", "!": "single", "O": "single", "5": "single", "Y": "single", "G": "single",
    "M": "multiple", "P": "multiple",
    "F": "array", "A": "array", "B": "array", "C": "array", "E": "array", "H": "array",
    "1": "array",
    "N": "numeric", "K": "numeric", ":": "numeric",
    "R": "ranking",
    "S": "free", "T": "free", "U": "free", "Q": "free", ";": "free",
    # Dates identify, equations may echo anything, uploads are files: never kept.
    "D": "drop", "*": "drop", "|": "drop", "I": "drop", "X": "none",
}
KIND_NAMES = {"single", "multiple", "array", "numeric", "free"}
# A catalogue may name the kind instead of a letter; the type column holds a letter (2 chars).
KIND_LETTERS = {"single": "L", "multiple": "M", "array": "F", "numeric": "N", "free": "T"}

IMPLICIT_ANSWERS: dict[str, list[tuple[str, str]]] = {
    "5": [(str(i), str(i)) for i in range(1, 6)],
    "A": [(str(i), str(i)) for i in range(1, 6)],
    "B": [(str(i), str(i)) for i in range(1, 11)],
    "Y": [("Y", "Ja"), ("N", "Nein")],
    "G": [("F", "weiblich"), ("M", "männlich")],
    "C": [("Y", "Ja"), ("N", "Nein"), ("U", "Unsicher")],
    "E": [("I", "Mehr"), ("S", "Gleich"), ("D", "Weniger")],
}


# ---------------------------------------------------------------- responses CSV

def parse_responses_csv(data: bytes, sep: str = ";") -> tuple[list[str], list[tuple[int, list[Cell]]]]:
    """The heading and the records of a LimeSurvey responses CSV, each with its line number.

    An unquoted empty field is NULL (None), a quoted empty field is "" — Python's csv module
    cannot tell these apart.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SurveyError("encoding", f"Die Datei ist nicht UTF-8-kodiert (Byte {exc.start}).",
                          "Antwortdatei") from None
    s = re.escape(sep)
    token = re.compile(rf'"((?:[^"]|"")*)"|([^{s}\r\n"]*)')
    records: list[tuple[int, list[Cell]]] = []
    pos, line, n = 0, 1, len(text)
    while pos < n:
        start_line = line
        fields: list[Cell] = []
        while True:
            m = token.match(text, pos)
            assert m is not None  # the pattern also matches the empty string
            if m.group(1) is not None:
                value: Cell = m.group(1).replace('""', '"')
                line += m.group(1).count("\n")
            else:
                value = m.group(2) or None
            fields.append(value)
            pos = m.end()
            if pos >= n:
                break
            ch = text[pos]
            if ch == sep:
                pos += 1
                continue
            if ch == "\r" and text.startswith("\r\n", pos):
                pos += 2
            elif ch in "\r\n":
                pos += 1
            else:
                raise SurveyError("csv-syntax", "Anführungszeichen mitten in einem Feld.",
                                  f"Antwortdatei, Zeile {line}")
            line += 1
            break
        if fields == [None]:
            continue  # empty line (LimeSurvey ends the file with one)
        records.append((start_line, fields))
    if not records:
        raise SurveyError("empty-file", "Die Antwortdatei ist leer.", "Antwortdatei")
    heading = [h or "" for h in records[0][1]]
    rows = records[1:]
    for lineno, row in rows:
        if len(row) != len(heading):
            raise SurveyError("field-count", f"{len(row)} statt {len(heading)} Felder.",
                              f"Antwortdatei, Zeile {lineno}")
    return heading, rows


def parse_plain_csv(data: bytes) -> tuple[list[str], list[tuple[int, list[Cell]]]]:
    """A plain CSV (`,` `;` or tab, UTF-8): empty fields count as "not answered" ("")."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SurveyError("encoding", f"Die Datei ist nicht UTF-8-kodiert (Byte {exc.start}).",
                          "Antwortdatei") from None
    first = text.split("\n", 1)[0]
    sep = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    rows = [(i + 1, list(r)) for i, r in enumerate(reader) if r]
    if not rows:
        raise SurveyError("empty-file", "Die Antwortdatei ist leer.", "Antwortdatei")
    heading = rows[0][1]
    for lineno, row in rows[1:]:
        if len(row) != len(heading):
            raise SurveyError("field-count", f"{len(row)} statt {len(heading)} Felder.",
                              f"Antwortdatei, Zeile {lineno}")
    body: list[tuple[int, list[Cell]]] = [(lineno, list(row)) for lineno, row in rows[1:]]
    return heading, body


# ---------------------------------------------------------------- .lss structure

def _tables(root: Any) -> dict[str, list[dict[str, str]]]:
    """Every `<table><rows><row>…` of the document as a list of dicts (NULL columns absent)."""
    out: dict[str, list[dict[str, str]]] = {}
    for table in root:
        rows = table.find("rows")
        if rows is None:
            continue
        items = []
        for row in rows.findall("row"):
            rec = {}
            for col in row:
                # Element names starting with a digit carry a `_` prefix in the XML.
                name = col.tag[1:] if re.match(r"_\d", col.tag) else col.tag
                rec[name] = col.text or ""
            items.append(rec)
        out[table.tag] = items
    return out


def parse_lss(data: bytes) -> Structure:
    """Questions, subquestions and answers with texts in the survey's base language."""
    try:
        root = SafeET.fromstring(data)
    except Exception as exc:  # noqa: BLE001 - defusedxml raises several types for hostile XML
        raise SurveyError("lss-syntax", f"Die Strukturdatei ist kein gültiges XML ({exc}).",
                          "Strukturdatei") from None
    if root.tag != "document":
        raise SurveyError("lss-syntax", "Kein LimeSurvey-Strukturexport (<document> fehlt).",
                          "Strukturdatei")
    t = _tables(root)
    survey = (t.get("surveys") or [{}])[0]
    langs = [e.text or "" for e in root.findall("languages/language")]
    language = survey.get("language") or (langs[0] if langs else "de")
    title = next((r.get("surveyls_title", "") for r in t.get("surveys_languagesettings", [])
                  if r.get("surveyls_language", language) == language), "")

    def in_lang(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        return [r for r in rows if r.get("language", language) == language]

    qtext = {r["qid"]: r.get("question", "") for r in in_lang(t.get("question_l10ns", []))}
    atext = {r["aid"]: r.get("answer", "") for r in in_lang(t.get("answer_l10ns", []))}
    rows = in_lang(t.get("questions", [])) + in_lang(t.get("subquestions", []))
    top = [r for r in rows if r.get("parent_qid", "0") in ("0", "")]
    subs = [r for r in rows if r.get("parent_qid", "0") not in ("0", "")]
    answers = in_lang(t.get("answers", []))

    def order(r: dict[str, str], key: str) -> int:
        return int(r.get(key) or 0)

    questions: list[Question] = []
    for r in sorted(top, key=lambda r: (order(r, "gid"), order(r, "question_order"))):
        qid, qtype = r["qid"], r.get("type", "")
        kind = KINDS.get(qtype)
        if kind is None:
            raise SurveyError("unknown-type", f"Unbekannter Fragetyp „{qtype}“.",
                              f"Strukturdatei, Frage {r.get('title')}")
        if kind == "none":
            continue
        q = Question(code=r.get("title", ""), type=qtype, kind=kind,
                     text=_plain(r.get("question") or qtext.get(qid, "")),
                     other=r.get("other", "N") == "Y")
        for s in sorted((s for s in subs if s["parent_qid"] == qid),
                        key=lambda s: (order(s, "scale_id"), order(s, "question_order"))):
            if s.get("scale_id", "0") in ("0", ""):
                q.subquestions.append(Option(s.get("title", ""),
                                             _plain(s.get("question") or qtext.get(s["qid"], ""))))
        for a in sorted((a for a in answers if a["qid"] == qid), key=lambda a: order(a, "sortorder")):
            opt = Option(a.get("code", ""), _plain(a.get("answer") or atext.get(a.get("aid", ""), "")))
            (q.answers2 if a.get("scale_id", "0") == "1" else q.answers).append(opt)
        if not q.answers and qtype in IMPLICIT_ANSWERS:
            q.answers = [Option(c, txt) for c, txt in IMPLICIT_ANSWERS[qtype]]
        questions.append(q)
    if not questions:
        raise SurveyError("lss-empty", "Die Strukturdatei enthält keine Fragen.", "Strukturdatei")
    return Structure(title=title, language=language, questions=questions)


def _plain(html: str) -> str:
    """Question texts are HTML in LimeSurvey; the hub shows them as plain text."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# ---------------------------------------------------------------- JSON catalogue

def parse_catalogue(data: bytes) -> Structure:
    """A JSON question catalogue: {"title", "language", "questions": [{"code", "type", "text",
    "other", "subquestions": [{"code","text"}], "answers": [{"code","text"}]}]}; `type` is a
    LimeSurvey letter or one of single, multiple, array, numeric, free."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
        questions = []
        for i, q in enumerate(doc["questions"]):
            qtype = str(q.get("type", ""))
            kind = qtype if qtype in KIND_NAMES else KINDS.get(qtype)
            if kind is None or kind == "none":
                raise SurveyError("unknown-type", f"Unbekannter Fragetyp „{qtype}“.",
                                  f"Fragenkatalog, Frage {q.get('code', i + 1)}")
            question = Question(
                code=str(q["code"]), type=KIND_LETTERS.get(qtype, qtype), kind=kind, text=str(q.get("text", "")),
                other=bool(q.get("other", False)),
                subquestions=[Option(str(s["code"]), str(s.get("text", ""))) for s in q.get("subquestions", [])],
                answers=[Option(str(a["code"]), str(a.get("text", ""))) for a in q.get("answers", [])])
            if not question.answers and qtype in IMPLICIT_ANSWERS:
                question.answers = [Option(c, t) for c, t in IMPLICIT_ANSWERS[qtype]]
            questions.append(question)
        return Structure(title=str(doc.get("title", "")), language=str(doc.get("language", "de")),
                         questions=questions)
    except SurveyError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SurveyError("catalogue-syntax", f"Fragenkatalog ungültig ({exc!r}).",
                          "Fragenkatalog") from None
