"""Errors the API returns: typed union members for mutations, coded `errors` for queries.

Nothing else leaves the server: an unexpected exception becomes "Internal server error"
with code `internal_error` (and is logged), never SQL, PostgreSQL text or a stack trace.
"""

import logging

import strawberry
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, DataError, InterfaceError, OperationalError
from graphql.error import GraphQLError
from psycopg import errors as pg_errors

from booking.errors import AvailabilityError, BookingConflict, BookingError
from schema.common import DateTimeRange, range_out
from schema.context import InvalidCredentials
from schema.guard import RequestCancelled

logger = logging.getLogger("rangebook.api")


@strawberry.interface(description="Every error has a human message and a stable code.")
class Error:
    message: str
    code: str


@strawberry.type(description="The resource is taken (or in its turnaround) then.")
class BookingConflictError(Error):
    resource_id: strawberry.ID
    period: DateTimeRange


@strawberry.type(description="An input is unusable; `field` names it (null: the request).")
class ValidationError(Error):
    field: str | None


@strawberry.type
class NotFound(Error):
    pass


@strawberry.type
class PermissionDenied(Error):
    pass


NUL_TEXT = "Text may not contain NUL characters."


# Failures of the database rather than of the request: a code and a message for each.
DATABASE_ERRORS = {
    "timeout": "The request took too long and was stopped; ask for less, or try again.",
    "invalid_regex": "The regular expression is not valid.",
    "cancelled": "The request was cancelled.",
    "database_unavailable": "The database is unavailable; try again shortly.",
}


def database_error_code(exc: Exception) -> str | None:
    """The code of a database failure (timeouts, lost connections), or None."""
    if isinstance(exc, RequestCancelled):
        return "cancelled"
    if not isinstance(exc, DatabaseError):
        return None
    cause = exc.__cause__
    if isinstance(cause, pg_errors.QueryCanceled | pg_errors.LockNotAvailable):
        return "timeout"  # statement_timeout, lock_timeout (schema/guard.py), or a cancel
    if isinstance(cause, pg_errors.InvalidRegularExpression):
        return "invalid_regex"
    if isinstance(exc, OperationalError | InterfaceError):
        return "database_unavailable"  # no session to be had, or it broke
    return None


def is_nul_text(exc: Exception) -> bool:
    """A text argument with a NUL character, which PostgreSQL cannot hold: psycopg refuses
    it before sending (so no transaction is spoiled), wrapped by Django as a DataError."""
    return isinstance(exc, DataError) and "NUL (0x00)" in str(exc)


def error_from(exc: Exception) -> Error:
    """The typed error for a domain exception raised by a service or selector."""
    if isinstance(exc, BookingConflict):
        from schema.booking.types import Resource  # noqa: PLC0415 - avoid an import cycle

        return BookingConflictError(
            message=exc.messages[0], code=exc.code,
            resource_id=strawberry.relay.to_base64(Resource, exc.resource.pk),
            period=range_out(DateTimeRange, exc.period))
    if isinstance(exc, DjangoPermissionDenied):
        return PermissionDenied(message=str(exc) or "Not allowed.", code="permission_denied")
    if isinstance(exc, DjangoValidationError):
        return ValidationError(message=" ".join(exc.messages), code=exc.code or "invalid",
                               field=getattr(exc, "field", None))
    if is_nul_text(exc):
        return ValidationError(message=NUL_TEXT, code="invalid_text", field=None)
    raise exc


def code_errors(errors: list[GraphQLError]) -> list[GraphQLError]:
    """Each error of a result with a machine-readable code (`extensions.code`), and no
    internals: an error that has a code is kept as it is; an unexpected one is logged with
    its traceback and masked. Applied to every result by schema.Schema."""
    return [error if "code" in (error.extensions or {}) else _coded(error) for error in errors]


def _coded(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if original is None:
        # The document itself: syntax, unknown fields, depth/alias/token limits.
        code = (error.extensions or {}).get("code", "invalid_query")
        return _copy(error, error.message, {"code": code})
    if isinstance(original, GraphQLError):
        # A variable its scalar cannot read ("2030-13-01T00:00Z", 2**31 for an Int)
        # has no code of its own: it gets the one of the same value in the document.
        return _copy(error, original.message,
                     {"code": "invalid_query", **(original.extensions or {})})
    if isinstance(original, (AvailabilityError, BookingError, DjangoValidationError)):
        extensions = {"code": original.code or "invalid"}
        if getattr(original, "field", None):
            extensions["field"] = original.field
        return _copy(error, " ".join(original.messages), extensions)
    if isinstance(original, DjangoPermissionDenied):
        return _copy(error, str(original) or "Not allowed.", {"code": "permission_denied"})
    if is_nul_text(original):
        return _copy(error, NUL_TEXT, {"code": "invalid_text"})
    if code := database_error_code(original):
        if code == "database_unavailable":  # for the operator: which session failed, how
            logger.warning("Database unavailable in %s", error.path, exc_info=original)
        return _copy(error, DATABASE_ERRORS[code], {"code": code})
    if isinstance(original, InvalidCredentials):
        return _copy(error, str(original), {"code": "invalid_token"})
    if isinstance(original, RecursionError):  # input nested deeper than Python recurses
        return _copy(error, "The input is nested too deeply.", {"code": "input_too_deep"})
    if isinstance(original, ValueError) and str(original).startswith("Argument '"):
        # strawberry-django's page-size limit ("Argument 'first' cannot be higher ...").
        return _copy(error, str(original), {"code": "page_too_large"})
    logger.error("Unexpected error in %s", error.path, exc_info=original)
    return _copy(error, "Internal server error.", {"code": "internal_error"})


def _copy(error: GraphQLError, message: str, extensions: dict) -> GraphQLError:
    return GraphQLError(message=message, nodes=error.nodes, source=error.source,
                        positions=error.positions, path=error.path, original_error=None,
                        extensions=extensions)


def api_error(message: str, code: str, **extensions) -> GraphQLError:
    """An error for a query's `errors` list with a machine-readable code."""
    return GraphQLError(message, extensions={"code": code, **extensions})
