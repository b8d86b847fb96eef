"""End-to-end fixtures: the demo shop on a real SQLite file."""

from __future__ import annotations

import pytest

from core.services.demo import seed_demo


@pytest.fixture
async def demo_shop(shop):
    await seed_demo(shop)
    return shop
