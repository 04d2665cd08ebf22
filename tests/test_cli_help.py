"""`bildungsdaten --help`: command listings show whole first sentences (issue 11: "… an (z.")."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from bildungsdaten.hub.cli import first_sentence, main

CLI = Path(sys.executable).parent / "bildungsdaten"


def all_commands(group: click.Group, path: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((f"{path} {name}".strip(), command))
        if isinstance(command, click.Group):
            found += all_commands(command, f"{path} {name}")
    return found


def test_listing_is_not_cut_at_an_abbreviation() -> None:
    done = subprocess.run([str(CLI), "providers", "--help"], capture_output=True, text=True,
                          check=True, timeout=60)
    listing = " ".join(done.stdout.split())
    assert "Legt einen Anbieter mit der Kennung SLUG an (z. B. kvhs- bergstrasse)." in listing


def test_every_short_help_is_a_whole_sentence() -> None:
    for path, command in all_commands(main):
        text = command.get_short_help_str(limit=45)
        assert text.count("(") == text.count(")"), (path, text)
        assert not text.endswith((" z.", "(z.", " d.", " u.", " bzw.")), (path, text)


def test_first_sentence_skips_abbreviations_and_parentheses() -> None:
    assert first_sentence("Sperrt ein Token (z. B. bdh_AbC…). Danach nicht mehr gültig.") == (
        "Sperrt ein Token (z. B. bdh_AbC…).")
    assert first_sentence("Prüft d. h. liest bzw. zählt. Rest.") == (
        "Prüft d. h. liest bzw. zählt.")
    assert first_sentence("Startet den Hub (gunicorn).\n\nMehr dazu.") == (
        "Startet den Hub (gunicorn).")
