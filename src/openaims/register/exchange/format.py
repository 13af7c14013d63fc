"""The on-disk shape of an exported register (format ``openaims-register/v1``).

::

    DIR/openaims-register.yaml      format header and record counts
    DIR/<record_type>/<ID>.yaml     one file per record
    DIR/evidence/<sha256>           the content of file evidence, by hash (beside the
                                    evidence records' own EVD-N.yaml files)

A record file holds ``id``, ``status`` and ``version``, the record's own fields in
the order the record type declares them, its ``links``, and who created and last
changed it and when. Nested mappings have sorted keys, so the same register gives
the same bytes from SQLite and from PostgreSQL.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from openaims.register.services import RecordOut, RecordService

FORMAT = "openaims-register/v1"
HEADER_FILE = "openaims-register.yaml"
EVIDENCE_DIR = "evidence"
#: Formats this version reads (older ones would be upgraded here, step by step).
READABLE_FORMATS = (FORMAT,)
LEADING = ("id", "status", "version")
TRAILING = ("links", "created_at", "created_by", "updated_at", "updated_by")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
#: Characters allowed in a record file name (ids such as ``SOA-A.6.2.4``).
FILE_ID_RE = re.compile(r"^[A-Z][A-Z0-9]*-[A-Za-z0-9.]+$")


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _sorted(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def record_document(cls: type[RecordService[Any, Any]], record: RecordOut) -> dict[str, Any]:
    """The mapping written for one record, keys in a stable order."""
    data = record.model_dump(mode="json")
    own = [n for n in cls.field_names() if n != "links"]
    return {key: _sorted(data.get(key)) for key in (*LEADING, *own, *TRAILING)}


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


def sort_key(record_id: str) -> tuple[int, str]:
    return (len(record_id), record_id)
