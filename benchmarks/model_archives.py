"""What looking into zip archives for pickles costs: the model-file detector over plain
``.zip`` files (every member's first bytes are read to find pickles under any name) and
over archives of pickles, through the scan engine as ``aims scan`` runs it.

    .venv/bin/python benchmarks/model_archives.py [--members 20000] [--runs 3]

Prints, per archive: members, size, best wall time of ``--runs`` and time per member.
"""

from __future__ import annotations

import argparse
import pickle
import tempfile
import time
import zipfile
from pathlib import Path

from openaims.discovery.detectors.model_files import ModelFileDetector
from openaims.discovery.interface import ScanOptions
from openaims.discovery.scanner import Scanner


def build(root: Path, members: int) -> dict[str, Path]:
    pickled = pickle.dumps({"weights": list(range(64)), "name": "layer"}, protocol=4)
    archives: dict[str, tuple[int, dict[str, bytes]]] = {
        "docs, stored": (zipfile.ZIP_STORED, {f"docs/page{i}.html": b"<p>text</p>" * 20 for i in range(members)}),
        "docs, deflated": (zipfile.ZIP_DEFLATED, {f"docs/page{i}.html": b"<p>text</p>" * 20 for i in range(members)}),
        "32 pickles + data, stored": (
            zipfile.ZIP_STORED,
            {**{f"model/part{i}.pkl": pickled for i in range(32)}, **{f"data/{i}": b"\x00" * 256 for i in range(members)}},
        ),
    }
    out: dict[str, Path] = {}
    for label, (compression, files) in archives.items():
        folder = root / label.replace(" ", "-").replace(",", "").replace("+", "and")
        folder.mkdir()
        with zipfile.ZipFile(folder / "archive.zip", "w", compression=compression) as archive:
            for name, data in files.items():
                archive.writestr(name, data)
        out[label] = folder
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        for label, folder in build(Path(scratch), args.members).items():
            size = (folder / "archive.zip").stat().st_size
            best = float("inf")
            findings = 0
            for _ in range(args.runs):
                started = time.perf_counter()
                result = Scanner(ScanOptions(root=folder), jobs=1, detectors=[ModelFileDetector()]).scan()
                best = min(best, time.perf_counter() - started)
                findings = len(result.findings)
            with zipfile.ZipFile(folder / "archive.zip") as archive:
                count = len(archive.infolist())
            print(
                f"{label:28} {count:>7} members {size / 2**20:7.1f} MiB  {best * 1000:7.0f} ms  "
                f"{best / count * 1e6:5.1f} us/member  findings: {findings}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
