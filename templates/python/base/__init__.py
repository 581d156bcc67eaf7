"""The client runtime the channel modules build on.

chanx writes this folder once and keeps it on regeneration (unless
--override-base), so it may be customised.
"""

from .client import (
    BaseClient,
    NotConnectedError,
    Reconnect,
    RequestTimeout,
    build_url,
)
from .transport import API as WEBSOCKETS_API

__all__ = [
    "BaseClient",
    "NotConnectedError",
    "Reconnect",
    "RequestTimeout",
    "WEBSOCKETS_API",
    "build_url",
]
