"""Byte scans for the encoding guess, in C: `bytes in` (memchr) and the UTF-8 decoder, instead
of regular-expression searches over every byte of a non-UTF-8 file (issue 17: a 60 MB cp1252
file spent ~7 s in re.search). Each gives exactly the answer of its regex in sources.py."""
from __future__ import annotations

import re

# Regex matches of sources._UTF8_MULTI that the strict UTF-8 decoder rejects (overlong forms,
# surrogates, beyond U+10FFFF) all start with one of these lead bytes.
_NOT_DECODED_LEADS = (b"\xe0", b"\xed", b"\xf0", b"\xf4")
_UTF8_MULTI = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def singles(byte_values: bytes) -> tuple[bytes, ...]:
    """The one-byte needles of a byte set (for has_any)."""
    return tuple(bytes([b]) for b in byte_values)


def has_any(chunk: bytes, needles: tuple[bytes, ...]) -> bool:
    """Whether `chunk` holds any of the one-byte `needles` (each a memchr over the chunk)."""
    return any(needle in chunk for needle in needles)


def has_utf8_multi(chunk: bytes) -> bool:
    """Whether `chunk` holds a sequence matching sources' _UTF8_MULTI pattern.

    The decoder finds every well-formed multi-byte sequence (a lead byte is never swallowed as
    part of an invalid one before it); a literal U+FFFD in the file is one too. Only the
    ill-formed ones the pattern also accepts need the regex, and only where their lead occurs.
    """
    if chunk.isascii():
        return False
    text = chunk.decode("utf-8", "replace")
    # Non-ASCII characters other than U+FFFD (the decoder's stand-in for invalid bytes).
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    if non_ascii != text.count("\ufffd") or b"\xef\xbf\xbd" in chunk:
        return True
    if not has_any(chunk, _NOT_DECODED_LEADS):
        return False
    return _UTF8_MULTI.search(chunk) is not None
