"""BaseClient: the connection, read loop, hooks and request/reply every
generated channel client builds on.

A channel module subclasses it with the channel's message unions and sets
three class attributes: ``path`` (the channel address, ``{name}``
placeholders for path parameters), ``incoming_adapter`` (a pydantic
TypeAdapter over the channel's IncomingMessage union, discriminated) and,
when the discriminator is not ``action``, ``discriminator``.

Frames are JSON text, one message each, as Chanx's wire protocol has it:
outgoing messages are ``model_dump(mode="json", by_alias=True)`` encoded by
``json.dumps``; incoming text is decoded and validated against the union.
"""

import asyncio
import json
import logging
import random
import re
from collections import deque
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, Generic, TypeVar, cast
from urllib.parse import quote, urlsplit, urlunsplit

import pydantic

# Field(exclude_if=...), which leaves unset optional members off the wire,
# arrived in pydantic 2.11; older releases would ignore it and send nulls.
if tuple(int(p) for p in pydantic.VERSION.split(".")[:2]) < (2, 11):
    raise ImportError(
        f"the generated client needs pydantic 2.11 or later, not {pydantic.VERSION}"
    )

from pydantic import BaseModel, TypeAdapter, ValidationError  # noqa: E402

from . import transport  # noqa: E402

__all__ = [
    "BaseClient",
    "NotConnectedError",
    "Reconnect",
    "ReplyStream",
    "RequestTimeout",
    "ServerError",
    "build_url",
]

logger = logging.getLogger(__name__)

IncomingT = TypeVar("IncomingT", bound=BaseModel)
OutgoingT = TypeVar("OutgoingT", bound=BaseModel)
ReplyT = TypeVar("ReplyT", bound=BaseModel)
PartialT = TypeVar("PartialT", bound=BaseModel)
FinalT = TypeVar("FinalT", bound=BaseModel)

DEFAULT_REQUEST_TIMEOUT = 10.0
"""Seconds request() waits for a reply unless told otherwise."""


class RequestTimeout(asyncio.TimeoutError):
    """The reply request() waits for did not arrive in time."""


class NotConnectedError(ConnectionError):
    """A message was sent while the client had no open connection."""


class ServerError(Exception):
    """The server answered a request() with an error frame.

    payload is the frame's payload: a list of ``{"type", "loc", "msg"}``
    for a message that failed validation, ``{"detail": ...}`` otherwise.
    """

    def __init__(self, payload: Any) -> None:
        self.payload = payload
        detail = _member(payload, "detail")
        super().__init__(
            f"the server answered with an error: {detail if isinstance(detail, str) else json.dumps(payload)}"
        )


@dataclass(frozen=True)
class Reconnect:
    """How handle() reconnects after a failed or lost connection.

    The n-th attempt in a row waits ``initial_delay * factor ** (n - 1)``
    seconds, at most ``max_delay``, varied by up to ``jitter`` (a fraction)
    so that many clients do not come back at once. A connection that opens
    resets the count. ``max_attempts`` bounds the attempts in a row (None:
    no bound). disconnect() stops reconnecting, also during a wait.
    """

    initial_delay: float = 0.5
    max_delay: float = 30.0
    factor: float = 2.0
    jitter: float = 0.1
    max_attempts: int | None = None

    def __post_init__(self) -> None:
        if self.initial_delay < 0 or self.max_delay < 0:
            raise ValueError("Reconnect: delays must not be negative")
        if self.factor < 1:
            raise ValueError(f"Reconnect: factor must be at least 1, not {self.factor}")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"Reconnect: jitter must be in [0, 1), not {self.jitter}")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError(
                f"Reconnect: max_attempts must be at least 1 or None, not {self.max_attempts}"
            )

    def delay(self, attempt: int) -> float:
        """Seconds to wait before the attempt-th attempt in a row (from 1)."""
        base = min(self.max_delay, self.initial_delay * self.factor ** (attempt - 1))
        return base * (1 + random.uniform(-self.jitter, self.jitter))


def _member(value: Any, key: str) -> Any:
    """value[key] when value is a JSON object that has key, else None."""
    return cast("dict[str, Any]", value).get(key) if isinstance(value, dict) else None


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def build_url(
    base_url: str,
    path: str,
    protocol: str = "ws",
    path_params: Mapping[str, object] | None = None,
) -> str:
    """The URL a client connects to.

    base_url is ``host[:port][/prefix]`` (the scheme comes from protocol) or
    a full URL (``ws://``, ``wss://``, ``http://`` or ``https://``; the
    scheme wins over protocol). The channel path is appended to the URL's
    own path, each ``{name}`` replaced by its path parameter, percent-
    escaped (``/`` and spaces included) so it stays one path segment. A
    query string in base_url is kept.
    """
    if protocol not in ("ws", "wss"):
        raise ValueError(f"protocol must be 'ws' or 'wss', not {protocol!r}")
    full = base_url if "://" in base_url else f"{protocol}://{base_url}"
    parts = urlsplit(full)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    if scheme not in ("ws", "wss"):
        raise ValueError(
            f"unsupported scheme {parts.scheme!r} in {base_url!r}: use ws, wss, http or https"
        )
    if not parts.netloc:
        raise ValueError(f"no host in {base_url!r}")
    rendered = _render_path(path, path_params or {})
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + rendered, parts.query, ""))


def _render_path(path: str, params: Mapping[str, object]) -> str:
    names = _PLACEHOLDER.findall(path)
    missing = [n for n in names if n not in params]
    if missing:
        raise ValueError(
            f"missing path parameter {', '.join(map(repr, missing))} for {path!r}"
        )
    unknown = sorted(k for k in params if k not in names)
    if unknown:
        raise ValueError(
            f"unknown path parameter {', '.join(map(repr, unknown))} for {path!r}"
            + (f", which has {', '.join(map(repr, names))}" if names else ", which has none")
        )

    def escape(match: re.Match[str]) -> str:
        value = str(params[match.group(1)])
        if value == "":
            raise ValueError(f"path parameter {match.group(1)!r} is empty")
        return quote(value, safe="")

    rendered = _PLACEHOLDER.sub(escape, path)
    return rendered if rendered.startswith("/") else "/" + rendered


class _Waiter:
    """A request() waiting for one of its reply types; seq orders them."""

    def __init__(
        self, future: "asyncio.Future[Any]", types: tuple[type[BaseModel], ...], seq: int
    ) -> None:
        self.future = future
        self.types = types
        self.seq = seq

    def done(self) -> bool:
        return self.future.done()

    def offer(self, message: BaseModel) -> bool:
        """Take message if it is a reply this request waits for."""
        if self.future.done() or not isinstance(message, self.types):
            return False
        self.future.set_result(message)
        return True

    def fail(self, error: Exception) -> None:
        if not self.future.done():
            self.future.set_exception(error)


class _StreamWaiter:
    """A ReplyStream's place among the waiting requests: it takes partial
    replies until the final one (or an error) ends it."""

    def __init__(
        self, partials: tuple[type[BaseModel], ...], final: type[BaseModel], seq: int
    ) -> None:
        self.partials = partials
        self.final = final
        self.seq = seq
        self.items: deque[BaseModel | Exception] = deque()
        self.ended = False
        self.discard = False
        """Set once the stream's reader has gone: partials are dropped."""
        self.wake = asyncio.Event()

    def done(self) -> bool:
        return self.ended

    def offer(self, message: BaseModel) -> bool:
        if self.ended:
            return False
        if isinstance(message, self.final):
            self.ended = True
        elif not isinstance(message, self.partials):
            return False
        if not self.discard or self.ended:
            self.items.append(message)
        self.wake.set()
        return True

    def fail(self, error: Exception) -> None:
        if not self.ended:
            self.ended = True
            self.items.append(error)
            self.wake.set()


class ReplyStream(Generic[PartialT, FinalT]):
    """A streamed reply: the partial replies to one request, then its final
    reply (an operation declared with ``x-chanx-stream``).

    The request is sent when the stream is first used: ``async with``, the
    first ``async for`` step or final(). ``async for partial in stream``
    yields the partials in arrival order and ends when the final reply
    arrives; ``await stream.final()`` returns it (skipping partials not yet
    read). An error frame raises ServerError from either, a lost connection
    NotConnectedError, a wait of more than timeout seconds between frames
    RequestTimeout.

    cancel() sends the operation's cancel message (``x-chanx-cancels``) and
    keeps the stream: the server ends it with its final reply. Cancelling
    the task that reads the stream, or leaving ``async with`` before the
    final reply, sends it too and drops the rest of the stream. The replies
    a stream takes do not reach handle_message.
    """

    def __init__(
        self,
        client: "BaseClient[Any, Any]",
        message: BaseModel,
        partials: tuple[type[PartialT], ...],
        final: type[FinalT],
        *,
        cancel: type[BaseModel] | None = None,
        cancel_keys: tuple[str, str] = ("", ""),
        timeout: float | None = None,
    ) -> None:
        self._client = client
        self._message = message
        self._partials = partials
        self._final_type = final
        self._cancel_type = cancel
        self._cancel_keys = cancel_keys
        self._timeout = client.request_timeout if timeout is None else timeout
        self._waiter: _StreamWaiter | None = None
        self._final: FinalT | None = None
        self._error: Exception | None = None
        self._cancelled = False

    @property
    def sent(self) -> bool:
        """Whether the request has been sent."""
        return self._waiter is not None

    async def start(self) -> None:
        """Send the request (once); the other methods call it."""
        if self._waiter is not None:
            return
        reader = self._client._reader  # pyright: ignore[reportPrivateUsage]
        if reader is not None and asyncio.current_task() is reader:
            raise RuntimeError(
                f"a stream of {type(self._message).__name__} read inside the read loop "
                "(handle_message or a hook it runs) would wait for replies that loop "
                "cannot read; run it in a task (asyncio.create_task)"
            )
        register = self._client._register_stream  # pyright: ignore[reportPrivateUsage]
        self._waiter = register(self._partials, self._final_type)
        try:
            await self._client.send_message(self._message)
        except BaseException:
            self._client._unregister(self._waiter)  # pyright: ignore[reportPrivateUsage]
            raise

    def __aiter__(self) -> "ReplyStream[PartialT, FinalT]":
        return self

    async def __anext__(self) -> PartialT:
        item = await self._next()
        if isinstance(item, self._final_type):
            raise StopAsyncIteration
        return cast(PartialT, item)

    async def final(self) -> FinalT:
        """The final reply, once it has arrived."""
        while self._final is None:
            await self._next()
        return self._final

    async def _next(self) -> BaseModel:
        if self._final is not None:
            return self._final
        if self._error is not None:
            raise self._error
        await self.start()
        waiter = self._waiter
        assert waiter is not None
        try:
            while not waiter.items:
                waiter.wake.clear()
                try:
                    await asyncio.wait_for(waiter.wake.wait(), self._timeout)
                except asyncio.TimeoutError:
                    raise RequestTimeout(
                        f"no reply to {type(self._message).__name__} within {self._timeout:g} s"
                    ) from None
        except asyncio.CancelledError:
            await self._abandon()
            raise
        item = waiter.items.popleft()
        if isinstance(item, Exception):
            self._error = item
            self._client._unregister(waiter)  # pyright: ignore[reportPrivateUsage]
            raise item
        if isinstance(item, self._final_type):
            self._final = item
            self._client._unregister(waiter)  # pyright: ignore[reportPrivateUsage]
        return item

    async def cancel(self, message: BaseModel | None = None) -> None:
        """Ask the server to stop: send message, by default the cancel
        message the document declares, built with this request's
        correlationId. The stream goes on to its final reply. Does nothing
        before the request is sent, once the stream has ended or after a
        first cancel."""
        if self._waiter is None or self._waiter.ended or self._cancelled:
            return
        if message is None:
            message = self._cancel_message()
        self._cancelled = True
        await self._client.send_message(message)

    def _cancel_message(self) -> BaseModel:
        if self._cancel_type is None:
            raise TypeError(
                f"{type(self._message).__name__} declares no cancel operation: "
                "pass the message to send to cancel()"
            )
        frame: dict[str, Any] = {}
        into, out_of = self._cancel_keys
        if into and out_of:
            value = _pointer_get(self._message.model_dump(mode="json", by_alias=True), out_of)
            _pointer_set(frame, into, value)
        try:
            return self._cancel_type.model_validate(frame)
        except ValidationError as error:
            raise TypeError(
                f"cannot build {self._cancel_type.__name__} to cancel "
                f"{type(self._message).__name__}: pass it to cancel() ({error})"
            ) from None

    async def _abandon(self) -> None:
        """The reader has gone before the final reply: send the cancel
        message when there is one, and drop what still arrives."""
        waiter = self._waiter
        if waiter is None:
            return
        if waiter.ended:
            self._client._unregister(waiter)  # pyright: ignore[reportPrivateUsage]
            return
        waiter.discard = True
        waiter.items.clear()
        if self._cancel_type is not None and not self._cancelled:
            try:
                await self.cancel()
            except (NotConnectedError, transport.ConnectionClosed, TypeError) as error:
                logger.debug("could not cancel %s: %s", type(self._message).__name__, error)

    async def __aenter__(self) -> "ReplyStream[PartialT, FinalT]":
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._abandon()


def _pointer_tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _pointer_get(value: Any, pointer: str) -> Any:
    for token in _pointer_tokens(pointer):
        value = _member(value, token)
    return value


def _pointer_set(frame: dict[str, Any], pointer: str, value: Any) -> None:
    tokens = _pointer_tokens(pointer)
    node = frame
    for token in tokens[:-1]:
        child = node.get(token)
        if not isinstance(child, dict):
            child = {}
            node[token] = child
        node = cast("dict[str, Any]", child)
    if tokens:
        node[tokens[-1]] = value


class BaseClient(Generic[IncomingT, OutgoingT]):
    """A WebSocket client of one channel.

    Subclass a generated channel client and override handle_message (and any
    hook); then ``await client.handle()`` connects and handles incoming
    messages until the connection ends or disconnect() is called.

    Hooks, each a coroutine: before_handle (once per handle(), before
    connecting), send_init_message (after each connection opens, in a task
    of its own so it may await replies), handle_message, after_handle (once,
    when handle() ends), handle_error (a hook or handler raised),
    handle_websocket_connection_error (connecting failed or the connection
    was lost), handle_raw_data (a binary or non-JSON frame),
    handle_invalid_message (JSON that is not a message of the channel).
    """

    path: ClassVar[str] = ""
    """The channel address; ``{name}`` marks a path parameter."""

    incoming_adapter: ClassVar[TypeAdapter[Any]]
    """Validates incoming frames into the channel's IncomingMessage union."""

    discriminator: ClassVar[str] = "action"
    """The (wire) name of the member that tells messages apart."""

    error_tag: ClassVar[str] = "error"
    """The discriminator value of the server's error frames."""

    def __init__(
        self,
        base_url: str,
        /,
        protocol: str = "ws",
        headers: Mapping[str, str] | None = None,
        path_params: Mapping[str, object] | None = None,
        *,
        reconnect: Reconnect | None = None,
        open_timeout: float | None = 10.0,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        """Prepare a client; nothing connects before handle().

        base_url: ``"localhost:8000"`` or a full URL, see build_url.
        headers: sent with the opening handshake (e.g. Authorization).
        path_params: a value for each ``{name}`` of the channel address.
        reconnect: reconnect with backoff after a failed or lost connection
        (default: handle() returns instead).
        open_timeout: seconds the opening handshake may take (None: no bound).
        request_timeout: default seconds request() waits for a reply.
        """
        if not hasattr(type(self), "incoming_adapter"):
            raise TypeError(
                f"{type(self).__name__} has no incoming_adapter: "
                "subclass a generated channel client, not BaseClient"
            )
        self.url = build_url(base_url, self.path, protocol, path_params)
        self.headers: dict[str, str] = dict(headers or {})
        self.reconnect = reconnect
        self.open_timeout = open_timeout
        self.request_timeout = request_timeout
        self.close_code: int | None = None
        """The close code of the last connection, once it has ended."""
        self.close_reason: str | None = None
        """The close reason of the last connection, once it has ended."""
        self._ws: transport.Connection | None = None
        self._reader: "asyncio.Task[Any] | None" = None
        self._running = False
        self._closing = False
        self._stop = asyncio.Event()
        self._pending: dict[str, deque[_Waiter | _StreamWaiter]] = {}
        self._tasks: "set[asyncio.Task[None]]" = set()
        self._seq = 0

    @property
    def connected(self) -> bool:
        """Whether a connection is open (handle() is running on one)."""
        return self._ws is not None

    # -- lifecycle ---------------------------------------------------------

    async def handle(self) -> None:
        """Connect, then handle incoming messages until the connection ends.

        With reconnect set, a failed or lost connection is retried with
        backoff until disconnect() or max_attempts. Connection failures go
        to handle_websocket_connection_error, not to the caller.
        """
        if self._running:
            raise RuntimeError(f"{type(self).__name__}.handle() is already running")
        self._running = True
        self._closing = False
        self._stop.clear()
        try:
            await self.before_handle()
            try:
                await self._connect_loop()
            finally:
                await self.after_handle()
        finally:
            self._running = False

    async def disconnect(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection with code and reason, and stop reconnecting."""
        self._closing = True
        self._stop.set()
        ws = self._ws
        if ws is not None:
            await ws.close(code, reason)

    async def _connect_loop(self) -> None:
        attempts = 0
        while not self._closing:
            try:
                ws = await transport.connect(self.url, self.headers, self.open_timeout)
            except (OSError, asyncio.TimeoutError, transport.WebSocketException) as error:
                await self.handle_websocket_connection_error(error)
            else:
                attempts = 0
                await self._serve(ws)
            attempts += 1
            if not await self._wait_before(attempts):
                return

    async def _wait_before(self, attempt: int) -> bool:
        """Wait before reconnecting; False when handle() should end."""
        policy = self.reconnect
        if policy is None or self._closing:
            return False
        if policy.max_attempts is not None and attempt > policy.max_attempts:
            return False
        try:
            await asyncio.wait_for(self._stop.wait(), policy.delay(attempt))
        except asyncio.TimeoutError:
            pass
        return not self._closing

    async def _serve(self, ws: transport.Connection) -> None:
        self._ws = ws
        self._reader = asyncio.current_task()
        failed: BaseException | None = None
        try:
            if self._closing:  # disconnect() came while connecting
                await ws.close()
                return
            self._spawn(self.send_init_message())
            async for raw in ws:
                await self._dispatch(raw)
        except transport.ConnectionClosed as error:
            if not self._closing:
                await self.handle_websocket_connection_error(error)
        except BaseException as error:
            failed = error
            raise
        finally:
            self._ws = None
            self._reader = None
            if failed is not None:
                # handle() was cancelled or a hook raised out of the loop:
                # leave the server a proper close.
                await ws.close(1001 if isinstance(failed, asyncio.CancelledError) else 1011)
            self.close_code, self.close_reason = transport.close_status(ws)
            self._fail_pending()
            await self._end_tasks()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(self._guarded(coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        except Exception as error:
            try:
                await self.handle_error(error)
            except Exception:
                logger.exception("handle_error raised")

    async def _end_tasks(self) -> None:
        """End the tasks of a connection that has closed: each runs once
        more (a request it awaits has just failed, so it sees
        NotConnectedError), then is cancelled at its next await."""
        tasks = list(self._tasks)
        if tasks:
            await asyncio.sleep(0)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- incoming ----------------------------------------------------------

    async def _dispatch(self, raw: str | bytes) -> None:
        try:
            if isinstance(raw, bytes):
                await self.handle_raw_data(raw)
                return
            try:
                data = json.loads(raw)
            except ValueError:
                await self.handle_raw_data(raw)
                return
            try:
                message: IncomingT = self.incoming_adapter.validate_python(data)
            except ValidationError:
                if _member(data, self.discriminator) == self.error_tag:
                    self._fail_oldest(ServerError(_member(data, "payload")))
                await self.handle_invalid_message(data)
                return
            if not self._resolve(message):
                await self.handle_message(message)
        except Exception as error:
            await self.handle_error(error)

    def _resolve(self, message: BaseModel) -> bool:
        """Hand message to the oldest request() or stream waiting for it,
        if any."""
        tag = self._tag_or_none(type(message))
        waiters = self._pending.get(tag) if tag is not None else None
        if not waiters:
            return False
        for waiter in list(waiters):
            if waiter.offer(message):
                if waiter.done():
                    self._unregister(waiter)
                return True
        return False

    def _fail_oldest(self, error: ServerError) -> None:
        """Fail the oldest request() or stream with the server's error
        frame: the protocol has no request ids, and a server answers in
        order."""
        oldest: _Waiter | _StreamWaiter | None = None
        for waiters in self._pending.values():
            for waiter in waiters:
                if not waiter.done() and (oldest is None or waiter.seq < oldest.seq):
                    oldest = waiter
        if oldest is not None:
            oldest.fail(error)

    def _fail_pending(self) -> None:
        for tag, waiters in self._pending.items():
            for waiter in waiters:
                waiter.fail(
                    NotConnectedError(f"the connection closed before the {tag!r} reply arrived")
                )
        self._pending.clear()

    def _register_stream(
        self, partials: tuple[type[BaseModel], ...], final: type[BaseModel]
    ) -> _StreamWaiter:
        self._seq += 1
        waiter = _StreamWaiter(partials, final, self._seq)
        for tag in {self._tag_of(t) for t in (*partials, final)}:
            self._pending.setdefault(tag, deque()).append(waiter)
        return waiter

    def _unregister(self, waiter: _Waiter | _StreamWaiter) -> None:
        for tag in list(self._pending):
            waiters = self._pending[tag]
            if waiter in waiters:
                waiters.remove(waiter)
                if not waiters:
                    del self._pending[tag]

    # -- outgoing ----------------------------------------------------------

    def encode(self, message: BaseModel) -> str:
        """The frame for message: its JSON dump, by wire (alias) names."""
        return json.dumps(message.model_dump(mode="json", by_alias=True))

    async def send_message(self, message: OutgoingT) -> None:
        """Send message to the server."""
        ws = self._ws
        if ws is None:
            raise NotConnectedError(
                f"cannot send {type(message).__name__}: not connected "
                "(send from send_init_message, handle_message or while handle() runs)"
            )
        await ws.send(self.encode(message))

    async def request(
        self,
        message: OutgoingT,
        *replies: type[ReplyT],
        timeout: float | None = None,
    ) -> ReplyT:
        """Send message and return the first incoming message of one of the
        reply types that no earlier request() is waiting for.

        The reply is matched by its discriminator value and does not reach
        handle_message. Raises ServerError when an (undocumented) error
        frame arrives while this is the oldest request waiting (the protocol
        has no request ids; servers answer in order), RequestTimeout after
        timeout seconds (default: request_timeout), NotConnectedError when
        the connection closes first. Do not await it in handle_message,
        which runs in the read loop: start a task instead.
        """
        if not replies:
            raise TypeError("request() needs the message type(s) of the reply")
        if self._reader is not None and asyncio.current_task() is self._reader:
            raise RuntimeError(
                f"request({type(message).__name__}) awaited inside the read loop "
                "(handle_message or a hook it runs) would wait for a reply that loop "
                "cannot read; run it in a task (asyncio.create_task)"
            )
        tags = [self._tag_of(reply) for reply in replies]
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._seq += 1
        waiter = _Waiter(future, replies, self._seq)
        for tag in tags:
            self._pending.setdefault(tag, deque()).append(waiter)
        wait = self.request_timeout if timeout is None else timeout
        try:
            await self.send_message(message)
            try:
                reply: ReplyT = await asyncio.wait_for(future, wait)
            except asyncio.TimeoutError:
                raise RequestTimeout(
                    f"no {' or '.join(map(repr, tags))} reply to "
                    f"{type(message).__name__} within {wait:g} s"
                ) from None
            return reply
        finally:
            for tag in tags:
                waiters = self._pending.get(tag)
                if waiters is not None and waiter in waiters:
                    waiters.remove(waiter)
                    if not waiters:
                        del self._pending[tag]

    def stream(
        self,
        message: OutgoingT,
        partials: tuple[type[PartialT], ...],
        final: type[FinalT],
        *,
        cancel: type[BaseModel] | None = None,
        cancel_keys: tuple[str, str] = ("", ""),
        timeout: float | None = None,
    ) -> ReplyStream[PartialT, FinalT]:
        """A ReplyStream for message: partial replies of the partials
        types, then one of type final. cancel is the message type that
        cancels it, cancel_keys the JSON pointers of its correlationId in
        that message and in message. Nothing is sent before the stream is
        used (see ReplyStream); do not read it in handle_message.
        """
        return ReplyStream(
            self, message, partials, final, cancel=cancel, cancel_keys=cancel_keys, timeout=timeout
        )

    def _tag_of(self, model: type[BaseModel]) -> str:
        tag = self._tag_or_none(model)
        if tag is None:
            raise TypeError(
                f"{model.__name__} has no default for {self.discriminator!r}, "
                "so its replies cannot be told apart"
            )
        return tag

    def _tag_or_none(self, model: type[BaseModel]) -> str | None:
        """The discriminator value of model: its default (a Literal's)."""
        for name, field in model.model_fields.items():
            if (field.alias or name) == self.discriminator:
                return field.default if isinstance(field.default, str) else None
        return None

    # -- hooks -------------------------------------------------------------

    async def before_handle(self) -> None:
        """Runs once per handle(), before connecting."""

    async def send_init_message(self) -> None:
        """Runs after each connection opens, beside the read loop (so it may
        await request()): the place to send a first message. It is
        cancelled if still running when its connection ends."""

    async def handle_message(self, message: IncomingT) -> None:
        """Handle one incoming message; override it. Runs in the read loop,
        one message at a time, in arrival order."""
        logger.debug("unhandled %s", type(message).__name__)

    async def after_handle(self) -> None:
        """Runs once when handle() ends."""

    async def handle_error(self, error: Exception) -> None:
        """A hook or handle_message raised; the connection stays open.
        Re-raise to end handle() (the connection closes with 1011)."""
        logger.error("error while handling a frame", exc_info=error)

    async def handle_websocket_connection_error(self, error: Exception) -> None:
        """Connecting to the server failed, or the connection was lost."""
        logger.error("connection to %s: %s", self.url, error)

    async def handle_raw_data(self, message: str | bytes) -> None:
        """A frame that is binary or not JSON arrived."""
        logger.warning("ignored a frame that is not JSON text: %.200r", message)

    async def handle_invalid_message(self, invalid_message: Any) -> None:
        """JSON that is not a message of the channel arrived; it is called
        while the ValidationError is being handled (sys.exc_info has it)."""
        logger.warning("ignored an invalid message: %.200r", invalid_message, exc_info=True)
