"""Helpers for the content detector tests: an in-memory FileView and a factory
of key-shaped values.

Key-shaped values are assembled at test time from parts and random characters;
no literal that looks like a live credential is committed.
"""

from __future__ import annotations

import io
import random
import re
import string
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from openaims.discovery.detectors.secrets import secret_rules, shannon_entropy
from openaims.discovery.interface import Detector, FileView, Finding, ScanOptions

SALT = "test-salt"
OPTIONS = ScanOptions(root=Path("/nonexistent-root"), fingerprint_salt=SALT)


class MemoryFile(FileView):
    """A file of a scanned tree held in memory."""

    def __init__(self, path: str, content: str | bytes, options: ScanOptions = OPTIONS) -> None:
        self.path = path
        self.name = PurePosixPath(path).name
        self._data = content.encode("utf-8") if isinstance(content, str) else content
        self.size = len(self._data)
        self.options = options

    def data(self) -> bytes:
        return self._data[: self.options.max_text_bytes]

    def text(self) -> str:
        return self.data().decode("utf-8", errors="replace")

    def head(self, size: int) -> bytes:
        return self._data[:size]

    def open_binary(self) -> Any:
        return io.BytesIO(self._data)

    def read_relative(self, relpath: str) -> str | None:
        return None


def prefilter_matches(detector: Detector, text: str) -> bool:
    """Whether the engine's combined prefilter would let ``text`` through."""
    if not detector.prefilter:
        return True
    combined = re.compile("|".join(f"(?:{p})" for p in detector.prefilter))
    return combined.search(text) is not None


def run(detector: Detector, path: str, content: str | bytes) -> list[Finding]:
    """Findings of ``detector`` for one in-memory file, as the engine would
    produce them (``wants`` honoured). Any finding on a file the prefilter
    would have skipped is a bug, so it fails here."""
    name = PurePosixPath(path).name
    if not detector.wants(path, name):
        return []
    findings = sorted(detector.scan(MemoryFile(path, content)), key=Finding.sort_key)
    text = content if isinstance(content, str) else content.decode("utf-8", "replace")
    if findings:
        assert prefilter_matches(detector, text), f"{detector.id}: prefilter misses {path}"
    return findings


def run_tree(detectors: Iterable[Detector], files: dict[str, str]) -> list[Finding]:
    """Findings of several detectors over an in-memory tree."""
    out: list[Finding] = []
    for det in detectors:
        for path, content in files.items():
            out.extend(run(det, path, content))
    return sorted(out, key=Finding.sort_key)


ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
UPPER = string.ascii_uppercase + string.digits


class Keys:
    """Builds fresh, random, key-shaped values per key type id."""

    def __init__(self, seed: int = 42) -> None:
        self.rng = random.Random(seed)
        self._rules = secret_rules()
        self.builders: dict[str, Callable[[], str]] = {
            "openai-project-key": lambda: "sk-" + "proj-" + self.r(74, ALNUM + "_-") + "T3Blbk" + "FJ" + self.r(74),
            "openai-service-account-key": lambda: "sk-" + "svcacct-" + self.r(74) + "T3Blbk" + "FJ" + self.r(74),
            "openai-admin-key": lambda: "sk-" + "admin-" + self.r(58) + "T3Blbk" + "FJ" + self.r(58),
            "openai-user-key": lambda: "sk-" + "None-" + self.r(48),
            "openai-legacy-key": lambda: "sk-" + self.r(20) + "T3Blbk" + "FJ" + self.r(20),
            "anthropic-api-key": lambda: "sk-" + "ant-" + "api03-" + self.r(93, ALNUM + "_-") + "AA",
            "anthropic-admin-key": lambda: "sk-" + "ant-" + "admin01-" + self.r(93) + "AA",
            "anthropic-oauth-token": lambda: "sk-" + "ant-" + "oat01-" + self.r(93) + "AA",
            "openrouter-api-key": lambda: "sk-" + "or-v1-" + self.r(64, HEX),
            "langfuse-secret-key": lambda: "sk-" + "lf-" + self.uuid(),
            "langfuse-public-key": lambda: "pk-" + "lf-" + self.uuid(),
            "deepseek-api-key": lambda: "sk-" + self.r(32, HEX),
            "huggingface-token": lambda: "hf" + "_" + self.r(34, string.ascii_letters),
            "huggingface-org-token": lambda: "api" + "_org_" + self.r(34, string.ascii_letters),
            "google-api-key": lambda: "AI" + "za" + self.r(35, ALNUM + "_-"),
            "azure-openai-key": lambda: self.r(32, HEX),
            "aws-access-key-id": lambda: "AK" + "IA" + self.r(16, UPPER),
            "aws-secret-access-key": lambda: self.r(40, ALNUM + "/+"),
            "cohere-api-key": lambda: self.r(40),
            "mistral-api-key": lambda: self.r(32),
            "replicate-api-token": lambda: "r8" + "_" + self.r(37),
            "groq-api-key": lambda: "gsk" + "_" + self.r(52),
            "xai-api-key": lambda: "xai" + "-" + self.r(80),
            "perplexity-api-key": lambda: "pplx" + "-" + self.r(48),
            "langsmith-api-key": lambda: "lsv2" + "_pt_" + self.r(32, HEX) + "_" + self.r(10, HEX),
            "pinecone-api-key": lambda: "pcsk" + "_" + self.r(5) + "_" + self.r(60),
            "pinecone-legacy-api-key": self.uuid,
            "together-api-key": lambda: "tgp" + "_v1_" + self.r(43),
            "fireworks-api-key": lambda: "fw" + "_" + self.r(24),
            "nvidia-api-key": lambda: "nvapi" + "-" + self.r(64),
            "elevenlabs-api-key": lambda: "sk" + "_" + self.r(48, HEX),
            "github-pat": lambda: "gh" + "p_" + self.r(36),
            "github-fine-grained-pat": lambda: "github" + "_pat_" + self.r(22) + "_" + self.r(59),
            "github-oauth-token": lambda: "gh" + "o_" + self.r(36),
            "github-user-token": lambda: "gh" + "u_" + self.r(36),
            "github-app-token": lambda: "gh" + "s_" + self.r(36),
            "github-refresh-token": lambda: "gh" + "r_" + self.r(76),
            "slack-bot-token": lambda: (
                "xo" + "xb-" + self.r(11, "0123456789") + "-" + self.r(13, "0123456789") + "-" + self.r(24)
            ),
            "slack-user-token": lambda: (
                "xo"
                + "xp-"
                + self.r(11, "0123456789")
                + "-"
                + self.r(11, "0123456789")
                + "-"
                + self.r(13, "0123456789")
                + "-"
                + self.r(32, HEX)
            ),
            "slack-app-token": lambda: (
                "xa" + "pp-1-" + self.r(11, UPPER) + "-" + self.r(13, "0123456789") + "-" + self.r(64, HEX)
            ),
            "slack-token": lambda: "xo" + "xe-1-" + self.r(40),
        }

    def r(self, n: int, alphabet: str = ALNUM) -> str:
        """``n`` random characters that no placeholder rule would reject."""
        while True:
            value = "".join(self.rng.choice(alphabet) for _ in range(n))
            if self._rules.is_placeholder(value):
                continue
            if n < 20 or len(alphabet) < 16 or shannon_entropy(value) >= 3.2:
                return value

    def uuid(self) -> str:
        while True:
            value = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            if not self._rules.is_placeholder(value):
                return value

    def __call__(self, key_type: str) -> str:
        return self.builders[key_type]()
