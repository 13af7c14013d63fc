"""Git on an untrusted repository, without running anything the repository configures.

A scanned repository's ``.git/config`` (and whatever it includes) can name
commands that git runs on its own: an fsmonitor hook, clean/smudge/process
filters, textconv and external diff drivers, hooks, pagers, ssh commands,
credential helpers, ``ext::`` transports. Every git command OpenAIMS runs on a
scanned tree goes through :func:`run` so that none of them can run:

* the system and global configuration files are not read (``GIT_CONFIG_NOSYSTEM``,
  ``GIT_CONFIG_GLOBAL=/dev/null``; the user's ``safe.directory`` and
  ``core.excludesFile`` are carried over);
* every key that names a command is overridden at command-line scope, which
  outranks the repository's own files. Fixed keys (``core.fsmonitor``,
  ``core.hooksPath``...) are always overridden; keys whose names the repository
  chooses (``filter.<driver>.clean``, ``diff.<driver>.textconv``,
  ``protocol.<name>.allow``, ``pager.<command>``...) are first listed with
  ``git config --list`` (which only reads configuration) and each one found is
  overridden;
* diff commands get ``--no-ext-diff --no-textconv``, pagers are off, nothing
  reads the terminal, optional index writes are off;
* each command runs in its own process group and is killed, with everything it
  started, when it takes longer than :data:`GIT_TIMEOUT_S`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from openaims.errors import UsageError

#: A git command that takes longer than this (seconds) is stopped.
GIT_TIMEOUT_S: float = 120.0

#: Configuration that can make git run a command, always overridden.
FIXED_OVERRIDES: Final[tuple[tuple[str, str], ...]] = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", "/dev/null"),
    ("core.sshCommand", "false"),
    ("core.askPass", ""),
    ("core.pager", "cat"),
    ("core.editor", "false"),
    ("sequence.editor", "false"),
    ("core.alternateRefsCommand", ""),
    ("core.attributesFile", "/dev/null"),
    ("core.untrackedCache", "false"),
    ("core.gitProxy", ""),
    ("credential.helper", ""),
    ("diff.external", ""),
    ("diff.ignoreSubmodules", "all"),
    ("submodule.recurse", "false"),
    ("fetch.recurseSubmodules", "false"),
    ("log.showSignature", "false"),
    ("gpg.program", "false"),
    ("protocol.allow", "never"),
    ("protocol.ext.allow", "never"),
    ("protocol.file.allow", "never"),
    ("protocol.git.allow", "never"),
    ("protocol.ssh.allow", "never"),
    ("protocol.http.allow", "never"),
    ("protocol.https.allow", "never"),
    ("safe.bareRepository", "explicit"),
    ("core.quotepath", "off"),
)

#: ``(section, variable)`` of keys with a name chosen by the repository
#: (``section.<name>.variable``) that name a command or allow a transport, and
#: the value that turns each off. ``pager.<command>`` has no variable part.
NAMED_OVERRIDES: Final[Mapping[tuple[str, str], str]] = {
    ("filter", "clean"): "",
    ("filter", "smudge"): "",
    ("filter", "process"): "",
    ("filter", "required"): "false",
    ("diff", "textconv"): "",
    ("diff", "command"): "",
    ("merge", "driver"): "",
    ("difftool", "cmd"): "",
    ("mergetool", "cmd"): "",
    ("credential", "helper"): "",
    ("gpg", "program"): "false",
    ("protocol", "allow"): "never",
    ("remote", "vcs"): "",
    ("remote", "uploadpack"): "",
    ("remote", "receivepack"): "",
    ("remote", "proxy"): "",
    ("http", "proxy"): "",
}

#: Environment variables that name a command or change what git reads; dropped.
_DROPPED_ENV: Final = (
    "GIT_EXTERNAL_DIFF",
    "GIT_PAGER",
    "PAGER",
    "GIT_EDITOR",
    "GIT_SEQUENCE_EDITOR",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_ASKPASS",
    "SSH_ASKPASS",
    "GIT_PROXY_COMMAND",
    "GIT_CONFIG",
    "GIT_CONFIG_SYSTEM",
    "GIT_ATTR_SOURCE",
    "GIT_TRACE",
    "GIT_TRACE2",
    "GIT_TRACE2_EVENT",
    "GIT_TRACE2_PERF",
)

_FIXED_ENV: Final = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_ATTR_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_NO_REPLACE_OBJECTS": "1",
    "GIT_PROTOCOL_FROM_USER": "0",
    "GIT_ALLOW_PROTOCOL": "",
    "LC_ALL": "C",
}

#: Subcommands that compare contents: they get ``--no-ext-diff --no-textconv``.
_DIFF_COMMANDS: Final = frozenset({"diff", "diff-files", "diff-index", "diff-tree", "log", "show"})


class GitError(UsageError):
    """Git failed, timed out or is missing."""


@dataclass(frozen=True, slots=True)
class GitResult:
    """What a git command returned."""

    returncode: int
    stdout: bytes
    stderr: bytes

    def message(self) -> str:
        """The last line git wrote to stderr (or the exit code)."""
        lines = self.stderr.decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else f"exit code {self.returncode}"


def _executable() -> str:
    from shutil import which

    git = which("git")
    if git is None:
        raise GitError("this needs git, which is not installed or not on PATH")
    return git


@functools.cache
def _user_settings() -> tuple[tuple[str, str], ...]:
    """The user's own ``safe.directory`` entries and ``core.excludesFile`` (system and
    global configuration), carried over although those files are not read."""
    carried: list[tuple[str, str]] = []
    for scope in ("--system", "--global"):
        for key in ("safe.directory", "core.excludesFile"):
            try:
                done = subprocess.run(
                    [_executable(), "config", scope, "--includes", "-z", "--get-all", key],
                    capture_output=True,
                    stdin=subprocess.DEVNULL,
                    timeout=10,
                    check=False,
                    env=_user_env(),
                    cwd=os.path.abspath(os.sep),
                )
            except (OSError, subprocess.TimeoutExpired):
                continue
            if done.returncode == 0:
                values = [v.decode("utf-8", "surrogateescape") for v in done.stdout.split(b"\0") if v]
                carried.extend((key, value) for value in values)
    return tuple(carried)


def _user_env() -> dict[str, str]:
    """The environment minus git's repository and command-line variables: where the user's
    own configuration files are is kept."""
    kept = {"GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in kept}
    env["LC_ALL"] = "C"
    return env


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update(_FIXED_ENV)
    return env


def _with_overrides(env: dict[str, str], overrides: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``env`` with ``overrides`` appended as command-line configuration (``GIT_CONFIG_COUNT``)."""
    try:
        count = int(env.get("GIT_CONFIG_COUNT", "0") or "0")
    except ValueError:
        count = 0
    out = dict(env)
    for key, value in overrides:
        out[f"GIT_CONFIG_KEY_{count}"] = key
        out[f"GIT_CONFIG_VALUE_{count}"] = value
        count += 1
    out["GIT_CONFIG_COUNT"] = str(count)
    return out


def named_overrides(names: Iterable[str]) -> list[tuple[str, str]]:
    """Overrides for the configured keys among ``names`` that name a command."""
    out: list[tuple[str, str]] = []
    for name in names:
        section, dot, rest = name.partition(".")
        if not dot:
            continue
        section = section.lower()
        if section == "pager":  # pager.<command>
            out.append((name, "false"))
            continue
        sub, dot, variable = rest.rpartition(".")
        if not dot or not sub:
            continue
        value = NAMED_OVERRIDES.get((section, variable.lower()))
        if value is not None:
            out.append((name, value))
    return out


def _spawn(argv: Sequence[str], cwd: Path, env: Mapping[str, str], input_bytes: bytes | None) -> GitResult:
    """Run ``argv`` in its own process group; kill the group at the time limit."""
    try:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise GitError(f"cannot run git in {cwd}: {exc.strerror}") from None
    try:
        stdout, stderr = process.communicate(input=input_bytes, timeout=GIT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise GitError(
            f"git took longer than {GIT_TIMEOUT_S:g}s in {cwd} and was stopped "
            "(is the repository very large, or does its configuration read a pipe?)"
        ) from None
    except BaseException:
        _kill_group(process)
        raise
    return GitResult(process.returncode, stdout, stderr)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.kill()
    process.communicate()


def environment(root: Path) -> dict[str, str]:
    """The environment every git command on ``root`` runs with (overrides included)."""
    git = _executable()
    env = _with_overrides(_base_env(), [*_user_settings(), *FIXED_OVERRIDES])
    listed = _spawn([git, "--no-pager", "config", "--list", "--name-only", "-z"], root, env, None)
    if listed.returncode != 0:
        raise GitError(f"git cannot read the configuration in {root}: {listed.message()}")
    fixed = {key.lower() for key, _ in FIXED_OVERRIDES}
    names = {n.decode("utf-8", "surrogateescape") for n in listed.stdout.split(b"\0") if n}
    names = {name for name in names if name.lower() not in fixed}
    return _with_overrides(env, named_overrides(sorted(names)))


def run(root: Path | str, *args: str, input_bytes: bytes | None = None) -> GitResult:
    """Run ``git ARGS`` in ``root`` with the repository's executing configuration off.

    Returns the exit code and output (a failing command is not an exception);
    raises :class:`GitError` when git is missing or exceeds :data:`GIT_TIMEOUT_S`.
    """
    root = Path(root)
    if not args:
        raise ValueError("no git subcommand")
    command = list(args)
    if command[0] in _DIFF_COMMANDS:
        command[1:1] = ["--no-ext-diff", "--no-textconv"]
    return _spawn([_executable(), "--no-pager", *command], root, environment(root), input_bytes)


#: Transports a fetch of a repository to scan may use: never ``ext::`` (runs a command) nor ssh.
FETCH_PROTOCOLS: Final = ("https", "http", "git", "file")


def run_remote(
    root: Path | str,
    *args: str,
    config: Iterable[tuple[str, str]] = (),
    protocols: Sequence[str] = FETCH_PROTOCOLS,
) -> GitResult:
    """Run a git command that reaches a remote (``fetch``, ``ls-remote``) in ``root``.

    The same protections as :func:`run`, with only ``protocols`` allowed as transports;
    ``config`` adds command-line settings (an authorisation header), passed in the
    environment of the git process only, so no command line or log shows them.
    """
    root = Path(root)
    if not args:
        raise ValueError("no git subcommand")
    unknown = set(protocols) - set(FETCH_PROTOCOLS)
    if unknown:
        raise ValueError(f"transports not allowed for fetching: {sorted(unknown)}")
    env = environment(root)
    env["GIT_ALLOW_PROTOCOL"] = ":".join(protocols)
    allowed = [(f"protocol.{name}.allow", "always") for name in protocols]
    env = _with_overrides(env, [*allowed, *config])
    return _spawn([_executable(), "--no-pager", *args], root, env, None)
