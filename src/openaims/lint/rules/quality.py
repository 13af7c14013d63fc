"""Quality of instruction files: empty, very large, and directly conflicting
instructions across the files one assistant reads."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openaims.lint.interface import CrossRule, Document, DocumentKind, Issue, Rule, Severity

#: Above this many bytes an instruction file crowds the model's context.
LARGE_BYTES = 40_000


class EmptyInstructions(Rule):
    id = "AGENT030"
    title = "Empty instruction file"
    severity = Severity.LOW
    help = (
        "An instruction file with no instructions (only whitespace, headings or comments) "
        "suggests configuration was started and forgotten. Fill it in or delete it."
    )
    applies_to = frozenset({DocumentKind.INSTRUCTIONS})

    def check(self, doc: Document) -> Iterable[Issue]:
        meaningful = [
            line
            for line in doc.text.splitlines()
            if line.strip()
            and not line.lstrip().startswith("#")
            and not line.strip().startswith("<!--")
            and line.strip() != "---"
        ]
        if not meaningful:
            yield Issue(line=1, message="the file contains no instructions", anchor="empty")


class LargeInstructions(Rule):
    id = "AGENT031"
    title = "Very large instruction file"
    severity = Severity.LOW
    help = (
        f"Instruction files over {LARGE_BYTES // 1000} kB are loaded into every request, crowd "
        "out the task and hide risky lines from reviewers. Split them or move reference "
        "material into files the assistant reads on demand."
    )
    applies_to = frozenset({DocumentKind.INSTRUCTIONS})

    def check(self, doc: Document) -> Iterable[Issue]:
        size = len(doc.text.encode("utf-8"))
        if size > LARGE_BYTES:
            yield Issue(line=1, message=f"{size:,} bytes (limit {LARGE_BYTES:,})", anchor="large")


_DIRECTIVE = re.compile(
    r"\b(?P<modal>always|never|must\s+not|mustn't|must|do\s+not|don't|should\s+not|shouldn't|should|avoid|prefer)\b"
    r"\s+(?P<rest>[^.;!?\n]{3,120})",
    re.IGNORECASE,
)
_NEGATIVE = {"never", "must not", "mustn't", "do not", "don't", "should not", "shouldn't", "avoid"}
_STOP = {
    "a", "an", "the", "to", "of", "for", "in", "on", "and", "or", "your", "our", "any", "all", "be",
    "is", "are", "with", "when", "this", "that", "these", "those", "it", "its", "you", "we", "use",
    "using", "used", "please", "instead", "by", "as", "at", "from",
}  # fmt: skip


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _terms(text: str) -> frozenset[str]:
    words = re.findall(r"[a-z0-9][a-z0-9_+#.-]*", text.lower())
    return frozenset(_stem(w.strip(".-")) for w in words if w not in _STOP and len(w) > 1)


@dataclass(frozen=True, slots=True)
class Directive:
    doc: Document
    line: int
    positive: bool
    terms: frozenset[str]
    text: str


def directives(doc: Document) -> list[Directive]:
    found = []
    for number, line in enumerate(doc.text.splitlines(), start=1):
        for match in _DIRECTIVE.finditer(line):
            modal = " ".join(match.group("modal").lower().split())
            terms = _terms(match.group("rest"))
            if len(terms) < 2:
                continue
            sentence = match.group(0).strip()
            found.append(Directive(doc, number, modal not in _NEGATIVE, terms, sentence))
    return found


class ConflictingInstructions(CrossRule):
    id = "AGENT032"
    title = "Conflicting instructions for the same assistant"
    severity = Severity.MEDIUM
    help = (
        "Two files that the same assistant reads give opposite instructions (one says always, "
        "the other never). The assistant will follow one at random. Keep one instruction and "
        "delete the other."
    )

    def check_all(self, docs: Sequence[Document]) -> Iterable[tuple[Document, Issue, tuple[str, ...]]]:
        instruction_docs = [d for d in docs if d.kind is DocumentKind.INSTRUCTIONS]
        all_directives = [(d, directives(d)) for d in instruction_docs]
        reported: set[tuple[str, int, str, int]] = set()
        for i, (doc_a, dirs_a) in enumerate(all_directives):
            for doc_b, dirs_b in all_directives[i + 1 :]:
                shared = set(doc_a.assistants) & set(doc_b.assistants)
                if not shared:
                    continue
                for a in dirs_a:
                    for b in dirs_b:
                        if a.positive == b.positive:
                            continue
                        overlap = len(a.terms & b.terms) / len(a.terms | b.terms)
                        if overlap < 0.75:
                            continue
                        key = (doc_a.path, a.line, doc_b.path, b.line)
                        if key in reported:
                            continue
                        reported.add(key)
                        who = ", ".join(sorted(shared))
                        message = (
                            f'"{a.text}" conflicts with {doc_b.path}:{b.line} "{b.text}" (both read by {who})'
                        )
                        anchor = "conflict:" + " ".join(sorted(a.terms)) + "|" + doc_b.path
                        yield doc_a, Issue(line=a.line, message=message, anchor=anchor), (doc_b.path,)


RULES: list[Rule] = [EmptyInstructions(), LargeInstructions()]
CROSS_RULES: list[CrossRule] = [ConflictingInstructions()]
