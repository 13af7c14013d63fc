"""Organisation scan at scale: N local git repositories, a full run, then an incremental one.

Generates N repositories (default 1,000) as local git checkouts. Each is built from real
source trees (Python files of packages installed in this environment, a different slice per
repository) plus one of several kinds of AI use (OpenAI, Anthropic, a local transformers
model, LangChain with a vector store, an MCP server configuration, a TypeScript client of
OpenAI, or none at all). Then, as a user would, on a fresh SQLite register with no services:

    aims org source add --dir DIR
    aims org scan --all --workers W      (for each W of --workers)
    (commit a change to --changed-pct of the repositories)
    aims org scan --changed --workers W  (the largest W)

and prints the wall time of each run, repositories per minute, the speed-up over one worker
and the ratio of the incremental run to the full one (the target: under a tenth).

    .venv/bin/python benchmarks/org.py                          # 1,000 repositories, 1, 2 and 4 workers
    .venv/bin/python benchmarks/org.py --repos 200 --workers 2  # quicker
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

AIMS = Path(sys.executable).with_name("aims")
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.org",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}

#: Kinds of AI use, one per repository in turn (the last ones use no AI at all).
AI_USE: list[dict[str, str]] = [
    {"requirements.txt": "openai==1.30.0\nhttpx>=0.27\npydantic>=2\n",
     "service/llm.py": "import openai\n\nclient = openai.OpenAI()\n\n\ndef summarise(text: str) -> str:\n"
                       "    reply = client.chat.completions.create(model='gpt-4o-mini', messages=[{'role': 'user',"
                       " 'content': text}])\n    return reply.choices[0].message.content or ''\n"},
    {"pyproject.toml": '[project]\nname = "support-bot"\ndependencies = ["anthropic>=0.25", "fastapi"]\n',
     "bot/answer.py": "import anthropic\n\nMODEL = 'claude-3-5-sonnet-20241022'\n\n\ndef answer(q: str) -> str:\n"
                      "    c = anthropic.Anthropic()\n    m = c.messages.create(model=MODEL, max_tokens=300,"
                      " messages=[{'role': 'user', 'content': q}])\n    return m.content[0].text\n"},
    {"requirements.txt": "transformers>=4.40\ntorch\n",
     "train/model.py": "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n\n"
                       "tokenizer = AutoTokenizer.from_pretrained('distilbert-base-uncased')\n"
                       "model = AutoModelForSequenceClassification.from_pretrained('distilbert-base-uncased')\n"},
    {"requirements.txt": "langchain>=0.2\nlangchain-openai\nchromadb\n",
     "rag/index.py": "from langchain_openai import ChatOpenAI, OpenAIEmbeddings\nimport chromadb\n\n"
                     "llm = ChatOpenAI(model='gpt-4o')\nstore = chromadb.PersistentClient(path='.chroma')\n"},
    {".mcp.json": '{"mcpServers": {"github": {"command": "npx", "args": ["-y", '
                  '"@modelcontextprotocol/server-github"]}}}\n',
     "README.md": "# Developer tools\n\nAn MCP server configuration for the team's assistants.\n"},
    {"package.json": '{"name": "web", "dependencies": {"openai": "^4.52.0", "react": "^18.3.0"}}\n',
     "src/assistant.ts": "import OpenAI from 'openai';\n\nconst client = new OpenAI();\n\nexport async function ask(q: string)"
                         " {\n  return client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user',"
                         " content: q }] });\n}\n"},
    {"requirements.txt": "flask>=3\nsqlalchemy>=2\n", "README.md": "# Billing service\n"},
    {"package.json": '{"name": "ui", "dependencies": {"react": "^18.3.0"}}\n', "README.md": "# Front end\n"},
]  # fmt: skip


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, check=True, capture_output=True)


def real_files(limit: int = 6000) -> list[Path]:
    """Python sources of the packages installed here: real code for the repositories' bulk."""
    site = Path(sysconfig.get_paths()["purelib"])
    found: list[Path] = []
    for package in sorted(site.iterdir()):
        if not package.is_dir() or package.name.endswith((".dist-info", ".data")) or package.name.startswith("_"):
            continue
        for path in sorted(package.rglob("*.py")):
            if "__pycache__" not in path.parts and path.stat().st_size < 60_000:
                found.append(path)
        if len(found) >= limit:
            break
    return found


def generate(root: Path, count: int, files_per_repo: int, seed: int) -> list[Path]:
    """``count`` repositories under ``root``: a slice of real files and one kind of AI use each."""
    pool = real_files()
    site = Path(sysconfig.get_paths()["purelib"])
    rng = random.Random(seed)
    repos = []
    for index in range(count):
        repo = root / f"repo-{index:04d}"
        repo.mkdir(parents=True)
        start = rng.randrange(max(1, len(pool) - files_per_repo))
        for source in pool[start : start + files_per_repo]:
            target = repo / "src" / source.relative_to(site)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        for name, text in AI_USE[index % len(AI_USE)].items():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            (repo / name).write_text(text, encoding="utf-8")
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "initial")
        repos.append(repo)
    return repos


def touch(repos: list[Path], share: float, seed: int) -> int:
    """Commit a change (a new module using OpenAI) to ``share`` of the repositories."""
    chosen = random.Random(seed).sample(repos, max(1, round(len(repos) * share)))
    for repo in chosen:
        (repo / "service").mkdir(exist_ok=True)
        (repo / "service" / "extra.py").write_text("import openai\n\nopenai.OpenAI()\n", encoding="utf-8")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "use OpenAI")
    return len(chosen)


def aims(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([str(AIMS), *args], check=False, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"aims {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--files", type=int, default=40, help="real source files per repository")
    parser.add_argument("--workers", default="1,2,4", help="comma-separated worker counts of the full runs")
    parser.add_argument("--changed-pct", type=float, default=5.0, help="share of repositories changed")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", type=Path, help="generate under this folder and keep it")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]

    home = args.keep or Path(tempfile.mkdtemp(prefix="aims-org-bench-"))
    try:
        started = time.perf_counter()
        repos = generate(home / "checkouts", args.repos, args.files, args.seed)
        size = sum(p.stat().st_size for r in repos for p in r.rglob("*") if p.is_file() and ".git" not in p.parts)
        print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}; {len(repos)} repositories, "
              f"{size / 1e6:.0f} MB of files, generated in {time.perf_counter() - started:.0f} s\n")  # fmt: skip
        print("| run | workers | repositories | wall s | repositories/min | speed-up |")
        print("|---|---:|---:|---:|---:|---:|")
        full: dict[int, float] = {}
        for workers in counts:
            register = home / f"register-{workers}"
            register.mkdir()
            env = {**os.environ, "AIMS_DATABASE_URL": f"sqlite:///{register / 'aims.db'}",
                   "AIMS_ORG_CACHE_DIR": str(register / "cache"), "AIMS_EVIDENCE_DIR": str(register / "evidence"),
                   "AIMS_NO_PROGRESS": "1", "AIMS_ACTOR": "bench"}  # fmt: skip
            env.pop("AIMS_BROKER_URL", None)
            aims(env, "init")
            aims(env, "org", "source", "add", "--dir", str(home / "checkouts"))
            full[workers] = aims(env, "org", "scan", "--all", "--workers", str(workers))
            rate = len(repos) / full[workers] * 60
            speedup = full[counts[0]] / full[workers]
            print(f"| full | {workers} | {len(repos)} | {full[workers]:.1f} | {rate:.0f} | {speedup:.2f}x |", flush=True)
        workers = counts[-1]
        changed = touch(repos, args.changed_pct / 100, args.seed)
        incremental = aims(env, "org", "scan", "--changed", "--workers", str(workers))
        ratio = incremental / full[workers]
        print(f"| incremental ({changed} changed) | {workers} | {changed} | {incremental:.1f} | "
              f"{changed / incremental * 60:.0f} | |")  # fmt: skip
        verdict = "met" if ratio < 0.1 else "**not met**"
        print(f"\nincremental / full ({workers} workers): {ratio:.3f} (target under 0.1: {verdict})")
    finally:
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
