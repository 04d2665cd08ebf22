"""A release definition file the office got wrong is a German error, never a crash."""
from __future__ import annotations

import pytest

from bildungsdaten.hub.survey.errors import SurveyError
from bildungsdaten.hub.survey.release import load_definition


@pytest.mark.parametrize(("data", "filename", "code"), [
    ("k = 5\n".encode("cp1252") + b"titel = \"Gr\xfc\xdfe\"\n", "release.toml", "definition-encoding"),
    (b"\xff\xfe{}", "release.json", "definition-encoding"),
    (b"[1, 2]", "release.json", "definition-syntax"),
    (b"\"nur Text\"", "release.json", "definition-syntax"),
    (b"{k: 5", "release.json", "definition-syntax"),
])
def test_bad_definition_files_are_refused_with_a_code(data, filename, code):
    with pytest.raises(SurveyError) as caught:
        load_definition(data, filename)
    assert caught.value.code == code
    assert caught.value.where == "Definitionsdatei"


def test_json_and_toml_definitions_are_read():
    assert load_definition(b'\xef\xbb\xbf{"k": 5}', "release.json") == {"k": 5}
    assert load_definition(b"k = 5\n", "release.toml") == {"k": 5}
    assert load_definition(b"k = 5\n", "release.txt") == {"k": 5}
