"""The client runtime the channel modules build on.

chanx writes this folder once and keeps it on regeneration (unless
--override-base), so it may be customised.
"""

from .client import (
    BaseClient,
    NotConnectedError,
    Reconnect,
    ReplyStream,
    RequestTimeout,
    ServerError,
    build_url,
)
from .transport import API as WEBSOCKETS_API

__all__ = [
    "RUNTIME_VERSION",
    "BaseClient",
    "NotConnectedError",
    "Reconnect",
    "ReplyStream",
    "RequestTimeout",
    "ServerError",
    "WEBSOCKETS_API",
    "build_url",
    "require_runtime",
]

RUNTIME_VERSION = 2
"""The features this runtime offers generated code; each addition counts up
(2: ReplyStream, BaseClient.stream)."""


def require_runtime(version: int) -> None:
    """Fail the import of generated code that needs a newer runtime than
    this base/ (which regeneration keeps unless --override-base)."""
    if version > RUNTIME_VERSION:
        raise ImportError(
            f"the generated client needs runtime version {version}, but its base/ "
            f"folder has version {RUNTIME_VERSION}: regenerate with --override-base "
            "(and carry over your changes to base/)"
        )
