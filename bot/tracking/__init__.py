"""Carrier tracking webhooks in: AfterShip's (aftership.py) and a generic one signed per
the Standard Webhooks spec (generic.py), both turned into core.domain.tracking
Checkpoints for core/services/tracking.py (docs/tracking.md)."""
