"""AI in CI pipelines: GitHub Actions workflows and composite actions, GitLab CI,
and (walked generically) Azure Pipelines, CircleCI and Bitbucket Pipelines.

Reported, each at the line where it is written:

* steps that use an AI action (``uses: anthropics/claude-code-action@v1``);
* AI container images: job and service containers, ``docker://`` steps, GitLab
  ``image:`` and ``services:``;
* ``run:`` / ``script:`` lines that call an AI command-line tool or install one;
* jobs that receive AI provider keys through ``env``, ``with``, ``secrets``,
  ``variables`` or ``${{ secrets.X }}`` / ``$X`` references (names only).

What counts as AI is data (``catalog/ci.yaml``). YAML is composed (never
constructed into objects, never executed) so every node keeps its line; the walk
over each job is bounded, which also defuses alias bombs. GitLab ``include:
local:`` files are followed (relative to the repository root, a few levels deep).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePosixPath
from typing import Any

import yaml

from openaims.discovery import catalog, yamlsafe
from openaims.discovery.interface import Detector, FileView, Finding, FindingKind

#: Most YAML nodes visited per job (and per file for the top-level scopes).
MAX_NODES = 50_000
#: GitLab include depth and file count.
MAX_INCLUDE_DEPTH = 3
MAX_INCLUDED_FILES = 20

_GITLAB_RESERVED = frozenset(
    {
        "default",
        "include",
        "stages",
        "variables",
        "workflow",
        "image",
        "services",
        "before_script",
        "after_script",
        "cache",
        "types",
        "spec",
    }
)

_SECRET_REF = re.compile(r"\b(?:secrets|env|vars)\.([A-Za-z_][A-Za-z0-9_]*)")
_VAR_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_SEGMENT_SPLIT = re.compile(r"&&|\|\||[;|&()`]|\$\(")
_PREFIX_WORDS = frozenset({"sudo", "time", "exec", "env", "nohup", "command", "xargs", "then", "do", "else"})
_NPM_RUNNERS = frozenset({"npx", "bunx", "pnpx"})
_INSTALLERS = {
    "npm": ("install", "i", "add", "exec"),
    "pnpm": ("add", "install", "i", "dlx"),
    "yarn": ("add", "dlx"),
    "bun": ("add", "install", "i", "x"),
    "pip": ("install",),
    "pip3": ("install",),
    "pipx": ("install", "run"),
    "uv": ("pip", "tool"),
    "brew": ("install",),
}


@dataclass(frozen=True, slots=True)
class _Entry:
    pattern: str
    provider: str | None
    category: str | None


@dataclass(frozen=True, slots=True)
class _Catalogue:
    actions: tuple[_Entry, ...]
    images: tuple[_Entry, ...]
    commands: dict[str, _Entry]
    packages: dict[str, tuple[str, str | None]]
    keys: dict[str, str]


@cache
def _catalogue() -> _Catalogue:
    data = catalog.load("ci")

    def entries(name: str, key: str) -> tuple[_Entry, ...]:
        return tuple(_Entry(str(e[key]).lower(), e.get("provider"), e.get("category")) for e in data.get(name, ()))

    return _Catalogue(
        actions=entries("actions", "uses"),
        images=entries("images", "image"),
        commands={e.pattern: e for e in entries("commands", "command")},
        packages={str(e["package"]).lower(): (str(e["command"]), e.get("provider")) for e in data.get("packages", ())},
        keys={str(k).upper(): str(v) for k, v in data.get("keys", {}).items()},
    )


# --------------------------------------------------------------------------- YAML nodes


def _scalar(node: yaml.Node | None) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _pairs(node: yaml.Node | None, depth: int = 0) -> list[tuple[yaml.Node, yaml.Node]]:
    """Key/value node pairs of a mapping, with ``<<`` merge keys flattened."""
    if not isinstance(node, yaml.MappingNode) or depth > 10:
        return []
    own: list[tuple[yaml.Node, yaml.Node]] = []
    merged: list[tuple[yaml.Node, yaml.Node]] = []
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "<<":
            sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for source in sources:
                merged.extend(_pairs(source, depth + 1))
        else:
            own.append((key, value))
    names = {_scalar(k) for k, _ in own}
    return own + [(k, v) for k, v in merged if _scalar(k) not in names]


def _get(node: yaml.Node | None, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    for k, v in _pairs(node):
        if _scalar(k) == key:
            return k, v
    return None


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    pair = _get(node, key)
    return pair[1] if pair else None


def _walk(node: yaml.Node, budget: list[int]) -> Iterator[tuple[yaml.Node | None, yaml.Node]]:
    """(key node or None, node) for every node under ``node``, bounded."""
    stack: list[tuple[yaml.Node | None, yaml.Node]] = [(None, node)]
    seen: set[int] = set()
    while stack:
        if budget[0] <= 0:
            return
        budget[0] -= 1
        key, current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield key, current
        if isinstance(current, yaml.MappingNode):
            for k, v in reversed(current.value):
                stack.append((None, k))
                stack.append((k, v))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((None, item) for item in reversed(current.value))


def _scalar_lines(node: yaml.ScalarNode) -> Iterator[tuple[int, str]]:
    """(line number, text) for every line of a scalar's value."""
    first = _line(node) + (1 if node.style in {"|", ">"} else 0)
    for offset, text in enumerate(str(node.value).splitlines()):
        yield first + offset, text


# --------------------------------------------------------------------------- matching


def _match(entries: Iterable[_Entry], value: str) -> _Entry | None:
    lowered = value.lower()
    for entry in entries:
        if fnmatch.fnmatchcase(lowered, entry.pattern):
            return entry
    return None


def split_image(image: str) -> tuple[str, str | None]:
    """(name without tag or digest, tag or digest) of a container image reference."""
    image = image.strip()
    if "@" in image:
        name, _, digest = image.partition("@")
        return name, digest or None
    head, _, last = image.rpartition("/")
    if ":" in last:
        base, _, tag = last.partition(":")
        return (f"{head}/{base}" if head else base), tag or None
    return image, None


def _image_entry(name: str) -> _Entry | None:
    entries = _catalogue().images
    found = _match(entries, name)
    if found is not None:
        return found
    head, sep, rest = name.partition("/")
    if sep and ("." in head or ":" in head or head == "localhost"):
        found = _match(entries, rest)
        if found is None and "/" in rest:  # nvcr.io/nvidia/x -> nvidia/x ; registry/org/team/x -> team/x
            found = _match(entries, rest.split("/", 1)[1])
        return found
    if not sep:  # library images: "ollama" is docker.io/library/ollama
        return _match(entries, f"library/{name}")
    return None


def key_references(text: str) -> list[tuple[str, int]]:
    """(AI provider key name, offset) for every ``${{ secrets.X }}``, ``env.X``,
    ``vars.X``, ``$X`` or ``${X}`` in ``text`` that names an AI provider key."""
    keys = _catalogue().keys
    found: list[tuple[str, int]] = []
    for regex in (_SECRET_REF, _VAR_REF):
        for match in regex.finditer(text):
            name = match.group(1).upper()
            if name in keys:
                found.append((name, match.start()))
    return sorted(found, key=lambda item: item[1])


def key_names(text: str) -> list[str]:
    """AI provider key names referenced in a string, in order, once each."""
    return list(dict.fromkeys(name for name, _ in key_references(text)))


def cli_calls(line: str) -> list[tuple[str, str | None]]:
    """(command, installed package or None) for AI CLIs a shell line runs or installs."""
    cat = _catalogue()
    out: list[tuple[str, str | None]] = []
    for segment in _SEGMENT_SPLIT.split(line):
        words = segment.strip().split()
        while words and (("=" in words[0] and not words[0].startswith("-")) or words[0] in _PREFIX_WORDS):
            words = words[1:]
        if not words:
            continue
        head = words[0].rsplit("/", 1)[-1].lower()
        rest = words[1:]
        if head in _INSTALLERS and rest and rest[0].lower() in _INSTALLERS[head]:
            for word in rest[1:]:
                if word.startswith("-"):
                    continue
                package = _package_name(word)
                if package in cat.packages:
                    command, _provider = cat.packages[package]
                    out.append((command, package))
            continue
        if head in _NPM_RUNNERS or head in {"uvx", "pipx"}:
            args = [w for w in rest if not w.startswith("-") and w != "run"]
            if not args:
                continue
            package = _package_name(args[0])
            if package in cat.packages:
                out.append((cat.packages[package][0], package))
            elif package in cat.commands:
                out.append((package, None))
            continue
        if head in cat.commands:
            out.append((head, None))
    return out


def _package_name(spec: str) -> str:
    spec = spec.strip("'\"").lower()
    if spec.startswith("@"):
        name, _, _ = spec[1:].partition("@")
        return "@" + name
    for sep in ("==", ">=", "<=", "~=", "@", "[", "<", ">"):
        spec = spec.split(sep, 1)[0]
    return spec


# --------------------------------------------------------------------------- findings


@dataclass
class _Job:
    ci: str
    path: str
    job: str
    keys: dict[str, int] = field(default_factory=dict)

    def add_keys(self, names: Iterable[str], line: int) -> None:
        for name in names:
            self.keys.setdefault(name, line)


def _collect_keys(node: yaml.Node, job: _Job) -> None:
    """AI key names a job's YAML mentions: as mapping keys (env, with, secrets,
    variables) or inside strings."""
    keys = _catalogue().keys
    budget = [MAX_NODES]
    for key, current in _walk(node, budget):
        if not isinstance(current, yaml.ScalarNode):
            continue
        text = str(current.value)
        if key is None and text.upper().replace("-", "_") in keys:
            job.add_keys([text.upper().replace("-", "_")], _line(current))
            continue
        if "$" in text or "secrets." in text or "env." in text or "vars." in text:
            first = _line(current) + (1 if current.style in {"|", ">"} else 0)
            for name, offset in key_references(text):
                job.add_keys([name], first + text.count("\n", 0, offset))


class AiCiDetector(Detector):
    """AI actions, images, CLIs and AI provider keys in CI pipelines."""

    id = "ai-workflow.ci"
    kinds = frozenset({FindingKind.AI_WORKFLOW})

    def wants(self, path: str, name: str) -> bool:
        return _github_kind(path, name) is not None or _is_gitlab(name) or _other_ci(path, name) is not None

    def scan(self, file: FileView) -> Iterable[Finding]:
        kind = _github_kind(file.path, file.name)
        if kind is not None:
            root = _compose(file.text())
            if root is None:
                return []
            return _sorted(_GitHub(self.id, file.path).scan(root, composite=kind == "action"))
        if _is_gitlab(file.name):
            return _sorted(_GitLab(self.id, file).scan())
        other = _other_ci(file.path, file.name)
        if other is not None:
            root = _compose(file.text())
            if root is None:
                return []
            return _sorted(_OtherCi(self.id, file.path, other).scan(root))
        return []


def _sorted(findings: Iterable[Finding]) -> list[Finding]:
    unique: dict[tuple[Any, ...], Finding] = {}
    for finding in findings:
        unique.setdefault((finding.path, finding.line, finding.name, finding.details.get("job")), finding)
    return sorted(unique.values(), key=Finding.sort_key)


def _github_kind(path: str, name: str) -> str | None:
    if name.endswith((".yml", ".yaml")):
        parent = PurePosixPath(path).parent
        if parent.name == "workflows" and parent.parent.name == ".github":
            return "workflow"
        if name in {"action.yml", "action.yaml"}:
            return "action"
    return None


def _is_gitlab(name: str) -> bool:
    return name == ".gitlab-ci.yml" or name.endswith(".gitlab-ci.yml")


def _other_ci(path: str, name: str) -> str | None:
    """Azure Pipelines, CircleCI and Bitbucket Pipelines files."""
    if name in {"azure-pipelines.yml", "azure-pipelines.yaml"}:
        return "azure-pipelines"
    if name == "bitbucket-pipelines.yml":
        return "bitbucket-pipelines"
    if name in {"config.yml", "config.yaml"} and PurePosixPath(path).parent.name == ".circleci":
        return "circleci"
    return None


def _compose(text: str) -> yaml.Node | None:
    return yamlsafe.compose(text)


class _Emitter:
    ci: str

    def __init__(self, detector: str, path: str) -> None:
        self.detector = detector
        self.path = path
        #: (path, job, command) already reported: one finding per CLI and job,
        #: at its first line (installing then running it is one use).
        self._cli_seen: set[tuple[str, str, str]] = set()

    def finding(
        self,
        name: str,
        line: int,
        job: str,
        *,
        uses: str | None = None,
        image: str | None = None,
        command: str | None = None,
        package: str | None = None,
        secrets: Iterable[str] = (),
        provider: str | None = None,
        category: str | None = None,
        version: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Finding:
        details: dict[str, Any] = {
            "ci": self.ci,
            "job": job,
            "uses": uses,
            "image": image,
            "secrets": list(secrets),
        }
        if command is not None:
            details["command"] = command
        if package is not None:
            details["package"] = package
        if extra:
            details.update(extra)
        return Finding(
            kind=FindingKind.AI_WORKFLOW,
            name=name,
            path=self.path,
            line=line,
            detector=self.detector,
            version=version,
            provider=provider,
            category=category,
            details=details,
        )

    def image(self, node: yaml.Node, job: str, role: str) -> Iterator[Finding]:
        ref_node = node
        if isinstance(node, yaml.MappingNode):
            ref_node = _value(node, "image") or _value(node, "name") or node
        ref = _scalar(ref_node)
        if not ref or "${{" in ref:
            return
        name, tag = split_image(ref.removeprefix("docker://"))
        entry = _image_entry(name)
        if entry is None:
            return
        yield self.finding(
            name,
            _line(ref_node),
            job,
            image=ref,
            provider=entry.provider,
            category=entry.category,
            version=tag,
            extra={"role": role},
        )

    def scripts(self, node: yaml.Node, job: str) -> Iterator[Finding]:
        cat = _catalogue()
        budget = [MAX_NODES]
        for _key, current in _walk(node, budget):
            if not isinstance(current, yaml.ScalarNode):
                continue
            for line, text in _scalar_lines(current):
                for command, package in cli_calls(text):
                    if (self.path, job, command) in self._cli_seen:
                        continue
                    self._cli_seen.add((self.path, job, command))
                    entry = cat.commands.get(command)
                    provider = entry.provider if entry else None
                    if package is not None:
                        provider = cat.packages[package][1] or provider
                    yield self.finding(
                        command,
                        line,
                        job,
                        command=command,
                        package=package,
                        provider=provider,
                        category=entry.category if entry else "coding-assistant",
                    )

    def key_finding(self, job: _Job, label: str) -> Iterator[Finding]:
        if not job.keys:
            return
        keys = _catalogue().keys
        names = list(job.keys)
        providers = sorted({keys[n] for n in names})
        yield self.finding(
            label,
            min(job.keys.values()),
            job.job,
            secrets=names,
            provider=keys[names[0]],
            extra={"providers": providers},
        )


class _GitHub(_Emitter):
    ci = "github-actions"

    def scan(self, root: yaml.Node, *, composite: bool) -> Iterator[Finding]:
        if composite:
            runs = _value(root, "runs")
            steps = _value(runs, "steps")
            job = _Job(self.ci, self.path, "action")
            if steps is not None:
                yield from self._steps(steps, job)
                _collect_keys(steps, job)
            yield from self.key_finding(job, "AI provider key in composite action")
            return
        workflow_env = _value(root, "env")
        if workflow_env is not None:
            scope = _Job(self.ci, self.path, "(workflow)")
            _collect_keys(workflow_env, scope)
            yield from self.key_finding(scope, "AI provider key in workflow env")
        for job_key, job_node in _pairs(_value(root, "jobs")):
            name = _scalar(job_key) or "?"
            job = _Job(self.ci, self.path, name)
            uses = _get(job_node, "uses")  # reusable workflow
            if uses is not None:
                yield from self._uses(uses, job, job_node)
            container = _value(job_node, "container")
            if container is not None:
                yield from self.image(container, name, "container")
            for _service_key, service in _pairs(_value(job_node, "services")):
                yield from self.image(service, name, "service")
            steps = _value(job_node, "steps")
            if steps is not None:
                yield from self._steps(steps, job)
            _collect_keys(job_node, job)
            yield from self.key_finding(job, f"AI provider key in job {name}")

    def _steps(self, steps: yaml.Node, job: _Job) -> Iterator[Finding]:
        if not isinstance(steps, yaml.SequenceNode):
            return
        for step in steps.value:
            uses = _get(step, "uses")
            if uses is not None:
                yield from self._uses(uses, job, step)
            run = _value(step, "run")
            if run is not None:
                yield from self.scripts(run, job.job)

    def _uses(self, pair: tuple[yaml.Node, yaml.Node], job: _Job, owner: yaml.Node) -> Iterator[Finding]:
        key, value = pair
        uses = _scalar(value)
        if not uses or uses.startswith("./"):
            return
        if uses.startswith("docker://"):
            yield from self.image(value, job.job, "step")
            return
        bare, _, ref = uses.partition("@")
        entry = _match(_catalogue().actions, bare)
        if entry is None:
            return
        step_keys = _Job(self.ci, self.path, job.job)
        _collect_keys(owner, step_keys)
        step_name = _scalar(_value(owner, "name"))
        yield self.finding(
            bare,
            _line(key),
            job.job,
            uses=uses,
            secrets=list(step_keys.keys),
            provider=entry.provider,
            category=entry.category,
            version=ref or None,
            extra={"step": step_name} if step_name else None,
        )


class _GitLab(_Emitter):
    ci = "gitlab-ci"

    def __init__(self, detector: str, file: FileView) -> None:
        super().__init__(detector, file.path)
        self.file = file
        self.root_prefix = "../" * file.path.count("/")

    def scan(self) -> Iterator[Finding]:
        seen = {self.file.path}
        queue: list[tuple[str, str, int]] = [(self.file.path, self.file.text(), 0)]
        while queue:
            path, text, depth = queue.pop(0)
            root = _compose(text)
            if root is None:
                continue
            self.path = path
            yield from self._document(root)
            if depth >= MAX_INCLUDE_DEPTH:
                continue
            for include in self._includes(root):
                if include in seen or len(seen) >= MAX_INCLUDED_FILES:
                    continue
                seen.add(include)
                content = self.file.read_relative(self.root_prefix + include)
                if content is not None:
                    queue.append((include, content, depth + 1))

    def _includes(self, root: yaml.Node) -> list[str]:
        node = _value(root, "include")
        items = node.value if isinstance(node, yaml.SequenceNode) else [node] if node is not None else []
        out: list[str] = []
        for item in items:
            local = _scalar(item) if isinstance(item, yaml.ScalarNode) else _scalar(_value(item, "local"))
            if not local or "://" in local or "*" in local or "$" in local:
                continue
            normal = PurePosixPath(local.lstrip("/"))
            if ".." in normal.parts:
                continue
            out.append(str(normal))
        return out

    def _document(self, root: yaml.Node) -> Iterator[Finding]:
        default = _value(root, "default")
        for scope_name, scope in (("(default)", default), ("(global)", root)):
            if scope is None:
                continue
            image = _value(scope, "image")
            if image is not None:
                yield from self.image(image, scope_name, "image")
            yield from self._services(scope, scope_name)
            for key in ("before_script", "after_script"):
                script = _value(scope, key)
                if script is not None:
                    yield from self.scripts(script, scope_name)
        variables = _value(root, "variables")
        if variables is not None:
            scope_job = _Job(self.ci, self.path, "(global)")
            _collect_keys(variables, scope_job)
            yield from self.key_finding(scope_job, "AI provider key in pipeline variables")
        for job_key, job_node in _pairs(root):
            name = _scalar(job_key)
            if not name or name in _GITLAB_RESERVED or not isinstance(job_node, yaml.MappingNode):
                continue
            job = _Job(self.ci, self.path, name)
            image = _value(job_node, "image")
            if image is not None:
                yield from self.image(image, name, "image")
            yield from self._services(job_node, name)
            for key in ("script", "before_script", "after_script"):
                script = _value(job_node, key)
                if script is not None:
                    yield from self.scripts(script, name)
            _collect_keys(job_node, job)
            yield from self.key_finding(job, f"AI provider key in job {name}")

    def _services(self, scope: yaml.Node, name: str) -> Iterator[Finding]:
        services = _value(scope, "services")
        if isinstance(services, yaml.SequenceNode):
            for service in services.value:
                yield from self.image(service, name, "service")


#: Keys whose value is shell script in Azure Pipelines, CircleCI and Bitbucket.
_SCRIPT_KEYS = frozenset(
    {
        "script",
        "run",
        "command",
        "bash",
        "sh",
        "pwsh",
        "powershell",
        "inlineScript",
        "before_script",
        "after_script",
    }
)


class _OtherCi(_Emitter):
    """Azure Pipelines, CircleCI and Bitbucket Pipelines, walked generically:
    ``image`` values, script lines and AI key references, grouped by job (an
    Azure ``job``/``deployment``, a CircleCI ``jobs`` entry, a Bitbucket ``step``)."""

    def __init__(self, detector: str, path: str, ci: str) -> None:
        super().__init__(detector, path)
        self.ci = ci

    def scan(self, root: yaml.Node) -> Iterator[Finding]:
        jobs: dict[str, _Job] = {}
        budget = MAX_NODES * 4
        stack: list[tuple[yaml.Node, str, str | None]] = [(root, "(pipeline)", None)]
        seen: set[int] = set()
        while stack and budget > 0:
            budget -= 1
            node, job_name, parent_key = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, yaml.ScalarNode):
                if parent_key in _SCRIPT_KEYS:
                    yield from self.scripts(node, job_name)
                job = jobs.setdefault(job_name, _Job(self.ci, self.path, job_name))
                text = str(node.value)
                named = text.upper().replace("-", "_")
                if parent_key in {None, "name"} and named in _catalogue().keys:
                    job.add_keys([named], _line(node))
                elif "$" in text or "secrets." in text:
                    for name, offset in key_references(text):
                        job.add_keys([name], _line(node) + text.count("\n", 0, offset))
                continue
            if isinstance(node, yaml.SequenceNode):
                stack.extend((item, job_name, parent_key) for item in reversed(node.value))
                continue
            if not isinstance(node, yaml.MappingNode):
                continue
            job_name = self._job_name(node, job_name, parent_key)
            for key, value in reversed(_pairs(node)):
                key_name = _scalar(key)
                if key_name in {"image", "container"} and not isinstance(value, yaml.SequenceNode):
                    yield from self.image(value, job_name, key_name)
                    continue
                circleci_job = self.ci == "circleci" and parent_key == "jobs" and key_name
                child_job = key_name if circleci_job and key_name else job_name
                stack.append((key, child_job, None))
                stack.append((value, child_job, key_name))
        for job in jobs.values():
            yield from self.key_finding(job, f"AI provider key in job {job.job}")

    def _job_name(self, node: yaml.Node, current: str, parent_key: str | None) -> str:
        for key in ("job", "deployment"):
            value = _scalar(_value(node, key))
            if value:
                return value
        if parent_key == "step":
            return _scalar(_value(node, "name")) or "step"
        return current
