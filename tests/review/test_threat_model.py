"""The draft threat model: which threats apply to a system with known components and answers, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from openaims.errors import UsageError
from openaims.frameworks.threats import load_threats
from openaims.register import threat_model as tm


@dataclass
class Comp:
    id: str
    kind: str
    name: str
    provider: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    disappeared: bool = False


@dataclass
class Sys:
    dataset_ids: list[str] = field(default_factory=list)
    supplier_ids: list[str] = field(default_factory=list)
    human_oversight: str | None = None


@dataclass
class Lint:
    rule_id: str
    title: str
    path: str
    line: int | None
    fingerprint: str


MODEL = Comp("COMP-1", "model", "gpt-4o", "openai", {"category": "llm-api"})
MCP = Comp("COMP-2", "mcp_server", "filesystem", None,
           {"transport": "stdio", "package": "@modelcontextprotocol/server-filesystem", "locations": [".mcp.json:4"]})
KEY = Comp("COMP-3", "secret", "anthropic-api-key (0123456789ab)", "anthropic", {"locations": ["bot/settings.py:2"]})
AGENTS = Comp("COMP-4", "agent_instructions", "AGENTS.md", None, {"category": "coding-assistant"})
ANSWERS = tm.Answers(untrusted_input=True, acts_externally=False, data=(tm.DataReach.PERSONAL,),
                     output=tm.OutputUse.SHOWN, other_agents=False)  # fmt: skip

LLM = "language model or AI provider: COMP-1 model gpt-4o (openai)"
SERVER = "MCP server: COMP-2 mcp server filesystem"
SECRET = "key found by a scan: COMP-3 secret anthropic-api-key (0123456789ab) (anthropic)"
AGENT_FILE = "agent instruction file: COMP-4 agent instructions AGENTS.md"
UNTRUSTED = "questionnaire: untrusted input = yes"
PERSONAL = "questionnaire: data reachable = personal"
SHOWN = "questionnaire: output = shown"


def _proposals(components: list[Comp], answers: tm.Answers, system: Sys | None = None) -> dict[str, tuple[str, ...]]:
    facts = tm.facts_of(system or Sys(), components, answers)
    return {p.threat.key: p.reasons for p in tm.propose(load_threats().threats, facts) if p.applicable}


def test_exact_threats_and_reasons_for_a_chatbot_with_a_model_an_mcp_server_a_key_and_an_agent_file() -> None:
    got = _proposals([MODEL, MCP, KEY, AGENTS], ANSWERS)
    assert got == {
        "owasp-llm:LLM01:2025": (LLM, UNTRUSTED, AGENT_FILE),
        "owasp-llm:LLM02:2025": (PERSONAL, SECRET),
        "owasp-llm:LLM03:2025": (LLM, SERVER),
        "owasp-llm:LLM05:2025": (LLM, SHOWN),
        "owasp-llm:LLM06:2025": (LLM, SERVER),
        "owasp-llm:LLM07:2025": (LLM, UNTRUSTED),
        "owasp-llm:LLM09:2025": (LLM, SHOWN),
        "owasp-llm:LLM10:2025": (LLM, UNTRUSTED),
        "owasp-agentic:T1": (SERVER, UNTRUSTED),
        "owasp-agentic:T2": (SERVER,),
        "owasp-agentic:T3": (SERVER, SECRET, PERSONAL),
        "owasp-agentic:T4": (SERVER,),
        "owasp-agentic:T5": (SERVER, SHOWN),
        "owasp-agentic:T6": (SERVER, UNTRUSTED, AGENT_FILE),
        "owasp-agentic:T7": (SERVER,),
        "owasp-agentic:T8": (SERVER,),
        "owasp-agentic:T9": (SERVER, UNTRUSTED),
        "owasp-agentic:T15": (LLM, SHOWN),
        "mitre-atlas:AML.T0051": (LLM, UNTRUSTED, AGENT_FILE),
        "mitre-atlas:AML.T0054": (LLM, UNTRUSTED),
        "mitre-atlas:AML.T0056": (LLM, UNTRUSTED),
        "mitre-atlas:AML.T0057": (LLM, PERSONAL),
        "mitre-atlas:AML.T0053": (SERVER,),
        "mitre-atlas:AML.T0055": (SECRET,),
        "mitre-atlas:AML.T0010": (LLM, SERVER),
        "mitre-atlas:AML.T0029": (UNTRUSTED, LLM),
        "mitre-atlas:AML.T0034": (LLM, UNTRUSTED, SECRET),
    }


def test_threats_that_do_not_apply_say_what_is_missing() -> None:
    facts = tm.facts_of(Sys(), [MODEL], ANSWERS)
    reasons = {p.threat.key: p.reasons for p in tm.propose(load_threats().threats, facts) if not p.applicable}
    assert reasons["owasp-llm:LLM08:2025"] == ("not applicable: nothing shows the system uses a vector store",)
    assert reasons["owasp-agentic:T12"] == ("not applicable: nothing shows the system works with other agents",)
    assert reasons["owasp-llm:LLM06:2025"] == (
        "not applicable: nothing shows the system acts on external systems or has MCP servers configured",
    )


def test_a_model_alone_with_no_untrusted_input_is_not_exposed_to_prompt_injection() -> None:
    answers = tm.Answers(untrusted_input=False, acts_externally=False, data=(tm.DataReach.PUBLIC,),
                         output=tm.OutputUse.NONE, other_agents=False)  # fmt: skip
    assert set(_proposals([MODEL], answers)) == {"owasp-llm:LLM03:2025", "mitre-atlas:AML.T0010"}


def test_unanswered_questions_count_as_yes_and_say_so() -> None:
    got = _proposals([MODEL], tm.Answers())
    assert got["owasp-llm:LLM06:2025"] == (LLM, "questionnaire: 'acts externally' not answered, assumed yes")
    assert "owasp-agentic:T12" in got


def test_system_record_and_pickle_verdicts_raise_their_threats() -> None:
    pickle = Comp("COMP-5", "model_file", "scorer.pkl", None, {"unsafe": True, "dangerous_globals": ["os.system"]})
    system = Sys(dataset_ids=["DATA-1"], supplier_ids=["SUP-2"], human_oversight="Weekly sample review")
    got = _proposals([pickle], tm.Answers(untrusted_input=False, acts_externally=True, data=(tm.DataReach.NONE,),
                                          output=tm.OutputUse.NONE, other_agents=False), system)  # fmt: skip
    assert got["mitre-atlas:AML.T0011.000"] == (
        "pickle-based model file (pickle scan: unsafe): COMP-5 model file scorer.pkl",
    )
    assert got["mitre-atlas:AML.T0020"] == ("datasets: DATA-1",)
    assert got["owasp-agentic:T10"] == (
        "questionnaire: acts externally = yes", "human oversight: Weekly sample review",
    )
    assert "suppliers: SUP-2" in got["owasp-llm:LLM03:2025"]


def test_disappeared_components_no_longer_count() -> None:
    gone = Comp("COMP-2", "mcp_server", "filesystem", disappeared=True)
    answers = tm.Answers(untrusted_input=False, acts_externally=False, data=(tm.DataReach.NONE,),
                         output=tm.OutputUse.NONE, other_agents=False)  # fmt: skip
    assert "owasp-agentic:T2" not in _proposals([MODEL, gone], answers)


def test_findings_become_items_linked_to_the_threat_they_enable() -> None:
    http = Comp("COMP-6", "mcp_server", "kb", None, {"transport": "http", "url": "http://kb.internal/mcp"})
    pinned = Comp("COMP-7", "mcp_server", "playwright", None, {"package": "@playwright/mcp@0.0.41"})
    unsafe = Comp("COMP-8", "model_file", "model.pt", None, {"unsafe": True, "locations": ["models/model.pt"]})
    safe = Comp("COMP-9", "model_file", "model.safetensors", None, {})
    lint = [Lint("MCP005", "MCP tools approved automatically", ".claude/settings.json", 3, "sha256:aa"),
            Lint("AGENT010", "Invisible Unicode tag characters", "AGENTS.md", 12, "sha256:bb"),
            Lint("AGENT030", "Empty instruction file", "CLAUDE.md", None, "sha256:cc")]  # fmt: skip
    items = tm.items_of(load_threats().finding_rules, [MODEL, MCP, KEY, http, pinned, unsafe, safe], lint)
    assert {(i.rule, i.source, i.where, i.threat) for i in items} == {
        ("hard-coded-key", "COMP-3", "bot/settings.py:2", "owasp-llm:LLM02:2025"),
        ("unpinned-mcp-server", "COMP-2", ".mcp.json:4", "owasp-llm:LLM03:2025"),
        ("plain-http-mcp-server", "COMP-6", "", "owasp-llm:LLM03:2025"),
        ("tool-auto-approval", "lint MCP005", ".claude/settings.json:3", "owasp-llm:LLM06:2025"),
        ("hidden-unicode", "lint AGENT010", "AGENTS.md:12", "owasp-llm:LLM01:2025"),
        ("unsafe-model-file", "COMP-8", "models/model.pt", "mitre-atlas:AML.T0011.000"),
    }


@pytest.mark.parametrize(
    ("question", "value", "message"),
    [
        ("untrusted_input", "maybe", "--untrusted-input: answer yes or no, not 'maybe'"),
        ("data", "personal,secret", "--data: 'secret' is not one of personal, confidential, credentials, public, none"),
        ("data", "none,personal", "--data: 'none' cannot be combined with other kinds of data"),
        ("output", "printed", "--output: answer one of shown, executed, both, none, not 'printed'"),
    ],
)
def test_bad_answers_are_one_line_errors(question: str, value: str, message: str) -> None:
    parse = {"data": tm.parse_data, "output": tm.parse_output}.get(question)
    with pytest.raises(UsageError) as err:
        parse(value) if parse else tm.parse_yes_no(value, question)
    assert err.value.message == message
