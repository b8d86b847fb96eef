"""Ratings typed with words around them: the stars and the comment, and numbers in
sentences that are no rating."""

from __future__ import annotations

import pytest

from handlers.rating_typed import TypedRating, rating_with_comment


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("5 estrellas, muy bien todo", TypedRating(5, "muy bien todo", clear=True)),
        ("cinco estrellas, me encantó", TypedRating(5, "me encantó", clear=True)),
        ("⭐️⭐️⭐️⭐️ muy bonito", TypedRating(4, "muy bonito", clear=True)),
        ("4/5 buen producto", TypedRating(4, "buen producto", clear=True)),
        ("todo muy bien, 5 estrellas", TypedRating(5, "todo muy bien", clear=True)),
        ("1 star. never again", TypedRating(1, "never again", clear=True)),
        ("le doy un 4, llegó tarde", TypedRating(4, "llegó tarde", clear=False)),
        ("I'd give it a 3, the box was dented", TypedRating(3, "the box was dented", clear=False)),
        ("4, llegó un poco tarde", TypedRating(4, "llegó un poco tarde", clear=False)),
    ],
)
def test_stars_and_comment(typed: str, expected: TypedRating) -> None:
    assert rating_with_comment(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["quiero 2 tazas de talavera", "2 more candles please", "me llegaron 2 piezas, gracias",
     "4 de 10", "una pregunta, ¿tienen tazas?", "excelente, llegó rápido", "5"],
)  # fmt: skip
def test_no_rating_where_none_was_asked(typed: str) -> None:
    assert rating_with_comment(typed) is None


def test_a_rating_word_first_counts_at_the_rating_question_and_is_kept_whole() -> None:
    typed = rating_with_comment("excelente, llegó rápido", asked=True)
    assert typed == TypedRating(5, "excelente, llegó rápido", clear=False)
