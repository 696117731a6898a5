"""Errors that carry data and a stable ``code``.

Entry points (HTTP, CLI, forms) translate them in one place; services collect every problem
before raising so a user sees all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input: where (field, line), what value, and why."""

    field: str
    message: str
    value: Any = None
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.value is not None:
            out["value"] = self.value if isinstance(self.value, int | float | bool) else str(
                self.value
            )
        if self.line is not None:
            out["line"] = self.line
        return out

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        value = f" (got {self.value!r})" if self.value is not None else ""
        return f"{where}{self.field}: {self.message}{value}"


class BackroomError(Exception):
    """Base of every error a user can cause. ``status`` is the HTTP status it maps to."""

    code = "error"
    status = 400
    title = "Request failed"

    def __init__(self, message: str, *, problems: list[Problem] | None = None,
                 data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []
        self.data = data or {}

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "detail": self.message}
        if self.problems:
            out["errors"] = [p.as_dict() for p in self.problems]
        out.update(self.data)
        return out


class ValidationFailed(BackroomError):
    code = "validation_failed"
    status = 422
    title = "Invalid input"

    @classmethod
    def single(cls, field_name: str, value: Any, message: str) -> ValidationFailed:
        problem = Problem(field=field_name, message=message, value=value)
        return cls(str(problem), problems=[problem])

    @classmethod
    def of(cls, problems: list[Problem], summary: str | None = None) -> ValidationFailed:
        text = summary or "; ".join(str(p) for p in problems[:5])
        if len(problems) > 5:
            text += f"; and {len(problems) - 5} more"
        return cls(text, problems=problems)


class NotFound(BackroomError):
    code = "not_found"
    status = 404
    title = "Not found"


class Conflict(BackroomError):
    code = "conflict"
    status = 409
    title = "Conflict"


class Unauthorized(BackroomError):
    code = "unauthorized"
    status = 401
    title = "Authentication required"


class Forbidden(BackroomError):
    code = "forbidden"
    status = 403
    title = "Not allowed"


@dataclass
class ProblemCollector:
    """Collects problems so a service can report all of them in one error."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, field_name: str, message: str, value: Any = None, line: int | None = None) -> None:
        self.problems.append(Problem(field_name, message, value, line))

    def raise_if_any(self, summary: str | None = None) -> None:
        if self.problems:
            raise ValidationFailed.of(self.problems, summary)

    def __bool__(self) -> bool:
        return bool(self.problems)
