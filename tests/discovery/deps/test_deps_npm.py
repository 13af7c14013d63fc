"""npm: package.json, package-lock.json (v1-v3), pnpm-lock.yaml (v5-v9), yarn.lock (classic, berry)."""

from __future__ import annotations

import json

import pytest
from depkit import run, summary, unreadable

PKG = "dependency.npm.package-json"


@pytest.mark.parametrize(
    ("section", "name", "spec", "expected"),
    [
        ("dependencies", "openai", "^4.52.0", ("openai", "^4.52.0", "main", None)),
        ("dependencies", "@anthropic-ai/sdk", "0.24.3", ("@anthropic-ai/sdk", "0.24.3", "main", "0.24.3")),
        ("devDependencies", "promptfoo", "~0.60.0", ("promptfoo", "~0.60.0", "dev", None)),
        ("peerDependencies", "@langchain/core", ">=0.2.0", ("@langchain/core", ">=0.2.0", "peer", None)),
        (
            "optionalDependencies",
            "onnxruntime-node",
            "1.18.0",
            ("onnxruntime-node", "1.18.0", "optional", "1.18.0"),
        ),
        ("dependencies", "@ai-sdk/openai", "workspace:*", ("@ai-sdk/openai", "workspace:*", "main", None)),
        ("dependencies", "openai-v3", "npm:openai@3.3.0", ("openai", "3.3.0", "main", "3.3.0")),
        (
            "dependencies",
            "@tensorflow/tfjs-node",
            "4.20.0",
            ("@tensorflow/tfjs-node", "4.20.0", "main", "4.20.0"),
        ),
        ("dependencies", "react", "^18.3.1", None),
        ("dependencies", "openai-edge-helpers", "1.0.0", None),
        ("devDependencies", "typescript", "5.4.5", None),
        ("scripts", "openai", "node openai.js", None),
    ],
)
def test_package_json_sections(
    section: str, name: str, spec: str, expected: tuple[str, str, str, str | None] | None
) -> None:
    text = json.dumps({"name": "web", "version": "1.0.0", section: {name: spec}}, indent=2)
    found = run(PKG, "apps/web/package.json", text)
    if expected is None:
        assert found == []
        return
    (item,) = found
    assert (item.name, item.version, item.details["scope"], item.details["resolved"]) == expected
    assert item.line == 5
    assert item.direct is True
    assert item.ecosystem == "npm"


def test_package_json_lines_git_and_bundled() -> None:
    text = """{
  "name": "bot",
  "dependencies": {
    "express": "^4.19.0",
    "langchain": "github:langchain-ai/langchainjs#v0.2.0",
    "ai": "3.2.0"
  },
  "devDependencies": {
    "langchain": "0.2.5"
  },
  "bundleDependencies": ["ai"]
}
"""
    found = run(PKG, "package.json", text)
    assert summary(found) == {
        ("package.json", 5, "langchain", "github:langchain-ai/langchainjs#v0.2.0", True, "main"),
        ("package.json", 6, "ai", "3.2.0", True, "main"),
        ("package.json", 9, "langchain", "0.2.5", True, "dev"),
    }
    by_line = {f.line: f for f in found}
    assert by_line[5].details["source_url"] == "github:langchain-ai/langchainjs#v0.2.0"
    assert by_line[6].details["bundled"] == "true"
    assert by_line[6].provider == "vercel"


PACKAGE_LOCK_V3 = """{
  "name": "bot",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "bot",
      "dependencies": {
        "openai": "^4.52.0"
      },
      "devDependencies": {
        "promptfoo": "^0.60.0"
      }
    },
    "node_modules/openai": {
      "version": "4.52.1",
      "resolved": "https://registry.npmjs.org/openai/-/openai-4.52.1.tgz"
    },
    "node_modules/promptfoo": {
      "version": "0.60.0",
      "dev": true
    },
    "node_modules/@anthropic-ai/sdk": {
      "version": "0.22.0",
      "dev": true
    },
    "node_modules/promptfoo/node_modules/openai": {
      "version": "4.20.0",
      "dev": true
    },
    "node_modules/left-pad": {
      "version": "1.3.0"
    },
    "node_modules/oai": {
      "name": "openai",
      "version": "3.3.0"
    },
    "packages/shared": {
      "name": "shared",
      "version": "1.0.0"
    }
  }
}
"""


def test_package_lock_v3_direct_and_nested() -> None:
    found = run("dependency.npm.package-lock", "package-lock.json", PACKAGE_LOCK_V3)
    assert summary(found) == {
        ("package-lock.json", 15, "openai", "4.52.1", True, "main"),
        ("package-lock.json", 19, "promptfoo", "0.60.0", True, "dev"),
        ("package-lock.json", 23, "@anthropic-ai/sdk", "0.22.0", False, "dev"),
        ("package-lock.json", 27, "openai", "4.20.0", False, "dev"),
        ("package-lock.json", 34, "openai", "3.3.0", False, "main"),
    }
    nested = next(f for f in found if f.line == 27)
    assert nested.details["path"] == "node_modules/promptfoo/node_modules/openai"
    assert {f.format for f in found} == {"package-lock.json"}


def test_package_lock_v1_nested_dependencies() -> None:
    text = """{
  "name": "old",
  "lockfileVersion": 1,
  "dependencies": {
    "openai": {
      "version": "3.3.0",
      "requires": {"axios": "^0.26.0"}
    },
    "langchain": {
      "version": "0.0.200",
      "dev": true,
      "dependencies": {
        "openai": {"version": "4.0.0", "dev": true}
      }
    },
    "axios": {"version": "0.26.1"}
  }
}
"""
    assert summary(run("dependency.npm.package-lock", "npm-shrinkwrap.json", text)) == {
        ("npm-shrinkwrap.json", 5, "openai", "3.3.0", False, "main"),
        ("npm-shrinkwrap.json", 9, "langchain", "0.0.200", False, "dev"),
        ("npm-shrinkwrap.json", 13, "openai", "4.0.0", False, "dev"),
    }


PNPM_V9 = """lockfileVersion: '9.0'

settings:
  autoInstallPeers: true

importers:

  .:
    dependencies:
      '@langchain/openai':
        specifier: ^0.2.0
        version: 0.2.1(@langchain/core@0.2.9)
      react:
        specifier: ^18.0.0
        version: 18.3.1
    devDependencies:
      ai:
        specifier: 3.2.0
        version: 3.2.0(react@18.3.1)

packages:

  '@langchain/core@0.2.9':
    resolution: {integrity: sha512-AAAA}

  '@langchain/openai@0.2.1':
    resolution: {integrity: sha512-AAAA}

  ai@3.2.0:
    resolution: {integrity: sha512-AAAA}

  react@18.3.1:
    resolution: {integrity: sha512-AAAA}

snapshots:

  ai@3.2.0(react@18.3.1):
    dependencies:
      react: 18.3.1
"""

PNPM_V6 = """lockfileVersion: '6.0'

dependencies:
  openai:
    specifier: ^4.0.0
    version: 4.52.1

packages:

  /openai@4.52.1:
    resolution: {integrity: sha512-AAAA}
    dev: false

  /@pinecone-database/pinecone@2.2.2:
    resolution: {integrity: sha512-AAAA}
    dev: true
"""

PNPM_V5 = """lockfileVersion: 5.4

specifiers:
  openai: ^3.2.0

dependencies:
  openai: 3.3.0

packages:

  /openai/3.3.0:
    resolution: {integrity: sha512-AAAA}
    dev: false

  /@langchain/core/0.1.0_openai@3.3.0:
    resolution: {integrity: sha512-AAAA}
    dev: false
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            PNPM_V9,
            {
                ("pnpm-lock.yaml", 23, "@langchain/core", "0.2.9", False, "main"),
                ("pnpm-lock.yaml", 26, "@langchain/openai", "0.2.1", True, "main"),
                ("pnpm-lock.yaml", 29, "ai", "3.2.0", True, "dev"),
            },
        ),
        (
            PNPM_V6,
            {
                ("pnpm-lock.yaml", 10, "openai", "4.52.1", True, "main"),
                ("pnpm-lock.yaml", 14, "@pinecone-database/pinecone", "2.2.2", False, "dev"),
            },
        ),
        (
            PNPM_V5,
            {
                ("pnpm-lock.yaml", 11, "openai", "3.3.0", True, "main"),
                ("pnpm-lock.yaml", 15, "@langchain/core", "0.1.0", False, "main"),
            },
        ),
    ],
    ids=["v9", "v6", "v5"],
)
def test_pnpm_lock_versions(text: str, expected: set[tuple[object, ...]]) -> None:
    assert summary(run("dependency.npm.pnpm-lock", "pnpm-lock.yaml", text)) == expected


def test_pnpm_direct_keeps_the_specifier() -> None:
    found = run("dependency.npm.pnpm-lock", "pnpm-lock.yaml", PNPM_V9)
    assert next(f for f in found if f.name == "@langchain/openai").details["declared"] == "^0.2.0"


YARN_CLASSIC = """# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@anthropic-ai/sdk@^0.24.0", "@anthropic-ai/sdk@^0.24.3":
  version "0.24.3"
  resolved "https://registry.yarnpkg.com/@anthropic-ai/sdk/-/sdk-0.24.3.tgz#abc"
  integrity sha512-AAAA
  dependencies:
    node-fetch "^2.6.7"

node-fetch@^2.6.7:
  version "2.7.0"

openai@^4.0.0:
  version "4.52.1"
"""

YARN_BERRY = """# This file is generated by running "yarn install" inside your project.

__metadata:
  version: 8
  cacheKey: 10c0

"bot@workspace:.":
  version: 0.0.0-use.local
  resolution: "bot@workspace:."
  dependencies:
    openai: "npm:^4.52.0"
  languageName: unknown
  linkType: soft

"ollama@npm:^0.5.0":
  version: 0.5.2
  resolution: "ollama@npm:0.5.2"
  languageName: node
  linkType: hard

"openai@npm:^4.52.0":
  version: 4.52.1
  resolution: "openai@npm:4.52.1"
  languageName: node
  linkType: hard

"oai@npm:openai@3.3.0":
  version: 3.3.0
  resolution: "openai@npm:3.3.0"
  languageName: node
  linkType: hard
"""


def test_yarn_classic() -> None:
    found = run("dependency.npm.yarn-lock", "yarn.lock", YARN_CLASSIC)
    assert summary(found) == {
        ("yarn.lock", 5, "@anthropic-ai/sdk", "0.24.3", False, "main"),
        ("yarn.lock", 15, "openai", "4.52.1", False, "main"),
    }
    assert next(f for f in found if f.line == 5).details["declared"] == "^0.24.0 || ^0.24.3"


def test_yarn_berry() -> None:
    assert summary(run("dependency.npm.yarn-lock", "yarn.lock", YARN_BERRY)) == {
        ("yarn.lock", 15, "ollama", "0.5.2", False, "main"),
        ("yarn.lock", 21, "openai", "4.52.1", False, "main"),
        ("yarn.lock", 27, "openai", "3.3.0", False, "main"),
    }


@pytest.mark.parametrize(
    ("detector_id", "path", "text"),
    [
        (PKG, "package.json", '{"dependencies": {"react": "18.0.0"}, "description": "uses openai"}'),
        (PKG, "package.json", '{"dependencies": ["openai"]}'),
        (
            "dependency.npm.package-lock",
            "package-lock.json",
            '{"packages": {"node_modules/react": {"version": "18"}}}',
        ),
        ("dependency.npm.pnpm-lock", "pnpm-lock.yaml", "packages:\n  /react@18.3.1:\n    dev: false\n"),
        ("dependency.npm.pnpm-lock", "pnpm-lock.yaml", "openai: [unclosed"),
        ("dependency.npm.yarn-lock", "yarn.lock", 'react@^18:\n  version "18.3.1"\n'),
        (PKG, "package.jsonc", '{"dependencies": {"openai": "4"}}'),
    ],
)
def test_npm_non_ai_or_broken_not_flagged(detector_id: str, path: str, text: str) -> None:
    assert run(detector_id, path, text) == []


def test_package_json_that_is_not_json_is_refused() -> None:
    assert "line 1" in unreadable(PKG, "package.json", "{not json openai")


def test_pnpm_tarball_and_git_sources() -> None:
    text = """lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      ollama:
        specifier: https://example.org/ollama-0.5.2.tgz
        version: '@example.org/ollama-0.5.2.tgz'

packages:

  ollama@https://example.org/ollama-0.5.2.tgz:
    resolution: {tarball: https://example.org/ollama-0.5.2.tgz}
    version: 0.5.2

  '@langchain/core@git+https://github.com/langchain-ai/langchainjs.git#abc':
    resolution:
      commit: abc
      repo: https://github.com/langchain-ai/langchainjs.git
      type: git
"""
    found = {f.name: f for f in run("dependency.npm.pnpm-lock", "pnpm-lock.yaml", text)}
    assert set(found) == {"ollama", "@langchain/core"}
    assert found["ollama"].line == 13
    assert found["ollama"].details["source_url"] == "https://example.org/ollama-0.5.2.tgz"
    assert found["@langchain/core"].line == 17
    assert found["@langchain/core"].details["source_url"] == "https://github.com/langchain-ai/langchainjs.git"


BUN_LOCK = """{
  "lockfileVersion": 1,
  "workspaces": {
    "": {
      "name": "chat",
      "dependencies": {
        "openai": "^4.52.0",
        "oai3": "npm:openai@3.3.0",
      },
      "devDependencies": {
        "promptfoo": "0.66.0",
      },
    },
    "packages/ui": {
      "name": "ui",
      "dependencies": {
        "chat": "workspace:*",
      },
    },
  },
  "packages": {
    "chat": ["chat@workspace:."],
    "oai3": ["openai@3.3.0", "", {}, "sha512-AAAA"],
    "openai": ["openai@4.52.1", "", { "dependencies": { "node-fetch": "^2.6.7" } }, "sha512-AAAA"],
    "promptfoo": ["promptfoo@0.66.0", "", {}, "sha512-AAAA"],
    "promptfoo/openai": ["openai@4.20.0", "", {}, "sha512-AAAA"],
    "@langchain/core": ["@langchain/core@0.2.9", "", {}, "sha512-AAAA"],
    "node-fetch": ["node-fetch@2.7.0", "", {}, "sha512-AAAA"],
  }
}
"""


def test_bun_lock() -> None:
    assert summary(run("dependency.npm.bun-lock", "bun.lock", BUN_LOCK)) == {
        ("bun.lock", 23, "openai", "3.3.0", True, "main"),
        ("bun.lock", 24, "openai", "4.52.1", True, "main"),
        ("bun.lock", 25, "promptfoo", "0.66.0", True, "dev"),
        ("bun.lock", 26, "openai", "4.20.0", False, "main"),
        ("bun.lock", 27, "@langchain/core", "0.2.9", False, "main"),
    }
