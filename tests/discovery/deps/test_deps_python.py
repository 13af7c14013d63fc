"""Python manifests: requirements files, pyproject.toml, setup.cfg, Pipfile and lock files."""

from __future__ import annotations

import pytest
from depkit import MemoryFile, detector, names, run, summary, unreadable

from openaims.discovery.manifests.python import canonical, parse_requirement, requirements_scope

REQ = "dependency.pypi.requirements"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("openai", ("openai", None, None)),
        ("openai>=1.30,<2", ("openai", ">=1.30,<2", None)),
        ("openai == 1.35.0", ("openai", "1.35.0", "1.35.0")),
        ("OpenAI==1.35.0", ("openai", "1.35.0", "1.35.0")),
        ("Langchain_OpenAI~=0.1", ("langchain-openai", "~=0.1", None)),
        ("anthropic[bedrock,vertex]>=0.30", ("anthropic", ">=0.30", None)),
        ('torch==2.3.1 ; sys_platform == "linux"', ("torch", "2.3.1", "2.3.1")),
        ("transformers==4.*", ("transformers", "==4.*", None)),
        ("llama-index-llms-bedrock>=0.1", ("llama-index-llms-bedrock", ">=0.1", None)),
        ("openai==1.35.0 --hash=sha256:0123456789abcdef", ("openai", "1.35.0", "1.35.0")),
        ("openai==1.35.0  # the LLM SDK", ("openai", "1.35.0", "1.35.0")),
        (
            "langchain @ git+https://github.com/langchain-ai/langchain.git@v0.2.0#subdirectory=libs/langchain",
            (
                "langchain",
                "git+https://github.com/langchain-ai/langchain.git@v0.2.0#subdirectory=libs/langchain",
                None,
            ),
        ),
        (
            "-e git+https://github.com/huggingface/transformers.git@main#egg=transformers",
            (
                "transformers",
                "git+https://github.com/huggingface/transformers.git@main#egg=transformers",
                None,
            ),
        ),
        (
            "https://example.org/wheels/vllm-0.5.0-cp311-cp311-linux_x86_64.whl",
            ("vllm", "0.5.0", "0.5.0"),
        ),
        ("# openai==1.0", None),
        ("requests==2.32.0", None),
        ("numpy>=1.26", None),
        ("openai-python-helpers==1.0", None),
        ("--index-url https://pypi.example.org/simple", None),
        ("--extra-index-url https://download.pytorch.org/whl/cu121", None),
        ("-f https://example.org/openai/", None),
        ("./local/openai-fork", None),
        ("", None),
    ],
)
def test_requirement_lines(line: str, expected: tuple[str, str | None, str | None] | None) -> None:
    found = run(REQ, "requirements.txt", "# deps\n" + line + "\n")
    if expected is None:
        assert found == []
        return
    assert len(found) == 1
    (item,) = found
    name, version, resolved = expected
    assert (item.name, item.version, item.details["resolved"], item.line) == (name, version, resolved, 2)
    assert item.ecosystem == "pypi"
    assert item.format == "requirements.txt"
    assert item.direct is True


def test_requirement_details_extras_marker_url() -> None:
    text = (
        "anthropic[Vertex,bedrock]>=0.30 ; python_version >= '3.9'\n"
        "openai @ https://files.example.org/openai-1.35.0.tar.gz\n"
    )
    found = {f.name: f for f in run(REQ, "svc/requirements.txt", text)}
    assert found["anthropic"].details == {
        "manifest": "requirements.txt",
        "scope": "main",
        "declared": ">=0.30",
        "resolved": None,
        "extras": ["bedrock", "vertex"],
        "marker": "python_version >= '3.9'",
    }
    assert found["anthropic"].provider == "anthropic"
    assert found["anthropic"].category == "llm-api"
    assert found["openai"].details["source_url"] == "https://files.example.org/openai-1.35.0.tar.gz"
    assert found["openai"].line == 2


def test_line_continuations_keep_the_first_line() -> None:
    text = "requests==2.0\nopenai==1.35.0 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\nanthropic\n"
    assert {(f.name, f.line) for f in run(REQ, "requirements.txt", text)} == {("openai", 2), ("anthropic", 5)}


def test_includes_are_followed_with_cycle_protection() -> None:
    tree = {
        "app/requirements.txt": "-r base.txt\n--requirement=../shared/ml.txt\n-c constraints.txt\nanthropic\n",
        "app/base.txt": "openai>=1\n-r requirements.txt\n-r base.txt\n",
        "shared/ml.txt": "torch==2.3.1\n-r ../app/base.txt\n",
        "app/constraints.txt": "anthropic==0.30.1\nlangchain==0.2.0\n",
    }
    file = MemoryFile("app/requirements.txt", tree["app/requirements.txt"], tree)
    found = list(detector(REQ).scan(file))
    assert summary(found) == {
        ("app/base.txt", 1, "openai", ">=1", True, "main"),
        ("shared/ml.txt", 1, "torch", "2.3.1", True, "main"),
        ("app/requirements.txt", 4, "anthropic", "0.30.1", True, "main"),
    }
    # constraints only pin: langchain is not declared anywhere
    assert "langchain" not in names(found)


def test_include_outside_the_tree_is_ignored() -> None:
    tree = {"requirements.txt": "-r ../../etc/requirements.txt\nopenai\n"}
    found = run(REQ, "requirements.txt", tree["requirements.txt"], tree)
    assert names(found) == {"openai"}


def test_include_depth_is_bounded() -> None:
    tree = {f"r{i}.txt": f"-r r{i + 1}.txt\n" for i in range(50)}
    tree["r50.txt"] = "openai\n"
    tree["requirements.txt"] = "-r r0.txt\n"
    assert run(REQ, "requirements.txt", tree["requirements.txt"], tree) == []


@pytest.mark.parametrize(
    ("path", "wanted", "scope"),
    [
        ("requirements.txt", True, "main"),
        ("requirements-dev.txt", True, "dev"),
        ("requirements_test.txt", True, "test"),
        ("requirements/base.txt", True, "main"),
        ("requirements/dev.in", True, "dev"),
        ("requirements.in", True, "main"),
        ("docs/requirements.txt", True, "main"),
        ("dev-requirements.txt", True, "dev"),
        ("MANIFEST.in", False, None),
        ("config.h.in", False, None),
        ("constraints.txt", False, None),
        ("notes.txt", False, None),
    ],
)
def test_requirements_file_names(path: str, wanted: bool, scope: str | None) -> None:
    name = path.rsplit("/", 1)[-1]
    assert detector(REQ).wants(path, name) is wanted
    if wanted:
        assert requirements_scope(path) == scope


@pytest.mark.parametrize(
    ("raw", "canon"), [("LangChain_OpenAI", "langchain-openai"), ("a.b__c", "a-b-c"), ("Torch", "torch")]
)
def test_pep503(raw: str, canon: str) -> None:
    assert canonical(raw) == canon


def test_parse_requirement_rejects_garbage() -> None:
    assert parse_requirement("hello world") is None
    assert parse_requirement("==1.0") is None
    assert parse_requirement("x" * 5000) is None


PYPROJECT = """\
[build-system]
requires = ["setuptools>=68", "torch>=2.0"]
build-backend = "setuptools.build_meta"

[project]
name = "support-bot"
version = "0.1.0"
dependencies = [
    "fastapi>=0.110",
    "openai>=1.30,<2",
    "langchain-anthropic==0.1.15",
    'qdrant-client[fastembed]>=1.9 ; python_version >= "3.10"',
]

[project.optional-dependencies]
local = [
    "transformers>=4.40",
    "requests",
]
eval = ["ragas==0.1.9"]

[dependency-groups]
dev = ["pytest>=8", "deepeval>=0.21"]
docs = [{include-group = "dev"}, "mkdocs"]
"""


def test_pyproject_pep621_optional_groups_build() -> None:
    found = run("dependency.pypi.pyproject", "services/bot/pyproject.toml", PYPROJECT)
    assert summary(found) == {
        ("services/bot/pyproject.toml", 2, "torch", ">=2.0", True, "build"),
        ("services/bot/pyproject.toml", 10, "openai", ">=1.30,<2", True, "main"),
        ("services/bot/pyproject.toml", 11, "langchain-anthropic", "0.1.15", True, "main"),
        ("services/bot/pyproject.toml", 12, "qdrant-client", ">=1.9", True, "main"),
        ("services/bot/pyproject.toml", 17, "transformers", ">=4.40", True, "optional:local"),
        ("services/bot/pyproject.toml", 20, "ragas", "0.1.9", True, "optional:eval"),
        ("services/bot/pyproject.toml", 23, "deepeval", ">=0.21", True, "dev"),
    }
    qdrant = next(f for f in found if f.name == "qdrant-client")
    assert qdrant.details["extras"] == ["fastembed"]
    assert qdrant.details["marker"] == 'python_version >= "3.10"'
    assert {f.format for f in found} == {"pyproject.toml"}


POETRY = """\
[tool.poetry]
name = "agent"

[tool.poetry.dependencies]
python = "^3.11"
openai = "^1.30"
langchain = { version = "0.2.5", extras = ["openai"] }
crewai = { git = "https://github.com/crewAIInc/crewAI.git", tag = "v0.30.0" }
pinecone-client = { version = "^3.2", optional = true }
requests = "*"

[tool.poetry.group.dev.dependencies]
mlflow = "2.14.1"

[tool.poetry.group.ml.dependencies]
torch = [
  { version = "2.3.1", markers = "sys_platform == 'linux'" },
  { version = "2.2.0", markers = "sys_platform == 'darwin'" },
]

[tool.poetry.dev-dependencies]
wandb = ">=0.17"

[tool.poetry.dependencies.anthropic]
version = "0.30.0"
"""


def test_pyproject_poetry() -> None:
    found = run("dependency.pypi.pyproject", "pyproject.toml", POETRY)
    assert summary(found) == {
        ("pyproject.toml", 6, "openai", "^1.30", True, "main"),
        ("pyproject.toml", 7, "langchain", "0.2.5", True, "main"),
        ("pyproject.toml", 8, "crewai", "https://github.com/crewAIInc/crewAI.git@v0.30.0", True, "main"),
        ("pyproject.toml", 9, "pinecone-client", "^3.2", True, "optional"),
        ("pyproject.toml", 13, "mlflow", "2.14.1", True, "dev"),
        ("pyproject.toml", 16, "torch", "2.3.1", True, "group:ml"),
        ("pyproject.toml", 22, "wandb", ">=0.17", True, "dev"),
        ("pyproject.toml", 24, "anthropic", "0.30.0", True, "main"),
    }
    crewai = next(f for f in found if f.name == "crewai")
    assert crewai.details["source_url"] == "https://github.com/crewAIInc/crewAI.git"
    assert next(f for f in found if f.name == "langchain").details["extras"] == ["openai"]


def test_pyproject_uv_and_pdm_dev_dependencies() -> None:
    text = '[tool.uv]\ndev-dependencies = ["pytest", "langsmith>=0.1"]\n\n[tool.pdm.dev-dependencies]\ntest = ["trulens-eval"]\n'
    assert summary(run("dependency.pypi.pyproject", "pyproject.toml", text)) == {
        ("pyproject.toml", 2, "langsmith", ">=0.1", True, "dev"),
        ("pyproject.toml", 5, "trulens-eval", None, True, "test"),
    }


SETUP_CFG = """\
[metadata]
name = classic

[options]
install_requires =
    requests>=2
    openai>=1.0  # client
    tiktoken
setup_requires =
    setuptools
tests_require =
    deepeval

[options.extras_require]
gpu =
    torch==2.3.1
    xgboost; platform_system != "Darwin"
"""


def test_setup_cfg() -> None:
    assert summary(run("dependency.pypi.setup-cfg", "setup.cfg", SETUP_CFG)) == {
        ("setup.cfg", 7, "openai", ">=1.0", True, "main"),
        ("setup.cfg", 8, "tiktoken", None, True, "main"),
        ("setup.cfg", 12, "deepeval", None, True, "test"),
        ("setup.cfg", 16, "torch", "2.3.1", True, "optional:gpu"),
        ("setup.cfg", 17, "xgboost", None, True, "optional:gpu"),
    }


PIPFILE = """\
[[source]]
url = "https://pypi.org/simple"
name = "pypi"

[packages]
openai = "==1.35.0"
requests = "*"
langchain = {version = ">=0.2", extras = ["openai"]}
chromadb = "*"

[dev-packages]
wandb = {git = "https://github.com/wandb/wandb.git", ref = "main"}
"""


def test_pipfile() -> None:
    assert summary(run("dependency.pypi.pipfile", "Pipfile", PIPFILE)) == {
        ("Pipfile", 6, "openai", "1.35.0", True, "main"),
        ("Pipfile", 8, "langchain", ">=0.2", True, "main"),
        ("Pipfile", 9, "chromadb", None, True, "main"),
        ("Pipfile", 12, "wandb", "https://github.com/wandb/wandb.git", True, "dev"),
    }


PIPFILE_LOCK = """\
{
    "_meta": {"hash": {"sha256": "00"}, "pipfile-spec": 6},
    "default": {
        "openai": {
            "hashes": ["sha256:00"],
            "version": "==1.35.0"
        },
        "httpx": {"version": "==0.27.0"},
        "tiktoken": {"version": "==0.7.0", "markers": "python_version >= '3.8'"}
    },
    "develop": {
        "wandb": {"version": "==0.17.0"}
    }
}
"""


def test_pipfile_lock() -> None:
    assert summary(run("dependency.pypi.pipfile-lock", "Pipfile.lock", PIPFILE_LOCK)) == {
        ("Pipfile.lock", 4, "openai", "1.35.0", False, "main"),
        ("Pipfile.lock", 9, "tiktoken", "0.7.0", False, "main"),
        ("Pipfile.lock", 12, "wandb", "0.17.0", False, "dev"),
    }


POETRY_LOCK = """\
# This file is automatically @generated by Poetry 1.8.3 and should not be changed by hand.

[[package]]
name = "anyio"
version = "4.4.0"
description = "High level compatibility layer"
optional = false
python-versions = ">=3.8"
files = []

[[package]]
name = "openai"
version = "1.35.3"
description = "The official Python library for the openai API"
optional = false
python-versions = ">=3.7.1"
groups = ["main"]
files = [
    {file = "openai-1.35.3-py3-none-any.whl", hash = "sha256:00"},
]

[package.dependencies]
anyio = ">=3.5.0,<5"

[[package]]
name = "Langchain_Core"
version = "0.2.9"
description = ""
optional = false
python-versions = "<4.0,>=3.8.1"
category = "dev"
files = []

[[package]]
name = "crewai"
version = "0.30.0"
description = ""
optional = true
python-versions = "*"
files = []

[package.source]
type = "git"
url = "https://github.com/crewAIInc/crewAI.git"
reference = "v0.30.0"
resolved_reference = "abc"

[metadata]
lock-version = "2.0"
"""


def test_poetry_lock() -> None:
    found = run("dependency.pypi.poetry-lock", "poetry.lock", POETRY_LOCK)
    assert summary(found) == {
        ("poetry.lock", 12, "openai", "1.35.3", False, "main"),
        ("poetry.lock", 26, "langchain-core", "0.2.9", False, "dev"),
        ("poetry.lock", 35, "crewai", "0.30.0", False, "optional"),
    }
    crewai = next(f for f in found if f.name == "crewai")
    assert crewai.details["source_url"] == "https://github.com/crewAIInc/crewAI.git"


UV_LOCK = """\
version = 1
requires-python = ">=3.11"

[[package]]
name = "anthropic"
version = "0.31.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "httpx" },
    { name = "tokenizers" },
]

[[package]]
name = "myapp"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "anthropic" },
]

[package.optional-dependencies]
ml = [
    { name = "torch" },
]

[package.dev-dependencies]
dev = [
    { name = "ragas" },
]

[[package]]
name = "ragas"
version = "0.1.9"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "tokenizers"
version = "0.19.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "torch"
version = "2.3.1"
source = { registry = "https://pypi.org/simple" }
"""


def test_uv_lock_direct_from_the_project_entry() -> None:
    assert summary(run("dependency.pypi.uv-lock", "uv.lock", UV_LOCK)) == {
        ("uv.lock", 5, "anthropic", "0.31.0", True, "main"),
        ("uv.lock", 32, "ragas", "0.1.9", True, "dev"),
        ("uv.lock", 37, "tokenizers", "0.19.1", False, "main"),
        ("uv.lock", 42, "torch", "2.3.1", True, "optional:ml"),
    }


def test_pdm_lock() -> None:
    text = (
        '[metadata]\ngroups = ["default", "dev"]\n\n[[package]]\nname = "openai"\nversion = "1.35.0"\n'
        'groups = ["default"]\n\n[[package]]\nname = "mlflow"\nversion = "2.14.1"\ngroups = ["dev"]\n'
    )
    assert summary(run("dependency.pypi.pdm-lock", "pdm.lock", text)) == {
        ("pdm.lock", 5, "openai", "1.35.0", False, "main"),
        ("pdm.lock", 10, "mlflow", "2.14.1", False, "dev"),
    }


@pytest.mark.parametrize(
    ("detector_id", "path", "text"),
    [
        ("dependency.pypi.pyproject", "pyproject.toml", "[project]\ndependencies = ['requests', 'numpy']\n"),
        ("dependency.pypi.pyproject", "pyproject.toml", "[tool.ruff]\nline-length = 100\n# openai\n"),
        ("dependency.pypi.setup-cfg", "setup.cfg", "[options]\ninstall_requires =\n    requests\n"),
        ("dependency.pypi.pipfile", "Pipfile", "[packages]\nflask = '*'\n"),
        ("dependency.pypi.pipfile-lock", "Pipfile.lock", '{"default": {"flask": {"version": "==3.0"}}}'),
        ("dependency.pypi.poetry-lock", "poetry.lock", '[[package]]\nname = "flask"\nversion = "3.0"\n'),
        ("dependency.pypi.uv-lock", "uv.lock", '[[package]]\nname = "flask"\nversion = "3.0"\n'),
    ],
)
def test_python_non_ai_or_broken_not_flagged(detector_id: str, path: str, text: str) -> None:
    assert run(detector_id, path, text) == []


def test_pyproject_that_is_not_toml_is_refused() -> None:
    assert "line 1" in unreadable("dependency.pypi.pyproject", "pyproject.toml", "not [valid toml openai =")


def test_lines_point_at_the_requirement_not_at_prose_naming_it() -> None:
    text = """[project]
name = "openai-agents"
description = "OpenAI Agents SDK"
authors = [{ name = "OpenAI", email = "support@openai.com" }]
dependencies = [
    "pydantic>=2",
    "openai>=1.30,<2",
]

[tool.poetry.dependencies]
# anthropic is pinned for the bedrock client
python = "^3.11"
anthropic = "0.30.0"
"""
    assert {(f.name, f.line) for f in run("dependency.pypi.pyproject", "pyproject.toml", text)} == {
        ("openai", 7),
        ("anthropic", 13),
    }


SETUP_PY = '''from setuptools import setup, find_packages
import os

REQUIREMENTS = [
    "requests>=2",
    "openai>=1.0",
]
EXTRAS = {
    "ml": ["torch==2.3.1", "scikit-learn"],
    "eval": """
        ragas
        numpy
    """,
}

os.system("echo this file is read, never run")

setup(
    name="classic",
    packages=find_packages(),
    install_requires=REQUIREMENTS + ["anthropic"],
    extras_require=EXTRAS,
    setup_requires=("setuptools", "tiktoken"),
    tests_require=["deepeval"],
)
'''


def test_setup_py_is_read_statically() -> None:
    assert summary(run("dependency.pypi.setup-py", "setup.py", SETUP_PY)) == {
        ("setup.py", 6, "openai", ">=1.0", True, "main"),
        ("setup.py", 9, "torch", "2.3.1", True, "optional:ml"),
        ("setup.py", 9, "scikit-learn", None, True, "optional:ml"),
        ("setup.py", 11, "ragas", None, True, "optional:eval"),
        ("setup.py", 21, "anthropic", None, True, "main"),
        ("setup.py", 23, "tiktoken", None, True, "build"),
        ("setup.py", 24, "deepeval", None, True, "test"),
    }


@pytest.mark.parametrize(
    "text",
    ["setup(install_requires=['requests'])\n", "install_requires = ['openai']\n"],
)
def test_setup_py_not_flagged(text: str) -> None:
    assert run("dependency.pypi.setup-py", "setup.py", text) == []


@pytest.mark.parametrize("text", ["def broken(:\n", "x = [" * 500])
def test_setup_py_that_is_not_python_is_refused(text: str) -> None:
    assert "not valid Python syntax" in unreadable("dependency.pypi.setup-py", "setup.py", text)


COMPILED = """#
# This file is autogenerated by pip-compile with Python 3.12
#    pip-compile requirements.in
#
anyio==4.4.0
    # via
    #   httpx
    #   openai
langchain-openai==0.1.8
    # via -r requirements.in
openai==1.35.3 \\
    --hash=sha256:00
    # via
    #   -r requirements.in
    #   langchain-openai
tiktoken==0.7.0  # via langchain-openai
torch==2.3.1  # via -r requirements.in, sentence-transformers
transformers==4.41.2
    # via myservice (pyproject.toml)
tokenizers==0.19.1
    # via transformers
"""


def test_compiled_requirements_tell_direct_from_transitive() -> None:
    assert summary(run(REQ, "requirements.txt", COMPILED)) == {
        ("requirements.txt", 9, "langchain-openai", "0.1.8", True, "main"),
        ("requirements.txt", 11, "openai", "1.35.3", True, "main"),
        ("requirements.txt", 16, "tiktoken", "0.7.0", False, "main"),
        ("requirements.txt", 17, "torch", "2.3.1", True, "main"),
        ("requirements.txt", 18, "transformers", "4.41.2", True, "main"),
        ("requirements.txt", 20, "tokenizers", "0.19.1", False, "main"),
    }


@pytest.mark.parametrize("name", ["requirements.lock", "requirements-dev.lock"])
def test_rye_lock_files_are_requirements(name: str) -> None:
    text = "# generated by rye\n-e file:.\nopenai==1.35.3\n    # via myapp\n"
    assert summary(run(REQ, name, text)) == {(name, 3, "openai", "1.35.3", False, requirements_scope(name))}


PYLOCK = """lock-version = "1.0"
created-by = "uv"

[[packages]]
name = "openai"
version = "1.35.3"
marker = "python_version >= '3.9'"

[[packages.wheels]]
name = "openai-1.35.3-py3-none-any.whl"
url = "https://files.pythonhosted.org/openai-1.35.3-py3-none-any.whl"

[[packages]]
name = "Langchain"
vcs = { type = "git", url = "https://github.com/langchain-ai/langchain.git", commit-id = "abc123" }

[[packages]]
name = "attrs"
version = "23.2.0"
"""


@pytest.mark.parametrize("path", ["pylock.toml", "pylock.dev.toml"])
def test_pylock(path: str) -> None:
    found = run("dependency.pypi.pylock", path, PYLOCK)
    assert summary(found) == {
        (path, 5, "openai", "1.35.3", False, "main"),
        (path, 14, "langchain", "abc123", False, "main"),
    }
    by_name = {f.name: f for f in found}
    assert by_name["openai"].details["marker"] == "python_version >= '3.9'"
    assert by_name["langchain"].details["source_url"] == "https://github.com/langchain-ai/langchain.git"
