"""RubyGems: Gemfile (groups, git/github/path sources), Gemfile.lock (specs of
every source, direct when listed under DEPENDENCIES) and *.gemspec."""

from __future__ import annotations

import re

from openaims.discovery.manifests import Declared

MAX_LINE = 8192  # longer lines are not manifest lines; skipping them bounds regex work
_GEM = re.compile(r"""^\s*gem\s*\(?\s*(['"])([A-Za-z0-9_.-]+)\1(.*)$""")
_STRING = re.compile(r"""(['"])([^'"]*)\1""")
_OPT = re.compile(r"""(?::(\w+)\s*=>|\b(\w+):)\s*(\[[^\]]*\]|:?['"]?[\w./:@~+-]+['"]?)""")
_BLOCK = re.compile(r"^\s*(group|platforms?|source|install_if|path|git|github|env)\b(.*?)\bdo\b\s*(\|.*\|)?\s*$")
_DO = re.compile(r"\bdo\b\s*(\|[^|]*\|)?\s*$")
_SYMBOLS = re.compile(r""":(\w+)|['"](\w+)['"]""")
_DEV_GROUPS = {"development", "dev"}
_TEST_GROUPS = {"test", "tests"}


def _scope(groups: list[str]) -> str:
    if not groups or "default" in groups:
        return "main"
    if set(groups) & _DEV_GROUPS:
        return "dev"
    if set(groups) & _TEST_GROUPS:
        return "test"
    return f"group:{groups[0]}"


def _strip_comment(line: str) -> str:
    out: list[str] = []
    quote = ""
    for char in line:
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#":
            break
        out.append(char)
    return "".join(out)


def parse_gemfile(text: str) -> list[Declared]:
    """``gem`` lines of a Gemfile with their group scope and source."""
    out: list[Declared] = []
    stack: list[list[str] | None] = []
    for index, raw in enumerate(text.splitlines()):
        if len(raw) > MAX_LINE:
            continue
        line = re.sub(r"\s+", " ", _strip_comment(raw))
        if not line.strip():
            continue
        block = _BLOCK.match(line)
        if block:
            if block.group(1) == "group":
                stack.append([a or b for a, b in _SYMBOLS.findall(block.group(2))])
            else:
                stack.append(None)
            continue
        if re.match(r"^\s*end\b", line):
            if stack:
                stack.pop()
            continue
        gem = _GEM.match(line)
        if gem is None:
            if _DO.search(line):
                stack.append(None)
            continue
        rest = gem.group(3)
        options: dict[str, str] = {}
        for sym, word, value in _OPT.findall(rest):
            options[sym or word] = value.strip("'\":")
        positional = rest.split(":", 1)[0] if not options else rest[: min(_first_option(rest), len(rest))]
        versions = [v for _, v in _STRING.findall(positional) if v]
        groups = [g for frame in stack if frame for g in frame]
        if "group" in options or "groups" in options:
            groups += [a or b for a, b in _SYMBOLS.findall(rest.split("group", 1)[1])]
        source = None
        for key in ("git", "github", "path"):
            if key in options:
                source = options[key] if key != "github" else f"https://github.com/{options[key]}"
                break
        declared = ", ".join(versions) or None
        out.append(
            Declared(
                name=gem.group(2),
                line=index + 1,
                declared=declared,
                resolved=_exact(versions),
                scope=_scope(groups),
                source_url=source,
            )
        )
        if _DO.search(line):
            stack.append(None)
    return out


def _first_option(rest: str) -> int:
    match = re.search(r"(?::\w+\s*=>|\b\w+:\s)", rest)
    return match.start() if match else len(rest)


def _exact(versions: list[str]) -> str | None:
    if len(versions) == 1:
        match = re.fullmatch(r"\s*=?\s*([0-9][0-9A-Za-z.]*)\s*", versions[0])
        if match:
            return match.group(1)
    return None


def parse_gemfile_lock(text: str) -> list[Declared]:
    """Every resolved gem of a Gemfile.lock (GEM, GIT and PATH specs)."""
    direct: dict[str, str | None] = {}
    section = ""
    for raw in text.splitlines():
        if len(raw) > MAX_LINE:
            continue
        if raw and not raw.startswith(" "):
            section = raw.strip()
            continue
        if section == "DEPENDENCIES":
            match = re.match(r"^  ([A-Za-z0-9_.-]+)!?(?: \(([^)]*)\))?\s*$", raw)
            if match:
                direct[match.group(1)] = match.group(2)
    out: list[Declared] = []
    section = ""
    remote: str | None = None
    for index, raw in enumerate(text.splitlines()):
        if len(raw) > MAX_LINE:
            continue
        if raw and not raw.startswith(" "):
            section = raw.strip()
            remote = None
            continue
        if section not in ("GEM", "GIT", "PATH") and not section.startswith("PLUGIN"):
            continue
        remote_match = re.match(r"^  remote: (\S+)", raw)
        if remote_match:
            remote = remote_match.group(1)
            continue
        match = re.match(r"^    ([A-Za-z0-9_.-]+) \(([^)]+)\)\s*$", raw)
        if not match:
            continue
        name, version = match.group(1), match.group(2)
        version = re.sub(r"-(x86|x64|arm|aarch|universal|java|mingw|mswin|darwin|linux|ruby).*$", "", version)
        out.append(
            Declared(
                name=name,
                line=index + 1,
                declared=direct.get(name),
                resolved=version,
                direct=name in direct,
                source_url=remote if section in ("GIT", "PATH") else None,
            )
        )
    return out


_GEMSPEC_DEP = re.compile(r"""^\s*\w+\.add_(runtime_|development_)?dependency\s*\(?\s*(['"])([A-Za-z0-9_.-]+)\2(.*)$""")


def parse_gemspec(text: str) -> list[Declared]:
    """``add_dependency`` / ``add_runtime_dependency`` / ``add_development_dependency`` of a gemspec."""
    out: list[Declared] = []
    for index, raw in enumerate(text.splitlines()):
        if len(raw) > MAX_LINE:
            continue
        match = _GEMSPEC_DEP.match(_strip_comment(raw))
        if not match:
            continue
        versions = [v for _, v in _STRING.findall(match.group(4)) if v]
        out.append(
            Declared(
                name=match.group(3),
                line=index + 1,
                declared=", ".join(versions) or None,
                resolved=_exact(versions),
                scope="dev" if match.group(1) == "development_" else "main",
            )
        )
    return out
