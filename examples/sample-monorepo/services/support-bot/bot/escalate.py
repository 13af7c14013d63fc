"""Hand-off to a human agent: Claude drafts the case note the agent reads first."""

from __future__ import annotations

import anthropic

from bot.clients import get_anthropic

CASE_NOTE_PROMPT = (
    "Write a short case note for a human support agent. Include the customer's question, "
    "what the assistant already answered, and what is still open. Do not include personal data."
)


def draft_case_note(transcript: str, client: anthropic.Anthropic | None = None) -> str:
    client = client or get_anthropic()
    message = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=400,
        system=CASE_NOTE_PROMPT,
        messages=[{"role": "user", "content": transcript}],
    )
    return "".join(block.text for block in message.content if block.type == "text")
