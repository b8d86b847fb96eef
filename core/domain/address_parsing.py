"""Reading a whole address typed in one message (or over several lines) into its parts.

People answer "street and number?" with the whole address: "Av Insurgentes Sur 1234 int
5, col del valle, benito juarez, cdmx, cp 03100" or "Calle Mayor 5, 3º B, 28013 Madrid".
The address is cut at commas and line breaks (and before markers such as "col", "C.P.",
"alcaldía" inside a piece), then each piece is recognised by its form: a postal code, a
colonia, a municipality, a floor or flat, references, a country, a state, or a place
whose role follows from its position (street, colonia, city, state, postal code).

The parser never guesses: when a piece could be two different parts ("Av Reforma 222,
Juárez": the colonia or the city?) it gives up and the customer is asked part by part.
Nothing typed is dropped: every piece lands in a part, and the message is kept as typed.
Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

PARTS = ("street", "neighbourhood", "city", "state", "postal_code")

# What a courier needs: in Mexico the colonia and the state too; a Spanish address is
# street, postal code and town (the province is the postal code's first two digits).
REQUIRED = {
    "MX": ("street", "neighbourhood", "city", "state", "postal_code"),
}
REQUIRED_ELSEWHERE = ("street", "city", "postal_code")

MX_STATES: dict[str, tuple[str, ...]] = {
    "Aguascalientes": ("ags",),
    "Baja California": ("bc",),
    "Baja California Sur": ("bcs",),
    "Campeche": ("camp",),
    "Chiapas": ("chis",),
    "Chihuahua": ("chih",),
    "Ciudad de México": ("cdmx", "cd de mexico", "df", "distrito federal", "mexico df"),
    "Coahuila": ("coah", "coahuila de zaragoza"),
    "Colima": (),
    "Durango": ("dgo",),
    "Estado de México": ("edomex", "edo mex", "edo de mexico", "mex"),
    "Guanajuato": ("gto",),
    "Guerrero": ("gro",),
    "Hidalgo": ("hgo",),
    "Jalisco": ("jal",),
    "Michoacán": ("mich", "michoacan de ocampo"),
    "Morelos": ("mor",),
    "Nayarit": ("nay",),
    "Nuevo León": ("nl",),
    "Oaxaca": ("oax",),
    "Puebla": ("pue", "pueb"),
    "Querétaro": ("qro", "queretaro de arteaga"),
    "Quintana Roo": ("qroo",),
    "San Luis Potosí": ("slp",),
    "Sinaloa": ("sin",),
    "Sonora": ("son",),
    "Tabasco": ("tab",),
    "Tamaulipas": ("tamps", "tamp"),
    "Tlaxcala": ("tlax",),
    "Veracruz": ("ver", "veracruz de ignacio de la llave"),
    "Yucatán": ("yuc",),
    "Zacatecas": ("zac",),
}
CDMX = "Ciudad de México"
# Abbreviations that are also everyday words: a state only as a piece of their own.
_WORDS = {"sin", "son", "ver", "mor", "mex", "camp", "tab"}
COUNTRIES = {
    "mexico": "MX",
    "republica mexicana": "MX",
    "estados unidos mexicanos": "MX",
    "espana": "ES",
    "spain": "ES",
}
# Lower-case words inside a place's name ("Valle de Bravo").
_PARTICLES = {"de", "del", "la", "las", "los", "el", "y", "e", "en"}

_PC_MARK = r"(?:c\.?\s?p\.?|c[oó]digo\s+postal|postal\s+code|zip(?:\s+code)?)"
_PC_ONLY = re.compile(rf"^(?:{_PC_MARK}\s*[:.]?\s*)?(\d{{5}})$", re.I)
_PC_THEN_PLACE = re.compile(rf"^(?:{_PC_MARK}\s*[:.]?\s*)?(\d{{5}})\s+(\D{{2,}})$", re.I)
_PLACE_THEN_PC = re.compile(rf"^(\D{{2,}}?)[\s,]+(?:{_PC_MARK}\s*[:.]?\s*)?(\d{{5}})$", re.I)
_COLONIA = re.compile(r"^(?:col\.|col\s|colonia\s)\s*(.+)$", re.I)
_NEIGHBOURHOOD = re.compile(
    r"^(?:fracc?\.|fraccionamiento|barrio|bo\.|unidad\s+habitacional|u\.\s?h\.|"
    r"residencial|conjunto\s+habitacional|ejido|zona)\s*\S",
    re.I,
)
_MUNICIPALITY = re.compile(
    r"^(?:alcald[ií]a|alc\.|delegaci[oó]n|deleg\.|del\.|municipio|mpio\.|mun\.)\s*(.+)$", re.I
)
_FLOOR = re.compile(
    r"^(?:(?:int|interior|depto|dpto|departamento|depa|apto|apartamento|piso|planta|puerta|"
    r"pta|esc|escalera|bloque|portal|local|edificio|edif|torre|mz|manzana|lt|lote)\b"
    r"|(?:bajo|[aá]tico|entresuelo|entlo|principal|pral)\b"
    r"|\d{1,2}\s*[º°ª]"
    r"|\d{1,2}\s*(?:izq|izda|izquierda|dcha|der|derecha|centro|ctro)\b)",
    re.I,
)
_NUMBER = re.compile(r"^(?:#|no\.?|n[uú]m\.?|n[º°])?\s*(?:\d{1,4}(?:\s*-?\s*[a-z])?|s/?n)$", re.I)
_REFERENCE = re.compile(
    r"^(?:entre|esq\.?|esquina|frente\s+a|cerca\s+de|junto\s+a|a\s+(?:un\s+)?lado\s+de|"
    r"atr[aá]s\s+de|referencias?|ref\.|port[oó]n|fachada|casa\s+(?:de\s+)?color)\b",
    re.I,
)
_STREET_WORDS = re.compile(
    r"^(?:calle|c/|av|avenida|avda|blvd|boulevard|bulevar|calz|calzada|carretera|carr|"
    r"camino|privada|priv|cerrada|cda|andador|paseo|plaza|pza|prolongaci[oó]n|prol|"
    r"circuito|cto|retorno|ronda|traves[ií]a|glorieta|callej[oó]n|cjon|perif[eé]rico|"
    r"domicilio\s+conocido|manzana|mz)\b",
    re.I,
)
# Markers inside a piece: "Reforma 222 col Juárez cp 06600" is three pieces.
_INLINE_MARK = re.compile(
    r"\s(?=(?:col\.|col\s|colonia\s|c\.\s?p\.|cp\.?\s*\d|c[oó]digo\s+postal|"
    r"alcald[ií]a\s|municipio\s|delegaci[oó]n\s))",
    re.I,
)
_PARENTHESES = re.compile(r"^(.*?)\s*\(([^()]+)\)$")


@dataclass(frozen=True)
class ParsedAddress:
    street: str
    neighbourhood: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""
    references: str = ""
    typed: str = ""  # the message as the customer wrote it

    def as_dict(self) -> dict[str, str]:
        found = asdict(self)
        found.pop("typed")
        return found


@dataclass
class _Place:
    text: str
    with_postal_code: bool = False  # "28013 Madrid": the postal town


def parse_address(text: str, country: str = "MX") -> ParsedAddress | None:
    """The parts of a whole address, or None when it is one part (a street) or can't
    be split without guessing."""
    country = country.upper()
    typed = (text or "").strip()
    pieces = _pieces(typed)
    if len(pieces) < 2 or not _looks_like_street(pieces[0]):
        return None
    found: dict[str, str] = {"street": pieces[0]}
    places: list[_Place] = []
    references: list[str] = []
    for piece in pieces[1:]:
        if not _take(piece, found, places, references):
            return None
    if references:
        found["references"] = ", ".join(references)
    if not _place_the_places(found, places, country):
        return None
    _complete_cdmx(found, country)
    code = found.get("postal_code", "")
    if code and clean_postal_code(code, country) is None:
        found["postal_code"] = ""  # asked again, with what a postal code here looks like
    tidy = {
        "street": tidy_case(found["street"]),
        "neighbourhood": normalise_neighbourhood(found.get("neighbourhood", "")),
        "city": normalise_city(found.get("city", ""), country),
        "state": normalise_state(found.get("state", ""), country),
        "postal_code": found.get("postal_code", ""),
        "country": found.get("country", ""),
        "references": found.get("references", ""),
    }
    if sum(1 for part in PARTS if tidy[part]) < 2:
        return None
    return ParsedAddress(**tidy, typed=typed)


def missing_parts(address: dict, country: str = "MX") -> list[str]:
    """The parts a courier needs that the address lacks, in the order they are asked."""
    required = REQUIRED.get(country.upper(), REQUIRED_ELSEWHERE)
    return [part for part in required if not str(address.get(part) or "").strip()]


def clean_postal_code(text: str, country: str = "MX") -> str | None:
    """The postal code as it is written, or None when it can't be one in that country:
    five digits in Mexico; five digits from 01 to 52 (the province) in Spain."""
    value = re.sub(rf"^{_PC_MARK}\s*[:.]?\s*", "", (text or "").strip(), flags=re.I)
    country = country.upper()
    if country in ("MX", "ES"):
        digits = re.sub(r"[\s-]", "", value)
        if not (digits.isascii() and re.fullmatch(r"\d{5}", digits)):
            return None
        if country == "ES" and not 1 <= int(digits[:2]) <= 52:
            return None
        return digits
    return value if re.fullmatch(r"[A-Za-z0-9 -]{3,10}", value) else None


def normalise_state(text: str, country: str = "MX") -> str:
    """A state written out ("cdmx" is "Ciudad de México", "N.L." is "Nuevo León")."""
    value = text.strip()
    if country.upper() == "MX":
        state = _state_named(value)
        if state:
            return state
    return tidy_case(value)


def normalise_city(text: str, country: str = "MX") -> str:
    """A city as typed, but "cdmx" / "D.F." written out."""
    value = text.strip()
    if country.upper() == "MX" and _state_named(value) == CDMX:
        return CDMX
    return tidy_case(value)


def normalise_neighbourhood(text: str) -> str:
    """The colonia without its marker: "col del valle" is "Del Valle"."""
    value = text.strip()
    marked = _COLONIA.match(value)
    return tidy_case(marked.group(1).strip() if marked else value)


def tidy_case(text: str) -> str:
    """Words typed all in lower case get capitals ("benito juarez": "Benito Juarez");
    anything typed with capitals stays as it is."""
    value = " ".join(text.split())
    if value != value.lower() or not re.search(r"[^\W\d_]", value):
        return value
    words = value.split(" ")
    return " ".join(
        w if n and w in _PARTICLES else w[:1].upper() + w[1:] for n, w in enumerate(words)
    )


def _pieces(typed: str) -> list[str]:
    """Cut at line breaks, commas and semicolons, then before markers inside a piece."""
    pieces = []
    for rough in re.split(r"[\n\r,;]+", typed):
        rough = " ".join(rough.split())
        if not rough:
            continue
        # A marker starts a new piece only after the street's number ("... 14 Col. Centro").
        marks = [m.start() for m in _INLINE_MARK.finditer(rough)]
        cut = [at for at in marks if re.search(r"\d", rough[:at])]
        starts = [0, *cut]
        ends = [*cut, len(rough)]
        pieces += [rough[a:b].strip() for a, b in zip(starts, ends, strict=True)]
    return [p for p in pieces if p]


def _looks_like_street(piece: str) -> bool:
    has_letter = re.search(r"[^\W\d_]", piece) is not None
    has_digit = re.search(r"\d", piece) is not None
    return has_letter and (has_digit or _STREET_WORDS.match(piece) is not None)


def _take(piece: str, found: dict[str, str], places: list[_Place], refs: list[str]) -> bool:
    """Put one piece where its form says it goes; False when it can't go anywhere."""
    if refs and not (_PC_ONLY.match(piece) or _key(piece) in _COUNTRY_KEYS):
        refs.append(piece)  # what follows the references is more of them
    elif match := _PC_ONLY.match(piece):
        return _set(found, "postal_code", match.group(1))
    elif match := _PC_THEN_PLACE.match(piece):
        places.append(_Place(match.group(2).strip(), with_postal_code=True))
        return _set(found, "postal_code", match.group(1))
    elif (match := _PLACE_THEN_PC.match(piece)) and not _FLOOR.match(piece):
        places.append(_Place(match.group(1).strip(), with_postal_code=True))
        return _set(found, "postal_code", match.group(2))
    elif _COLONIA.match(piece) or _NEIGHBOURHOOD.match(piece):
        return _set(found, "neighbourhood", piece)
    elif match := _MUNICIPALITY.match(piece):
        return _set(found, "city", match.group(1).strip())
    elif _FLOOR.match(piece):
        found["street"] += f", {piece}"
    elif _NUMBER.match(piece):
        found["street"] += f" {piece}"
    elif _REFERENCE.match(piece):
        refs.append(piece)
    elif _key(piece) in _COUNTRY_KEYS:
        return _set(found, "country", _COUNTRY_KEYS[_key(piece)])
    else:
        places.append(_Place(piece))
    return True


def _set(found: dict[str, str], part: str, value: str) -> bool:
    """A part given twice (two postal codes) can't be placed without a guess."""
    if found.get(part) and _key(found[part]) != _key(value):
        return False
    found[part] = value
    return True


def _place_the_places(found: dict[str, str], places: list[_Place], country: str) -> bool:
    """Give the unmarked places their parts by position; False if that needs a guess."""
    for place in places:  # "29005 Málaga (Málaga)": the province in brackets
        bracketed = _PARENTHESES.match(place.text)
        if bracketed and not _set(found, "state", bracketed.group(2).strip()):
            return False
        if bracketed:
            place.text = bracketed.group(1).strip()
    if country == "MX" and not found.get("state"):
        _find_state(found, places)
    postal_towns = [p for p in places if p.with_postal_code]
    others = [p.text for p in places if not p.with_postal_code]
    if len(postal_towns) > 1 or (postal_towns and found.get("city")):
        return False
    if postal_towns:
        found["city"] = postal_towns[0].text
    slots = [
        part
        for part in ("neighbourhood", "city")
        if not found.get(part) and (part == "city" or country == "MX")
    ]
    if len(others) == len(slots) + 1 and not found.get("state"):
        slots.append("state")  # street, colonia, city and then the state
    if others and len(others) != len(slots):
        return False
    found.update(zip(slots, others, strict=False))
    return True


def _find_state(found: dict[str, str], places: list[_Place]) -> None:
    """The state among the places: the last one named like a state; else a state's
    abbreviation beside the postal code ("NL 64000"); else one after the city in the
    same piece ("Guadalajara Jal")."""
    for place in reversed([p for p in places if not p.with_postal_code]):
        if state := _state_named(place.text):
            found["state"] = state
            places.remove(place)
            return
    for place in places:
        state = _state_named(place.text)
        if place.with_postal_code and state and _key(place.text) != _key(state):
            found["state"] = state
            places.remove(place)
            return
    for place in reversed(places):
        split = _city_and_state(place.text)
        if split:
            place.text, found["state"] = split
            return


def _city_and_state(text: str) -> tuple[str, str] | None:
    words = text.split()
    for cut in range(1, len(words)):
        city, tail = " ".join(words[:cut]), " ".join(words[cut:])
        state = _state_named(tail)
        if state and _key(tail) not in _WORDS and words[cut - 1].lower() not in _PARTICLES:
            return city, state
    return None


def _complete_cdmx(found: dict[str, str], country: str) -> None:
    """Mexico City is a city and a state at once: one of them gives the other."""
    if country != "MX":
        return
    if _state_named(found.get("state", "")) == CDMX and not found.get("city"):
        found["city"] = CDMX
    elif _state_named(found.get("city", "")) == CDMX and not found.get("state"):
        found["state"] = CDMX


def _state_named(text: str) -> str:
    return _STATE_KEYS.get(_key(text), "")


def _key(text: str) -> str:
    """Lower case, no accents, letters and digits only: "Q. Roo" is "qroo"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


_STATE_KEYS = {
    _key(alias): name for name, aliases in MX_STATES.items() for alias in (name, *aliases)
}
_COUNTRY_KEYS = {_key(name): code for name, code in COUNTRIES.items()}
