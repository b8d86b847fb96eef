"""What the understanding step makes of customers' messages: intents and entities."""

from __future__ import annotations

import pytest

from handlers.understanding import INTENTS, CatalogEntry, Understander

CATALOG = [
    CatalogEntry("TAZA-TAL", "Taza de talavera", "Taza artesanal de Puebla de 350 ml.", "Hogar"),
    CatalogEntry("VELA-LAV", "Vela de lavanda", "Vela de soya aromática de 200 g.", "Hogar"),
    CatalogEntry("CAM-AZUL-M", "Camisa azul (M)", "Camisa de algodón, manga larga.", "Ropa"),
    CatalogEntry("PLAY-NEGRA-G", "Playera negra (G)", "Playera básica, 100 % algodón.", "Ropa"),
    CatalogEntry("GOR-ROJA", "Gorra roja", "Gorra ajustable bordada.", "Accesorios"),
    CatalogEntry("LENT-SOL", "Lentes de sol", "Lentes con protección UV400.", "Accesorios"),
    CatalogEntry("TEN-BLA", "Tenis blancos", "Tenis de lona.", "Ropa"),
    CatalogEntry("COJ-BORD", "Cojín bordado", "Cojín bordado a mano de 45 x 45 cm.", "Hogar"),
]


@pytest.fixture(scope="module")
def es() -> Understander:
    return Understander.load("es")


@pytest.fixture(scope="module")
def en() -> Understander:
    return Understander.load("en")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("ya lo enviaron??", "order_status"),
        ("cuando llega", "order_status"),
        ("donde viene mi paquete", "order_status"),
        ("tienen gorras?", "search"),
        ("quiero 2 tazas", "add_to_cart"),
        ("ya quiero pagar", "checkout"),
        ("cuanto cuesta el envio a monterrey", "shipping_cost"),
        ("aceptan tarjeta?", "payment_methods"),
        ("ya te deposité", "payment_sent"),
        ("me llego roto", "return_request"),
        ("me pasas con un asesor", "human"),
        ("english please", "language_en"),
    ],
)
def test_the_issues_examples_get_their_intent_with_confidence(es, text, intent):
    result = es.understand(text, CATALOG)
    assert result.primary == intent
    assert result.confident


def test_a_voice_note_that_greets_first_is_answered_as_its_question_and_says_hello(es):
    result = es.understand(
        "hola buenas tardes mire le escribo porque hice una compra el lunes y quería "
        "saber donde viene mi paquete",
        CATALOG,
    )
    assert result.primary == "order_status"
    assert result.found[0] == "greeting"
    assert "greeting" in result.secondary


def test_an_english_greeting_with_a_question_gives_the_question(en):
    result = en.understand("hey there! where is my order", CATALOG)
    assert result.primary == "order_status"
    assert result.secondary == ["greeting"]


def test_a_greeting_alone_is_a_greeting(es):
    assert es.understand("hola buenas tardes", CATALOG).primary == "greeting"


def test_anger_with_a_request_answers_the_request_and_keeps_the_anger(es):
    result = es.understand("NO ME HA LLEGADO MI PEDIDO, que pésimo servicio", CATALOG)
    assert result.primary == "order_status"
    assert "complaint" in result.secondary


def test_gibberish_is_not_confident_and_offers_two_alternatives(es):
    result = es.understand("zxq wpt", CATALOG)
    assert not result.confident
    assert len(result.alternatives()) == 2
    assert result.alternatives()[0] == result.primary


def test_intents_are_listed_best_first_with_every_label(es):
    result = es.understand("tienen tazas?", CATALOG)
    confidences = [c for _, c in result.intents[1:]]
    assert confidences == sorted(confidences, reverse=True)
    assert len(result.intents) == len(INTENTS)


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        ("quiero 2 tazas", 2),
        ("dame media docena de tazas", 6),
        ("un par de gorras porfa", 2),
        ("quiero una docena de velas", 12),
        ("ponme tres velas", 3),
    ],
)
def test_quantities_in_digits_and_words(es, text, quantity):
    assert es.understand(text, CATALOG).entity("quantity").value == quantity


def test_english_collective_quantities(en):
    assert en.understand("a couple of caps please", CATALOG).entity("quantity").value == 2
    assert en.understand("half a dozen mugs", CATALOG).entity("quantity").value == 6


def test_a_number_before_of_the_things_named_is_a_quantity(es, en):
    """ "dos de las gorras" is two caps; "3 de junio" or "2 of 5" is no quantity."""
    assert es.understand("dame dos de las gorras negras", CATALOG).entity("quantity").value == 2
    assert en.understand("add three of those caps please", CATALOG).entity("quantity").value == 3
    assert es.understand("llega el 3 de junio?", CATALOG).entity("quantity") is None
    assert en.understand("rated 2 of 5", CATALOG).entity("quantity") is None


def test_zero_a_negative_or_a_big_number_is_the_quantity_said(es):
    """Kept as said, so the cart refuses it in words instead of adding one."""
    assert es.understand("quiero 0 gorras", CATALOG).entity("quantity").value == 0
    assert es.understand("quiero -3 gorras", CATALOG).entity("quantity").value == -3
    assert es.understand("quiero 1000 gorras", CATALOG).entity("quantity").value == 1000


def test_a_number_before_de_and_a_product_is_how_many_of_it(es, en):
    """ "me das 2 de lavanda" is two lavender candles; "a las 2 de la tarde" is a time."""
    said = es.understand("me das 2 de lavanda", CATALOG)
    assert said.entity("quantity").value == 2 and said.entity("product") is not None
    assert es.understand("quiero 2 de la taza", CATALOG).entity("quantity").value == 2
    assert es.understand("llega a las 2 de la tarde?", CATALOG).entity("quantity") is None
    assert en.understand("i want 2 of a mug", CATALOG).entity("quantity").value == 2


def test_the_digits_at_the_end_of_a_code_are_not_a_quantity(es):
    assert es.understand("agrega xyz-123", CATALOG).entity("quantity") is None
    assert es.understand("quiero la gorra modelo GR-2", CATALOG).entity("quantity") is None


def test_an_article_a_size_or_a_price_is_not_a_quantity(es):
    assert es.understand("quiero una gorra", CATALOG).entity("quantity") is None
    assert es.understand("tienen tenis del 27?", CATALOG).entity("quantity") is None
    assert es.understand("la taza cuesta $189?", CATALOG).entity("quantity") is None


@pytest.mark.parametrize(
    "text",
    [
        "donde esta mi pedido PED-7K3FQ",
        "mi pedido ped 7k3fq",
        "el 7K3FQ no llega",
        "pedido PED - 7K3 FQ",
    ],
)
def test_order_codes_with_or_without_prefix_are_normalised(es, text):
    assert es.understand(text, CATALOG).entity("order_code").value == "PED-7K3FQ"


def test_a_word_of_five_letters_is_not_an_order_code(es):
    assert es.understand("quiero tazas", CATALOG).entity("order_code") is None


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("cuanto cuesta el envio a monterrey", "monterrey"),
        ("envían a Nuevo León?", "Nuevo León"),
        ("¿hacéis envíos a Valencia?", "Valencia"),
        ("el envio al 64000 cuanto es", "64000"),
    ],
)
def test_places_are_the_customers_words(es, text, place):
    assert es.understand(text, CATALOG).entity("place").value == place


@pytest.mark.parametrize(
    ("text", "method"),
    [
        ("aceptan tarjeta?", "card"),
        ("tienen pago contra entrega?", "cash_on_delivery"),
        ("ya hice la transferencia", "transfer"),
        ("puedo pagar en oxxo?", "oxxo"),
        ("se puede por spei?", "spei"),
        ("aceptan paypal?", "paypal"),
        ("¿aceptáis Bizum?", "bizum"),
        ("aceptan mercado pago?", "other"),
        ("no tengo tarjeta, puedo pagar en oxxo?", "oxxo"),
    ],
)
def test_payment_methods(es, text, method):
    assert es.understand(text, CATALOG).entity("payment_method").value == method


def test_a_payment_method_ruled_out_is_not_the_one_asked_about(es):
    assert (
        es.understand("no tengo tarjeta, hay otra forma?", CATALOG).entity("payment_method") is None
    )


@pytest.mark.parametrize(
    ("text", "words", "key"),
    [
        ("tienen gorras?", "gorras", "GOR-ROJA"),
        ("quiero una taza de talabera", "taza de talabera", "TAZA-TAL"),  # typo
        ("cuanto cuesta el cojin", "cojin", "COJ-BORD"),  # no accent
        ("hay camisetas negras?", "camisetas negras", "PLAY-NEGRA-G"),  # synonym
        ("venden cachuchas?", "cachuchas", "GOR-ROJA"),
        ("tienen gafas de sol?", "gafas de sol", "LENT-SOL"),
        ("tienen zapatillas?", "zapatillas", "TEN-BLA"),
        ("quiero 2 camsas azules", "camsas azules", "CAM-AZUL-M"),  # typo + plural
    ],
)
def test_products_are_found_in_the_catalog_with_typos_accents_and_synonyms(es, text, words, key):
    product = es.understand(text, CATALOG).entity("product")
    assert product.text == words
    assert product.matches[0] == key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("do you have mugs?", "TAZA-TAL"),
        ("2 lavender candles", "VELA-LAV"),
        ("any t-shirts?", "PLAY-NEGRA-G"),
        ("sunglasses price", "LENT-SOL"),
        ("got sneakers?", "TEN-BLA"),
    ],
)
def test_english_product_words_find_the_spanish_catalog(en, text, key):
    assert en.understand(text, CATALOG).entity("product").matches[0] == key


def test_a_product_the_catalog_lacks_is_still_named_without_matches(es):
    product = es.understand("tienen bolsas?", CATALOG).entity("product")
    assert product.text == "bolsas"
    assert product.matches == ()


@pytest.mark.parametrize("text", ["de", "la", "de la", "the", "quiero de la"])
def test_stop_words_never_match_a_product(es, en, text):
    assert es.understand(text, CATALOG).entity("product") is None
    assert en.understand(text, CATALOG).entity("product") is None


def test_a_category_is_found_by_its_name_or_a_synonym(es, en):
    assert es.understand("ver categoría hogar", CATALOG).entity("category").value == "Hogar"
    assert en.understand("show me clothing", CATALOG).entity("category").value == "Ropa"


def test_the_loader_is_cached_per_language():
    assert Understander.load("es") is Understander.load("es")
    assert Understander.load("es") is not Understander.load("en")


def test_importing_the_package_reads_nothing():
    import subprocess
    import sys

    code = (
        "import builtins, sys; opened = []; real = builtins.open\n"
        "builtins.open = lambda *a, **k: (opened.append(a[0]), real(*a, **k))[1]\n"
        "import handlers.understanding\n"
        "print([p for p in opened if 'understanding' in str(p) or 'locales' in str(p)])\n"
        "print('sklearn' in sys.modules, 'scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "False False"]


def test_digits_that_int_refuses_are_no_quantity_and_no_crash():
    """ "❶" or "⑴" are digits to str.isdigit, and int() refuses them (a crash once)."""
    understander = Understander.load("es")
    for text in ("quiero ❶ taza", "⑴ vela ⓵ ➀"):
        said = understander.understand(text)
        assert all(e.type != "quantity" for e in said.entities)
    assert understander.understand("dame ¹ gorra").entity("quantity").value == 1  # NFKD
