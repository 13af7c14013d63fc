"""Secret detection: what must and must not be flagged, and what a finding shows.

Every key-shaped value is built at test time (``content_testkit.Keys``); the
tables below hold templates where ``{key}`` stands for the value.
"""

from __future__ import annotations

import json

import pytest
from content_testkit import SALT, Keys, run

from openaims.discovery.detectors.secrets import ProviderSecrets, secret_rules, variable_name
from openaims.discovery.interface import FindingKind
from openaims.discovery.redact import fingerprint, redact

DET = ProviderSecrets()

# (path, template, key type, variable the finding names, line)
SHOULD_FLAG: list[tuple[str, str, str, str | None, int]] = [
    (".env", "OPENAI_API_KEY={key}\n", "openai-project-key", "OPENAI_API_KEY", 1),
    (
        "app.py",
        'import openai\n\nclient = openai.OpenAI(api_key="{key}")\n',
        "openai-service-account-key",
        "api_key",
        3,
    ),
    ("admin.sh", "export OPENAI_ADMIN_KEY='{key}'\n", "openai-admin-key", "OPENAI_ADMIN_KEY", 1),
    ("old.py", "openai.api_key = '{key}'\n", "openai-user-key", "openai.api_key", 1),
    ("legacy.js", "const apiKey = `{key}`;\n", "openai-legacy-key", "apiKey", 1),
    ("config.yaml", "anthropic:\n  api_key: {key}\n", "anthropic-api-key", "api_key", 2),
    ("admin.json", '{{"ANTHROPIC_ADMIN_KEY": "{key}"}}', "anthropic-admin-key", "ANTHROPIC_ADMIN_KEY", 1),
    ("ci.sh", "claude --token {key}\n", "anthropic-oauth-token", "token", 1),
    ("router.ts", "headers: {{ Authorization: `Bearer {key}` }}\n", "openrouter-api-key", "Authorization", 1),
    ("lf.env", "LANGFUSE_SECRET_KEY={key}\n", "langfuse-secret-key", "LANGFUSE_SECRET_KEY", 1),
    ("lf.env", "LANGFUSE_PUBLIC_KEY={key}\n", "langfuse-public-key", "LANGFUSE_PUBLIC_KEY", 1),
    ("ds.py", 'DEEPSEEK_API_KEY = "{key}"\n', "deepseek-api-key", "DEEPSEEK_API_KEY", 1),
    ("hf.sh", "huggingface-cli login --token {key}\n", "huggingface-token", "token", 1),
    ("hf.py", 'HfApi(token="{key}")\n', "huggingface-org-token", "token", 1),
    ("gemini.ts", 'const genAI = new GoogleGenerativeAI("{key}");\n', "google-api-key", None, 1),
    ("az.env", "AZURE_OPENAI_API_KEY={key}\n", "azure-openai-key", "AZURE_OPENAI_API_KEY", 1),
    ("az.yaml", "azure_openai:\n  key: {key}\n", "azure-openai-key", "key", 2),
    ("aws.ini", "[default]\naws_access_key_id = {key}\n", "aws-access-key-id", "aws_access_key_id", 2),
    (
        "aws.ini",
        "[default]\naws_secret_access_key = {key}\n",
        "aws-secret-access-key",
        "aws_secret_access_key",
        2,
    ),
    ("co.env", "COHERE_API_KEY={key}\n", "cohere-api-key", "COHERE_API_KEY", 1),
    ("mi.env", "MISTRAL_API_KEY={key}\n", "mistral-api-key", "MISTRAL_API_KEY", 1),
    ("rep.env", "REPLICATE_API_TOKEN={key}\n", "replicate-api-token", "REPLICATE_API_TOKEN", 1),
    ("groq.py", 'Groq(api_key="{key}")\n', "groq-api-key", "api_key", 1),
    ("xai.env", "XAI_API_KEY={key}\n", "xai-api-key", "XAI_API_KEY", 1),
    ("pplx.env", "PERPLEXITY_API_KEY={key}\n", "perplexity-api-key", "PERPLEXITY_API_KEY", 1),
    ("ls.env", "LANGSMITH_API_KEY={key}\n", "langsmith-api-key", "LANGSMITH_API_KEY", 1),
    ("pc.env", "PINECONE_API_KEY={key}\n", "pinecone-api-key", "PINECONE_API_KEY", 1),
    ("pc.py", 'pinecone.init(api_key="{key}")\n', "pinecone-legacy-api-key", "api_key", 1),
    ("tg.env", "TOGETHER_API_KEY={key}\n", "together-api-key", "TOGETHER_API_KEY", 1),
    ("fw.env", "FIREWORKS_API_KEY={key}\n", "fireworks-api-key", "FIREWORKS_API_KEY", 1),
    ("nv.env", "NVIDIA_API_KEY={key}\n", "nvidia-api-key", "NVIDIA_API_KEY", 1),
    ("el.env", "ELEVENLABS_API_KEY={key}\n", "elevenlabs-api-key", "ELEVENLABS_API_KEY", 1),
    (
        ".cursor/mcp.json",
        '{{\n  "mcpServers": {{\n    "github": {{\n      "env": {{"GITHUB_PERSONAL_ACCESS_TOKEN": "{key}"}}\n'
        "    }}\n  }}\n}}\n",
        "github-pat",
        "GITHUB_PERSONAL_ACCESS_TOKEN",
        4,
    ),
    (
        ".vscode/mcp.json",
        '{{"env": {{"GITHUB_TOKEN": "{key}"}}}}',
        "github-fine-grained-pat",
        "GITHUB_TOKEN",
        1,
    ),
    ("gh.yml", "token: {key}\n", "github-oauth-token", "token", 1),
    ("gh.yml", "token: {key}\n", "github-user-token", "token", 1),
    ("gh.yml", "token: {key}\n", "github-app-token", "token", 1),
    ("gh.yml", "refresh: {key}\n", "github-refresh-token", "refresh", 1),
    (
        "claude_desktop_config.json",
        '{{"env": {{"SLACK_BOT_TOKEN": "{key}"}}}}',
        "slack-bot-token",
        "SLACK_BOT_TOKEN",
        1,
    ),
    ("slack.env", "SLACK_USER_TOKEN={key}\n", "slack-user-token", "SLACK_USER_TOKEN", 1),
    ("slack.env", "SLACK_APP_TOKEN={key}\n", "slack-app-token", "SLACK_APP_TOKEN", 1),
    ("slack.env", "SLACK_TOKEN={key}\n", "slack-token", "SLACK_TOKEN", 1),
    (
        "docker-compose.yml",
        "services:\n  app:\n    environment:\n      - OPENAI_API_KEY={key}\n",
        "openai-project-key",
        "OPENAI_API_KEY",
        4,
    ),
    ("README.md", "Run with `OPENAI_API_KEY={key}`.\n", "openai-project-key", "OPENAI_API_KEY", 1),
    ("Dockerfile", "FROM python:3.12\nENV GROQ_API_KEY={key}\n", "groq-api-key", "GROQ_API_KEY", 2),
    (
        "nb.ipynb",
        '{{\n "cells": [\n  {{\n   "cell_type": "code",\n   "source": [\n    "import os\\n",\n'
        '    "os.environ[\\"OPENAI_API_KEY\\"] = \\"{key}\\"\\n"\n   ]\n  }}\n ]\n}}\n',
        "openai-project-key",
        "OPENAI_API_KEY",
        7,
    ),
]


@pytest.mark.parametrize(
    ("path", "template", "key_type", "variable", "line"),
    SHOULD_FLAG,
    ids=[f"{row[2]}@{row[0]}" for row in SHOULD_FLAG],
)
def test_flags_key(keys: Keys, path: str, template: str, key_type: str, variable: str | None, line: int) -> None:
    value = keys(key_type)
    findings = run(DET, path, template.format(key=value))
    shape = next(s for s in secret_rules().shapes if s.id == key_type)
    assert [(f.kind, f.name, f.line, f.provider, f.redacted, f.fingerprint) for f in findings] == [
        (
            FindingKind.SECRET,
            shape.title,
            line,
            shape.provider,
            redact(value, shape.display_prefix(value)),
            fingerprint(value, SALT),
        )
    ]
    expected_details = {"key_type": key_type} | ({"variable": variable} if variable else {})
    assert findings[0].details == expected_details


def test_every_key_shape_has_a_positive_row() -> None:
    assert {s.id for s in secret_rules().shapes} == {row[2] for row in SHOULD_FLAG}


# Templates that must not be reported. ``{key:TYPE}`` is replaced by a fresh
# value of that type, ``{same:N}`` by N times one character after a prefix.
MUST_NOT_FLAG: list[tuple[str, str]] = [
    (".env", "OPENAI_API_KEY=sk-your-key-here\n"),
    (".env", "OPENAI_API_KEY=sk-...\n"),
    (".env", "OPENAI_API_KEY=<your-openai-key>\n"),
    (".env", "OPENAI_API_KEY=${OPENAI_API_KEY}\n"),
    ("ci.yml", "env:\n  OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY }}\n"),
    ("app.py", 'key = os.environ["OPENAI_API_KEY"]\n'),
    ("app.js", "const key = process.env.OPENAI_API_KEY;\n"),
    ("values.yaml", "apiKey: {{ .Values.openai.apiKey }}\n"),
    ("app.py", 'API_KEY = "changeme"\n'),
    (".env", "OPENAI_API_KEY=<{key:openai-project-key}>\n"),
    (".env", "OPENAI_API_KEY=${{{key:openai-project-key}}}\n"),
    (".env", "OPENAI_API_KEY={prefix:sk-proj-}{same:60}\n"),
    (".env", "OPENAI_API_KEY={prefix:sk-proj-}{pattern:ab}\n"),
    (".env", "OPENAI_API_KEY={prefix:sk-proj-}{embed:example}\n"),
    (".env", "OPENAI_API_KEY={prefix:sk-proj-}{embed:TEST}\n"),
    (".env", "OPENAI_API_KEY={prefix:sk-proj-}{embed:dummy}\n"),
    (".env", "OPENAI_API_KEY={prefix:sk-proj-}{embed:xxxx}\n"),
    ("aws.ini", "aws_access_key_id = {prefix:AKIA}IOSFODNN7EXAMPLE\n"),
    # generic shapes without their context word
    ("hash.txt", "checksum: {key:azure-openai-key}\n"),
    ("ids.txt", "build_id = {key:mistral-api-key}\n"),
    ("ids.txt", "commit = {key:cohere-api-key}\n"),
    ("ids.txt", "token = {key:deepseek-api-key}\n"),
    ("ids.txt", "request_id = {key:pinecone-legacy-api-key}\n"),
    ("ids.txt", "secret = {key:aws-secret-access-key}\n"),
    # generic shapes with the context word, but not a credential
    ("mistral.ts", "export type MistralTranscriptionModelOptions = {};\n"),
    ("chunks.txt", '{"id":"{key:mistral-api-key}","model":"mistral-small-latest"}\n'),
    ("azure.json", '{"azure": {"requestId": "{key:azure-openai-key}"}}\n'),
    ("pc.py", 'pinecone_index_uuid = "{key:pinecone-legacy-api-key}"\n'),
    # inside a longer token: not a key of that shape
    ("blob.txt", "data=Q{key:google-api-key}\n"),
    ("blob.txt", "data={key:huggingface-token}ZqZqZqZqZqZq\n"),
    # too short
    (".env", "HF_TOKEN={prefix:hf_}abc123\n"),
    # allow-listed lines
    (".env", "OPENAI_API_KEY={key:openai-project-key}  # pragma: allowlist secret\n"),
    ("app.py", 'token = "{key:github-pat}"  # gitleaks:allow\n'),
    # binary files are not read
    ("weights.bin", "OPENAI_API_KEY={key:openai-project-key}\n"),
    ("image.png", "OPENAI_API_KEY={key:openai-project-key}\n"),
]


def _expand(template: str, keys: Keys) -> str:
    import re

    def repl(m: re.Match[str]) -> str:
        kind, arg = m.group(1), m.group(2)
        if kind == "key":
            return keys(arg)
        if kind == "prefix":
            return arg
        if kind == "same":
            return "a" * int(arg)
        if kind == "pattern":
            return arg * 30
        if kind == "embed":
            return keys.r(30) + arg + keys.r(30)
        raise AssertionError(kind)

    return re.sub(r"\{(key|prefix|same|pattern|embed):([^}]+)\}", repl, template)


@pytest.mark.parametrize(("path", "template"), MUST_NOT_FLAG)
def test_does_not_flag(keys: Keys, path: str, template: str) -> None:
    assert run(DET, path, _expand(template, keys)) == []


def test_one_finding_per_line_and_fingerprint(keys: Keys) -> None:
    value = keys("groq-api-key")
    other = keys("groq-api-key")
    text = f"A={value} B={value}\nC={value}\nD={other}\n"
    findings = run(DET, "x.env", text)
    assert [(f.line, f.fingerprint) for f in findings] == [
        (1, fingerprint(value, SALT)),
        (2, fingerprint(value, SALT)),
        (3, fingerprint(other, SALT)),
    ]


def test_fingerprint_depends_on_salt(keys: Keys) -> None:
    value = keys("openai-project-key")
    assert fingerprint(value, "a") != fingerprint(value, "b")
    assert fingerprint(value, "a") == fingerprint(value, "a")


@pytest.mark.parametrize("key_type", sorted(Keys().builders))
def test_no_secret_value_in_finding_output(keys: Keys, key_type: str) -> None:
    value = keys(key_type)
    context = {
        "azure-openai-key": "AZURE_OPENAI_KEY",
        "aws-secret-access-key": "AWS_SECRET_ACCESS_KEY",
        "cohere-api-key": "COHERE_API_KEY",
        "mistral-api-key": "MISTRAL_API_KEY",
        "deepseek-api-key": "DEEPSEEK_API_KEY",
        "pinecone-legacy-api-key": "PINECONE_API_KEY",
        "elevenlabs-api-key": "ELEVENLABS_API_KEY",
    }.get(key_type, "API_KEY")
    findings = run(DET, "leak.env", f"{context}={value}\n")
    assert len(findings) == 1
    out = json.dumps([f.to_dict() for f in findings])
    leaked = [value[i : i + 12] for i in range(len(value) - 11) if value[i : i + 12] in out]
    assert leaked == []


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        ("OPENAI_API_KEY=", "OPENAI_API_KEY"),
        ('"apiKey": "', "apiKey"),
        ("  api_key: ", "api_key"),
        ("client = OpenAI(api_key='", "api_key"),
        ("Authorization: Bearer ", "Authorization"),
        ("tool --api-key ", "api-key"),
        ("just some prose ", None),
    ],
)
def test_variable_name(before: str, expected: str | None) -> None:
    assert variable_name(before) == expected


def test_catalogue_ids_are_unique_and_providers_known() -> None:
    rules = secret_rules()
    ids = [s.id for s in rules.shapes]
    assert len(ids) == len(set(ids))
    assert all(s.prefilter for s in rules.shapes)


@pytest.mark.parametrize(
    ("key_type", "shown_prefix"),
    [
        ("openai-project-key", "sk-proj-"),
        ("openai-legacy-key", "sk-"),
        ("anthropic-api-key", "sk-ant-"),
        ("deepseek-api-key", "sk-"),
        ("elevenlabs-api-key", "sk_"),
        ("pinecone-api-key", "pcsk_"),
        ("pinecone-legacy-api-key", ""),
        ("azure-openai-key", ""),
        ("aws-access-key-id", "AKIA"),
        ("github-fine-grained-pat", "github_pat_"),
        ("slack-bot-token", "xoxb-"),
    ],
)
def test_redacted_form_shows_only_the_type_prefix(keys: Keys, key_type: str, shown_prefix: str) -> None:
    value = keys(key_type)
    shape = next(s for s in secret_rules().shapes if s.id == key_type)
    assert redact(value, shape.display_prefix(value)) == f"{shown_prefix}…{value[-4:]}"
