# websockets.asyncio.client as of websockets 13 and later: connect() is a
# class whose instances are awaited for a ClientConnection; any keyword it
# does not name goes on to loop.create_connection (hence **kwargs).

from collections.abc import AsyncIterable, AsyncIterator, Generator, Iterable, Mapping
from typing import Any

Data = str | bytes
HeadersLike = Mapping[str, str] | Iterable[tuple[str, str]]

class ClientConnection:
    async def send(
        self,
        message: Data | Iterable[Data] | AsyncIterable[Data],
        text: bool | None = None,
    ) -> None: ...
    async def close(self, code: int = 1000, reason: str = "") -> None: ...
    def __aiter__(self) -> AsyncIterator[Data]: ...
    @property
    def close_code(self) -> int | None: ...
    @property
    def close_reason(self) -> str | None: ...

class connect:
    def __init__(
        self,
        uri: str,
        *,
        origin: str | None = None,
        additional_headers: HeadersLike | None = None,
        user_agent_header: str | None = ...,
        compression: str | None = "deflate",
        open_timeout: float | None = 10,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_size: int | None = ...,
        **kwargs: Any,
    ) -> None: ...
    def __await__(self) -> Generator[Any, None, ClientConnection]: ...
