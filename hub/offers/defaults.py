"""A provider's presets for calendar uploads (.ics): stored, checked and handed to the validator.

A calendar says when and where, not for whom or at what price: these values fill the cells
an .ics file leaves empty (validators/ics_rows.py). The provider's own record always gives
anbieter_name, anbieter_typ and anbieter_url, and contact e-mail/phone unless preset.
"""
from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...validators import ICS_DEFAULT_COLUMNS, check_ics_default
from ..models import Provider, ProviderDefault

MAX_LENGTH = 1000


def stored_defaults(session: Session, provider_id: int) -> dict[str, str]:
    """The provider's presets, in the order of ICS_DEFAULT_COLUMNS."""
    rows = dict(session.execute(sa.select(ProviderDefault.column, ProviderDefault.value)
                                .where(ProviderDefault.provider_id == provider_id)).all())
    return {name: rows[name] for name in ICS_DEFAULT_COLUMNS if rows.get(name)}


def upload_defaults(session: Session, provider_id: int) -> dict[str, str]:
    """What fills an .ics upload's empty cells: the provider record, then its presets."""
    provider = session.execute(sa.select(Provider).where(Provider.id == provider_id)).scalar_one()
    values = {"anbieter_name": provider.name, "anbieter_typ": provider.type or "",
              "anbieter_url": provider.url or "", "kontakt_email": provider.email or "",
              "kontakt_telefon": provider.telephone or ""}
    values.update(stored_defaults(session, provider_id))
    return {k: v for k, v in values.items() if v}


def check_defaults(values: Mapping[str, str]) -> list[tuple[str, str]]:
    """(column, German message) for each value the upload check would refuse."""
    problems = []
    for name in ICS_DEFAULT_COLUMNS:
        text = (values.get(name) or "").strip()
        if len(text) > MAX_LENGTH:
            problems.append((name, f"„{name}“ ist zu lang (höchstens {MAX_LENGTH} Zeichen)."))
            continue
        message = check_ics_default(name, text)
        if message:
            problems.append((name, message))
    return problems


def save_defaults(session: Session, provider_id: int, values: Mapping[str, str]) -> None:
    """Replace the provider's presets (empty values are removed); check_defaults first."""
    wanted = {name: (values.get(name) or "").strip() for name in ICS_DEFAULT_COLUMNS}
    session.execute(sa.delete(ProviderDefault).where(ProviderDefault.provider_id == provider_id))
    session.add_all(ProviderDefault(provider_id=provider_id, column=name, value=text)
                    for name, text in wanted.items() if text)
