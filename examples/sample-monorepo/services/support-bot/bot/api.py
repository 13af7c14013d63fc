from fastapi import Depends, FastAPI
from pydantic import BaseModel

from bot.chat import answer
from bot.chains import classify
from bot.escalate import draft_case_note
from bot.search import HelpCentreIndex

app = FastAPI(title="Northwind support bot")
_index: HelpCentreIndex | None = None


def get_index() -> HelpCentreIndex:
    global _index
    if _index is None:
        _index = HelpCentreIndex({"HC-101": "Payments are due on the 1st of each month."})
    return _index


class Question(BaseModel):
    conversation_id: str
    message: str


@app.post("/v1/answer")
def post_answer(question: Question, index: HelpCentreIndex = Depends(get_index)) -> dict[str, object]:
    intent = classify(question.message)
    result = answer(question.message, index)
    if not result.confident or intent == "complaint":
        return {"handoff": True, "case_note": draft_case_note(question.message)}
    return {"handoff": False, "answer": result.text, "sources": result.sources}
