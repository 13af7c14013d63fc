"""Model references: normalisation of ids, where they are read, Hub loaders."""

from __future__ import annotations

import json

import pytest
from content_testkit import run

from openaims.discovery import catalog
from openaims.discovery.detectors.models import ModelReferences, classify, model_catalog

DET = ModelReferences()

# value -> (model_id, provider, via) or None
CLASSIFY: list[tuple[str, tuple[str, str, str | None] | None]] = [
    ("gpt-4o", ("gpt-4o", "openai", None)),
    ("GPT-4o-mini-2024-07-18", ("gpt-4o-mini-2024-07-18", "openai", None)),
    ("gpt-4.1-nano", ("gpt-4.1-nano", "openai", None)),
    ("gpt-5", ("gpt-5", "openai", None)),
    ("gpt-5-mini", ("gpt-5-mini", "openai", None)),
    ("gpt-3.5-turbo", ("gpt-3.5-turbo", "openai", None)),
    ("gpt-35-turbo", ("gpt-35-turbo", "openai", None)),
    ("o1", ("o1", "openai", None)),
    ("o3-mini", ("o3-mini", "openai", None)),
    ("o4-mini", ("o4-mini", "openai", None)),
    ("text-embedding-3-large", ("text-embedding-3-large", "openai", None)),
    ("dall-e-3", ("dall-e-3", "openai", None)),
    ("whisper-1", ("whisper-1", "openai", None)),
    ("tts-1-hd", ("tts-1-hd", "openai", None)),
    ("gpt-image-1", ("gpt-image-1", "openai", None)),
    ("gpt-oss-120b", ("gpt-oss-120b", "openai", None)),
    ("ft:gpt-4o-mini-2024-07-18:acme::abc123", ("gpt-4o-mini-2024-07-18", "openai", "fine-tune")),
    ("claude-3-5-sonnet-20241022", ("claude-3-5-sonnet-20241022", "anthropic", None)),
    ("claude-sonnet-4-5", ("claude-sonnet-4-5", "anthropic", None)),
    ("claude-opus-4-1", ("claude-opus-4-1", "anthropic", None)),
    ("claude-3-haiku-20240307", ("claude-3-haiku-20240307", "anthropic", None)),
    ("claude-3-5-sonnet-v2@20241022", ("claude-3-5-sonnet-v2@20241022", "anthropic", None)),
    ("gemini-1.5-pro", ("gemini-1.5-pro", "google", None)),
    ("gemini-2.5-flash", ("gemini-2.5-flash", "google", None)),
    ("models/gemini-2.0-flash", ("gemini-2.0-flash", "google", None)),
    ("text-embedding-004", ("text-embedding-004", "google", None)),
    ("gemma-2-9b-it", ("gemma-2-9b-it", "google", None)),
    ("gemma3:27b", ("gemma3:27b", "google", None)),
    ("mistral-large-latest", ("mistral-large-latest", "mistral", None)),
    ("codestral", ("codestral", "mistral", None)),
    ("codestral-2405", ("codestral-2405", "mistral", None)),
    ("mixtral-8x7b", ("mixtral-8x7b", "mistral", None)),
    ("open-mixtral-8x22b", ("open-mixtral-8x22b", "mistral", None)),
    ("llama-3.1-70b-instruct", ("llama-3.1-70b-instruct", "meta", None)),
    ("Llama-3.3-70B", ("llama-3.3-70b", "meta", None)),
    ("llama3.1:8b", ("llama3.1:8b", "meta", None)),
    ("meta-llama/Llama-3.3-70B-Instruct", ("llama-3.3-70b-instruct", "meta", "meta-llama")),
    ("command-r-plus", ("command-r-plus", "cohere", None)),
    ("embed-english-v3.0", ("embed-english-v3.0", "cohere", None)),
    ("grok-2", ("grok-2", "xai", None)),
    ("grok-4", ("grok-4", "xai", None)),
    ("deepseek-chat", ("deepseek-chat", "deepseek", None)),
    ("deepseek-reasoner", ("deepseek-reasoner", "deepseek", None)),
    ("deepseek-r1", ("deepseek-r1", "deepseek", None)),
    ("qwen2.5-72b-instruct", ("qwen2.5-72b-instruct", "qwen", None)),
    ("qwen-max", ("qwen-max", "qwen", None)),
    ("phi-3-mini-4k-instruct", ("phi-3-mini-4k-instruct", "microsoft", None)),
    ("kimi-k2-instruct", ("kimi-k2-instruct", "other", None)),
    ("moonshotai/kimi-k2", ("kimi-k2", "other", "moonshotai")),
    ("glm-4.5", ("glm-4.5", "other", None)),
    ("nomic-embed-text", ("nomic-embed-text", "other", None)),
    ("ollama/mxbai-embed-large", ("mxbai-embed-large", "other", "ollama")),
    # Bedrock ids (region prefix and ARN removed)
    (
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic", "bedrock"),
    ),
    (
        "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic", "bedrock"),
    ),
    ("amazon.titan-embed-text-v2:0", ("amazon.titan-embed-text-v2:0", "aws-bedrock", "bedrock")),
    ("amazon.nova-pro-v1:0", ("amazon.nova-pro-v1:0", "aws-bedrock", "bedrock")),
    ("meta.llama3-1-70b-instruct-v1:0", ("meta.llama3-1-70b-instruct-v1:0", "meta", "bedrock")),
    ("cohere.command-r-v1:0", ("cohere.command-r-v1:0", "cohere", "bedrock")),
    (
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2",
        ("anthropic.claude-v2", "anthropic", "bedrock"),
    ),
    # gateway forms
    ("openai/gpt-4o", ("gpt-4o", "openai", "openai")),
    ("anthropic/claude-3.5-sonnet", ("claude-3.5-sonnet", "anthropic", "anthropic")),
    ("openrouter/anthropic/claude-3.5-sonnet", ("claude-3.5-sonnet", "anthropic", "openrouter/anthropic")),
    (
        "bedrock/anthropic.claude-3-sonnet-20240229-v1:0",
        ("anthropic.claude-3-sonnet-20240229-v1:0", "anthropic", "bedrock"),
    ),
    ("vertex_ai/gemini-1.5-pro", ("gemini-1.5-pro", "google", "vertex_ai")),
    ("groq/llama-3.3-70b-versatile", ("llama-3.3-70b-versatile", "meta", "groq")),
    ("ollama/llama3.1", ("llama3.1", "meta", "ollama")),
    # not models
    ("claude-code", None),
    ("gemini-cli", None),
    ("mistral", None),
    ("mistral-ai", None),
    ("llama-index", None),
    ("anthropic.messages", None),
    ("openai.chat", None),
    ("openai/whatever", None),
    ("azure/my-deployment", None),
    ("gpt", None),
    ("o2", None),
    ("hello-world", None),
    ("text-embedding", None),
]


@pytest.mark.parametrize(("value", "expected"), CLASSIFY)
def test_classify(value: str, expected: tuple[str, str, str | None] | None) -> None:
    ref = classify(value)
    assert (None if ref is None else (ref.model_id, ref.provider, ref.via)) == expected


def test_azure_deployment_needs_a_model_key() -> None:
    ref = classify("azure/gpt4o-prod", key="deployment_name")
    assert ref is not None
    assert (ref.model_id, ref.provider, ref.via) == ("gpt4o-prod", "azure-openai", "azure")
    assert classify("azure/gpt4o-prod", key="storage") is None
    # a known model behind azure/ is the maker's model
    known = classify("azure/gpt-4o")
    assert known is not None
    assert (known.model_id, known.provider, known.via) == ("gpt-4o", "openai", "azure")


PY_SOURCE = """\
from transformers import AutoModel, AutoTokenizer, pipeline
from huggingface_hub import hf_hub_download, snapshot_download
from datasets import load_dataset

m = AutoModel.from_pretrained("meta-llama/Llama-3.1-8B-Instruct")
p = pipeline("text-generation", model="mistralai/Mistral-7B-Instruct-v0.2")
s = pipeline("sentiment-analysis", "distilbert-base-uncased-finetuned-sst-2-english")
f = hf_hub_download(repo_id="TheBloke/Llama-2-7B-GGUF", filename="llama-2-7b.Q4_K_M.gguf")
d = snapshot_download("acme/reviews", repo_type="dataset")
ds = load_dataset("squad")
local = AutoModel.from_pretrained("./checkpoints/best")
local2 = AutoTokenizer.from_pretrained("models/bert-finetuned")
var = AutoModel.from_pretrained(model_path)
emb = SentenceTransformer("all-MiniLM-L6-v2")
reply = client.chat.completions.create(model="gpt-4o", messages=[])
# model="gpt-4-turbo" was too slow
print("We moved from gpt-4o to something else")
"""


def test_python_file_exact_findings() -> None:
    got = {
        (f.line, f.name, f.provider, f.details["hub"], f.details["loader"], f.details["raw"])
        for f in run(DET, "app/infer.py", PY_SOURCE)
    }
    assert got == {
        (
            5,
            "meta-llama/llama-3.1-8b-instruct",
            "meta",
            "huggingface",
            "from_pretrained",
            "meta-llama/Llama-3.1-8B-Instruct",
        ),
        (
            6,
            "mistralai/mistral-7b-instruct-v0.2",
            "mistral",
            "huggingface",
            "pipeline",
            "mistralai/Mistral-7B-Instruct-v0.2",
        ),
        (
            7,
            "distilbert-base-uncased-finetuned-sst-2-english",
            "huggingface",
            "huggingface",
            "pipeline",
            "distilbert-base-uncased-finetuned-sst-2-english",
        ),
        (
            8,
            "thebloke/llama-2-7b-gguf",
            "huggingface",
            "huggingface",
            "hf_hub_download",
            "TheBloke/Llama-2-7B-GGUF",
        ),
        (14, "all-minilm-l6-v2", "huggingface", "huggingface", "SentenceTransformer", "all-MiniLM-L6-v2"),
        (15, "gpt-4o", "openai", None, None, "gpt-4o"),
    }


def test_transformers_js_pipeline() -> None:
    src = "import { pipeline } from '@huggingface/transformers';\n" + (
        "const classify = await pipeline('sentiment-analysis', 'Xenova/distilbert-base-uncased-finetuned-sst-2-english');\n"
    )
    findings = run(DET, "web/app.js", src)
    assert [(f.line, f.name, f.details["loader"]) for f in findings] == [
        (2, "xenova/distilbert-base-uncased-finetuned-sst-2-english", "pipeline")
    ]


def test_langchain_embeddings_keyword() -> None:
    src = 'emb = HuggingFaceEmbeddings(model_name="BAAI/bge-small-en-v1.5")\n'
    (f,) = run(DET, "rag.py", src)
    assert (f.name, f.category, f.details["loader"]) == (
        "baai/bge-small-en-v1.5",
        "embedding",
        "HuggingFaceEmbeddings",
    )


YAML_CONFIG = """\
llm:
  model: gpt-4o-mini
  fallback: "anthropic/claude-3-haiku-20240307"
  # model: gpt-4-turbo
models:
  - mistral-large-latest
  - us.amazon.nova-pro-v1:0
description: we use gpt-4o here
deployment_name: azure/gpt4o-prod
provider: mistral
"""


def test_yaml_config_exact_findings() -> None:
    got = {(f.line, f.name, f.provider, f.details.get("via")) for f in run(DET, "config/llm.yaml", YAML_CONFIG)}
    assert got == {
        (2, "gpt-4o-mini", "openai", None),
        (3, "claude-3-haiku-20240307", "anthropic", "anthropic"),
        (6, "mistral-large-latest", "mistral", None),
        (7, "amazon.nova-pro-v1:0", "aws-bedrock", "bedrock"),
        (9, "gpt4o-prod", "azure-openai", "azure"),
    }


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        (".env", "OPENAI_MODEL=gpt-4.1\nOTHER=1\n", {(1, "gpt-4.1")}),
        (".env.production", "export MODEL=claude-sonnet-4-5\n", {(1, "claude-sonnet-4-5")}),
        ("Dockerfile", "FROM python\nENV LLM_MODEL=gemini-2.5-flash\n", {(2, "gemini-2.5-flash")}),
        (
            "run.sh",
            "llm --model gpt-4o-mini 'hi'\naider --model=deepseek/deepseek-chat\n",
            {(1, "gpt-4o-mini"), (2, "deepseek-chat")},
        ),
        ("settings.json", '{"model": "grok-4", "name": "my app"}', {(1, "grok-4")}),
        ("Main.java", 'var m = OpenAiChatModel.builder().modelName("gpt-4o").build();\n', {(1, "gpt-4o")}),
        ("main.go", 'req := openai.ChatCompletionRequest{Model: "gpt-4o"} // "o1"\n', {(1, "gpt-4o")}),
    ],
)
def test_config_and_code_contexts(path: str, text: str, expected: set[tuple[int, str]]) -> None:
    assert {(f.line, f.name) for f in run(DET, path, text)} == expected


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("README.md", 'Use "gpt-4o" or `claude-3-5-sonnet-20241022`.\n'),
        ("notes.txt", "model: gpt-4o\n"),
        ("package-lock.json", '{"name": "gpt-4o"}\n'),
        ("app.py", "# model = 'gpt-4o'\n"),
        ("app.js", "// const model = 'gpt-4o'\n/* 'claude-3-haiku-20240307' */\n"),
        ("app.py", 'print("We use gpt-4o for summaries")\n'),
        ("app.py", "gpt_4o = 1\nclaude = gpt4o\n"),
        ("app.py", "model = AutoModel.from_pretrained('/models/llama')\n"),
        ("app.py", "load_dataset('meta-llama/some-dataset')\n"),
        ("app.py", "x = AutoModel.from_pretrained(f'{org}/{name}')\n"),
        ("config.yaml", "provider: mistral\nclient: claude-code\n"),
    ],
)
def test_does_not_flag(path: str, text: str) -> None:
    assert run(DET, path, text) == []


def test_notebook_models_map_to_file_lines() -> None:
    doc = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ['Uses "gpt-4o"\n']},
            {
                "cell_type": "code",
                "metadata": {},
                "source": [
                    "from openai import OpenAI\n",
                    "# 'gpt-4-turbo'\n",
                    'resp = client.responses.create(model="gpt-4o")',
                ],
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    text = json.dumps(doc, indent=1)
    lines = [line.strip() for line in text.split("\n")]
    expected_line = lines.index(json.dumps('resp = client.responses.create(model="gpt-4o")')) + 1
    assert [(f.line, f.name) for f in run(DET, "nb.ipynb", text)] == [(expected_line, "gpt-4o")]


def test_one_finding_per_line_and_model() -> None:
    text = 'a = ["gpt-4o", "gpt-4o", "o3-mini"]\nb = "gpt-4o"\n'
    assert [(f.line, f.name) for f in run(DET, "m.py", text)] == [
        (1, "gpt-4o"),
        (1, "o3-mini"),
        (2, "gpt-4o"),
    ]


def test_finding_shape() -> None:
    (f,) = run(DET, "m.py", 'model = "openrouter/anthropic/claude-3.5-sonnet"\n')
    assert f.to_dict() == {
        "kind": "model",
        "name": "claude-3.5-sonnet",
        "path": "m.py",
        "line": 1,
        "provider": "anthropic",
        "category": "llm-api",
        "detector": "model.reference",
        "details": {
            "model_id": "claude-3.5-sonnet",
            "raw": "openrouter/anthropic/claude-3.5-sonnet",
            "hub": None,
            "loader": None,
            "via": "openrouter/anthropic",
        },
    }


def test_catalogue_providers_are_known() -> None:
    cat = model_catalog()
    providers = catalog.provider_ids()
    assert {p for p, _ in cat.family_info.values()} <= providers
    assert set(cat.orgs.values()) <= providers


@pytest.mark.parametrize("value", [v for v, expected in CLASSIFY if expected is not None] + ["voxtral-mini-latest"])
def test_every_model_passes_the_hints_and_prefilter(value: str) -> None:
    from content_testkit import prefilter_matches

    assert model_catalog().hints.search(value.lower())
    assert prefilter_matches(DET, f'model = "{value}"')


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        (
            "rag.yaml",
            "embedding_model: BAAI/bge-small-en-v1.5\n",
            {(1, "baai/bge-small-en-v1.5", "huggingface")},
        ),
        ("train.yml", "base_model: Qwen/Qwen2.5-7B\n", {(1, "qwen2.5-7b", "qwen")}),
        (
            "train.yml",
            "base_model: NousResearch/Hermes-3-Llama-3.1-8B\n",
            {(1, "nousresearch/hermes-3-llama-3.1-8b", "huggingface")},
        ),
        (
            "emb.py",
            'emb = FastEmbedEmbeddings(model_name="BAAI/bge-small-en-v1.5")\n',
            {(1, "baai/bge-small-en-v1.5", "huggingface")},
        ),
        (
            "push.py",
            'args = TrainingArguments(hub_model_id="acme/support-bot")\n',
            {(1, "acme/support-bot", "huggingface")},
        ),
        ("cfg.json", '{"repo_id": "microsoft/phi-2"}', {(1, "microsoft/phi-2", "microsoft")}),
        (
            "cfg.json",
            '{"repo_id": "microsoft/DialoGPT-medium"}',
            {(1, "microsoft/dialogpt-medium", "microsoft")},
        ),
        ("migrations/0002.py", "migrations.AddField(model_name='author', name='x')\n", set()),
        ("cfg.yaml", "model_name: models/finetuned\n", set()),
        ("cfg.yaml", "content_type: application/json\n", set()),
        ("cfg.yaml", "model_id: n/a\n", set()),
    ],
)
def test_hub_ids_under_model_keys(path: str, text: str, expected: set[tuple[int, str, str]]) -> None:
    assert {(f.line, f.name, f.provider) for f in run(DET, path, text)} == expected
