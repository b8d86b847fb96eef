"""Texts cut to Telegram's limits without losing a character."""

from __future__ import annotations

from bot.telegram.render import CAPTION_LIMIT, TEXT_LIMIT, _caption
from bot.text import split_text


def test_a_long_text_is_split_on_line_boundaries_within_4096_characters():
    lines = [f"{n:04d} " + "x" * 95 for n in range(100)]  # 100 lines of 100 characters
    pieces = split_text("\n".join(lines), TEXT_LIMIT)
    assert all(len(piece) <= TEXT_LIMIT for piece in pieces)
    assert len(pieces) == 3
    assert "\n".join(pieces) == "\n".join(lines)
    assert all(piece.split("\n")[0][:4].isdigit() for piece in pieces)  # whole lines only


def test_a_single_line_longer_than_a_message_is_cut_but_kept_whole_in_order():
    text = "a" * 5000
    pieces = split_text(text, TEXT_LIMIT)
    assert [len(p) for p in pieces] == [4096, 904]
    assert "".join(pieces) == text


def test_a_short_text_is_one_piece():
    assert split_text("hola\nmundo", TEXT_LIMIT) == ["hola\nmundo"]


def test_a_caption_over_1024_characters_goes_in_a_following_message():
    assert _caption("corto") == ("corto", "")
    long_text = "y" * (CAPTION_LIMIT + 1)
    assert _caption(long_text) == ("", long_text)
