"""A scanned repository's git configuration never runs.

Each case builds a repository whose own configuration (``.git/config``, a
worktree config, an included file) names a command that writes a marker file.
A control run of plain git proves the marker is written when git obeys the
configuration; then ``aims scan --since``, ``aims check --diff-base``,
``aims check --staged`` and ``aims lint`` run on the repository and no marker may
appear, within a bounded time.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from openaims.cli.main import main
from openaims.discovery import safegit

AIMS = Path(sys.executable).with_name("aims")

#: A command that hangs (a slow fsmonitor): what 'bounded time' is measured against.
HANG_S = 120


def plain_git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """git as a user would run it (obeying the repository's configuration)."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
    }
    return subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=check, timeout=60)


def touch(marker: Path) -> str:
    """A shell command that writes ``marker``."""
    return f"touch {shlex.quote(str(marker))}"


@dataclass(frozen=True)
class Case:
    """One executing configuration: how to plant it, and plain git that obeys it."""

    name: str
    #: Writes the hostile configuration into the repository; gets the marker command.
    plant: Callable[[Path, str], None]
    #: Plain git commands after which the marker exists (the control); ``None``: no cheap control.
    control: tuple[str, ...] | None


def git_config(root: Path, *pairs: tuple[str, str], file: str = ".git/config") -> None:
    for key, value in pairs:
        plain_git(root, "config", "--file", str(root / file), key, value)


def _fsmonitor(root: Path, cmd: str) -> None:
    git_config(root, ("core.fsmonitor", f"{cmd}; echo"))


def _hooks(root: Path, cmd: str) -> None:
    hooks = root / "evil-hooks"
    hooks.mkdir()
    for hook in ("post-index-change", "pre-commit", "post-checkout", "reference-transaction", "pre-auto-gc"):
        script = hooks / hook
        script.write_text(f"#!/bin/sh\n{cmd}\n")
        script.chmod(0o755)
    shutil.copytree(hooks, root / ".git" / "hooks", dirs_exist_ok=True)
    git_config(root, ("core.hooksPath", str(hooks)))


def _clean_filter(root: Path, cmd: str) -> None:
    git_config(root, ("filter.evil.clean", f"{cmd}; cat"), ("filter.evil.required", "true"))


def _process_filter(root: Path, cmd: str) -> None:
    git_config(root, ("filter.evil.process", f"{cmd}; exit 1"))


def _smudge_filter(root: Path, cmd: str) -> None:
    git_config(root, ("filter.evil.smudge", f"{cmd}; cat"))


def _textconv(root: Path, cmd: str) -> None:
    git_config(root, ("diff.evil.textconv", f"{cmd}; cat"))


def _diff_command(root: Path, cmd: str) -> None:
    git_config(root, ("diff.evil.command", f"{cmd}; true"), ("diff.external", f"{cmd}; true"))


def _ssh_command(root: Path, cmd: str) -> None:
    git_config(root, ("core.sshCommand", f"{cmd}; false"), ("remote.origin.url", "ssh://example.invalid/x"))


def _ext_protocol(root: Path, cmd: str) -> None:
    git_config(
        root,
        ("protocol.ext.allow", "always"),
        ("protocol.allow", "always"),
        ("remote.origin.url", "ext::sh -c " + cmd.replace(" ", "% ")),  # '% ' is a space inside an argument
    )


def _pager(root: Path, cmd: str) -> None:
    git_config(root, ("core.pager", f"{cmd}; cat"), ("pager.diff", f"{cmd}; cat"), ("pager.status", f"{cmd}; cat"))


def _askpass(root: Path, cmd: str) -> None:
    git_config(root, ("core.askPass", cmd), ("credential.helper", f"!{cmd}"), ("gpg.program", cmd))
    git_config(root, ("log.showSignature", "true"))


def _include(root: Path, cmd: str) -> None:
    (root / "evil.cfg").write_text(f'[core]\n\tfsmonitor = "{cmd}; echo"\n[filter "evil"]\n\tclean = "{cmd}; cat"\n')
    git_config(root, ("include.path", str(root / "evil.cfg")))


def _include_if(root: Path, cmd: str) -> None:
    (root / "evil.cfg").write_text(f'[core]\n\tfsmonitor = "{cmd}; echo"\n')
    git_config(root, (f"includeIf.gitdir:{root}/.git.path", str(root / "evil.cfg")))


def _worktree_config(root: Path, cmd: str) -> None:
    git_config(root, ("extensions.worktreeConfig", "true"), ("core.repositoryformatversion", "1"))
    git_config(root, ("core.fsmonitor", f"{cmd}; echo"), file=".git/config.worktree")


CASES = [
    Case("fsmonitor", _fsmonitor, ("status",)),
    Case("hooks", _hooks, ("commit", "--allow-empty", "-q", "-m", "control")),
    Case("clean-filter", _clean_filter, ("diff", "--name-only", "HEAD")),
    Case("process-filter", _process_filter, ("diff", "--name-only", "HEAD")),
    Case("smudge-filter", _smudge_filter, ("checkout", "HEAD", "--", "a.txt")),
    Case("textconv", _textconv, ("diff", "HEAD")),
    Case("diff-command", _diff_command, ("diff", "HEAD")),
    Case("ssh-command", _ssh_command, ("ls-remote", "origin")),
    Case("ext-protocol", _ext_protocol, ("ls-remote", "origin")),
    Case("pager", _pager, None),  # git starts a pager only on a terminal
    Case("askpass-credential-gpg", _askpass, None),
    Case("include", _include, ("status",)),
    Case("include-if", _include_if, ("status",)),
    Case("worktree-config", _worktree_config, ("status",)),
]


def hostile_repo(root: Path, case: Case, marker: Path) -> Path:
    """A repository with a committed AI dependency, a changed and a staged file
    under a filter/diff driver attribute, and ``case``'s configuration planted last."""
    root.mkdir()
    plain_git(root, "init", "-q", "-b", "main")
    (root / ".gitattributes").write_text("*.txt filter=evil diff=evil\n")
    (root / "a.txt").write_text("openai\n")
    (root / "requirements.txt").write_text("openai==1.0\n")
    (root / "CLAUDE.md").write_text("# Rules\n")
    plain_git(root, "add", "-A")
    plain_git(root, "commit", "-q", "-m", "base")
    (root / "requirements.txt").write_text("openai==1.0\nanthropic==0.40\n")
    plain_git(root, "add", "requirements.txt")
    (root / "a.txt").write_text("openai\nanthropic\n")
    (root / "new.txt").write_text("cohere\n")
    case.plant(root, touch(marker))
    # Make the work tree's stat data differ from the index, so git must re-read files.
    for name in ("a.txt", "requirements.txt"):
        os.utime(root / name, (time.time() + 5, time.time() + 5))
    return root


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


COMMANDS = {
    "scan --since": ["scan", "{root}", "--since", "HEAD", "--format", "json", "--no-progress", "--jobs", "1"],
    "check --diff-base": ["check", "{root}", "--diff-base", "HEAD", "--format", "json"],
    "check --staged": ["check", "{root}", "--staged", "--format", "json"],
    "lint": ["lint", "{root}", "--format", "json"],
    "check": ["check", "{root}", "--format", "json"],
}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_repository_configuration_never_runs(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "ran"
    if case.control is not None:
        control = hostile_repo(tmp_path / "control", case, marker)
        plain_git(control, *case.control, check=False)
        assert marker.exists(), f"control: plain git did not obey {case.name}; the case proves nothing"
        marker.unlink()
    root = hostile_repo(tmp_path / "repo", case, marker)
    for label, template in COMMANDS.items():
        argv = [part.format(root=root) for part in template]
        started = time.monotonic()
        code, out, err = run_cli(argv, capsys)
        elapsed = time.monotonic() - started
        assert code in (0, 1), f"{label}: exit {code}: {err}"
        assert not marker.exists(), f"{label} ran the repository's {case.name} configuration"
        assert elapsed < 30, f"{label} took {elapsed:.1f}s"
    # The change is still seen through the neutralised configuration.
    _, out, _ = run_cli([part.format(root=root) for part in COMMANDS["scan --since"]], capsys)
    assert '"anthropic"' in out


def test_submodule_configuration_never_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A submodule's own configuration (its fsmonitor) does not run either: git is told
    to ignore submodules, so it never starts in one."""
    marker = tmp_path / "ran"
    inner = tmp_path / "inner"
    inner.mkdir()
    plain_git(inner, "init", "-q", "-b", "main")
    (inner / "a.txt").write_text("a\n")
    plain_git(inner, "add", "-A")
    plain_git(inner, "commit", "-q", "-m", "inner")
    root = tmp_path / "outer"
    root.mkdir()
    plain_git(root, "init", "-q", "-b", "main")
    (root / "requirements.txt").write_text("openai==1.0\n")
    plain_git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "inner")
    plain_git(root, "add", "-A")
    plain_git(root, "commit", "-q", "-m", "outer")
    (root / "inner" / "a.txt").write_text("changed\n")
    (root / "requirements.txt").write_text("openai==1.0\nanthropic==0.40\n")
    plain_git(root / "inner", "config", "core.fsmonitor", f"{touch(marker)}; echo")
    plain_git(root, "status", check=False)
    assert marker.exists(), "control: plain git status did not run the submodule's fsmonitor"
    marker.unlink()
    for label, template in COMMANDS.items():
        code, _, err = run_cli([part.format(root=root) for part in template], capsys)
        assert code in (0, 1), f"{label}: {err}"
        assert not marker.exists(), f"{label} ran the submodule's fsmonitor"


def test_done_when_fsmonitor_and_clean_filter_under_ten_seconds(tmp_path: Path) -> None:
    """The acceptance case, through the installed command: a slow fsmonitor and a clean
    filter that write markers; scan --since and check --diff-base finish in under 10 s."""
    marker = tmp_path / "ran"

    def plant(root: Path, cmd: str) -> None:
        git_config(
            root,
            ("core.fsmonitor", f"{cmd}; sleep {HANG_S}; echo"),
            ("filter.evil.clean", f"{cmd}; sleep {HANG_S}; cat"),
        )

    root = hostile_repo(tmp_path / "repo", Case("both", plant, None), marker)
    for argv in (
        [str(AIMS), "scan", str(root), "--since", "HEAD", "--format", "json", "--no-progress"],
        [str(AIMS), "check", str(root), "--diff-base", "HEAD"],
    ):
        started = time.monotonic()
        done = subprocess.run(argv, capture_output=True, text=True, timeout=HANG_S, check=False)
        elapsed = time.monotonic() - started
        assert done.returncode in (0, 1), done.stderr
        assert elapsed < 10, f"{argv[1]} took {elapsed:.1f}s"
        assert not marker.exists()


def test_configuration_read_from_a_pipe_is_stopped_at_the_time_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An include that reads a FIFO would block git forever: the command is stopped,
    with everything it started, and the user gets a one-line error."""
    root = hostile_repo(tmp_path / "repo", Case("none", lambda r, c: None, None), tmp_path / "ran")
    fifo = root / "cfg.fifo"
    os.mkfifo(fifo)
    git_config(root, ("include.path", str(fifo)))
    monkeypatch.setattr(safegit, "GIT_TIMEOUT_S", 2.0)
    for label in ("scan --since", "check --diff-base"):
        started = time.monotonic()
        code, _, err = run_cli([part.format(root=root) for part in COMMANDS[label]], capsys)
        assert time.monotonic() - started < 20
        assert code == 2
        assert "git took longer than 2s" in err
        assert "Traceback" not in err


def test_user_safe_directory_is_carried_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's own (global) safe.directory entries still apply although global
    configuration is otherwise not read."""
    home = tmp_path / "home"
    home.mkdir()
    global_config = home / ".gitconfig"
    global_config.write_text("[safe]\n\tdirectory = /srv/checkout\n[core]\n\texcludesFile = /srv/ignore\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(global_config))
    safegit._user_settings.cache_clear()
    try:
        carried = safegit._user_settings()
    finally:
        safegit._user_settings.cache_clear()
    assert ("safe.directory", "/srv/checkout") in carried
    assert ("core.excludesFile", "/srv/ignore") in carried


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["filter.lfs.clean", "filter.lfs.required"], [("filter.lfs.clean", ""), ("filter.lfs.required", "false")]),
        (["filter.a.b.process"], [("filter.a.b.process", "")]),
        (["diff.x.textconv", "diff.x.command", "diff.x.binary"], [("diff.x.textconv", ""), ("diff.x.command", "")]),
        (["protocol.ext.allow"], [("protocol.ext.allow", "never")]),
        (["pager.log"], [("pager.log", "false")]),
        (["user.name", "core.bare", "filter.clean"], []),
    ],
)
def test_named_overrides(names: list[str], expected: list[tuple[str, str]]) -> None:
    assert safegit.named_overrides(names) == expected


#: Modules allowed to start processes, and why.
PROCESS_STARTERS = {
    "src/openaims/discovery/safegit.py": "git on a scanned tree, with the repository's executing configuration off",
    "src/openaims/register/backup.py": "pg_dump/pg_restore on the register's own database, never on a scanned tree",
}
_STARTS_PROCESS = re.compile(r"\bimport subprocess\b|\bfrom subprocess\b|\bos\.(?:system|popen|spawn\w*|exec\w*)\(")


def test_only_safegit_starts_processes() -> None:
    """Every git call on a scanned tree goes through safegit: no other module of the
    package starts a process (a new one that must, is added above with its reason)."""
    root = Path(__file__).resolve().parents[3]
    starters = sorted(
        path.relative_to(root).as_posix()
        for path in (root / "src" / "openaims").rglob("*.py")
        if _STARTS_PROCESS.search(path.read_text(encoding="utf-8"))
    )
    assert starters == sorted(PROCESS_STARTERS)
