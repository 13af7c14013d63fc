from bot.chains import INTENTS


def test_intents_include_hardship() -> None:
    assert "hardship" in INTENTS
