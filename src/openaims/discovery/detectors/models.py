"""References to AI models: hosted model ids and Hugging Face repositories.

Families, gateway prefixes, Bedrock ids and Hub loaders are data
(``catalog/models.yaml``). Only string literals and configuration values are
read (quoted strings in any code or config file; unquoted YAML/ENV/INI values
in configuration files; ``--model X`` arguments), and a value must *fully*
match a model family, so prose that mentions a model is not a reference.

A model id is normalised (lower-case, gateway prefixes split off into
``details.via``, Bedrock region prefix and ARN removed) and attributed to the
model's maker. A Hugging Face repository id passed to a loader
(``from_pretrained``, ``pipeline``, ``hf_hub_download``, ...) is reported with
``details.hub = "huggingface"`` and the loader's name.

One finding per (file, line, model id).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from openaims.discovery import catalog
from openaims.discovery.detectors.imports import comment_spans, in_spans
from openaims.discovery.interface import Detector, FileView, Finding, FindingKind
from openaims.discovery.notebook import code_cells

_CODE_EXTENSIONS = frozenset(
    [
        ".py",
        ".pyi",
        ".ipynb",
        ".js",
        ".mjs",
        ".cjs",
        ".jsx",
        ".ts",
        ".tsx",
        ".mts",
        ".cts",
        ".vue",
        ".svelte",
        ".go",
        ".java",
        ".kt",
        ".kts",
        ".scala",
        ".groovy",
        ".cs",
        ".rs",
        ".rb",
        ".php",
        ".swift",
        ".dart",
        ".sh",
        ".bash",
        ".zsh",
        ".ps1",
        ".r",
        ".jl",
        ".lua",
        ".ex",
        ".exs",
        ".c",
        ".cc",
        ".cpp",
        ".h",
        ".hpp",
        ".m",
        ".json",
        ".jsonc",
        ".json5",
        ".tf",
        ".tfvars",
        ".hcl",
        ".gradle",
        ".xml",
    ]
)
_CONFIG_EXTENSIONS = frozenset([".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf", ".env", ".properties"])
_CONFIG_NAMES = frozenset(("dockerfile", "containerfile", "makefile", "justfile", "procfile"))
_SKIP_NAMES = frozenset(
    (
        "package-lock.json",
        "npm-shrinkwrap.json",
        "pnpm-lock.yaml",
        "yarn.lock",
        "poetry.lock",
        "uv.lock",
        "cargo.lock",
        "composer.lock",
        "gemfile.lock",
        "pipfile.lock",
    )
)

_VALUE = r"[A-Za-z0-9@][\w.:/@+-]{1,199}"
_QUOTED = re.compile(rf"""(["'`])({_VALUE})\1""")
_CONFIG_VALUE = re.compile(
    rf"^[ \t]*(?:-[ \t]+)?(?:export[ \t]+|ENV[ \t]+|ARG[ \t]+)?(?:[\w.-]+[ \t]*[:=][ \t]*)?({_VALUE})"
    r"[ \t]*(?:#[^\n]*)?\r?$",
    re.M,
)
_MODEL_FLAG = re.compile(rf"--model(?:[-_](?:name|id))?(?:=|[ \t]+)({_VALUE})")
_KEY_BEFORE = re.compile(r"""([A-Za-z_][\w.-]*)["'\]]?\s*(?::=|=>|=|:)\s*$""")
_MODEL_KEY = re.compile(r"(?i)model|deployment|engine")
_HF_ID = re.compile(r"[A-Za-z0-9][\w.-]{1,95}(?:/[A-Za-z0-9][\w.-]{1,95})?")
#: A value ending like a file name is a path, not a model id.
_FILE_SUFFIXES = (
    ".bin",
    ".pt",
    ".pth",
    ".safetensors",
    ".gguf",
    ".ggml",
    ".onnx",
    ".ckpt",
    ".h5",
    ".keras",
    ".json",
    ".pkl",
    ".model",
    ".zip",
    ".tar",
    ".gz",
    ".txt",
    ".yaml",
    ".yml",
    ".py",
    ".js",
    ".ts",
    ".md",
)


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A recognised model reference (before it becomes a finding)."""

    model_id: str
    raw: str
    provider: str
    category: str | None
    via: str | None = None
    hub: str | None = None
    loader: str | None = None


@dataclass(frozen=True, slots=True)
class Loader:
    name: str
    arg: int
    category: str | None


@dataclass(frozen=True, slots=True)
class ModelCatalog:
    """``models.yaml``, compiled."""

    families: re.Pattern[str]
    family_info: dict[str, tuple[str, str]]
    gateways: frozenset[str]
    deployments: dict[str, str]
    strip_prefixes: tuple[str, ...]
    bedrock_regions: frozenset[str]
    bedrock_vendors: dict[str, tuple[str, re.Pattern[str]]]
    loaders: dict[str, Loader]
    loader_call: re.Pattern[str]
    keywords: frozenset[str]
    config_keys: frozenset[str]
    not_models: frozenset[str]
    orgs: dict[str, str]
    local_dirs: frozenset[str]
    prefilter: tuple[str, ...]
    hints: re.Pattern[str]

    def family(self, model_id: str) -> tuple[str, str] | None:
        """(provider, category) of the family ``model_id`` fully matches."""
        m = self.families.fullmatch(model_id)
        if m is None or m.lastgroup is None:
            return None
        return self.family_info[m.lastgroup]

    def bedrock(self, model_id: str) -> tuple[str, str] | None:
        """(Bedrock id without region, provider) when ``model_id`` is one."""
        head, dot, rest = model_id.partition(".")
        if dot and head in self.bedrock_regions and "." in rest:
            head, dot, rest = rest.partition(".")
        vendor = self.bedrock_vendors.get(head)
        if vendor is None or not rest:
            return None
        provider, pattern = vendor
        if pattern.fullmatch(rest) is None:
            return None
        return f"{head}.{rest}", provider


def _trie_regex(words: list[str]) -> str:
    """A regex matching any of ``words``, factored by common prefixes (much
    faster than a flat alternation of many literals)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        end = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return build(trie) or "(?!)"


@cache
def model_catalog() -> ModelCatalog:
    """The validated model catalogue."""
    data = catalog.load("models")
    providers = catalog.provider_ids()
    categories = catalog.category_ids()
    alternatives: list[str] = []
    info: dict[str, tuple[str, str]] = {}
    for i, fam in enumerate(data["families"]):
        provider, category = str(fam["provider"]), str(fam["category"])
        if provider not in providers or category not in categories:
            raise ValueError(f"models.yaml family {fam.get('id')}: unknown provider or category")
        group = f"f{i}"
        alternatives.append(f"(?P<{group}>{fam['pattern']})")
        info[group] = (provider, category)
    vendors: dict[str, tuple[str, re.Pattern[str]]] = {}
    for vendor, spec in data["bedrock"]["vendors"].items():
        if spec["provider"] not in providers:
            raise ValueError(f"models.yaml bedrock vendor {vendor}: unknown provider")
        vendors[str(vendor)] = (str(spec["provider"]), re.compile(str(spec["pattern"])))
    hf = data["huggingface"]
    loaders = {
        str(name): Loader(str(name).rsplit(".", 1)[-1], int(spec.get("arg", 0)), spec.get("category"))
        for name, spec in hf["loaders"].items()
    }
    names = sorted({n.rsplit(".", 1)[-1] for n in loaders}, key=len, reverse=True)
    # No look-behind before the names: it would stop the regex engine from
    # scanning for their first letters; the character before is checked apart.
    loader_call = re.compile(r"(" + "|".join(map(re.escape, names)) + r")\s*\(")
    by_short = {loader.name: loader for loader in loaders.values()}
    deployments = {str(k): str(v) for k, v in (data.get("deployments") or {}).items()}
    for provider in [*deployments.values(), *(str(v) for v in hf["orgs"].values())]:
        if provider not in providers:
            raise ValueError(f"models.yaml: unknown provider {provider!r}")
    return ModelCatalog(
        families=re.compile("|".join(alternatives)),
        family_info=info,
        gateways=frozenset(str(g) for g in data["gateways"]),
        deployments=deployments,
        strip_prefixes=tuple(str(p) for p in data.get("strip_prefixes") or ()),
        bedrock_regions=frozenset(str(r) for r in data["bedrock"]["regions"]),
        bedrock_vendors=vendors,
        loaders=by_short,
        loader_call=loader_call,
        keywords=frozenset(str(k) for k in hf["keywords"]),
        config_keys=frozenset(str(k) for k in hf.get("config_keys") or ()),
        not_models=frozenset(str(k) for k in hf["not_models"]),
        orgs={str(k).lower(): str(v) for k, v in hf["orgs"].items()},
        local_dirs=frozenset(str(d).lower() for d in hf.get("local_dirs") or ()),
        prefilter=tuple(re.escape(str(p)) for p in data["prefilter"]),
        hints=re.compile(_trie_regex(sorted({str(h).lower() for h in data["hints"]}))),
    )


def classify(value: str, key: str | None = None, cat: ModelCatalog | None = None) -> ModelRef | None:
    """The model a string literal or config value names, if it names one.

    ``key`` is the name the value is assigned to, when known; a deployment
    behind a routing prefix (``azure/<deployment>``) is only reported under a
    model-like key.
    """
    cat = cat or model_catalog()
    raw = value
    v = value.strip().lower()
    if not 2 <= len(v) <= 200 or v.endswith(_FILE_SUFFIXES):
        return None
    via: list[str] = []
    if v.startswith("ft:"):  # OpenAI fine-tune: ft:<base>:<org>::<id>
        v = v[3:].split(":", 1)[0]
        via.append("fine-tune")
    if v.startswith("arn:aws:bedrock:"):
        v = v.rsplit("/", 1)[-1]
        via.append("bedrock")
    for _ in range(4):
        for prefix in cat.strip_prefixes:
            if v.startswith(prefix):
                v = v[len(prefix) :]
        bedrock = cat.bedrock(v)
        if bedrock is not None:
            model_id, provider = bedrock
            if "bedrock" not in via:
                via.append("bedrock")
            return ModelRef(model_id, raw, provider, "llm-api", "/".join(via))
        family = cat.family(v)
        if family is not None:
            return ModelRef(v, raw, family[0], family[1], "/".join(via) or None)
        head, sep, rest = v.partition("/")
        if not (sep and rest and head in cat.gateways):
            break
        via.append(head)
        v = rest
    if (
        via
        and via[0] in cat.deployments
        and key is not None
        and _MODEL_KEY.search(key)
        and re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,63}", v)
    ):
        return ModelRef(v, raw, cat.deployments[via[0]], "llm-api", "/".join(via))
    return None


# --------------------------------------------------------------------------
# Hugging Face loaders


def _call_segments(text: str, start: int, limit: int = 2000) -> list[tuple[str, int]]:
    """Top-level comma-separated arguments of the call whose ``(`` is at
    ``start - 1``, with their offsets; stops at the closing parenthesis."""
    segments: list[tuple[str, int]] = []
    depth = 0
    quote = ""
    seg_start = start
    i = start
    end = min(len(text), start + limit)
    while i < end:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                segments.append((text[seg_start:i], seg_start))
                return segments
            depth -= 1
        elif ch == "," and depth == 0:
            segments.append((text[seg_start:i], seg_start))
            seg_start = i + 1
        i += 1
    return segments


_ARG = re.compile(r"""\s*(?:(\w+)\s*[=:]\s*)?[rRbBuU]?(["'`])(.*)\2\s*""", re.S)


def _is_hub_id(value: str, cat: ModelCatalog) -> bool:
    if not _HF_ID.fullmatch(value):
        return False
    lowered = value.lower()
    if lowered.endswith(_FILE_SUFFIXES):
        return False
    if "/" in value:
        return value.split("/", 1)[0].lower() not in cat.local_dirs
    # A legacy id without organisation ("gpt2", "bert-base-uncased") has a
    # digit or a hyphen; a bare word is more likely a local directory.
    return lowered not in cat.local_dirs and bool(re.search(r"[\d-]", value))


def _loader_refs(text: str, cat: ModelCatalog) -> list[tuple[int, ModelRef]]:
    out: list[tuple[int, ModelRef]] = []
    if not any(name in text for name in cat.loaders):
        return out  # no loader name at all: the call regex cannot match
    for call in cat.loader_call.finditer(text):
        if call.start() > 0 and (text[call.start() - 1].isalnum() or text[call.start() - 1] in "_$"):
            continue
        loader = cat.loaders[call.group(1)]
        positional: list[tuple[str, int]] = []
        keywords: dict[str, tuple[str, int]] = {}
        for segment, offset in _call_segments(text, call.end()):
            m = _ARG.fullmatch(segment)
            if m is None:
                if segment.strip() and not re.match(r"\s*\w+\s*=", segment):
                    positional.append(("", -1))
                continue
            arg = (m.group(3), offset + m.start(3))
            if m.group(1):
                keywords[m.group(1)] = arg
            else:
                positional.append(arg)
        if keywords.get("repo_type", ("", 0))[0] in cat.not_models:
            continue
        chosen = next((keywords[k] for k in keywords if k in cat.keywords), None)
        if chosen is None and 0 <= loader.arg < len(positional):
            chosen = positional[loader.arg]
        if chosen is None or chosen[1] < 0 or not _is_hub_id(chosen[0], cat):
            continue
        value, offset = chosen
        org = value.split("/", 1)[0].lower() if "/" in value else ""
        provider = cat.orgs.get(org, "huggingface")
        ref = ModelRef(value.lower(), value, provider, loader.category, None, "huggingface", loader.name)
        out.append((offset, ref))
    return out


# --------------------------------------------------------------------------
# Scanning


def model_refs(text: str, *, config: bool, cat: ModelCatalog | None = None) -> list[tuple[int, ModelRef]]:
    """Every model reference in ``text`` as (offset, reference)."""
    cat = cat or model_catalog()
    found = _loader_refs(text, cat)
    taken = {offset for offset, _ in found}
    for m in _QUOTED.finditer(text):
        offset = m.start(2)
        if offset in taken:
            continue
        ref = _reference_at(text, m.group(2), m.start(), cat)
        if ref is not None:
            found.append((offset, ref))
            taken.add(offset)
    extra = [_MODEL_FLAG]
    if config:
        extra.append(_CONFIG_VALUE)
    for pattern in extra:
        for m in pattern.finditer(text):
            offset = m.start(1)
            if offset in taken:
                continue
            ref = _reference_at(text, m.group(1), offset, cat)
            if ref is not None:
                found.append((offset, ref))
                taken.add(offset)
    found.sort(key=lambda t: t[0])
    return found


def _reference_at(text: str, value: str, offset: int, cat: ModelCatalog) -> ModelRef | None:
    """The model a string literal or config value at ``offset`` names."""
    ref = _classify_at(text, value, offset, cat) if cat.hints.search(value.lower()) else None
    if ref is None and value.count("/") == 1 and ":" not in value and _is_hub_id(value, cat):
        key = _key_before(text, offset)
        if key is not None and key.rsplit(".", 1)[-1] in cat.config_keys:
            org = value.split("/", 1)[0].lower()
            ref = ModelRef(value.lower(), value, cat.orgs.get(org, "huggingface"), None, None, "huggingface", None)
    return ref


def _classify_at(text: str, value: str, offset: int, cat: ModelCatalog) -> ModelRef | None:
    """:func:`classify` for a value at ``offset``; the key it is assigned to
    is only looked up for deployment routes, where it decides."""
    ref = classify(value, None, cat)
    if ref is None and value.split("/", 1)[0].lower() in cat.deployments:
        ref = classify(value, _key_before(text, offset), cat)
    return ref


def _key_before(text: str, offset: int) -> str | None:
    window = max(0, offset - 120)
    line_start = text.rfind("\n", window, offset) + 1
    m = _KEY_BEFORE.search(text[max(line_start, window) : offset])
    return m.group(1) if m else None


_HASH_COMMENTS = frozenset(
    [
        ".py",
        ".pyi",
        ".sh",
        ".bash",
        ".zsh",
        ".rb",
        ".r",
        ".yaml",
        ".yml",
        ".toml",
        ".ini",
        ".cfg",
        ".conf",
        ".env",
        ".properties",
    ]
)
_SLASH_COMMENTS = frozenset(
    [
        ".js",
        ".mjs",
        ".cjs",
        ".jsx",
        ".ts",
        ".tsx",
        ".mts",
        ".cts",
        ".vue",
        ".svelte",
        ".go",
        ".java",
        ".kt",
        ".kts",
        ".scala",
        ".groovy",
        ".cs",
        ".rs",
        ".swift",
        ".dart",
        ".c",
        ".cc",
        ".cpp",
        ".h",
        ".hpp",
        ".m",
        ".jsonc",
        ".json5",
        ".gradle",
        ".tf",
        ".tfvars",
        ".hcl",
    ]
)


def _comment_style(name: str) -> tuple[bool, bool] | None:
    """(``//`` and ``/* */`` comments, ``#`` comments) of a file type."""
    lowered = name.lower()
    dot = lowered.rfind(".")
    ext = lowered[dot:] if dot >= 0 else ""
    if ext == ".php" or ext in (".tf", ".tfvars", ".hcl"):
        return True, True
    if ext in _SLASH_COMMENTS:
        return True, False
    if ext in _HASH_COMMENTS or _is_config(name):
        return False, True
    return None


def _is_config(name: str) -> bool:
    lowered = name.lower()
    if lowered in _CONFIG_NAMES or lowered.startswith(".env") or lowered.endswith(".env"):
        return True
    dot = lowered.rfind(".")
    return dot >= 0 and lowered[dot:] in _CONFIG_EXTENSIONS


class ModelReferences(Detector):
    """Hosted model ids (OpenAI, Anthropic, Google, Mistral, Meta, Cohere, xAI,
    DeepSeek, Qwen, Bedrock, gateway forms) and Hugging Face repositories
    passed to loaders, in code, notebooks and configuration."""

    id = "model.reference"
    kinds = frozenset({FindingKind.MODEL})
    prefilter = model_catalog().prefilter

    def wants(self, path: str, name: str) -> bool:
        lowered = name.lower()
        if lowered in _SKIP_NAMES:
            return False
        if _is_config(name):
            return True
        dot = lowered.rfind(".")
        return dot >= 0 and lowered[dot:] in _CODE_EXTENSIONS

    def scan(self, file: FileView) -> Iterable[Finding]:
        text = file.text()
        cat = model_catalog()
        refs: list[tuple[int, ModelRef]] = []
        if file.name.lower().endswith(".ipynb"):
            for cell in code_cells(text):
                in_cell = model_refs(cell.source, config=False, cat=cat)
                if not in_cell:
                    continue
                cell_breaks = _breaks(cell.source)
                comments = comment_spans(
                    cell.source, quotes="\"'", backtick=False, slash_comments=False, hash_comments=True
                )
                refs.extend(
                    (cell.file_line(bisect.bisect_left(cell_breaks, off) + 1), ref)
                    for off, ref in in_cell
                    if not in_spans(comments, off)
                )
        else:
            found = model_refs(text, config=_is_config(file.name), cat=cat)
            style = _comment_style(file.name)
            if found and style is not None:
                comments = comment_spans(
                    text, quotes="\"'", backtick=True, slash_comments=style[0], hash_comments=style[1]
                )
                found = [(off, ref) for off, ref in found if not in_spans(comments, off)]
            breaks = _breaks(text) if found else []
            refs = [(bisect.bisect_left(breaks, off) + 1, ref) for off, ref in found]
        return _findings(self.id, file.path, refs)


def _breaks(text: str) -> list[int]:
    return [m.start() for m in re.finditer("\n", text)]


def _findings(detector_id: str, path: str, refs: Iterable[tuple[int, ModelRef]]) -> list[Finding]:
    seen: set[tuple[int, str]] = set()
    out: list[Finding] = []
    for line, ref in refs:
        if (line, ref.model_id) in seen:
            continue
        seen.add((line, ref.model_id))
        details: dict[str, Any] = {
            "model_id": ref.model_id,
            "raw": ref.raw,
            "hub": ref.hub,
            "loader": ref.loader,
        }
        if ref.via:
            details["via"] = ref.via
        out.append(
            Finding(
                kind=FindingKind.MODEL,
                name=ref.model_id,
                path=path,
                line=line,
                detector=detector_id,
                provider=ref.provider,
                category=ref.category,
                details=details,
            )
        )
    out.sort(key=Finding.sort_key)
    return out
