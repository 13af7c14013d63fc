"""Import detection per language: exact findings for each input, and inputs
that must not be flagged."""

from __future__ import annotations

import json

import pytest
from content_testkit import run

from openaims.discovery import catalog
from openaims.discovery.detectors.imports import (
    CSharpImports,
    GoImports,
    JavaImports,
    JavaScriptImports,
    PythonImports,
    RubyImports,
    RustImports,
    import_catalog,
    npm_package,
)
from openaims.discovery.interface import Detector

Row = tuple[Detector, str, str, set[tuple[str, int, str, str]]]

PY = PythonImports()
JS = JavaScriptImports()
GO = GoImports()
JAVA = JavaImports()
CS = CSharpImports()
RS = RustImports()
RB = RubyImports()

# (detector, path, source, {(name, line, module, package)})
SHOULD_FLAG: list[Row] = [
    (PY, "a.py", "import openai\n", {("openai", 1, "openai", "pypi:openai")}),
    (PY, "a.py", "import os, anthropic\n", {("anthropic", 1, "anthropic", "pypi:anthropic")}),
    (PY, "a.py", "import torch.nn as nn\n", {("torch", 1, "torch.nn", "pypi:torch")}),
    (PY, "a.py", "from google import genai\n", {("google.genai", 1, "google.genai", "pypi:google-genai")}),
    (
        PY,
        "a.py",
        "import google.generativeai as genai\n",
        {("google.generativeai", 1, "google.generativeai", "pypi:google-generativeai")},
    ),
    (
        PY,
        "a.py",
        "from langchain_openai import ChatOpenAI\nfrom langchain.agents import AgentExecutor\n",
        {
            ("langchain_openai", 1, "langchain_openai", "pypi:langchain-openai"),
            ("langchain", 2, "langchain.agents", "pypi:langchain"),
        },
    ),
    (
        PY,
        "a.py",
        "from transformers import (\n    AutoModel,\n    AutoTokenizer,\n)\n",
        {("transformers", 1, "transformers", "pypi:transformers")},
    ),
    (PY, "a.py", 'm = __import__("mistralai")\n', {("mistralai", 1, "mistralai", "pypi:mistralai")}),
    (
        PY,
        "a.py",
        'import importlib\n\nmod = importlib.import_module("vertexai.generative_models")\n',
        {("vertexai", 3, "vertexai.generative_models", "pypi:google-cloud-aiplatform")},
    ),
    (
        PY,
        "a.py",
        "def f():\n    try:\n        import cohere\n    except ImportError:\n        pass\n",
        {("cohere", 3, "cohere", "pypi:cohere")},
    ),
    (PY, "stubs.pyi", "from openai import OpenAI\n", {("openai", 1, "openai", "pypi:openai")}),
    (
        PY,
        "a.py",
        "from google.cloud import aiplatform, storage\n",
        {("google.cloud.aiplatform", 1, "google.cloud.aiplatform", "pypi:google-cloud-aiplatform")},
    ),
    (PY, "a.py", "from google.cloud import storage\n", set()),
    (
        PY,
        "rag.py",
        "from llama_index.core import VectorStoreIndex\nfrom llama_index.llms.openai import OpenAI\n",
        {
            ("llama_index", 1, "llama_index.core", "pypi:llama-index"),
            ("llama_index.llms.openai", 2, "llama_index.llms.openai", "pypi:llama-index-llms-openai"),
        },
    ),
    (
        PY,
        "a.py",
        "import sklearn.linear_model, xgboost as xgb\n",
        {
            ("sklearn", 1, "sklearn.linear_model", "pypi:scikit-learn"),
            ("xgboost", 1, "xgboost", "pypi:xgboost"),
        },
    ),
    # Python 2 does not parse: the line-based fallback still finds the import
    (PY, "py2.py", 'print "hello"\nimport openai\n', {("openai", 2, "openai", "pypi:openai")}),
    # first line wins, one finding per module
    (PY, "a.py", "import openai\nimport openai.types\n", {("openai", 1, "openai", "pypi:openai")}),
    (JS, "a.ts", 'import OpenAI from "openai";\n', {("openai", 1, "openai", "npm:openai")}),
    (
        JS,
        "a.mjs",
        "import Anthropic from '@anthropic-ai/sdk';\n",
        {("@anthropic-ai/sdk", 1, "@anthropic-ai/sdk", "npm:@anthropic-ai/sdk")},
    ),
    (
        JS,
        "a.js",
        "const { Anthropic } = require('@anthropic-ai/sdk/resources');\n",
        {("@anthropic-ai/sdk", 1, "@anthropic-ai/sdk/resources", "npm:@anthropic-ai/sdk")},
    ),
    (
        JS,
        "a.ts",
        'export * from "@langchain/core/messages";\n',
        {("@langchain/core", 1, "@langchain/core/messages", "npm:@langchain/core")},
    ),
    (
        JS,
        "a.ts",
        "const m = await import(`@ai-sdk/openai`);\n",
        {("@ai-sdk/openai", 1, "@ai-sdk/openai", "npm:@ai-sdk/openai")},
    ),
    (JS, "a.tsx", "import 'ai/rsc';\n", {("ai", 1, "ai/rsc", "npm:ai")}),
    (
        JS,
        "a.ts",
        'import type { ChatCompletion } from "openai/resources";\nimport { generateText } from "ai";\n',
        {("openai", 1, "openai/resources", "npm:openai"), ("ai", 2, "ai", "npm:ai")},
    ),
    (
        JS,
        "a.cts",
        'import OpenAI = require("openai");\n',
        {("openai", 1, "openai", "npm:openai")},
    ),
    (
        JS,
        "deno.ts",
        'import OpenAI from "npm:openai@4.20.0";\n',
        {("openai", 1, "npm:openai@4.20.0", "npm:openai")},
    ),
    (
        JS,
        "page.js",
        'import { pipeline } from "https://cdn.jsdelivr.net/npm/@huggingface/transformers@3.0.0";\n',
        {
            (
                "@huggingface/transformers",
                1,
                "https://cdn.jsdelivr.net/npm/@huggingface/transformers@3.0.0",
                "npm:@huggingface/transformers",
            )
        },
    ),
    (
        JS,
        "Chat.vue",
        '<template>\n  <p>import x from "cohere-ai"</p>\n</template>\n<script setup>\nimport OpenAI from "openai"\n</script>\n',
        {("openai", 5, "openai", "npm:openai")},
    ),
    (
        JS,
        "Chat.svelte",
        "<script>\n  import { Mistral } from '@mistralai/mistralai';\n</script>\n",
        {("@mistralai/mistralai", 2, "@mistralai/mistralai", "npm:@mistralai/mistralai")},
    ),
    (
        GO,
        "main.go",
        'package main\n\nimport (\n\t"fmt"\n\topenai "github.com/sashabaranov/go-openai"\n'
        '\t_ "github.com/anthropics/anthropic-sdk-go/option"\n)\n',
        {
            (
                "github.com/sashabaranov/go-openai",
                5,
                "github.com/sashabaranov/go-openai",
                "golang:github.com/sashabaranov/go-openai",
            ),
            (
                "github.com/anthropics/anthropic-sdk-go",
                6,
                "github.com/anthropics/anthropic-sdk-go/option",
                "golang:github.com/anthropics/anthropic-sdk-go",
            ),
        },
    ),
    (
        GO,
        "main.go",
        'package main\n\nimport genai "google.golang.org/genai"\nimport "github.com/openai/openai-go/v2"\n',
        {
            ("google.golang.org/genai", 3, "google.golang.org/genai", "golang:google.golang.org/genai"),
            (
                "github.com/openai/openai-go",
                4,
                "github.com/openai/openai-go/v2",
                "golang:github.com/openai/openai-go",
            ),
        },
    ),
    (
        JAVA,
        "App.java",
        "package x;\n\nimport dev.langchain4j.model.openai.OpenAiChatModel;\nimport static com.openai.client.Foo.bar;\n",
        {
            (
                "dev.langchain4j.model.openai",
                3,
                "dev.langchain4j.model.openai.OpenAiChatModel",
                "maven:dev.langchain4j:langchain4j-open-ai",
            ),
            ("com.openai", 4, "com.openai.client.Foo.bar", "maven:com.openai:openai-java"),
        },
    ),
    (
        JAVA,
        "App.kt",
        "import com.anthropic.client.AnthropicClient as Client\nimport org.springframework.ai.chat.client.*\n",
        {
            (
                "com.anthropic",
                1,
                "com.anthropic.client.AnthropicClient",
                "maven:com.anthropic:anthropic-java",
            ),
            (
                "org.springframework.ai",
                2,
                "org.springframework.ai.chat.client",
                "maven:org.springframework.ai:spring-ai-model",
            ),
        },
    ),
    (
        CS,
        "Program.cs",
        "using System;\nusing Azure.AI.OpenAI;\nusing static OpenAI.Chat.ChatMessage;\n"
        "using SK = Microsoft.SemanticKernel;\nglobal using Anthropic.SDK;\n",
        {
            ("Azure.AI.OpenAI", 2, "Azure.AI.OpenAI", "nuget:Azure.AI.OpenAI"),
            ("OpenAI", 3, "OpenAI.Chat.ChatMessage", "nuget:OpenAI"),
            ("Microsoft.SemanticKernel", 4, "Microsoft.SemanticKernel", "nuget:Microsoft.SemanticKernel"),
            ("Anthropic.SDK", 5, "Anthropic.SDK", "nuget:Anthropic.SDK"),
        },
    ),
    (
        RS,
        "main.rs",
        "use std::io;\nuse async_openai::{Client, types::CreateChatCompletionRequestArgs};\n"
        "extern crate tch;\npub use candle_core::Tensor;\n",
        {
            ("async_openai", 2, "async_openai", "cargo:async-openai"),
            ("tch", 3, "tch", "cargo:tch"),
            ("candle_core", 4, "candle_core::Tensor", "cargo:candle-core"),
        },
    ),
    (
        RB,
        "bot.rb",
        "require 'json'\nrequire \"openai\"\nrequire('langchain')\nrequire_relative 'anthropic'\n",
        {
            ("openai", 2, "openai", "gem:ruby-openai"),
            ("langchain", 3, "langchain", "gem:langchainrb"),
        },
    ),
]


@pytest.mark.parametrize(("detector", "path", "source", "expected"), SHOULD_FLAG)
def test_flags_imports(detector: Detector, path: str, source: str, expected: set[tuple[str, int, str, str]]) -> None:
    findings = run(detector, path, source)
    got = {(f.name, f.line, f.details["module"], f.details["package"]) for f in findings}
    assert got == expected
    assert len(findings) == len(expected)


MUST_NOT_FLAG: list[tuple[Detector, str, str]] = [
    (PY, "a.py", "# import openai\n"),
    (PY, "a.py", 's = "import anthropic"\n'),
    (PY, "a.py", '"""\nimport torch\n"""\n'),
    (PY, "a.py", "from . import openai\nfrom .openai import x\n"),
    (PY, "a.py", "import os, sys, requests\n"),
    (PY, "a.py", "import openai_helpers\n"),
    (PY, "a.py", "__import__(name)\n"),
    (PY, "notes.txt", "import openai\n"),
    (JS, "a.js", "// import OpenAI from 'openai'\n"),
    (JS, "a.js", "/* const x = require('openai') */\n"),
    (JS, "a.js", "const s = \"import x from 'groq-sdk'\";\n"),
    (JS, "a.js", "import x from './openai';\nimport y from '../ai';\n"),
    (JS, "a.js", "import fs from 'node:fs';\nimport z from 'zod';\n"),
    (JS, "a.js", "const openai = obj.require('openai');\n"),
    (JS, "a.js", "import x from 'openai-wrapper';\n"),
    (GO, "main.go", 'package main\n\n// import "github.com/sashabaranov/go-openai"\nimport "fmt"\n'),
    (GO, "main.go", 'package main\n\nvar s = "github.com/openai/openai-go"\n'),
    (JAVA, "App.java", "// import com.openai.client.OpenAIClient;\nimport java.util.List;\n"),
    (JAVA, "App.java", 'String s = "import com.anthropic.X;";\n'),
    (JAVA, "App.java", "/*\nimport com.openai.client.OpenAIClient;\n*/\nclass A {}\n"),
    (GO, "main.go", 'package main\n\n/*\nimport "github.com/openai/openai-go"\n*/\n'),
    (RS, "lib.rs", "/* old:\nuse async_openai::Client;\n*/\n"),
    (CS, "P.cs", "/*\nusing OpenAI.Chat;\n*/\n"),
    (CS, "P.cs", "using (var client = new OpenAIClient()) { }\nusing var x = new Foo();\n"),
    (CS, "P.cs", "// using Azure.AI.OpenAI;\n"),
    (RS, "main.rs", "use crate::openai::Client;\nuse self::anthropic;\n// use async_openai::Client;\n"),
    (RB, "bot.rb", "# require 'openai'\nrequire_relative 'openai'\n"),
]


@pytest.mark.parametrize(("detector", "path", "source"), MUST_NOT_FLAG)
def test_does_not_flag(detector: Detector, path: str, source: str) -> None:
    assert run(detector, path, source) == []


def _notebook(cells: list[tuple[str, list[str]]]) -> str:
    doc = {
        "cells": [{"cell_type": kind, "metadata": {}, "source": source} for kind, source in cells],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(doc, indent=1)


def test_notebook_imports_map_to_file_lines() -> None:
    text = _notebook(
        [
            ("markdown", ["# import cohere\n", "Intro"]),
            ("code", ["!pip install openai\n", "%load_ext autoreload\n", "import openai\n", "import os"]),
            ("code", ["x = 1\n", "from transformers import pipeline"]),
        ]
    )
    findings = run(PY, "nb/demo.ipynb", text)
    lines = [line.strip() for line in text.split("\n")]
    assert {(f.name, f.line) for f in findings} == {
        ("openai", lines.index('"import openai\\n",') + 1),
        ("transformers", lines.index('"from transformers import pipeline"') + 1),
    }


def test_notebook_that_is_not_json_gives_nothing() -> None:
    assert run(PY, "broken.ipynb", "{not json import openai") == []


def test_finding_fields() -> None:
    (finding,) = run(PY, "src/app.py", "import anthropic\n")
    assert finding.to_dict() == {
        "kind": "import",
        "name": "anthropic",
        "path": "src/app.py",
        "line": 1,
        "ecosystem": "pypi",
        "provider": "anthropic",
        "category": "llm-api",
        "detector": "import.python",
        "details": {"language": "python", "module": "anthropic", "package": "pypi:anthropic"},
    }


@pytest.mark.parametrize(
    ("specifier", "package"),
    [
        ("openai", "openai"),
        ("openai/resources/chat", "openai"),
        ("@scope/pkg", "@scope/pkg"),
        ("@scope/pkg/sub/path", "@scope/pkg"),
        ("openai@4.0.0", "openai"),
        ("npm:@scope/pkg@1.2.3/x", "@scope/pkg"),
        ("https://esm.sh/openai@4", "openai"),
        ("./local", None),
        ("../up", None),
        ("/abs", None),
        ("node:fs", None),
        ("https://example.com/x.js", None),
        ("@scope", None),
        ("", None),
    ],
)
def test_npm_package(specifier: str, package: str | None) -> None:
    assert npm_package(specifier) == package


@pytest.mark.parametrize("language", ["python", "javascript", "go", "java", "csharp", "rust", "ruby"])
def test_catalogue_entries_are_valid(language: str) -> None:
    cat = import_catalog(language)
    assert cat.entries
    providers = catalog.provider_ids()
    assert all(e.provider in providers for e in cat.entries.values())


@pytest.mark.parametrize(
    ("detector", "text"),
    [(PY, "import scipy\n"), (JS, "import React from 'react';\n"), (GO, 'import "net/http"\n')],
)
def test_prefilter_skips_files_without_ai(detector: Detector, text: str) -> None:
    from content_testkit import prefilter_matches

    assert not prefilter_matches(detector, text)
