"""The restricted script environment for BPMN scripts, conditions and timer expressions.

Uploaded BPMN is code. Everything it runs is compiled with RestrictedPython's ``compile_restricted``
(no names or attributes starting with ``_``, so no ``__subclasses__`` escape) and executed with safe
builtins only (no ``open``, no ``__import__``), plus the calendar functions the engine provides.
"""

from __future__ import annotations

import ast
import builtins
import functools
import math
from collections.abc import Callable, Mapping
from typing import Any

from RestrictedPython import compile_restricted, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

_EXTRA_BUILTINS = {
    name: getattr(builtins, name)
    for name in ("min", "max", "sum", "sorted", "any", "all", "enumerate", "zip", "list", "dict", "tuple",
                 "set", "frozenset", "reversed", "map", "filter")
}
SAFE_BUILTINS: dict[str, Any] = {**safe_builtins, **_EXTRA_BUILTINS}
for _unsafe in ("setattr", "delattr", "__build_class__"):
    SAFE_BUILTINS.pop(_unsafe, None)

# Python builtins a script may not name even as data would hide them: lint refuses them outright.
FORBIDDEN_NAMES = frozenset(n for n in dir(builtins) if n not in SAFE_BUILTINS and not n.startswith("__")) | {
    "__import__"
}


def _inplacevar(op: str, x, y):
    ops = {"+=": lambda: x + y, "-=": lambda: x - y, "*=": lambda: x * y, "/=": lambda: x / y,
           "//=": lambda: x // y, "%=": lambda: x % y}
    if op not in ops:
        raise TypeError(f"operator {op} is not allowed")
    return ops[op]()


GUARDS: dict[str, Any] = {
    "__builtins__": SAFE_BUILTINS,
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
    "math": math,
}


class ForbiddenScript(Exception):
    """Raised when code does not compile under RestrictedPython or names something forbidden."""


@functools.lru_cache(maxsize=4096)
def compile_checked(source: str, mode: str):
    """Compile ``source`` restricted (``mode`` 'eval' or 'exec'); raise ForbiddenScript with the reason."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as error:
        raise ForbiddenScript(f"syntax: {error.msg} (line {error.lineno})") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            raise ForbiddenScript("import is not allowed")
        if isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            raise ForbiddenScript(f"'{node.id}' is not allowed")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ForbiddenScript(f"attribute '{node.attr}' is not allowed")
    result = compile_restricted(source, filename="<bpmn>", mode=mode)
    return result


class RestrictedEnvironment(TaskDataEnvironment):
    """SpiffWorkflow script environment that evaluates and executes under RestrictedPython."""

    def __init__(self, functions: Mapping[str, Callable] | None = None):
        super().__init__({**GUARDS, **(functions or {})})

    def evaluate(self, expression, context, external_context=None):
        """Evaluate a condition or timer expression against task data."""
        code = compile_checked(expression.strip(), "eval")
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        return eval(code, scope)  # noqa: S307 - compiled by RestrictedPython

    def execute(self, script, context, external_context=None):
        """Run a script task's code; the task data is the namespace it may change."""
        code = compile_checked(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        context.update(self.globals)
        context.update(external_context or {})
        try:
            exec(code, context)  # noqa: S102 - compiled by RestrictedPython
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True


def make_script_engine(functions: Mapping[str, Callable] | None = None) -> PythonScriptEngine:
    """A SpiffWorkflow script engine running restricted, with ``functions`` (calendar helpers) available."""
    return PythonScriptEngine(environment=RestrictedEnvironment(functions))
