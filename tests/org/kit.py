"""Git repositories for the organisation-scan tests, made with plain git (nothing here is scanned code)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}

#: Varied AI use: OpenAI, Anthropic, none, an MCP server, a model reference.
VARIANTS: list[dict[str, str]] = [
    {"requirements.txt": "openai==1.30.0\nrequests\n", "app.py": "import openai\nclient = openai.OpenAI()\n"},
    {"requirements.txt": "anthropic>=0.25\n", "bot.py": "import anthropic\n"},
    {"main.py": "print('no AI here')\n", "README.md": "# A plain service\n"},
    {"package.json": '{"name": "web", "dependencies": {"openai": "^4.0.0"}}\n',
     ".mcp.json": '{"mcpServers": {"github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"]}}}\n'},
    {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["transformers>=4.40", "torch"]\n',
     "train.py": "from transformers import AutoModel\nAutoModel.from_pretrained('bert-base-uncased')\n"},
]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def write(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def make_repo(path: Path, files: dict[str, str], *, bare_copy: Path | None = None) -> str:
    """A repository with one commit of ``files``; returns the commit."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    write(path, files)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "initial")
    if bare_copy is not None:
        git(path.parent, "clone", "-q", "--bare", str(path), str(bare_copy))
    return git(path, "rev-parse", "HEAD")


def commit(path: Path, files: dict[str, str], *, remove: tuple[str, ...] = (), message: str = "change") -> str:
    write(path, files)
    for name in remove:
        (path / name).unlink()
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", message)
    return git(path, "rev-parse", "HEAD")


def checkouts(root: Path, count: int) -> list[Path]:
    """``count`` checkouts under ``root``, cycling through :data:`VARIANTS`."""
    out = []
    for index in range(count):
        path = root / f"service-{index:02d}"
        make_repo(path, VARIANTS[index % len(VARIANTS)])
        out.append(path)
    return out


ORG_POLICY = "version: 1\nproviders:\n  prohibited: [anthropic]\n"
