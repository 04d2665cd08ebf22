"""`bildungsdaten dcat check`: validate the hub's own catalogue, every page, against DCAT-AP.de 3.0.

Works offline like ../shared/standards/dcat-ap-de/check.py: the SHACL shapes plus the vocab/
files (licence list, controlled vocabularies, FOAF/vCard/ORG) the online validator would fetch.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import click

from ...feeds.dcat import DEFAULT_PROFILE, PROFILES
from ..catalog import build_catalogue
from ..cli import HubCLIError, require_current_database
from ..db import make_engine, make_sessionmaker
from ..settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]
DEFAULT_KIT = REPO.parent / "shared" / "standards" / "dcat-ap-de"
SH = "http://www.w3.org/ns/shacl#"
SEVERITY = {SH + "Violation": "Verstoß", SH + "Warning": "Warnung", SH + "Info": "Hinweis"}


@dataclass
class Finding:
    severity: str
    focus: str
    path: str
    message: str


def register(cli: click.Group) -> None:
    cli.add_command(dcat)


@click.group()
def dcat() -> None:
    """DCAT-AP.de-Katalog des Hubs."""


@dcat.command("check")
@click.option("--shapes", "shapes_dir", type=click.Path(path_type=Path), default=None,
              help="Prüfregeln: Ordner mit shapes/ und vocab/ (Standard: "
                   "../shared/standards/dcat-ap-de neben dem Repository)")
@click.option("--strict", is_flag=True, help="Auch Warnungen lassen die Prüfung scheitern.")
def check(shapes_dir: Path | None, strict: bool) -> None:
    """Prüft jede Seite des eigenen Katalogs gegen DCAT-AP.de 3.0 (SHACL, offline)."""
    if importlib.util.find_spec("pyshacl") is None:
        raise HubCLIError("Für die Prüfung wird pyshacl gebraucht: "
                          "pip install 'bildungsdaten[test]' (oder pip install pyshacl).")
    shapes_files, vocab_files = _kit_files(shapes_dir or DEFAULT_KIT)
    settings = load_settings()
    require_current_database(settings.database_url)
    pages = _render_pages(settings)
    violations = warnings = 0
    for number, turtle in enumerate(pages, start=1):
        findings = validate_turtle(turtle, shapes_files, vocab_files)
        v = sum(f.severity == "Verstoß" for f in findings)
        w = sum(f.severity == "Warnung" for f in findings)
        violations, warnings = violations + v, warnings + w
        click.echo(f"Seite {number}: {_count(v, 'Verstoß', 'Verstöße')}, "
                   f"{_count(w, 'Warnung', 'Warnungen')}")
        for f in findings:
            click.echo(f"  {f.severity}: Knoten {f.focus}\n    Pfad: {f.path}\n"
                       f"    Meldung: {f.message}")
    click.echo(f"DCAT-AP.de 3.0: {_count(violations, 'Verstoß', 'Verstöße')}, "
               f"{_count(warnings, 'Warnung', 'Warnungen')} auf "
               f"{_count(len(pages), 'Seite', 'Seiten')}.")
    if violations or (strict and warnings):
        raise SystemExit(1)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _kit_files(kit: Path) -> tuple[list[Path], list[Path]]:
    """Shapes and vocabulary files of the kit (a folder with shapes/ and vocab/, or shapes/)."""
    shapes = kit / "shapes" if (kit / "shapes").is_dir() else kit
    vocab = kit / "vocab" if (kit / "vocab").is_dir() else kit.parent / "vocab"
    shapes_files = sorted(shapes.glob("*.ttl")) if shapes.is_dir() else []
    if not shapes_files:
        raise HubCLIError(f"Keine Prüfregeln (*.ttl) unter {shapes} gefunden. Bitte den Ordner "
                          "des DCAT-AP.de-Prüfkits mit --shapes angeben.")
    vocab_files = sorted(vocab.iterdir()) if vocab.is_dir() else []
    return shapes_files, vocab_files


def _render_pages(settings: Settings) -> list[str]:
    """Every catalogue page as Turtle, exactly as /catalog.ttl serves it."""
    engine = make_engine(settings.database_url)
    profile = PROFILES[DEFAULT_PROFILE]
    try:
        with make_sessionmaker(engine)() as session:
            first = build_catalogue(session, settings, 1, path="/catalog.ttl")
            last = 1
            if first.paging:
                last = int(first.paging.last.rsplit("page=", 1)[1].split("&")[0])
            pages = [profile.render_catalogue(first, "turtle")]
            for page in range(2, last + 1):
                cat = build_catalogue(session, settings, page, path="/catalog.ttl")
                pages.append(profile.render_catalogue(cat, "turtle"))
    finally:
        engine.dispose()
    return pages


def validate_turtle(turtle: str, shapes_files: list[Path], vocab_files: list[Path]) -> list[Finding]:
    """SHACL findings for one Turtle document, violations first."""
    from pyshacl import validate
    from rdflib import Graph, URIRef

    data = Graph().parse(data=turtle, format="turtle")
    for f in vocab_files:
        data.parse(f, format="xml" if f.suffix == ".rdf" else "turtle")
    shapes = Graph()
    for f in shapes_files:
        shapes.parse(f, format="turtle")
    _conforms, report, _text = validate(data, shacl_graph=shapes, inference="none",
                                        allow_warnings=True, advanced=True)
    findings = []
    for result in report.subjects(URIRef(SH + "resultSeverity"), None):
        severity = str(report.value(result, URIRef(SH + "resultSeverity")))
        focus = report.value(result, URIRef(SH + "focusNode"))
        path = report.value(result, URIRef(SH + "resultPath"))
        messages = list(report.objects(result, URIRef(SH + "resultMessage")))
        german = [m for m in messages if getattr(m, "language", None) == "de"]
        message = str((german or messages or ["(ohne Meldung)"])[0])
        findings.append(Finding(SEVERITY.get(severity, severity), _short(report, focus),
                                _short(report, path), message))
    order = {"Verstoß": 0, "Warnung": 1}
    return sorted(findings, key=lambda f: (order.get(f.severity, 2), f.focus, f.path))


def _short(graph: object, node: object) -> str:
    if node is None:
        return "–"
    try:
        return node.n3(graph.namespace_manager)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a path expression (blank node) has no short form
        return str(node)
