"""Settings: defaults that follow the environment, and no constant secret."""
from __future__ import annotations

from pathlib import Path

import pytest

from bildungsdaten.hub.settings import load_settings


def test_base_uri_follows_host_and_port_when_not_configured(monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    monkeypatch.delenv("HUB_BASE_URI", raising=False)
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("PORT", "8080")
    settings = load_settings({"instance_path": tmp_path})
    assert settings.hub_base_uri == "http://127.0.0.1:8080"
    assert settings.url("/feeds") == "http://127.0.0.1:8080/feeds"


def test_configured_base_uri_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HUB_BASE_URI", "https://bildung.example/")
    monkeypatch.setenv("PORT", "8080")
    settings = load_settings({"instance_path": tmp_path})
    assert settings.url("offers/x/1") == "https://bildung.example/offers/x/1"


def test_secret_key_is_generated_once_per_instance(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_settings({"instance_path": tmp_path}).secret_key
    assert len(first) >= 40
    assert load_settings({"instance_path": tmp_path}).secret_key == first
    assert load_settings({"instance_path": tmp_path / "other"}).secret_key != first


def test_every_setting_is_documented_where_it_is_declared() -> None:
    from dataclasses import fields

    from bildungsdaten.hub.settings import Settings, setting_docs

    docs = setting_docs()
    assert set(docs) == {f.name.upper() for f in fields(Settings) if f.name != "extra"}
    assert all(" / " in doc for doc in docs.values())  # German first, then English
