"""The C-level byte scans of the encoding guess give exactly the answers of the regular
expressions they replace (validators/bytescan.py, sources.detect_encoding)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bildungsdaten.validators import sources
from bildungsdaten.validators.bytescan import has_any, has_utf8_multi

# Bytes around the UTF-8 boundaries (leads, continuations, overlong and surrogate leads),
# mixed with ASCII and real UTF-8 / cp1252 text.
_INTERESTING = st.sampled_from([0x41, 0x0A, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2,
                                0xDF, 0xE0, 0xE4, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0xBD])
_PIECES = st.one_of(st.binary(max_size=8), st.lists(_INTERESTING, max_size=8).map(bytes),
                    st.text(max_size=6).map(lambda t: t.encode("utf-8")),
                    st.sampled_from(["Größe", "Übung – €", "ä"]).map(lambda t: t.encode("cp1252")))
CHUNKS = st.lists(_PIECES, max_size=12).map(b"".join)


@settings(max_examples=800, deadline=None)
@given(CHUNKS)
def test_has_utf8_multi_is_the_regex(chunk: bytes) -> None:
    assert has_utf8_multi(chunk) == (sources._UTF8_MULTI.search(chunk) is not None)


@settings(max_examples=300, deadline=None)
@given(CHUNKS)
def test_has_any_is_the_byte_class(chunk: bytes) -> None:
    assert has_any(chunk, sources._C1_BYTES) == (sources._C1.search(chunk) is not None)
    assert has_any(chunk, sources._CP1252_UNDEFINED_BYTES) == (
        sources._CP1252_UNDEFINED.search(chunk) is not None)
    assert has_any(chunk, sources._LATIN9_ONLY_BYTES) == (
        sources._LATIN9_ONLY.search(chunk) is not None)


def test_overlong_and_surrogate_forms_count_as_utf8_like() -> None:
    """Ill-formed sequences the decoder rejects but the pattern accepts."""
    for chunk in (b"a\xe0\x80\x80", b"\xed\xa0\x80x", b"\xf0\x80\x80\x80", b"\xf4\x90\x80\x80",
                  b"\xef\xbf\xbd"):
        assert has_utf8_multi(chunk) is True
    assert has_utf8_multi("Größe".encode("cp1252")) is False
