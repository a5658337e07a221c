"""Parse a verified delivery once: every file decoded, header-mapped and typed into one Arrow
table. The quality gates validate these tables and the load inserts the same tables, so a
file is read exactly once per delivery (after its MD5 and row count were checked)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyarrow as pa

from amisdw.errors import ExtractError, Finding
from amisdw.extracts.delivery import DeliveredFile, Delivery
from amisdw.extracts.read import FileInfo, arrow_schema, read_extract


@dataclass
class ParsedFile:
    file: DeliveredFile
    table: pa.Table  # canonical columns + _source_line + _extra
    info: FileInfo


@dataclass
class ParsedDelivery:
    delivery: Delivery
    files: list[ParsedFile] = field(default_factory=list)
    errors: list[ExtractError] = field(default_factory=list)  # files that did not parse

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def warnings(self) -> list[str]:
        return [w for f in self.files for w in f.info.warnings]


PARSE_THREADS = min(4, os.cpu_count() or 1)  # pyarrow's parsing and typing release the GIL


def parse_deliveries(deliveries: Sequence[Delivery]) -> list[ParsedDelivery]:
    """:func:`parse_delivery` of each delivery, in order, several months at a time."""
    if len(deliveries) < 2 or PARSE_THREADS < 2:
        return [parse_delivery(d) for d in deliveries]
    with ThreadPoolExecutor(PARSE_THREADS, thread_name_prefix="amisdw-parse") as pool:
        return list(pool.map(parse_delivery, deliveries))


def parse_delivery(delivery: Delivery) -> ParsedDelivery:
    """Read every file of a complete delivery; a file that breaks the contract becomes an
    entry of ``errors`` (the others are still parsed, so all problems are reported at once)."""
    parsed = ParsedDelivery(delivery)
    for dfile in delivery.files:
        info = FileInfo(dfile.name)
        try:
            batches = list(read_extract(delivery.folder / dfile.name, dfile.family, info))
            if info.rows != dfile.entry.rows:
                raise ExtractError(
                    [
                        Finding(
                            dfile.name,
                            f"parsed {info.rows} rows, but {delivery.month}.ok says "
                            f"{dfile.entry.rows}",
                        )
                    ]
                )
        except ExtractError as exc:
            parsed.errors.append(exc)
            continue
        table = pa.concat_tables(batches) if batches else arrow_schema(dfile.family).empty_table()
        parsed.files.append(ParsedFile(dfile, table, info))
    return parsed
