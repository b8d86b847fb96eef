"""How well and how fast the understanding step understands customers.

    .venv/bin/python bench/understanding.py            # the blind set, aggregate figures
    .venv/bin/python bench/understanding.py --dev      # our own dev set instead
    .venv/bin/python bench/understanding.py --show-dev-errors   # dev set misses, to tune

Runs handlers.understanding against the demo catalog (core/services/demo.py) on the
blind evaluation set in bench/understanding_eval/ and prints only aggregate figures:
accuracy of the primary intent, per intent and per variant, secondary intents, entities,
the low-confidence rate, CPU time per message and the memory the models take. It never
prints a blind message: reading the failures would be tuning to the set (its README)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.services.demo import DEMO_CATALOG
from handlers.understanding import CatalogEntry, Understander
from handlers.understanding.evaluation import blind_messages, dev_messages, evaluate

ROOT = Path(__file__).resolve().parent.parent


def demo_catalog() -> list[CatalogEntry]:
    return [
        CatalogEntry(row["sku"], row["name"], row["description"], row["category"])
        for row in csv.DictReader(io.StringIO(DEMO_CATALOG))
    ]


def cpu_per_message(messages, catalog, repetitions: int) -> tuple[float, float]:
    """Median and p99 CPU microseconds of one understand() call, each message timed over
    `repetitions` calls (process_time ticks are coarse; many calls average them out)."""
    understanders = {lang: Understander.load(lang) for lang in ("es", "en")}
    index = {lang: u.index(catalog) for lang, u in understanders.items()}
    per_message = []
    for message in messages:
        understander = understanders[message.lang]
        started = time.process_time()
        for _ in range(repetitions):
            understander.understand(message.text, index[message.lang])
        per_message.append((time.process_time() - started) / repetitions * 1e6)
    per_message.sort()
    return statistics.median(per_message), per_message[int(len(per_message) * 0.99) - 1]


MEMORY_PROBE = """
import gc, json, sys
sys.path.insert(0, {root!r})
def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024
import numpy, yaml, rapidfuzz, core.domain.orders  # already in the bot's process
gc.collect(); before = rss()
from handlers.understanding import Understander
es = Understander.load("es"); after_es = rss()
en = Understander.load("en"); es.understand("hola, quiero 2 tazas", ()); gc.collect()
print(json.dumps({{"before": before, "es": after_es - before, "both": rss() - before}}))
"""


def model_memory() -> dict[str, float]:
    """Extra resident MiB of loading the models, in a fresh interpreter that already holds
    what the bot imports anyway (numpy, yaml, rapidfuzz)."""
    probe = MEMORY_PROBE.format(root=str(ROOT))
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", action="store_true", help="score the dev set, not the blind set")
    parser.add_argument("--show-dev-errors", action="store_true", help="list the dev set's misses")
    parser.add_argument("--repetitions", type=int, default=50)
    args = parser.parse_args()

    catalog = demo_catalog()
    understanders = {lang: Understander.load(lang) for lang in ("es", "en")}
    indexes = {lang: u.index(catalog) for lang, u in understanders.items()}
    dev = args.dev or args.show_dev_errors
    messages = dev_messages() if dev else blind_messages()
    results = {}

    def understand(message):
        result = understanders[message.lang].understand(message.text, indexes[message.lang])
        results[id(message)] = result
        return result

    report = evaluate(messages, understand)
    print(
        f"{'dev' if dev else 'blind'} set, models: "
        + ", ".join(f"{lang} threshold {u.threshold:.2f}" for lang, u in understanders.items())
    )
    print("\n".join(report.lines()))
    if args.show_dev_errors:
        print("\nmisses (dev set only):")
        for message in messages:
            r = results[id(message)]
            wrong_entities = {
                t: (r.entity(t).value if r.entity(t) else None, v)
                for t, v in message.entities.items()
                if not (
                    r.entity(t) and str(r.entity(t).value).lower().find(str(v).lower()[:3]) >= 0
                )
            }
            if (
                r.primary != message.intent
                or set(message.also) - set(r.secondary)
                or wrong_entities
            ):
                print(
                    f"  {message.text!r}: {r.primary} ({r.confidence:.2f}) want {message.intent}"
                    f" {r.secondary} want {list(message.also)} {wrong_entities or ''}"
                )

    median, p99 = cpu_per_message(messages, catalog, args.repetitions)
    print(
        f"\nCPU per message: median {median:.0f} µs, p99 {p99:.0f} µs "
        f"(time.process_time, {args.repetitions} repetitions each; limit 500 µs)"
    )
    memory = model_memory()
    print(
        f"extra resident memory: es model {memory['es']:.1f} MiB, both models "
        f"{memory['both']:.1f} MiB (limit 30 MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
