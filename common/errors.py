"""Tolk's domain errors, shared by every room; the servicer maps each to one gRPC status code."""


class TolkError(Exception):
    """Base of all errors the service reports to clients with a clear message."""


class InvalidArgument(TolkError):
    """Malformed input: bad audio format, odd-length chunk, oversized message."""


class FailedPrecondition(TolkError):
    """Input in the wrong order, or a model that is missing or corrupt (the message names the fix)."""


class NotFound(TolkError):
    """Unknown language, language pair or engine."""


class ResourceExhausted(TolkError):
    """Server at capacity or a client quota exceeded."""


class Unavailable(TolkError):
    """Server draining, shutting down, or an engine process that died."""
