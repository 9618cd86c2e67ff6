"""The text of a CSV file read as a stream of byte chunks, never whole.

Pure: bytes in, text lines out. A file of a million rows is about 150 MB; it is read a chunk
at a time, twice: once to choose its encoding (the choice needs every byte) and then for its
lines, so memory holds a chunk, not the file.

Encoding (``portal.domain.csv_rows`` documents it): UTF-8 (BOM dropped) when every byte is valid
UTF-8, else Windows-1252, else Latin-1 (which reads any byte). A NUL byte means the file is
not text.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterable, Iterator

NOT_TEXT = b"\x00"


def encoding_of(chunks: Iterable[bytes]) -> str:
    """``utf-8-sig``, ``cp1252`` or ``latin-1`` for the whole stream; ValueError on a NUL."""
    utf8 = codecs.getincrementaldecoder("utf-8")()
    cp1252 = codecs.getincrementaldecoder("cp1252")()
    utf8_ok = cp1252_ok = True
    for chunk in chunks:
        if NOT_TEXT in chunk:
            raise ValueError("a NUL byte: not a text file")
        utf8_ok = utf8_ok and _decodes(utf8, chunk)
        cp1252_ok = cp1252_ok and _decodes(cp1252, chunk)
    if utf8_ok and _decodes(utf8, b"", final=True):
        return "utf-8-sig"
    return "cp1252" if cp1252_ok else "latin-1"


def _decodes(decoder: codecs.IncrementalDecoder, chunk: bytes, *, final: bool = False) -> bool:
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError:
        return False
    return True


def lines(chunks: Iterable[bytes], encoding: str) -> Iterator[str]:
    """The text's lines with their endings, split as ``io.StringIO(text, newline="")``
    splits them (``\\n``, ``\\r\\n`` or ``\\r``), whatever the chunk boundaries."""
    decoder = codecs.getincrementaldecoder(encoding)()
    pending = ""
    for chunk in chunks:
        split = list(io.StringIO(pending + decoder.decode(chunk), newline=""))
        # The last line waits for the next chunk: it has no ending yet, or ends with a "\r"
        # whose "\n" may start the next chunk.
        pending = split.pop() if split and not split[-1].endswith("\n") else ""
        yield from split
    rest = pending + decoder.decode(b"", True)
    yield from io.StringIO(rest, newline="")


__all__ = ["encoding_of", "lines"]
