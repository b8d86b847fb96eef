"""aiogram's models are built when first used (bot/telegram/models.py), and every one of
them still builds and validates: an update of a kind the shop never saw before parses.

That fast path reaches into pydantic's and aiogram's internals. The contract tests below
check each one by name (bot/telegram/models.py `INTERNALS`): after an upgrade that
changes one, the failure says which, rather than a slow or broken channel somewhere."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

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


# -- the contract: the library internals the lazy load relies on -------------------------


def test_pydantic_model_rebuild_still_takes_the_namespace_arguments():
    parameters = inspect.signature(BaseModel.model_rebuild).parameters
    for name in ("_types_namespace", "_parent_namespace_depth"):
        assert name in parameters, (
            f"pydantic internal changed: BaseModel.model_rebuild() has no {name} parameter; "
            "bot/telegram/models.py records aiogram's calls with it and replays them"
        )


def _nested_model() -> type[BaseModel]:
    class Later(BaseModel):  # named nowhere the test's model could see it
        n: int

    return Later


def test_pydantic_builds_a_deferred_model_on_first_use_from_its_parent_namespace():
    class Deferred(BaseModel):
        model_config = ConfigDict(defer_build=True)
        inner: Later  # type: ignore[name-defined]  # noqa: F821  (only in the parent namespace)

    assert Deferred.__pydantic_complete__ is False, (
        "pydantic internal changed: BaseModel.__pydantic_complete__ is not False for a "
        "model with defer_build (bot/telegram/models.py `build` reads it)"
    )
    Deferred.__pydantic_parent_namespace__ = {"Later": _nested_model()}
    try:
        parsed = Deferred.model_validate({"inner": {"n": 3}})
    except Exception as error:
        raise AssertionError(
            "pydantic internal changed: a deferred model no longer resolves its forward "
            "references in __pydantic_parent_namespace__ when first validated "
            f"(bot/telegram/models.py `_resolve_names_in`): {error!r}"
        ) from error
    assert parsed.inner.n == 3
    assert Deferred.__pydantic_complete__ is True, (
        "pydantic internal changed: BaseModel.__pydantic_complete__ is not True once a "
        "deferred model was built"
    )


def test_aiogram_types_still_ask_pydantic_to_defer_their_build():
    from aiogram.types.base import TelegramObject

    assert TelegramObject.model_config.get("defer_build") is True, (
        "aiogram internal changed: aiogram.types.base.TelegramObject.model_config has no "
        "defer_build=True; every type is built when declared"
    )


def test_aiogram_types_still_rebuild_through_model_rebuild_at_import():
    out = run_fresh(
        """
        from bot.telegram.models import load_aiogram
        print(load_aiogram())
        from aiogram.methods import SendMessage
        from aiogram.types import Message, Update

        print([model.__pydantic_complete__ for model in (Update, Message, SendMessage)])
        """
    )
    deferred, complete = out.split("\n")[:2]
    assert deferred == "True", (
        "aiogram internal changed: importing aiogram.types no longer calls "
        "model_rebuild(_types_namespace=...) on its models (aiogram/types/__init__.py); "
        "bot/telegram/models.py defers nothing"
    )
    assert complete == "[False, False, False]", (
        "aiogram internal changed: its models are built at import even with "
        "model_rebuild(_types_namespace=...) deferred"
    )


def test_aiogram_still_lists_its_models_in_all():
    import aiogram.methods
    import aiogram.types

    for module in (aiogram.types, aiogram.methods):
        listed = [getattr(module, name, None) for name in getattr(module, "__all__", ())]
        models = [m for m in listed if isinstance(m, type) and issubclass(m, BaseModel)]
        assert len(models) > 100, (
            f"aiogram internal changed: {module.__name__}.__all__ no longer lists its "
            "models (bot/telegram/models.py hands each of them the names it needs)"
        )


def test_aiogram_session_still_reads_answers_as_the_pinned_session_expects():
    from aiogram.client.session.base import BaseSession
    from aiogram.methods import Response, SendMessage
    from aiogram.types import Message

    parameters = list(inspect.signature(BaseSession.check_response).parameters)
    assert parameters == ["self", "bot", "method", "status_code", "content"], (
        "aiogram internal changed: BaseSession.check_response(bot, method, status_code, "
        f"content) is now {parameters} (bot/telegram/channel.py PinnedResponseSession)"
    )
    assert SendMessage.__returning__ is Message, (
        "aiogram internal changed: TelegramMethod.__returning__ (PinnedResponseSession, "
        "GetRawUpdates)"
    )
    assert issubclass(Response[Message], BaseModel), (
        "aiogram internal changed: aiogram.methods.Response is no longer a generic model"
    )


# -- containing it: nothing at import, once when the channel starts -----------------------


def test_nothing_is_patched_or_loaded_by_importing_the_bot():
    out = run_fresh(
        """
        import sys
        from pydantic import BaseModel
        rebuild = BaseModel.model_rebuild.__func__

        import bot.channels, bot.cli, bot.runner, bot.web, bot.telegram, bot.telegram.models
        from bot.channels import channel_classes

        channel_classes()
        print("aiogram.types" in sys.modules, BaseModel.model_rebuild.__func__ is rebuild)
        """
    )
    assert out.split("\n")[0] == "False True"


def test_loading_is_idempotent_and_leaves_pydantic_as_it_was():
    out = run_fresh(
        """
        from pydantic import BaseModel
        rebuild = BaseModel.model_rebuild.__func__
        from bot.telegram.models import load_aiogram

        print(load_aiogram(), load_aiogram(), BaseModel.model_rebuild.__func__ is rebuild)
        """
    )
    assert out.split("\n")[0] == "True False True"


@pytest.mark.slow  # a fresh interpreter importing aiogram: 3-7 s on this machine
def test_the_channel_loads_aiogram_without_building_its_models_when_it_opens():
    out = run_fresh(
        """
        from bot.app import build_shop
        from bot.telegram import Telegram
        from core.settings import load_settings

        telegram = Telegram.from_environment(_env_file=None, telegram_bot_token="1:x")
        channel = telegram.open(build_shop(load_settings(_env_file=None), [telegram]))
        from aiogram.methods import SendMessage
        from aiogram.types import Message, Update

        print([model.__pydantic_complete__ for model in (Update, Message, SendMessage)])
        """
    )
    assert out.split("\n")[0] == "[False, False, False]"


def test_serving_builds_at_start_the_models_the_channel_uses_and_only_those():
    out = run_fresh(
        """
        from bot.telegram.models import load_aiogram
        load_aiogram()
        from bot.telegram.channel import build_models
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
        from bot.telegram.models import load_aiogram
        load_aiogram()
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
        from bot.telegram.models import load_aiogram
        load_aiogram()
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
