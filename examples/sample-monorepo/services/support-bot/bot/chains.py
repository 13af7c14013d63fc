"""LangChain pipeline that classifies the intent of an incoming message."""

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_openai import ChatOpenAI

INTENTS = ["payment_date", "payoff_quote", "hardship", "document_request", "complaint", "other"]

prompt = ChatPromptTemplate.from_messages(
    [
        ("system", "Classify the customer's message into one of: {intents}. Answer with the label only."),
        ("human", "{message}"),
    ]
)

intent_chain = prompt | ChatOpenAI(model="gpt-4o-mini", temperature=0) | StrOutputParser()


def classify(message: str) -> str:
    label = intent_chain.invoke({"message": message, "intents": ", ".join(INTENTS)}).strip()
    return label if label in INTENTS else "other"
