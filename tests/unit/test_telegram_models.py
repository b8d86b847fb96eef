"""aiogram's models are built when first used (bot/telegram_models.py), and every one of
them still builds and validates: an update of a kind the shop never saw before parses."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_fresh(code: str) -> str:
    """In a new interpreter, as `pedidos serve` starts: what the tests' own process
    imported earlier does not count."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_serving_loads_aiogram_without_building_its_models():
    out = run_fresh(
        """
        import bot.runner
        from aiogram.methods import SendMessage
        from aiogram.types import Message, Update

        print([model.__pydantic_complete__ for model in (Update, Message, SendMessage)])
        """
    )
    assert out.split("\n")[0] == "[False, False, False]"


def test_serving_builds_at_start_the_models_the_channel_uses_and_only_those():
    out = run_fresh(
        """
        from bot.telegram import build_models
        from aiogram.methods import SendMessage, SendSticker
        from aiogram.types import Sticker, Update

        build_models()
        models = (Update, SendMessage, Sticker, SendSticker)
        print([model.__pydantic_complete__ for model in models])
        """
    )
    assert out.split("\n")[0] == "[True, True, False, False]"  # no stickers sent


@pytest.mark.slow
def test_every_telegram_type_and_method_builds_when_first_used():
    out = run_fresh(
        """
        import bot.telegram
        import aiogram.methods, aiogram.types
        from pydantic import BaseModel

        def first_use(model):  # as deep in the stack as pydantic expects a caller
            return model.__pydantic_validator__.title  # pydantic builds the model here

        def main():
            models = [
                value
                for module in (aiogram.types, aiogram.methods)
                for value in map(module.__dict__.get, module.__all__)
                if isinstance(value, type) and issubclass(value, BaseModel)
            ]
            for model in models:
                first_use(model)
            print(len(models), sum(model.__pydantic_complete__ for model in models))

        main()
        """
    )
    total, built = map(int, out.split())
    assert total > 500
    assert built == total


def test_a_message_with_nested_models_parses_after_the_lazy_load():
    out = run_fresh(
        """
        import bot.telegram
        from aiogram.types import Update

        update = Update.model_validate({
            "update_id": 1,
            "message": {
                "message_id": 7, "date": 0, "chat": {"id": 5, "type": "private"},
                "from": {"id": 5, "is_bot": False, "first_name": "Ana"},
                "location": {"latitude": 19.43, "longitude": -99.13},
                "reply_to_message": {
                    "message_id": 6, "date": 0, "chat": {"id": 5, "type": "private"},
                    "contact": {"phone_number": "+525512345678", "first_name": "Ana"},
                },
            },
        })
        message = update.message
        print(message.from_user.first_name, message.location.latitude,
              message.reply_to_message.contact.phone_number)
        """
    )
    assert out.split() == ["Ana", "19.43", "+525512345678"]
