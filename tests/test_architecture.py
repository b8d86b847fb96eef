"""The layers' arrows point down only: core knows no handler, bot or SDK; the domain is
pure; handlers know no database and no SDK. Checked on the source with ast, so a lazy
import inside a function counts as much as one at the top of a module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SDKS = {"aiogram", "telegram", "pywa", "fastapi", "uvicorn", "httpx", "aiohttp"}
DATABASE = {"sqlalchemy", "alembic", "aiosqlite", "asyncpg"}

# folder -> top-level packages its modules must not import
FORBIDDEN = {
    "core": {"handlers", "bot", "babel"} | SDKS,
    "core/domain": {"handlers", "bot", "babel"} | SDKS | DATABASE,
    "handlers": {"bot"} | DATABASE | {"aiogram", "telegram", "pywa", "fastapi"},
}


def python_files(folder: str, root: Path = ROOT) -> list[Path]:
    return sorted(path for path in (root / folder).rglob("*.py") if "__pycache__" not in path.parts)


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import anywhere in the source."""
    found: list[tuple[int, str]] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                if node.module:
                    base.append(node.module)
                prefix = ".".join(base)
            else:
                prefix = node.module or ""
            # "from x import y" may import the module x.y: record each name under x
            found.extend(
                (node.lineno, f"{prefix}.{alias.name}" if prefix else alias.name)
                for alias in node.names
            )
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def violations(folder: str, forbidden: set[str], root: Path = ROOT) -> list[str]:
    problems = []
    for path in python_files(folder, root):
        module = module_name(path, root)
        is_package = path.name == "__init__.py"
        for line, name in imported_modules(path.read_text("utf-8"), module, is_package):
            top = name.split(".")[0]
            if top in forbidden:
                problems.append(f"{path.relative_to(root).as_posix()}:{line} imports {name}")
    return problems


@pytest.mark.parametrize("folder", ["core", "core/domain", "handlers", "bot"])
def test_the_checked_folders_hold_python_modules(folder):
    assert python_files(folder), f"no .py files found under {folder}/"


def test_the_domain_modules_this_test_relies_on_are_seen():
    names = {module_name(p) for p in python_files("core/domain")}
    assert {"core.domain.money", "core.domain.orders", "core.domain.pricing"} <= names


@pytest.mark.parametrize(("folder", "forbidden"), FORBIDDEN.items(), ids=list(FORBIDDEN))
def test_layers_import_only_what_is_below_them(folder, forbidden):
    assert violations(folder, forbidden) == []


def test_the_import_checker_sees_every_kind_of_import():
    source = (
        "import aiogram.types\n"
        "from sqlalchemy import select\n"
        "def later():\n"
        "    from ...bot import cli\n"
        "    import importlib\n"
        "    importlib.import_module('fastapi')\n"
    )
    names = [name for _, name in imported_modules(source, "core.domain.money", False)]
    assert sorted(names) == [
        "aiogram.types",
        "bot.cli",
        "fastapi",
        "importlib",
        "sqlalchemy.select",
    ]


def test_relative_imports_resolve_to_their_package():
    source = "from .money import Money\nfrom .. import store\n"
    found = imported_modules(source, "core.domain.orders", False)
    assert [name for _, name in found] == ["core.domain.money.Money", "core.store"]


def test_the_import_checker_reports_a_violation_with_file_and_line(tmp_path):
    package = tmp_path / "handlers"
    package.mkdir()
    (package / "menu.py").write_text("import os\n\nfrom sqlalchemy import select\n")
    assert violations("handlers", FORBIDDEN["handlers"], tmp_path) == [
        "handlers/menu.py:3 imports sqlalchemy.select"
    ]


# --- nothing happens at import time: no environment or settings read at module level ---

OS_ENV_NAMES = {"environ", "environb", "getenv", "getenvb"}
SETTINGS_LOADERS = {"load_settings", "Settings"}


def module_level_env_reads(source: str) -> list[tuple[int, str]]:
    """os.environ, os.getenv or settings loading where importing the module runs them:
    module and class bodies, decorators, default values; not inside function bodies."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for child in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
                if child is not None:
                    visit(child)
            return
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, ast.ClassDef):
            for child in [*node.decorator_list, *node.bases]:
                visit(child)
            for statement in node.body:
                visit(statement)
            return
        if isinstance(node, ast.Attribute) and node.attr in OS_ENV_NAMES:
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in SETTINGS_LOADERS:
                found.append((node.lineno, f"{name}()"))
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found.extend(
                (node.lineno, f"from os import {alias.name}")
                for alias in node.names
                if alias.name in OS_ENV_NAMES
            )
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found


def test_the_env_checker_sees_module_level_reads_and_ignores_function_bodies():
    source = (
        "import os\n"
        "TOKEN = os.environ['TOKEN']\n"
        "class C:\n"
        "    url = os.getenv('URL')\n"
        "def f(x=os.environ.get('X')):\n"
        "    return os.environ['Y']\n"
        "SETTINGS = load_settings()\n"
    )
    assert [line for line, _ in module_level_env_reads(source)] == [2, 4, 5, 7]


@pytest.mark.parametrize("folder", ["core", "handlers"])
def test_no_module_reads_the_environment_or_settings_at_import_time(folder):
    problems = [
        f"{path.relative_to(ROOT)}:{line} {what}"
        for path in python_files(folder)
        for line, what in module_level_env_reads(path.read_text("utf-8"))
    ]
    assert problems == []


# -- core names no chat channel (issue #15): channels are plug-ins in bot/ ---------------

CHANNEL_NAMES = ("telegram", "whatsapp")


def channel_names_in_code(source: str) -> list[tuple[int, str]]:
    """(line, text) of every identifier, attribute, argument or string in the code that
    names a channel; comments and docstrings may still mention one as an example."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = "" if id(node) in docstrings else node.value
        elif isinstance(node, ast.Name):
            text = node.id
        elif isinstance(node, ast.Attribute):
            text = node.attr
        elif isinstance(node, ast.arg):
            text = node.arg
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.alias):
            text = node.name
        else:
            continue
        if any(name in text.lower() for name in CHANNEL_NAMES):
            found.append((getattr(node, "lineno", 0), text))
    return found


def test_the_channel_name_checker_sees_code_and_ignores_docstrings_and_comments():
    source = (
        '"""Works on WhatsApp too."""\n'
        "# Telegram sends it twice\n"
        "GROUP = ('telegram', 1)\n"
        "def f(whatsapp_token):\n"
        "    return settings.telegram_admin_chat_id\n"
    )
    assert [line for line, _ in channel_names_in_code(source)] == [3, 4, 5]


def test_core_names_no_channel():
    problems = [
        f"{path.relative_to(ROOT)}:{line} {text!r}"
        for path in python_files("core")
        if "migrations" not in path.relative_to(ROOT / "core").parts
        for line, text in channel_names_in_code(path.read_text("utf-8"))
    ]
    assert problems == [], "core must name no channel (bot/channels.py hands it plain data)"
