"""A whole address typed in one message is split into its parts, and only when the parts
are certain: anything the parser would have to guess is left to the one-by-one questions."""

from __future__ import annotations

import pytest

from core.domain.address_parsing import (
    clean_postal_code,
    missing_parts,
    normalise_city,
    normalise_neighbourhood,
    normalise_state,
    parse_address,
)

MEXICO = [
    (
        "Av Insurgentes Sur 1234 int 5, col del valle, benito juarez, cdmx, cp 03100",
        {
            "street": "Av Insurgentes Sur 1234 int 5",
            "neighbourhood": "Del Valle",
            "city": "Benito Juarez",
            "state": "Ciudad de México",
            "postal_code": "03100",
        },
    ),
    (
        "Calle 5 de Mayo 10, Centro, Puebla, Puebla, 72000",
        {
            "street": "Calle 5 de Mayo 10",
            "neighbourhood": "Centro",
            "city": "Puebla",
            "state": "Puebla",
            "postal_code": "72000",
        },
    ),
    (
        "Av. Constitución 400, Col. Centro, 64000 Monterrey, N.L.",
        {
            "street": "Av. Constitución 400",
            "neighbourhood": "Centro",
            "city": "Monterrey",
            "state": "Nuevo León",
            "postal_code": "64000",
        },
    ),
    (
        "Calle Hidalgo 14 Col. Centro C.P. 97000 Mérida, Yucatán",
        {
            "street": "Calle Hidalgo 14",
            "neighbourhood": "Centro",
            "city": "Mérida",
            "state": "Yucatán",
            "postal_code": "97000",
        },
    ),
    (
        "Av Reforma 222\nCol. Juárez\nCuauhtémoc\nCDMX\n06600",
        {
            "street": "Av Reforma 222",
            "neighbourhood": "Juárez",
            "city": "Cuauhtémoc",
            "state": "Ciudad de México",
            "postal_code": "06600",
        },
    ),
    (
        "Blvd. Kukulcán km 12.5, Zona Hotelera, 77500 Cancún, Q. Roo, México",
        {
            "street": "Blvd. Kukulcán km 12.5",
            "neighbourhood": "Zona Hotelera",
            "city": "Cancún",
            "state": "Quintana Roo",
            "postal_code": "77500",
            "country": "MX",
        },
    ),
    (
        "Calle 60 #491-A x 57 y 59, Centro, Mérida, Yuc., 97000",
        {
            "street": "Calle 60 #491-A x 57 y 59",
            "neighbourhood": "Centro",
            "city": "Mérida",
            "state": "Yucatán",
            "postal_code": "97000",
        },
    ),
    (
        "Priv. Los Pinos 8, Fracc. Las Lomas, Toluca, Edomex, 50000",
        {
            "street": "Priv. Los Pinos 8",
            "neighbourhood": "Fracc. Las Lomas",
            "city": "Toluca",
            "state": "Estado de México",
            "postal_code": "50000",
        },
    ),
    (
        "Av. Juárez 100, Centro, 06000 Ciudad de México, CDMX, México",
        {
            "street": "Av. Juárez 100",
            "neighbourhood": "Centro",
            "city": "Ciudad de México",
            "state": "Ciudad de México",
            "postal_code": "06000",
            "country": "MX",
        },
    ),
    (
        "Calle Pino 34, Col. Roma Norte, Cuauhtémoc, CDMX, 06700, "
        "entre Álvaro Obregón y Colima, portón negro",
        {
            "street": "Calle Pino 34",
            "neighbourhood": "Roma Norte",
            "city": "Cuauhtémoc",
            "state": "Ciudad de México",
            "postal_code": "06700",
            "references": "entre Álvaro Obregón y Colima, portón negro",
        },
    ),
    (  # the number in a segment of its own, the state's abbreviation after the city
        "Av. Vallarta, 3233, Vallarta Poniente, Guadalajara Jal, C.P. 44110",
        {
            "street": "Av. Vallarta 3233",
            "neighbourhood": "Vallarta Poniente",
            "city": "Guadalajara",
            "state": "Jalisco",
            "postal_code": "44110",
        },
    ),
    (  # only some parts: the rest is asked
        "Reforma 222 col Juárez cp 06600",
        {"street": "Reforma 222", "neighbourhood": "Juárez", "postal_code": "06600"},
    ),
    (
        "Av Reforma 222, 06600, CDMX",
        {  # Mexico City is the city and the state
            "street": "Av Reforma 222",
            "postal_code": "06600",
            "city": "Ciudad de México",
            "state": "Ciudad de México",
        },
    ),
    (
        "Calle Morelos 12 Int. 3, Alcaldía Coyoacán, Ciudad de México",
        {
            "street": "Calle Morelos 12 Int. 3",
            "city": "Coyoacán",
            "state": "Ciudad de México",
        },
    ),
    (  # a floor and a flat after the number, in their own segment
        "Calle Durango 200, depto 4, Roma, Cuauhtémoc, CDMX, 06700",
        {
            "street": "Calle Durango 200, depto 4",
            "neighbourhood": "Roma",
            "city": "Cuauhtémoc",
            "state": "Ciudad de México",
            "postal_code": "06700",
        },
    ),
    (
        "Domicilio conocido, Col. Centro, San Pablo Etla, Oaxaca, 68258",
        {
            "street": "Domicilio conocido",
            "neighbourhood": "Centro",
            "city": "San Pablo Etla",
            "state": "Oaxaca",
            "postal_code": "68258",
        },
    ),
]

SPAIN = [
    (
        "Calle Mayor 5, 3º B, 28013 Madrid",
        {"street": "Calle Mayor 5, 3º B", "postal_code": "28013", "city": "Madrid"},
    ),
    (
        "C/ Gran Vía 28, 2º izda, 28013 Madrid, España",
        {
            "street": "C/ Gran Vía 28, 2º izda",
            "postal_code": "28013",
            "city": "Madrid",
            "country": "ES",
        },
    ),
    (
        "Avda. Diagonal 640, 08017 Barcelona",
        {"street": "Avda. Diagonal 640", "postal_code": "08017", "city": "Barcelona"},
    ),
    (
        "Calle de Alcalá 50\n4º A\n28014 Madrid",
        {"street": "Calle de Alcalá 50, 4º A", "postal_code": "28014", "city": "Madrid"},
    ),
    (
        "Plaza Mayor 1, Valladolid, 47001",
        {"street": "Plaza Mayor 1", "city": "Valladolid", "postal_code": "47001"},
    ),
    (
        "Calle Larios 4, 29005 Málaga (Málaga)",
        {
            "street": "Calle Larios 4",
            "postal_code": "29005",
            "city": "Málaga",
            "state": "Málaga",
        },
    ),
]

# Shapes where any split would be a guess: the customer is asked part by part.
NOT_GUESSED = [
    "Av. Reforma 222",
    "Calle 5 de Mayo 10",
    "Reforma 222 Juárez Cuauhtémoc",  # no commas, no markers: where does the street end?
    "Av Reforma 222, Juárez",  # Juárez the colonia or Juárez the city?
    "Av Reforma 222, Juárez, 06600",
    "Domicilio conocido, San Pablo Etla, Oaxaca, 68258",  # a colonia or the town?
    "Calle Falsa 12345",  # a five-digit house number is not a postal code
    "Juárez",
    "CDMX, 06600",  # no street first
    "hola, buenas tardes",
    "Av Reforma 222, a, b, c, d, e, f",  # more places than an address has
    "",
    "   \n  ",
    "99999999999999999999",
]


def parts(found) -> dict[str, str]:
    return {k: v for k, v in found.as_dict().items() if v}


@pytest.mark.parametrize(("typed", "expected"), MEXICO, ids=[t for t, _e in MEXICO])
def test_a_mexican_address_in_one_message_is_split_into_its_parts(typed, expected):
    found = parse_address(typed, "MX")
    assert found is not None, typed
    assert parts(found) == expected


@pytest.mark.parametrize(("typed", "expected"), SPAIN, ids=[t for t, _e in SPAIN])
def test_a_spanish_address_in_one_message_is_split_into_its_parts(typed, expected):
    found = parse_address(typed, "ES")
    assert found is not None, typed
    assert parts(found) == expected


@pytest.mark.parametrize("typed", NOT_GUESSED)
def test_an_address_that_would_need_a_guess_is_not_split(typed):
    assert parse_address(typed, "MX") is None


def test_nothing_the_customer_typed_is_lost():
    typed = "Calle Pino 34, Col. Roma Norte, Cuauhtémoc, CDMX, 06700, entre Álvaro Obregón y Colima"
    found = parse_address(typed, "MX")
    assert found is not None and found.typed == typed
    kept = " ".join(found.as_dict().values()).casefold()
    for word in ("pino", "34", "roma", "norte", "cuauhtémoc", "06700", "obregón", "colima"):
        assert word in kept


def test_the_missing_parts_depend_on_the_country():
    mexican = parse_address("Reforma 222 col Juárez cp 06600", "MX")
    assert missing_parts(mexican.as_dict(), "MX") == ["city", "state"]
    spanish = parse_address("Calle Mayor 5, 3º B, 28013 Madrid", "ES")
    assert missing_parts(spanish.as_dict(), "ES") == []  # no colonia or province needed


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("cdmx", "Ciudad de México"),
        ("CDMX", "Ciudad de México"),
        ("D.F.", "Ciudad de México"),
        ("edo mex", "Estado de México"),
        ("N.L.", "Nuevo León"),
        ("nuevo leon", "Nuevo León"),
        ("Qro", "Querétaro"),
        ("Yucatán", "Yucatán"),
        ("Monterrey", "Monterrey"),  # not a state: as typed
        ("san luis potosi", "San Luis Potosí"),
    ],
)
def test_obvious_abbreviations_of_states_are_written_out(typed, shown):
    assert normalise_state(typed, "MX") == shown


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("cdmx", "Ciudad de México"),
        ("México D.F.", "Ciudad de México"),
        ("benito juarez", "Benito Juarez"),  # all lower case: capitalised
        ("valle de bravo", "Valle de Bravo"),
        ("Jal", "Jal"),  # a city is not written out as a state
        ("san Pedro", "san Pedro"),  # typed with a capital: as typed
    ],
)
def test_a_city_is_kept_as_typed_but_mexico_city_is_written_out(typed, shown):
    assert normalise_city(typed, "MX") == shown


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("col del valle", "Del Valle"),
        ("Col. Juárez", "Juárez"),
        ("Colonia Roma Norte", "Roma Norte"),
        ("Fracc. Las Lomas", "Fracc. Las Lomas"),
        ("Centro", "Centro"),
        ("Colinas del Sur", "Colinas del Sur"),  # starts like "col" but isn't the marker
    ],
)
def test_the_colonia_marker_is_dropped_from_the_neighbourhood(typed, shown):
    assert normalise_neighbourhood(typed) == shown


@pytest.mark.parametrize(
    ("typed", "country", "clean"),
    [
        ("06600", "MX", "06600"),
        ("cp 03100", "MX", "03100"),
        ("C.P. 97000", "MX", "97000"),
        ("06 600", "MX", "06600"),
        ("6600", "MX", None),  # four digits: which one is missing?
        ("066000", "MX", None),
        ("Juárez", "MX", None),
        ("28013", "ES", "28013"),
        ("01001", "ES", "01001"),
        ("52001", "ES", "52001"),
        ("53001", "ES", None),  # Spanish codes start with a province number, 01 to 52
        ("00100", "ES", None),
        ("SW1A 1AA", "GB", "SW1A 1AA"),  # elsewhere: the loose check of before
    ],
)
def test_postal_codes_are_checked_for_the_shops_country(typed, country, clean):
    assert clean_postal_code(typed, country) == clean
