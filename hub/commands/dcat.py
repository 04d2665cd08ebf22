"""`bildungsdaten dcat check`: validate the hub's own catalogue, every page, against DCAT-AP.de 3.0.

Works offline like ../shared/standards/dcat-ap-de/check.py: the SHACL shapes plus the vocab/
files (licence list, controlled vocabularies, FOAF/vCard/ORG) the online validator would fetch.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from ..settings import Settings, load_settings
from . import HubCLIError, require_current_database

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
    shapes_files, vocab_files = _kit_files(shapes_dir or DEFAULT_KIT)
    settings = load_settings()
    require_current_database(settings.database_url)
    pages, datasets = _render_pages(settings)
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
               f"{_count(len(pages), 'Seite', 'Seiten')}, "
               f"{_count(datasets, 'Datensatz', 'Datensätze')} geprüft.")
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


HYDRA_NEXT = "http://www.w3.org/ns/hydra/core#next"
DCAT_DATASET = "http://www.w3.org/ns/dcat#Dataset"
MAX_PAGES = 10_000  # a paging loop in the catalogue would otherwise never end


def _render_pages(settings: Settings) -> tuple[list[str], int]:
    """Every catalogue page as Turtle, served by the hub itself (the app as the site builds
    it, with every area it registers): exactly what /catalog.ttl answers, followed through
    hydra:next as a harvester walks it; also the number of datasets on them."""
    from rdflib import RDF, Graph, URIRef

    from ..app import create_app

    app = create_app(settings=settings)
    client = app.test_client()
    base = settings.hub_base_uri.rstrip("/")
    pages: list[str] = []
    datasets: set[str] = set()
    url: str | None = "/catalog.ttl"
    try:
        while url is not None and len(pages) < MAX_PAGES:
            resp = client.get(url)
            if resp.status_code != 200:
                raise HubCLIError(f"{url} antwortet mit {resp.status_code}: "
                                  f"{resp.get_data(as_text=True)[:300]}")
            turtle = resp.get_data(as_text=True)
            pages.append(turtle)
            graph = Graph().parse(data=turtle, format="turtle")
            datasets.update(map(str, graph.subjects(RDF.type, URIRef(DCAT_DATASET))))
            nxt = next(graph.objects(None, URIRef(HYDRA_NEXT)), None)
            url = str(nxt).removeprefix(base) if nxt is not None else None
    finally:
        app.extensions["hub"].engine.dispose()
    return pages, len(datasets)


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
