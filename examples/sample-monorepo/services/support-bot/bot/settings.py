from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    support_bot_model: str = "gpt-4o"
    escalation_model: str = "claude-sonnet-4-5"
    embedding_model: str = "sentence-transformers/all-MiniLM-L6-v2"
    max_answer_tokens: int = 600
    escalation_threshold: float = 0.35


@lru_cache
def get_settings() -> Settings:
    return Settings()
