"""Published tables as CSV (valid against its Table Schema) and RDF Data Cube (IC-14 holds)."""
from __future__ import annotations

import csv
import io
import json

import frictionless
import rdflib

from bildungsdaten.feeds.survey import (
    SurveyDimension,
    SurveyTableData,
    table_schema,
    table_to_csv,
    table_to_jsonld,
)

QB = rdflib.Namespace("http://purl.org/linked-data/cube#")


def sample() -> SurveyTableData:
    dims = [SurveyDimension("region", "Region", [("ried", "Ried"), ("odenwald", "Odenwald")]),
            SurveyDimension("antwort", "Antwort", [("Y", "Ja"), ("N", "Nein")])]
    cells = [(("ried", "Y"), 12), (("ried", "N"), None), (("ried", "_gesamt"), None),
             (("odenwald", "Y"), 7), (("odenwald", "N"), None), (("odenwald", "_gesamt"), 30),
             (("_gesamt", "Y"), 19), (("_gesamt", "N"), 0), (("_gesamt", "_gesamt"), 50)]
    return SurveyTableData("http://hub.test/survey/bu/1/teilnahme", "bu", "Bildungsumfrage", 1,
                           "teilnahme", "Teilnahme", "Q4", dims, cells,
                           licence="http://dcat-ap.de/def/licenses/dl-by-de/2.0")


def test_csv_leaves_count_empty_and_marks_suppressed_cells_with_a_dot():
    rows = list(csv.DictReader(io.StringIO(table_to_csv(sample()))))
    assert rows[1] == {"region": "ried", "region_bezeichnung": "Ried", "antwort": "N",
                       "antwort_bezeichnung": "Nein", "anzahl": "", "status": "."}
    assert rows[-1]["region_bezeichnung"] == "Insgesamt" and rows[-1]["anzahl"] == "50"


def test_csv_is_valid_against_its_table_schema(tmp_path):
    path = tmp_path / "teilnahme.csv"
    path.write_text(table_to_csv(sample()), encoding="utf-8")
    resource = frictionless.Resource(path="teilnahme.csv", basepath=str(tmp_path),
                                     schema=frictionless.Schema.from_descriptor(table_schema(sample())))
    report = frictionless.validate(resource)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type"])


def test_cube_counts_hold_only_published_cells_and_every_observation_has_its_measure():
    g = rdflib.Graph().parse(data=json.dumps(table_to_jsonld(sample())),
                             format="json-ld")
    counts = rdflib.URIRef("http://hub.test/survey/bu/1/teilnahme#dataset")
    observations = set(g.subjects(QB.dataSet, counts))
    assert len(observations) == 6  # 9 cells, 3 suppressed
    measure = rdflib.URIRef("http://hub.test/survey/bu/1/teilnahme#anzahl")
    assert all((o, measure, None) in g for o in observations)
    for obs in g.subjects(rdflib.RDF.type, QB.Observation):  # IC-14 in every dataset
        dsd = g.value(g.value(obs, QB.dataSet), QB.structure)
        for component in g.objects(dsd, QB.component):
            for m in g.objects(component, QB.measure):
                assert (obs, m, None) in g, obs
    assert (None, rdflib.RDF.type, QB.DataStructureDefinition) in g
    dims = set(g.subjects(rdflib.RDF.type, QB.DimensionProperty))
    assert len(dims) == 2 and all((d, QB.codeList, None) in g for d in dims)


def test_cube_dimensions_use_skos_code_lists_with_german_labels():
    g = rdflib.Graph().parse(data=json.dumps(table_to_jsonld(sample())),
                             format="json-ld")
    skos = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
    labels = {str(o) for o in g.objects(None, skos.prefLabel)}
    assert {"Ried", "Odenwald", "Ja", "Nein", "Insgesamt"} <= labels


def test_cube_gives_every_suppressed_cell_a_confidentiality_status():
    g = rdflib.Graph().parse(data=json.dumps(table_to_jsonld(sample())), format="json-ld")
    sdmx_attr = rdflib.Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
    sdmx_code = rdflib.Namespace("http://purl.org/linked-data/sdmx/2009/code#")
    hidden = set(g.subjects(sdmx_attr.confStatus, sdmx_code["confStatus-C"]))
    dims = list(g.subjects(rdflib.RDF.type, QB.DimensionProperty))
    notation = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#").notation
    coords = {tuple(str(g.value(g.value(o, d), notation)) for d in sorted(dims)) for o in hidden}
    # sorted dims: #dim-antwort before #dim-region
    assert coords == {("N", "ried"), ("_gesamt", "ried"), ("N", "odenwald")}
    assert all((o, rdflib.RDF.type, QB.Observation) in g for o in hidden)
    measure = rdflib.URIRef("http://hub.test/survey/bu/1/teilnahme#anzahl")
    assert not any((o, measure, None) in g for o in hidden)  # no count for a suppressed cell
    published = set(g.subjects(measure, None))
    assert all((o, sdmx_attr.confStatus, sdmx_code["confStatus-F"]) in g for o in published)
    # The status is declared as an attribute of both structures.
    attributes = set(g.objects(None, QB.attribute))
    assert attributes == {sdmx_attr.confStatus}
    skos = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
    assert (sdmx_code["confStatus-C"], skos.inScheme, sdmx_code.confStatus) in g
