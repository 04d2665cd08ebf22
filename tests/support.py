"""Helpers for tests: what CI provides must not be skipped silently there."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HUB_SHARED_DIR", REPO.parent / "shared"))
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Skip with `reason` on a developer's machine; fail under CI=true, where it must exist."""
    if IN_CI:
        pytest.fail(f"CI must provide this, but: {reason}", pytrace=False)
    pytest.skip(reason)


def shared_path(*parts: str) -> Path:
    """A file of ../shared (the standards kit); skips, or fails in CI, when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        unavailable(f"{path} fehlt: ../shared (Standards-Kit) liegt nicht neben dem Repository")
    return path
