"""AI in CI: GitHub Actions workflows and composite actions, GitLab CI with
local includes. Exact expected findings per input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.discovery.files.conftest import MemoryFile, run, run_tree

from openaims.discovery.detectors.ci import AiCiDetector, cli_calls, key_names, split_image
from openaims.discovery.interface import Finding, FindingKind

DETECTOR = AiCiDetector()
WF = ".github/workflows/ai.yml"


def summary(findings: list[Finding]) -> set[tuple[object, ...]]:
    return {(f.line, f.name, f.provider, f.details["job"], tuple(f.details["secrets"])) for f in findings}


REVIEW = """name: review
on: [pull_request]
env:
  HF_TOKEN: ${{ secrets.HF_TOKEN }}
  NODE_ENV: test
jobs:
  review:
    runs-on: ubuntu-latest
    container: ollama/ollama:0.3.0
    services:
      tgi:
        image: ghcr.io/huggingface/text-generation-inference:2.0
      db:
        image: postgres:16
    steps:
      - uses: actions/checkout@v4
      - name: Claude review
        uses: anthropics/claude-code-action@v1
        with:
          anthropic_api_key: ${{ secrets.ANTHROPIC_API_KEY }}
      - run: |
          npm install -g @anthropic-ai/claude-code
          claude -p "review" | tee out.txt
          echo claude
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make test
"""


def test_github_workflow_exact_findings() -> None:
    findings = run(DETECTOR, WF, REVIEW)
    assert summary(findings) == {
        (4, "AI provider key in workflow env", "huggingface", "(workflow)", ("HF_TOKEN",)),
        (9, "ollama/ollama", "ollama", "review", ()),
        (12, "ghcr.io/huggingface/text-generation-inference", "huggingface", "review", ()),
        (18, "anthropics/claude-code-action", "anthropic", "review", ("ANTHROPIC_API_KEY",)),
        (20, "AI provider key in job review", "anthropic", "review", ("ANTHROPIC_API_KEY",)),
        (22, "claude", "anthropic", "review", ()),
    }
    by_name = {f.name: f for f in findings}
    action = by_name["anthropics/claude-code-action"]
    assert action.kind is FindingKind.AI_WORKFLOW
    assert action.version == "v1"
    assert action.details == {
        "ci": "github-actions",
        "job": "review",
        "uses": "anthropics/claude-code-action@v1",
        "image": None,
        "secrets": ["ANTHROPIC_API_KEY"],
        "step": "Claude review",
    }
    assert by_name["ollama/ollama"].details["image"] == "ollama/ollama:0.3.0"
    assert by_name["ollama/ollama"].version == "0.3.0"
    assert by_name["claude"].details["package"] == "@anthropic-ai/claude-code"


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("uses: openai/codex-action@main", {"openai/codex-action"}),
        ("uses: google-github-actions/run-gemini-cli@v0", {"google-github-actions/run-gemini-cli"}),
        ("uses: coderabbitai/ai-pr-reviewer@latest", {"coderabbitai/ai-pr-reviewer"}),
        ("uses: actions/ai-inference@v1", {"actions/ai-inference"}),
        ("uses: github/copilot-setup-steps@v1", {"github/copilot-setup-steps"}),
        ("uses: huggingface/hub-sync@v1", {"huggingface/hub-sync"}),
        ("uses: Anthropics/Claude-Code-Base-Action@beta", {"Anthropics/Claude-Code-Base-Action"}),
        ("uses: docker://ollama/ollama:latest", {"ollama/ollama"}),
        ("run: codex exec 'fix the tests'", {"codex"}),
        ("run: npx -y @google/gemini-cli@0.1 -p hi", {"gemini"}),
        ("run: OPENAI_MODEL=o3 llm 'summarise'", {"llm"}),
        ("run: pip install aider-chat==0.50 && aider --yes", {"aider"}),
        ("run: sudo ollama pull llama3", {"ollama"}),
        ("run: echo ok && huggingface-cli download gpt2", {"huggingface-cli"}),
        (
            "run: 'curl -H \"Authorization: Bearer $OPENAI_API_KEY\" https://api.openai.com'",
            {"AI provider key in job j"},
        ),
        ("env: {GROQ_API_KEY: '${{ secrets.GROQ }}'}", {"AI provider key in job j"}),
        ("with: {token: '${{ secrets.OPENROUTER_API_KEY }}'}", {"AI provider key in job j"}),
    ],
)
def test_github_should_flag(step: str, expected: set[str]) -> None:
    text = f"on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - {step}\n"
    assert {f.name for f in run(DETECTOR, WF, text)} == expected


@pytest.mark.parametrize(
    "step",
    [
        "uses: actions/checkout@v4",
        "uses: ./.github/actions/claude",
        "uses: docker://postgres:16",
        "uses: openaix/thing@v1",
        "run: echo claude is a name",
        "run: git log --grep codex",
        "run: cat llm.txt",
        "run: pip install requests",
        "run: npm install left-pad",
        "env: {OPENAI_MODEL: gpt-4o, GITHUB_TOKEN: '${{ secrets.GITHUB_TOKEN }}'}",
        "run: echo $HOME $PATH",
        "with: {openai: true}",
    ],
)
def test_github_must_not_flag(step: str) -> None:
    text = f"on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - {step}\n"
    assert run(DETECTOR, WF, text) == []


def test_reusable_workflow_secrets_and_composite_action() -> None:
    reusable = """on: push
jobs:
  call:
    uses: anthropics/claude-code-action/.github/workflows/review.yml@v1
    secrets:
      ANTHROPIC_API_KEY: ${{ secrets.KEY }}
  inherit:
    uses: org/repo/.github/workflows/x.yml@main
    secrets: inherit
"""
    assert summary(run(DETECTOR, WF, reusable)) == {
        (
            4,
            "anthropics/claude-code-action/.github/workflows/review.yml",
            "anthropic",
            "call",
            ("ANTHROPIC_API_KEY",),
        ),
        (6, "AI provider key in job call", "anthropic", "call", ("ANTHROPIC_API_KEY",)),
    }
    action = """name: review
runs:
  using: composite
  steps:
    - uses: openai/codex-action@v1
      with:
        openai-api-key: ${{ inputs.key }}
    - run: claude -p hi
      shell: bash
"""
    assert summary(run(DETECTOR, "tools/review/action.yml", action)) == {
        (5, "openai/codex-action", "openai", "action", ("OPENAI_API_KEY",)),
        (7, "AI provider key in composite action", "openai", "action", ("OPENAI_API_KEY",)),
        (8, "claude", "anthropic", "action", ()),
    }


def test_anchors_merges_and_alias_bombs() -> None:
    gitlab = """.ai: &ai
  image: ollama/ollama:0.3
  variables:
    MISTRAL_API_KEY: $MISTRAL
a: &a ["x", "x", "x", "x", "x", "x", "x", "x"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c]
e: [*d, *d, *d, *d, *d, *d, *d, *d]
summarise:
  <<: *ai
  script: [make]
"""
    found = summary(run(DETECTOR, ".gitlab-ci.yml", gitlab))
    assert found == {
        (2, "ollama/ollama", "ollama", ".ai", ()),
        (4, "AI provider key in job .ai", "mistral", ".ai", ("MISTRAL_API_KEY",)),
        (2, "ollama/ollama", "ollama", "summarise", ()),
        (4, "AI provider key in job summarise", "mistral", "summarise", ("MISTRAL_API_KEY",)),
    }


def test_gitlab_with_local_includes_exact_findings() -> None:
    tree: dict[str, str | bytes] = {
        ".gitlab-ci.yml": """include:
  - local: /ci/ai.yml
  - template: Security/SAST.gitlab-ci.yml
  - remote: https://example.com/x.yml
  - local: ci/missing.yml
default:
  image: python:3.12
variables:
  ANTHROPIC_API_KEY: $CLAUDE_KEY
test:
  script:
    - pytest
review:
  image:
    name: paulgauthier/aider:v0.50
  script:
    - aider --message "review" --api-key "openai=$OPENAI_API_KEY"
""",
        "ci/ai.yml": """include: ci/more.yml
serve:
  services:
    - name: vllm/vllm-openai:v0.5.0
      alias: llm
  script: ["curl http://llm:8000"]
""",
        "ci/more.yml": """include: .gitlab-ci.yml
gen:
  script: |
    echo start
    gemini -p "write notes" > notes.md
""",
        "docs/readme.md": "claude\n",
    }
    findings = run_tree([DETECTOR], tree)
    assert {(f.path, f.line, f.name, f.details["job"]) for f in findings} == {
        (".gitlab-ci.yml", 9, "AI provider key in pipeline variables", "(global)"),
        (".gitlab-ci.yml", 15, "paulgauthier/aider", "review"),
        (".gitlab-ci.yml", 17, "aider", "review"),
        (".gitlab-ci.yml", 17, "AI provider key in job review", "review"),
        ("ci/ai.yml", 4, "vllm/vllm-openai", "serve"),
        ("ci/more.yml", 5, "gemini", "gen"),
    }
    assert {f.details["ci"] for f in findings} == {"gitlab-ci"}


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        (".github/workflows/ci.yml", True),
        (".github/workflows/ci.yaml", True),
        ("sub/.github/workflows/ci.yml", True),
        ("action.yml", True),
        (".github/actions/x/action.yaml", True),
        (".gitlab-ci.yml", True),
        ("deploy.gitlab-ci.yml", True),
        (".github/workflows/readme.md", False),
        ("workflows/ci.yml", False),
        ("ci.yml", False),
        (".github/dependabot.yml", False),
    ],
)
def test_wants(path: str, wanted: bool) -> None:
    assert DETECTOR.wants(path, path.rsplit("/", 1)[-1]) is wanted


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("claude -p hi", [("claude", None)]),
        ("FOO=1 BAR=2 codex exec x", [("codex", None)]),
        ("npx @openai/codex@latest exec", [("codex", "@openai/codex")]),
        ("npm i -g @github/copilot", [("copilot", "@github/copilot")]),
        ("uvx llm 'hi'", [("llm", "llm")]),
        ("pipx install aider-chat", [("aider", "aider-chat")]),
        ("make && ollama run x || true", [("ollama", None)]),
        ("result=$(gemini -p x)", [("gemini", None)]),
        ("echo codex", []),
        ("./claude.sh", []),
        ("", []),
    ],
)
def test_cli_calls(line: str, expected: list[tuple[str, str | None]]) -> None:
    assert cli_calls(line) == expected


def test_key_names_and_images() -> None:
    assert key_names("${{ secrets.OPENAI_API_KEY }} $HF_TOKEN ${GEMINI_API_KEY} $GITHUB_TOKEN") == [
        "OPENAI_API_KEY",
        "HF_TOKEN",
        "GEMINI_API_KEY",
    ]
    assert split_image("ghcr.io/a/b:1.0") == ("ghcr.io/a/b", "1.0")
    assert split_image("localhost:5000/b") == ("localhost:5000/b", None)
    assert split_image("b@sha256:" + "0" * 64) == ("b", "sha256:" + "0" * 64)


def test_key_values_never_appear() -> None:
    value = "sk-" + "proj-" + "Ab1" * 15
    text = f"on: push\njobs:\n  j:\n    runs-on: x\n    env:\n      OPENAI_API_KEY: {value}\n    steps:\n      - run: make\n"
    (finding,) = run(DETECTOR, WF, text)
    assert finding.details["secrets"] == ["OPENAI_API_KEY"]
    assert value not in repr(finding.to_dict())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    for path in (WF, ".gitlab-ci.yml", "action.yml", "azure-pipelines.yml", ".circleci/config.yml"):
        list(DETECTOR.scan(MemoryFile(path, data)))


_yaml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(["claude -p x", "$OPENAI_API_KEY", "ollama/ollama", "x"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "jobs",
                    "steps",
                    "uses",
                    "run",
                    "image",
                    "services",
                    "script",
                    "env",
                    "with",
                    "include",
                    "local",
                    "x",
                ]
            ),
            children,
            max_size=3,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["jobs", "env", "include", "default", "variables", "runs", "job"]),
        _yaml_values,
        max_size=4,
    )
)
def test_never_raises_on_odd_structures(data: dict[str, object]) -> None:
    import yaml

    text = yaml.safe_dump(data)
    for path in (WF, ".gitlab-ci.yml", "action.yml", "azure-pipelines.yml", ".circleci/config.yml"):
        for finding in DETECTOR.scan(MemoryFile(path, text)):
            assert finding.kind is FindingKind.AI_WORKFLOW


AZURE = """trigger: [main]
variables:
  - name: OPENAI_API_KEY
    value: $(openaiKey)
jobs:
  - job: review
    container: ollama/ollama:0.3
    steps:
      - script: |
          pip install llm
          llm "summarise" < notes.txt
        env:
          ANTHROPIC_API_KEY: $(anthropicKey)
  - job: build
    container: ubuntu:24.04
    steps:
      - bash: make
"""

CIRCLECI = """version: 2.1
jobs:
  eval:
    docker:
      - image: cimg/python:3.12
      - image: ollama/ollama:latest
        environment:
          HF_TOKEN: x
    steps:
      - checkout
      - run: promptfoo eval
      - run:
          name: review
          command: claude -p "review"
  lint:
    docker:
      - image: cimg/node:20.0
    steps:
      - run: npm run lint
"""

BITBUCKET = """image: python:3.12
pipelines:
  default:
    - step:
        name: AI review
        image: paulgauthier/aider:v0.50
        script:
          - aider --message "x" --api-key openai=$OPENAI_API_KEY
    - step:
        name: test
        script:
          - pytest
"""


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        (
            "azure-pipelines.yml",
            AZURE,
            {
                (3, "AI provider key in job (pipeline)", "openai", "(pipeline)", ("OPENAI_API_KEY",)),
                (7, "ollama/ollama", "ollama", "review", ()),
                (10, "llm", "other", "review", ()),
                (13, "AI provider key in job review", "anthropic", "review", ("ANTHROPIC_API_KEY",)),
            },
        ),
        (
            ".circleci/config.yml",
            CIRCLECI,
            {
                (6, "ollama/ollama", "ollama", "eval", ()),
                (8, "AI provider key in job eval", "huggingface", "eval", ("HF_TOKEN",)),
                (11, "promptfoo", "other", "eval", ()),
                (14, "claude", "anthropic", "eval", ()),
            },
        ),
        (
            "bitbucket-pipelines.yml",
            BITBUCKET,
            {
                (6, "paulgauthier/aider", "other", "AI review", ()),
                (8, "aider", "other", "AI review", ()),
                (8, "AI provider key in job AI review", "openai", "AI review", ("OPENAI_API_KEY",)),
            },
        ),
    ],
)
def test_other_ci_systems(path: str, text: str, expected: set[tuple[object, ...]]) -> None:
    findings = run(DETECTOR, path, text)
    assert summary(findings) == expected
    ci = {
        "azure-pipelines.yml": "azure-pipelines",
        ".circleci/config.yml": "circleci",
        "bitbucket-pipelines.yml": "bitbucket-pipelines",
    }[path]
    assert {f.details["ci"] for f in findings} == {ci}


@pytest.mark.parametrize("path", ["circleci/config.yml", "config.yml", ".circleci/other.yml", "azure-pipelines.json"])
def test_other_ci_locations_not_wanted(path: str) -> None:
    assert not DETECTOR.wants(path, path.rsplit("/", 1)[-1])
