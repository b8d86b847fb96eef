"""The ids a WhatsApp person writes with (customers.person_key, person_aliases): phone
number, business-scoped user id (BSUID), or both, each message may carry any of them and
the shop knows the person by one id. On SQLite and, when given, PostgreSQL."""

from __future__ import annotations

from core.domain.actors import customer as customer_actor
from core.services import customers, privacy

PHONE, BSUID = "5215512345678", "MX.1425093387524261"
OTHER_PHONE, OTHER_BSUID = "5215587654321", "MX.1877046612093348"


async def key(shop, *ids: str, remember: bool = True) -> str:
    return await customers.person_key(shop, "whatsapp", list(ids), remember=remember)


async def test_someone_new_with_both_ids_is_known_by_phone_then_by_either(shop):
    assert await key(shop, PHONE, BSUID) == PHONE
    assert await key(shop, "", BSUID) == PHONE
    assert await key(shop, PHONE, "") == PHONE
    assert await key(shop, OTHER_PHONE, OTHER_BSUID) == OTHER_PHONE


async def test_someone_first_known_by_user_id_stays_so_when_their_phone_shows(shop):
    assert await key(shop, "", BSUID) == BSUID
    assert await key(shop, PHONE, BSUID) == BSUID
    assert await key(shop, PHONE, "") == BSUID


async def test_two_people_that_turn_out_to_be_one_are_the_phones_from_then_on(shop):
    assert await key(shop, PHONE, "") == PHONE
    assert await key(shop, "", BSUID) == BSUID  # nothing tells it is the same person yet
    assert await key(shop, PHONE, BSUID) == PHONE
    assert await key(shop, "", BSUID) == PHONE


async def test_looking_up_remembers_nothing_and_no_id_is_nobody(shop):
    assert await key(shop, "", BSUID, remember=False) == BSUID
    assert await key(shop, PHONE, BSUID, remember=False) == PHONE  # nothing was written
    assert await key(shop, "", "") == ""


async def test_a_user_id_too_long_to_know_someone_by_is_still_remembered_as_theirs(shop):
    long_id = "MX." + "7" * 128  # Meta: up to 128 characters after the country
    assert await key(shop, "", long_id) == ""  # nobody new can be known by it
    assert await key(shop, PHONE, long_id) == PHONE
    assert await key(shop, "", long_id) == PHONE


async def test_forgetting_a_customer_forgets_the_ids_they_wrote_with(shop):
    assert await key(shop, PHONE, BSUID) == PHONE
    person = await customers.identify(shop, "whatsapp", PHONE)

    await privacy.forget_customer(shop, customer_actor(person.id), person.id)

    assert await key(shop, "", BSUID, remember=False) == BSUID  # no longer leads to them
