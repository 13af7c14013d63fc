"""Shared SDK clients. Keys come from the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY)."""

from functools import lru_cache

import anthropic
from openai import OpenAI


@lru_cache
def get_openai() -> OpenAI:
    return OpenAI(timeout=20.0, max_retries=2)


@lru_cache
def get_anthropic() -> anthropic.Anthropic:
    return anthropic.Anthropic(timeout=30.0)
