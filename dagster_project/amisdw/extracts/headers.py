"""Map a delivered header row (Chinese captions or field codes, any order) to canonical columns."""

from __future__ import annotations

from dataclasses import dataclass

from amisdw.errors import ExtractError, Finding
from amisdw.extracts.contract import Family, Field


@dataclass(frozen=True)
class HeaderMap:
    """Position of each canonical column in the file, plus unknown extra headers."""

    positions: dict[str, int]  # canonical column -> index in the file's header
    extras: dict[str, int]  # unknown header -> index
    variant: str  # "captions", "codes" or "mixed"

    @property
    def width(self) -> int:
        return len(self.positions) + len(self.extras)


def _clean(header: str) -> str:
    return header.replace("\ufeff", "").strip().strip('"').strip()


def map_headers(family: Family, filename: str, headers: list[str]) -> HeaderMap:
    lookup = family.header_lookup()
    positions: dict[str, int] = {}
    extras: dict[str, int] = {}
    by_caption = by_code = 0
    findings: list[Finding] = []
    for i, raw in enumerate(headers):
        name = _clean(raw)
        fld: Field | None = lookup.get(name) or lookup.get(name.lower())
        if fld is None:
            extras[name or f"<blank header in position {i + 1}>"] = i
            continue
        if fld.column in positions:
            findings.append(
                Finding(
                    filename, f"column {name!r} appears twice in the header", line=1, column=name
                )
            )
            continue
        positions[fld.column] = i
        if fld.caption == fld.code:  # e.g. FYC: says nothing about the variant
            continue
        if name == fld.caption:
            by_caption += 1
        else:
            by_code += 1
    missing = [f for f in family.fields if f.column not in positions]
    if missing:
        names = ", ".join(f"{f.caption} ({f.code})" for f in missing)
        findings.append(
            Finding(filename, f"required column(s) missing from the header: {names}", line=1)
        )
    if findings:
        raise ExtractError(
            findings,
            hint=f"The {family.name} file must carry every column of the contract, by caption or "
            "code, each once; ask AMIS to re-export it.",
        )
    variant = "captions" if by_code == 0 else "codes" if by_caption == 0 else "mixed"
    return HeaderMap(positions=positions, extras=extras, variant=variant)
