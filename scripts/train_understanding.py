"""Build the understanding models (what `make understanding` runs):

    .venv/bin/python scripts/train_understanding.py [--lang es en] [--compare]

The work is in handlers/understanding/training.py, so the loader can run the same code
(`python -m handlers.understanding.training`) when a fresh clone has no model yet."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handlers.understanding.training import main

if __name__ == "__main__":
    sys.exit(main())
