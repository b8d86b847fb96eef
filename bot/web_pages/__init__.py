"""What the web pages share (the tracking page, the web chat): Jinja2 templates in the
reader's language, the static files, and the security headers every page carries.

No build step: the templates and the little plain JavaScript are files in the package.
Templates call `_("…")` like the Python code does; `scripts/update_catalogs.py` extracts
them (babel.cfg), so a page's words are in the same catalogs as the chat's.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from handlers.i18n import Translator

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
STATIC_PREFIX = "/static"

_environment = Environment(
    loader=ChoiceLoader(
        [
            FileSystemLoader(HERE / "templates"),
            FileSystemLoader(HERE.parent / "webchat" / "templates"),
        ]
    ),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, t: Translator, **context: object) -> str:
    """The template in t's language: `_`, `ngettext` and `lang` are there for it."""
    return _environment.get_template(template).render(
        _=t.gettext, gettext=t.gettext, ngettext=t.ngettext, lang=t.locale, **context
    )


def content_security_policy(frame_ancestors: str = "'none'") -> str:
    """Only the shop's own scripts, styles and connections; images from anywhere safe
    (product photos live on the merchant's image host); no inline script or style."""
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' https: data:",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def page(html: str, *, status_code: int = 200, frame_ancestors: str = "'none'") -> HTMLResponse:
    """An HTML answer with the headers every page carries. No referrer: a tracking
    token in the address must not travel to the carrier's site with a click."""
    return HTMLResponse(
        html,
        status_code=status_code,
        headers={
            "Content-Security-Policy": content_security_policy(frame_ancestors),
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def static_router() -> APIRouter:
    """/static/…: the pages' CSS and JavaScript, from the package."""
    router = APIRouter()
    router.mount(STATIC_PREFIX, StaticFiles(directory=STATIC), name="static")
    return router
