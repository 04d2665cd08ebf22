"""The hub's JSON-LD @context, kept as data in vocab/data/context.jsonld (served at
/vocab/context.jsonld and referenced by URL from every offer)."""
from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

CONTEXT_PATH = "/vocab/context.jsonld"


@cache
def context_bytes() -> bytes:
    """The context document exactly as stored (UTF-8 JSON)."""
    return resources.files(__package__).joinpath("data/context.jsonld").read_bytes()


def context_document() -> dict[str, Any]:
    """The context document as a dict (a fresh copy: callers may change it)."""
    return copy.deepcopy(_parsed())


@cache
def _parsed() -> dict[str, Any]:
    return json.loads(context_bytes())  # type: ignore[no-any-return]
