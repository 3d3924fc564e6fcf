"""The client's error hierarchy: one class per thing the user can act on, each with a clear message.

The transport maps gRPC status codes to these (keeping the server's message); the CLI maps each class to
one exit code and the desktop app shows the message in one place.
"""

from __future__ import annotations


class ClientError(Exception):
    """Base of every error the client reports to the user as one line."""


class AudioFileError(ClientError):
    """A file that is missing, unreadable, corrupt, not audio, or empty."""


class ServerError(ClientError):
    """The server refused or ended the request; `code` is the gRPC status name (e.g. "NOT_FOUND")."""

    code = "UNKNOWN"


class InvalidArgumentError(ServerError):
    code = "INVALID_ARGUMENT"


class FailedPreconditionError(ServerError):
    code = "FAILED_PRECONDITION"


class NotFoundError(ServerError):
    """Unknown language, language pair or engine."""

    code = "NOT_FOUND"


class ResourceExhaustedError(ServerError):
    code = "RESOURCE_EXHAUSTED"


class UnauthenticatedError(ServerError):
    code = "UNAUTHENTICATED"


class PermissionDeniedError(ServerError):
    code = "PERMISSION_DENIED"


class DeadlineExceededError(ServerError):
    """The stream reached the server's maximum duration (a reconnecting session opens a new one)."""

    code = "DEADLINE_EXCEEDED"


class UnavailableError(ServerError):
    """The server cannot be reached, is draining, or dropped the connection."""

    code = "UNAVAILABLE"


class CancelledError(ServerError):
    code = "CANCELLED"


RETRYABLE: tuple[type[ServerError], ...] = (UnavailableError, DeadlineExceededError)
"""Errors after which a reconnecting session opens a new stream."""
