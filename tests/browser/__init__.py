"""Tests in a real browser: Playwright driving Debian's Chromium (tests/browser/conftest.py)."""
