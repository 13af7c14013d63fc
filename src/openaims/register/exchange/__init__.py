"""The register as files: YAML export and import ("AIMS as code") and CSV for spreadsheets.

Both directions go through the record services, so imported records are validated
by the same rules as records typed in, and every change is a history event.
"""

from __future__ import annotations

from openaims.register.exchange.csv_io import CsvReport, export_csv, import_csv
from openaims.register.exchange.format import FORMAT, HEADER_FILE
from openaims.register.exchange.yaml_export import ExportReport, export_register
from openaims.register.exchange.yaml_import import ImportReport, import_register, read_export

__all__ = [
    "FORMAT",
    "HEADER_FILE",
    "CsvReport",
    "ExportReport",
    "ImportReport",
    "export_csv",
    "export_register",
    "import_csv",
    "import_register",
    "read_export",
]
