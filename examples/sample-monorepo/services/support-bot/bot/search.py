"""Semantic search over help-centre articles with a local embedding model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from transformers import AutoModel, AutoTokenizer

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Hit:
    article_id: str
    text: str
    score: float


class HelpCentreIndex:
    def __init__(self, articles: dict[str, str]) -> None:
        self._tokenizer = AutoTokenizer.from_pretrained("sentence-transformers/all-MiniLM-L6-v2")
        self._model = AutoModel.from_pretrained("sentence-transformers/all-MiniLM-L6-v2")
        self._ids = list(articles)
        self._texts = [articles[i] for i in self._ids]
        self._vectors = self._embed(self._texts)

    def _embed(self, texts: list[str]) -> np.ndarray:
        batch = self._tokenizer(texts, padding=True, truncation=True, return_tensors="np")
        output = self._model(**batch)
        mask = batch["attention_mask"][..., None]
        pooled = (output.last_hidden_state * mask).sum(axis=1) / mask.sum(axis=1)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def search(self, query: str, k: int = 4) -> list[Hit]:
        scores = self._vectors @ self._embed([query])[0]
        best = np.argsort(-scores)[:k]
        return [Hit(self._ids[i], self._texts[i], float(scores[i])) for i in best]
