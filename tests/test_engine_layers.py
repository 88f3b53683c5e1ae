"""The engine is the domain core: it must not import Flask (checked on the source, not by convention)."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / "engine"


def test_engine_never_imports_flask():
    offenders = []
    for path in sorted(ENGINE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0].lower().startswith("flask")
                          or n.split(".")[0] == "tasks_ui"]
    assert offenders == []
    assert len(list(ENGINE.glob("*.py"))) > 5  # the check looked at the real package
