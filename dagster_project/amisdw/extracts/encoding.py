"""Detect a delivered file's text encoding: UTF-8 (with or without BOM) or GB18030.

The contract allows exactly these, so detection is a strict decode, not a guess: a UTF-8
BOM means UTF-8; otherwise a file that decodes as strict UTF-8 is UTF-8; otherwise one
that decodes as strict GB18030 is GB18030 (not GBK, which rejects 4-byte characters).
A file that is neither is rejected with the line of the first bad byte and
charset-normalizer's best guess of what it really is.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from charset_normalizer import from_bytes

from amisdw.errors import ExtractError, Finding

UTF8_BOM = codecs.BOM_UTF8
_CHUNK = 1 << 20


def _strict_decode_error(path: Path, encoding: str, skip: int = 0) -> tuple[int, int] | None:
    """Decode the whole file incrementally; return (byte offset, line) of the first error."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    newlines = 0
    with path.open("rb") as fh:
        fh.seek(skip)
        while True:
            chunk = fh.read(_CHUNK)
            final = not chunk
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                # exc.start indexes into the buffered input: pending bytes, then this chunk
                bad = max(exc.start - pending, 0)
                return skip + offset + bad, newlines + chunk[:bad].count(b"\n") + 1
            if final:
                return None
            offset += len(chunk)
            newlines += chunk.count(b"\n")


def decode_extract(path: Path, data: bytes) -> tuple[str, str]:
    """The encoding of ``data`` (the bytes of ``path``) as :func:`detect_encoding` tells it,
    and the decoded text (without a BOM), from one strict decode of the bytes in memory;
    an undecodable file raises :func:`detect_encoding`'s ExtractError."""
    if data.startswith(UTF8_BOM):
        candidates = [("utf-8-sig", "utf-8-sig")]  # the BOM settles it: UTF-8 or nothing
    else:
        candidates = [("utf-8", "utf-8"), ("gb18030", "gb18030")]
    for name, codec in candidates:
        try:
            return name, data.decode(codec, errors="strict")
        except UnicodeDecodeError:
            continue
    detect_encoding(path)  # re-reads the file to name the first bad byte, and raises
    raise AssertionError(f"{path} changed while it was being read")


def detect_encoding(path: Path) -> str:
    """Return ``"utf-8-sig"``, ``"utf-8"`` or ``"gb18030"``; raise ExtractError otherwise."""
    with path.open("rb") as fh:
        head = fh.read(len(UTF8_BOM))
    if head == UTF8_BOM:
        err = _strict_decode_error(path, "utf-8", skip=len(UTF8_BOM))
        if err is None:
            return "utf-8-sig"
        _raise_undecodable(path, err, "it starts with a UTF-8 byte-order mark but is not UTF-8")
    if _strict_decode_error(path, "utf-8") is None:
        return "utf-8"
    err = _strict_decode_error(path, "gb18030")
    if err is None:
        return "gb18030"
    _raise_undecodable(path, err, "it is neither UTF-8 nor GB18030")
    raise AssertionError("unreachable")


def _raise_undecodable(path: Path, err: tuple[int, int], why: str) -> None:
    offset, line = err
    with path.open("rb") as fh:
        sample = fh.read(256 * 1024)
    guess = from_bytes(sample).best()
    guessed = f"; it looks like {guess.encoding}" if guess is not None else ""
    raise ExtractError(
        [
            Finding(
                path.name,
                f"cannot be decoded: {why} (first bad byte at offset {offset}){guessed}",
                line=line,
            )
        ],
        hint="AMIS files must be GB18030 or UTF-8: ask AMIS to re-export the file in one of them.",
    )
