"""The layout rules (docs/architecture.md): the three apps keep their modules under 400 lines
(migrations and demo data aside), no module imports another's underscore name, and websocket
code everywhere reaches the database through the one `portal.ws.pooled`."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("portal", "incidents", "commitments")
MAX_LINES = 400
LONG_ALLOWED = {ROOT / "portal" / "demo" / "data.py"}


def _modules(folder: Path):
    return [path for path in folder.rglob("*.py") if "migrations" not in path.parts]


def _app_modules():
    return [path for app in APPS for path in _modules(ROOT / app)]


def test_no_module_is_over_400_lines():
    long = [
        str(path.relative_to(ROOT))
        for path in _app_modules()
        if path not in LONG_ALLOWED and len(path.read_text().splitlines()) > MAX_LINES
    ]
    assert not long, f"Split these by topic: {long}"


def test_no_module_imports_a_private_name():
    found = []
    for path in _app_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                found += [f"{path.relative_to(ROOT)}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert not found, f"Give what is shared a public name: {found}"


def test_one_pooled_helper():
    wrappers = []
    for path in _app_modules():
        text = path.read_text()
        if "thread_sensitive=False" in text or "def pooled(" in text:
            wrappers.append(str(path.relative_to(ROOT)))
    assert wrappers == ["portal/ws/__init__.py"]
