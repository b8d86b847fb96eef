"""Order codes: short, unambiguous when read aloud, forgiving when typed back."""

from __future__ import annotations

import re

import pytest

from core.domain.orders import new_order_code, normalize_order_code

CODE = re.compile(r"^PED-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{5}$")


def test_new_order_codes_use_only_unambiguous_characters():
    codes = [new_order_code() for _ in range(2000)]
    bad = [code for code in codes if not CODE.fullmatch(code)]
    assert bad == []
    assert not set("".join(code[4:] for code in codes)) & set("01OIL")


def test_new_order_codes_are_random_not_repeated():
    codes = {new_order_code() for _ in range(500)}
    # 31^5 (about 28.6 million) codes: 500 draws colliding more than twice is
    # practically impossible
    assert len(codes) >= 498


def test_a_new_code_survives_being_typed_back_in_lower_case():
    for _ in range(200):
        code = new_order_code()
        assert normalize_order_code(code.lower()) == code
        assert normalize_order_code(code.replace("-", " ")) == code


@pytest.mark.parametrize(
    "text",
    ["ped 7k3fq", "PED-7K3FQ", "7k3fq", "  PED-7K3FQ  ", "ped-7k3fq", "PED7K3FQ", "#PED-7K3FQ."],
)
def test_a_typed_order_code_is_recognised_however_it_is_written(text):
    assert normalize_order_code(text) == "PED-7K3FQ"


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "PED-0000O",  # 0 and O are never used
        "PED-7K3F1",  # neither is 1
        "PED-7K3FI",  # nor I
        "PED-7K3FL",  # nor L
        "",
        "   ",
        "PED-7K3F",  # too short
        "PED-7K3FQQ",  # too long
        "PED-",
        "XYZ-7K3FQ",
    ],
)
def test_text_that_is_not_an_order_code_is_not_taken_for_one(text):
    assert normalize_order_code(text) is None


def test_the_bare_body_of_a_code_starting_with_ped_is_recognised():
    assert normalize_order_code("ped7k") == "PED-PED7K"


def test_one_reading_of_typed_codes_serves_every_prefix():
    from core.domain.codes import new_code, normalize_code
    from core.domain.purchase_orders import normalize_purchase_order_code

    assert normalize_code("oc 7k3f", "OC-", 4) == "OC-7K3F"
    assert normalize_code("7k3f", "OC-", 4) == normalize_purchase_order_code("7k3f")
    assert normalize_code("PED-7K3FQ", "OC-", 4) is None  # another kind's code
    assert normalize_code("oc 0k3f", "OC-", 4) is None  # 0 is not in the alphabet
    code = new_code("OC-", 4)
    assert normalize_purchase_order_code(code.lower()) == code
