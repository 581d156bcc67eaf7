"""The one place that calls the websockets package.

websockets 13 added an asyncio API (``websockets.asyncio.client.connect``,
headers given as ``additional_headers``); releases before it, down to 10.4
(Debian's python3-websockets), offer only the legacy one
(``websockets.client.connect``, headers given as ``extra_headers``). The API
is chosen once, when this module is imported, and the rest of the client
sees only :class:`Connection`.

The modules are imported by name so that type checking is clean whichever
release is installed; each ``connect`` is then held as the Protocol below
that says how it is called here (chanx's tests check websockets 10.4's and,
through a stub of its published signatures, 13's against them).
"""

import importlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Literal, Protocol, cast

from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidURI,
    WebSocketException,
)

__all__ = [
    "API",
    "AsyncioConnect",
    "Connection",
    "ConnectionClosed",
    "InvalidHandshake",
    "InvalidURI",
    "LegacyConnect",
    "WebSocketException",
    "close_status",
    "connect",
]


class Connection(Protocol):
    """What the client uses of an open websockets connection (both APIs)."""

    async def send(self, message: str | bytes) -> None: ...

    async def close(self, code: int = 1000, reason: str = "") -> None: ...

    def __aiter__(self) -> AsyncIterator[str | bytes]: ...


class AsyncioConnect(Protocol):
    """``websockets.asyncio.client.connect`` (13 and later) as called here."""

    def __call__(
        self,
        uri: str,
        *,
        additional_headers: Mapping[str, str] | None = ...,
        open_timeout: float | None = ...,
    ) -> Awaitable[Connection]: ...


class LegacyConnect(Protocol):
    """``websockets.client.connect`` (the legacy API) as called here."""

    def __call__(
        self,
        uri: str,
        *,
        extra_headers: Mapping[str, str] | None = ...,
        open_timeout: float | None = ...,
    ) -> Awaitable[Connection]: ...


Connect = Callable[[str, Mapping[str, str], float | None], Awaitable[Connection]]


def _select() -> tuple[Literal["asyncio", "legacy"], Connect]:
    try:
        module = importlib.import_module("websockets.asyncio.client")
    except ImportError:
        module = None
    if module is not None:
        new_connect = cast(AsyncioConnect, getattr(module, "connect"))

        async def connect_asyncio(
            uri: str, headers: Mapping[str, str], open_timeout: float | None
        ) -> Connection:
            return await new_connect(
                uri, additional_headers=dict(headers), open_timeout=open_timeout
            )

        return "asyncio", connect_asyncio

    legacy_connect = cast(
        LegacyConnect, getattr(importlib.import_module("websockets.client"), "connect")
    )

    async def connect_legacy(
        uri: str, headers: Mapping[str, str], open_timeout: float | None
    ) -> Connection:
        return await legacy_connect(
            uri, extra_headers=dict(headers), open_timeout=open_timeout
        )

    return "legacy", connect_legacy


def close_status(conn: Connection) -> tuple[int | None, str | None]:
    """The close code and reason of a closed connection (None, None when
    unknown). The legacy API and websockets 14+ have them as properties;
    13.x's asyncio connection only on its sans-I/O protocol object."""
    for holder in (conn, getattr(conn, "protocol", None)):
        code: Any = getattr(holder, "close_code", None)
        if isinstance(code, int):
            reason: Any = getattr(holder, "close_reason", None)
            return code, reason if isinstance(reason, str) else None
    return None, None


API, connect = _select()
"""API names the websockets API in use; connect opens a connection with it."""
