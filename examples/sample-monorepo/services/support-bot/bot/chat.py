"""Answer customer questions about their loan, grounded in the help-centre articles."""

from __future__ import annotations

from dataclasses import dataclass

from openai import OpenAI

from bot.clients import get_openai
from bot.search import HelpCentreIndex
from bot.settings import get_settings

SYSTEM_PROMPT = """You are the Northwind Lending support assistant.
Answer only from the help-centre excerpts provided. If the answer is not there,
say you will pass the question to a colleague. Never ask for full card or account numbers."""


@dataclass(frozen=True)
class Answer:
    text: str
    sources: list[str]
    confident: bool


def answer(question: str, index: HelpCentreIndex, client: OpenAI | None = None) -> Answer:
    settings = get_settings()
    client = client or get_openai()
    hits = index.search(question, k=4)
    context = "\n\n".join(f"[{h.article_id}] {h.text}" for h in hits)
    response = client.chat.completions.create(
        model="gpt-4o",
        temperature=0.2,
        max_tokens=settings.max_answer_tokens,
        messages=[
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Excerpts:\n{context}\n\nQuestion: {question}"},
        ],
    )
    text = response.choices[0].message.content or ""
    confident = bool(hits) and hits[0].score >= settings.escalation_threshold
    return Answer(text=text, sources=[h.article_id for h in hits], confident=confident)


def summarise_conversation(turns: list[str], client: OpenAI | None = None) -> str:
    client = client or get_openai()
    response = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "Summarise this support conversation in three bullet points."},
            {"role": "user", "content": "\n".join(turns)},
        ],
    )
    return response.choices[0].message.content or ""
