"""Write models/scorecard-v2.safetensors from the released scorecard coefficients.

The coefficients are those of release 2.3.0 (see MRM-118); the file is written
with the standard library only, in the safetensors layout: an 8-byte
little-endian header length, a JSON header, then the raw little-endian tensors.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

COEF = [1.82, 1.37, -0.41, 0.12, 0.95, -0.28, 0.66, -0.35]
INTERCEPT = [-2.14]


def tensor(values: list[float]) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


def main() -> None:
    coef, intercept = tensor(COEF), tensor(INTERCEPT)
    header = {
        "__metadata__": {"format": "np", "model": "northwind-scorecard", "version": "2.3.0"},
        "coef": {"dtype": "F32", "shape": [1, len(COEF)], "data_offsets": [0, len(coef)]},
        "intercept": {"dtype": "F32", "shape": [1], "data_offsets": [len(coef), len(coef) + len(intercept)]},
    }
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # align the data section to 8 bytes
    out = Path(__file__).resolve().parent.parent / "models" / "scorecard-v2.safetensors"
    out.write_bytes(struct.pack("<Q", len(raw)) + raw + coef + intercept)
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
