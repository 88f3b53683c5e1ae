"""Domain errors. Each carries a stable ``code`` and ``params``; ``engine.messages`` turns them into
Indonesian or English text, so the web layer maps errors to HTTP status and language in one place."""

from __future__ import annotations


class AlurError(Exception):
    """Base of every domain error."""

    code = "error"

    def __init__(self, code: str | None = None, /, **params):
        self.code = code or self.code
        self.params = params
        super().__init__(self.code, params)

    def message(self, lang: str = "id") -> str:
        """The human-readable message in ``lang`` (``id`` or ``en``)."""
        from .messages import render

        return render(self.code, lang, **self.params)

    def __str__(self) -> str:
        return self.message("en")


class NotFound(AlurError):
    """A process, instance, task or tracking code that does not exist."""

    code = "not_found"


class InvalidProcess(AlurError):
    """A BPMN document that cannot be deployed; ``problems`` maps element id → list of problems."""

    code = "invalid_process"

    def __init__(self, problems: list, /):
        self.problems = problems
        super().__init__(self.code, count=len(problems))

    def fields(self, lang: str = "id") -> dict[str, str]:
        """Element id → message(s), for the ``fields`` of an API error."""
        out: dict[str, str] = {}
        for problem in self.problems:
            text = problem.message(lang)
            out[problem.element_id] = f"{out[problem.element_id]}; {text}" if problem.element_id in out else text
        return out


class InvalidData(AlurError):
    """Form data that does not satisfy the step's JSON Schema; ``field_errors`` maps field path → error."""

    code = "invalid_data"

    def __init__(self, field_errors: dict, /):
        self.field_errors = field_errors  # path -> (code, params)
        super().__init__(self.code, count=len(field_errors))

    def fields(self, lang: str = "id") -> dict[str, str]:
        """Field path → translated message."""
        from .messages import render

        return {path: render(code, lang, **params) for path, (code, params) in self.field_errors.items()}


class NotYourRole(AlurError):
    """The actor does not hold the role of the step's lane."""

    code = "not_your_role"


class TaskNotReady(AlurError):
    """The step was already completed, or cancelled by a timer, or is not waiting for input."""

    code = "task_not_ready"


class TaskClaimedByOther(AlurError):
    """Another official holds the step."""

    code = "task_claimed"


class ConcurrentUpdate(AlurError):
    """Someone else changed the instance at the same moment; the operation changed nothing."""

    code = "concurrent_update"


class NeedsConfirmation(AlurError):
    """The request is allowed only if the caller confirms it (e.g. deploying a draft whose content did not
    change); nothing was written."""

    code = "needs_confirmation"


class DatabaseUnavailable(AlurError):
    """The database connection dropped or the server is unreachable; the operation changed nothing."""

    code = "database_unavailable"


class SchemaStateUnknown(AlurError):
    """``alur init`` found a database it cannot safely upgrade (no revision, or one this code does not know);
    it changed nothing."""

    code = "schema_unversioned"


class AuthenticationFailed(AlurError):
    """Wrong username or password."""

    code = "auth_failed"


class InvalidInput(AlurError):
    """A command argument that is not acceptable (unknown role, bad date …)."""

    code = "invalid_input"


class ScriptRefused(AlurError):
    """A script or condition tried to leave the sandbox at run time."""

    code = "script_refused"


class VersionMissing(InvalidInput):
    """The process version an instance ran on is not stored (or not readable): it cannot be replayed."""

    code = "version_missing"
