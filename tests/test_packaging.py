"""The four folders install as `bildungsdaten.*`, so PyPI's `validators` (a dependency of
frictionless) is not shadowed by the hub's own `validators` folder."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support import REPO

CHECK = """
import validators, frictionless
import bildungsdaten.hub.app, bildungsdaten.validators, bildungsdaten.feeds, bildungsdaten.vocab
print(validators.__file__)
assert validators.email("info@example.org") is True
assert frictionless.Resource(data=[["a"], ["1"]]).to_view() is not None
"""


def test_pypi_validators_and_frictionless_import_beside_the_hub() -> None:
    import frictionless

    import validators
    from bildungsdaten import validators as hub_validators
    from bildungsdaten.hub.app import create_app

    # PyPI's package, not the repository's folder (which installs as bildungsdaten.validators).
    assert not Path(validators.__file__).resolve().is_relative_to(REPO / "validators"), (
        "the repository root is on sys.path: run `.venv/bin/pytest`, not `python -m pytest`")
    assert validators.email("info@example.org") is True
    assert validators.url("https://www.kreis-bergstrasse.de/") is True
    assert frictionless.Schema.from_descriptor(
        {"fields": [{"name": "preis", "type": "number"}]}).field_names == ["preis"]
    assert Path(hub_validators.__file__).resolve().is_relative_to(REPO / "validators")
    assert callable(create_app)


def test_installed_distribution_works_outside_the_repository(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", CHECK], cwd=tmp_path, capture_output=True, check=False,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "site-packages" in result.stdout


def test_no_bare_top_level_hub_package_is_installed(tmp_path: Path) -> None:
    probe = "import importlib.util as u; print(u.find_spec('hub'), u.find_spec('vocab'))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, check=False,
                            text=True, timeout=60)
    assert result.stdout.split() == ["None", "None"], result.stdout + result.stderr
