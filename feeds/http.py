"""HTTP helpers for feeds, free of any web framework: validators, dates, streamed gzip."""
from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Iterator
from email.utils import formatdate

# Bump when the serialisation changes, so cached copies are revalidated (2: the CSV feed's
# provider, hub URL and licence columns; JSON-LD @ids, licences, numeric prices).
FEED_VERSION = "2"


def etag(*parts: object) -> str:
    """A strong entity tag (quoted) from the parts that determine a response's bytes."""
    digest = hashlib.sha256(repr((FEED_VERSION, *parts)).encode()).hexdigest()[:32]
    return f'"{digest}"'


def gzip_etag(tag: str) -> str:
    """The tag of the gzip-encoded variant (a different byte sequence, so a different tag)."""
    return tag[:-1] + '-gzip"'


def etag_matches(if_none_match: str | None, tag: str) -> bool:
    """True when an If-None-Match header names `tag` (or is "*"); weak prefixes are ignored."""
    if not if_none_match:
        return False
    candidates = [c.strip().removeprefix("W/") for c in if_none_match.split(",")]
    return "*" in candidates or tag in candidates


def http_date(ms: int) -> str | None:
    """An HTTP-date (RFC 9110) from a millisecond stamp; None when it is no representable time
    (stamps only follow the clock where they can, and cursors come from clients)."""
    try:
        return formatdate(ms / 1000, usegmt=True)
    except (ValueError, OverflowError, OSError):
        return None


def accepts_gzip(accept_encoding: str | None) -> bool:
    """True when the Accept-Encoding header allows gzip (q > 0)."""
    for part in (accept_encoding or "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip().removeprefix("q=") if "q=" in params else "1"
            try:
                return float(q) > 0
            except ValueError:
                return False
    return False


def gzip_stream(chunks: Iterable[bytes], level: int = 6) -> Iterator[bytes]:
    """Compress a stream of chunks into one gzip member, chunk by chunk (constant memory)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)  # wbits 31 = gzip container
    for chunk in chunks:
        out = compressor.compress(chunk)
        if out:
            yield out
    yield compressor.flush()


def gzip_bytes(data: bytes, level: int = 6) -> bytes:
    """One body gzip-compressed."""
    return b"".join(gzip_stream([data], level))
