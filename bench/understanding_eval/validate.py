"""Validate the blind understanding eval set and print counts.

Run: python3 bench/understanding_eval/validate.py   (needs PyYAML)
"""

import collections
import pathlib
import re
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent
FILES = ["es_mx.yml", "es_es.yml", "en.yml"]
INTENTS = [
    "order_status",
    "search",
    "browse_category",
    "add_to_cart",
    "view_cart",
    "checkout",
    "shipping_cost",
    "payment_methods",
    "store_hours",
    "store_location",
    "return_policy",
    "payment_sent",
    "receipt",
    "cancel_order",
    "return_request",
    "human",
    "complaint",
    "greeting",
    "thanks",
    "goodbye",
    "language_en",
    "language_es",
    "menu_help",
    "out_of_scope",
]
BIG = {
    "order_status",
    "search",
    "add_to_cart",
    "shipping_cost",
    "payment_methods",
    "human",
    "return_request",
}
PAYMENT = {"card", "cash_on_delivery", "transfer", "oxxo", "spei", "paypal", "bizum", "other"}
ENTITY_KEYS = {"product", "quantity", "order_code", "place", "payment_method"}
CODE_RE = re.compile(r"^PED-[A-Z0-9]{5}$")


def main() -> int:
    errors = []
    per_intent = collections.Counter()
    per_variant = collections.Counter()
    table = collections.defaultdict(collections.Counter)
    with_also = 0
    greeting_first = 0
    entity_counts = collections.Counter()
    seen = {}
    for name in FILES:
        data = yaml.safe_load((HERE / name).read_text(encoding="utf-8"))
        variant = data["variant"]
        if data.get("locale") not in ("es", "en"):
            errors.append(f"{name}: bad locale")
        for i, m in enumerate(data["messages"]):
            where = f"{name}#{i}"
            text, intent = m.get("text"), m.get("intent")
            if not isinstance(text, str) or not text.strip():
                errors.append(f"{where}: empty text")
                continue
            key = text.strip().lower()
            if key in seen:
                errors.append(f"{where}: duplicate of {seen[key]}: {text!r}")
            seen[key] = where
            if intent not in INTENTS:
                errors.append(f"{where}: bad intent {intent!r}")
            also = m.get("also") or []
            for a in also:
                if a not in INTENTS or a == intent:
                    errors.append(f"{where}: bad also {a!r}")
            extra = set(m) - {"text", "intent", "also", "entities"}
            if extra:
                errors.append(f"{where}: unknown keys {extra}")
            ents = m.get("entities") or {}
            for k, v in ents.items():
                entity_counts[k] += 1
                if k not in ENTITY_KEYS:
                    errors.append(f"{where}: bad entity key {k!r}")
                elif k == "quantity" and (not isinstance(v, int) or v < 1):
                    errors.append(f"{where}: quantity must be int >= 1")
                elif k == "order_code" and not CODE_RE.match(str(v)):
                    errors.append(f"{where}: bad order_code {v!r}")
                elif k == "payment_method" and v not in PAYMENT:
                    errors.append(f"{where}: bad payment_method {v!r}")
                elif k in ("product", "place") and str(v).lower() not in text.lower():
                    errors.append(f"{where}: {k} {v!r} not found in text")
            per_intent[intent] += 1
            per_variant[variant] += 1
            table[intent][variant] += 1
            if also:
                with_also += 1
            if "greeting" in also:
                greeting_first += 1

    total = sum(per_variant.values())
    variants = [yaml.safe_load((HERE / n).read_text(encoding="utf-8"))["variant"] for n in FILES]
    print(f"total messages: {total}")
    print("per variant: " + ", ".join(f"{v}={per_variant[v]}" for v in variants))
    print(f"\n| intent | {' | '.join(variants)} | total |")
    print("|---|" + "---:|" * (len(variants) + 1))
    for it in INTENTS:
        row = " | ".join(str(table[it][v]) for v in variants)
        print(f"| {it} | {row} | {per_intent[it]} |")
    print(f"\nwith secondary intent (also): {with_also}")
    print(f"greeting first + real request later: {greeting_first}")
    print(
        "entity annotations: " + ", ".join(f"{k}={entity_counts[k]}" for k in sorted(entity_counts))
    )

    for it in INTENTS:
        need = 25 if it in BIG else 10
        if per_intent[it] < need:
            errors.append(f"spread: {it} has {per_intent[it]} < {need}")
    if total < 360:
        errors.append(f"spread: only {total} messages")
    if with_also < 40:
        errors.append(f"spread: only {with_also} with also")
    if greeting_first < 20:
        errors.append(f"spread: only {greeting_first} greeting-first")
    for e in errors:
        print("ERROR:", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
