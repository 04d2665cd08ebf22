"""The optional second factor: time-based one-time codes (RFC 6238, 30 s, 6 digits) via pyotp.

A code is accepted once: the accepted time step is stored and older or equal steps refused,
so a code seen over a shoulder cannot be used again within its window.
"""
from __future__ import annotations

import hmac
import time

import pyotp
import segno

ISSUER = "Bildungsdaten-Hub"
# One step either side: the phone's clock may be up to 30 s off.
DRIFT_STEPS = 1


def provisioning_uri(secret: str, username: str, issuer: str = ISSUER) -> str:
    """The otpauth:// address an authenticator app reads (from the QR code or typed)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code, drawn here (no request to a QR service)."""
    qr = segno.make(uri, error="m")
    return str(qr.svg_inline(scale=4, border=4, title="QR-Code zum Einrichten der App",
                             dark="#000", light="#fff", svgclass="qr", lineclass=None,
                             omitsize=False))


def accepted_step(secret: str, code: str, last_step: int | None,
                  now: float | None = None) -> int | None:
    """The time step `code` belongs to when it is valid and newer than `last_step`, else None."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    moment = time.time() if now is None else now
    current = totp.timecode(moment)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None

