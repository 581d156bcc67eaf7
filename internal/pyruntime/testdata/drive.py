"""Drives the chatclient package for the Go tests: python3 drive.py SCENARIO URL [ARG].

Each scenario prints one JSON object (what it saw) on stdout and exits 0, or
fails with a traceback. CHANX_TEST_WEBSOCKETS_API picks the websockets API:
"" (whatever is installed), "legacy" (hide websockets.asyncio, as before
13.0) or "fake-asyncio" (a stand-in for 13's websockets.asyncio.client over
the legacy API, for machines that only have an older release: it checks the
call the client makes, additional_headers and all, not websockets 13 itself).
"""

import asyncio
import json
import os
import sys
import types
from typing import Any


def select_api() -> None:
    mode = os.environ.get("CHANX_TEST_WEBSOCKETS_API", "")
    if mode == "legacy":
        sys.modules["websockets.asyncio"] = None  # type: ignore[assignment]
        sys.modules["websockets.asyncio.client"] = None  # type: ignore[assignment]
    elif mode == "fake-asyncio":
        import websockets.client as legacy

        async def connect(
            uri: str,
            *,
            additional_headers: Any = None,
            open_timeout: float | None = 10,
            **kwargs: Any,
        ) -> Any:
            if "extra_headers" in kwargs:
                raise TypeError("connect() got an unexpected keyword argument 'extra_headers'")
            return await legacy.connect(
                uri, extra_headers=additional_headers, open_timeout=open_timeout, **kwargs
            )

        client = types.ModuleType("websockets.asyncio.client")
        client.connect = connect  # type: ignore[attr-defined]
        package = types.ModuleType("websockets.asyncio")
        package.client = client  # type: ignore[attr-defined]
        sys.modules["websockets.asyncio"] = package
        sys.modules["websockets.asyncio.client"] = client
    elif mode:
        raise SystemExit(f"unknown CHANX_TEST_WEBSOCKETS_API {mode!r}")


select_api()

from chatclient.base import (  # noqa: E402
    RUNTIME_VERSION,
    WEBSOCKETS_API,
    NotConnectedError,
    Reconnect,
    RequestTimeout,
    ServerError,
    build_url,
    require_runtime,
)
from chatclient.chat import (  # noqa: E402
    ChatClient,
    ChatPayload,
    IncomingMessage,
    NewChatMessage,
    PingMessage,
    PongMessage,
)

LIMIT = 20.0  # seconds any scenario may take


def dump(message: Any) -> Any:
    return message.model_dump(mode="json") if hasattr(message, "model_dump") else message


class Recorder(ChatClient):
    """Records what reaches each hook."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.messages: list[Any] = []
        self.invalid: list[Any] = []
        self.invalid_errors: list[str] = []
        self.raw: list[Any] = []
        self.errors: list[str] = []
        self.connection_errors: list[str] = []
        self.inits = 0
        self.calls: list[str] = []

    async def before_handle(self) -> None:
        self.calls.append("before_handle")

    async def after_handle(self) -> None:
        self.calls.append("after_handle")

    async def send_init_message(self) -> None:
        self.inits += 1

    async def handle_message(self, message: IncomingMessage) -> None:
        self.messages.append(dump(message))

    async def handle_invalid_message(self, invalid_message: Any) -> None:
        error = sys.exc_info()[1]
        self.invalid.append(invalid_message)
        self.invalid_errors.append(type(error).__name__)

    async def handle_raw_data(self, message: str | bytes) -> None:
        self.raw.append(message.hex() if isinstance(message, bytes) else message)

    async def handle_error(self, error: Exception) -> None:
        self.errors.append(f"{type(error).__name__}: {error}")

    async def handle_websocket_connection_error(self, error: Exception) -> None:
        self.connection_errors.append(type(error).__name__)

    def report(self, **extra: Any) -> dict[str, Any]:
        return {
            "url": self.url,
            "messages": self.messages,
            "invalid": self.invalid,
            "invalid_errors": self.invalid_errors,
            "raw": self.raw,
            "errors": self.errors,
            "connection_errors": self.connection_errors,
            "inits": self.inits,
            "calls": self.calls,
            "close_code": self.close_code,
            **extra,
        }


async def ping(url: str, room: str) -> dict[str, Any]:
    """Requests answered in send_init_message: the read loop runs beside it."""
    replies: list[Any] = []

    class Client(Recorder):
        async def send_init_message(self) -> None:
            replies.append(dump(await self.request_ping()))
            many = await asyncio.gather(*(self.request_ping(PingMessage()) for _ in range(5)))
            replies.extend(dump(r) for r in many)
            await self.disconnect()

    client = Client(url, path_params={"room": room})
    await client.handle()
    return client.report(replies=replies)


async def chat(url: str, room: str) -> dict[str, Any]:
    """Two members of one room: each gets the other's message, not its own."""
    ready = [asyncio.Event(), asyncio.Event()]
    done = asyncio.Event()

    class Member(Recorder):
        def __init__(self, name: str, index: int) -> None:
            super().__init__(url, path_params={"room": room})
            self.name = name
            self.index = index

        async def send_init_message(self) -> None:
            await self.request_ping()  # the server has joined us to the room
            ready[self.index].set()

        async def say(self, text: str) -> None:
            await self.send_message(NewChatMessage(payload=ChatPayload(message=text, name=self.name)))

        async def handle_message(self, message: IncomingMessage) -> None:
            await super().handle_message(message)
            if isinstance(message, NewChatMessage) and self.name == "bob":
                await self.say("hi ann")
            elif isinstance(message, NewChatMessage):
                done.set()

    ann, bob = Member("ann", 0), Member("bob", 1)
    tasks = [asyncio.create_task(ann.handle()), asyncio.create_task(bob.handle())]
    await asyncio.gather(ready[0].wait(), ready[1].wait())
    await ann.say("hello from ann")
    # Delivery to a member is in order: had ann got her own message back,
    # it would come before bob's answer.
    await done.wait()
    await ann.disconnect()
    await bob.disconnect()
    await asyncio.gather(*tasks)
    return {"ann": ann.report(), "bob": bob.report()}


async def invalid(url: str, _: str) -> dict[str, Any]:
    """The server sends bad frames, then a pong; the last ends the run."""

    class Client(Recorder):
        async def handle_message(self, message: IncomingMessage) -> None:
            await super().handle_message(message)
            await self.disconnect()

    client = Client(url, path_params={"room": "lobby"})
    await client.handle()
    return client.report()


async def headers(url: str, room: str) -> dict[str, Any]:
    class Client(Recorder):
        async def send_init_message(self) -> None:
            await self.request_ping()
            await self.disconnect()

    client = Client(
        url,
        path_params={"room": room},
        headers={"Authorization": "Bearer s3cret", "X-Chanx-Test": "from python"},
    )
    await client.handle()
    return client.report()


async def close(url: str, arg: str) -> dict[str, Any]:
    """disconnect(code, reason) from send_init_message, after one ping."""
    code, _, reason = arg.partition(":")

    class Client(Recorder):
        async def send_init_message(self) -> None:
            await self.send_message(PingMessage())
            if code:
                await self.disconnect(int(code), reason)
            else:
                await self.disconnect()

    client = Client(url, path_params={"room": "lobby"})
    await client.handle()
    return client.report()


async def timeout(url: str, _: str) -> dict[str, Any]:
    """The server never answers: request() times out; then not connected."""
    outcome: dict[str, Any] = {}

    class Client(Recorder):
        async def send_init_message(self) -> None:
            try:
                await self.request_ping(timeout=0.3)
            except RequestTimeout as error:
                outcome["timeout"] = str(error)
            await self.disconnect()

    client = Client(url, path_params={"room": "lobby"})
    await client.handle()
    try:
        await client.send_message(PingMessage())
    except NotConnectedError as error:
        outcome["after"] = str(error)
    return client.report(**outcome)


async def readloop(url: str, _: str) -> dict[str, Any]:
    """request() in handle_message fails at once instead of hanging."""

    class Client(Recorder):
        async def handle_message(self, message: IncomingMessage) -> None:
            await super().handle_message(message)
            try:
                await self.request_ping()
            finally:
                await self.disconnect()

    client = Client(url, path_params={"room": "lobby"})
    await client.handle()
    return client.report()


async def reconnect(url: str, _: str) -> dict[str, Any]:
    """The server drops the first connections; the client comes back."""

    class Client(Recorder):
        async def handle_message(self, message: IncomingMessage) -> None:
            await super().handle_message(message)
            await self.disconnect()

    client = Client(
        url,
        path_params={"room": "lobby"},
        reconnect=Reconnect(initial_delay=0.05, max_delay=0.2, max_attempts=5),
    )
    await client.handle()
    return client.report()


async def refused(url: str, _: str) -> dict[str, Any]:
    """Nothing listens: one attempt plus max_attempts retries, then handle() returns."""
    client = Recorder(
        url,
        path_params={"room": "lobby"},
        reconnect=Reconnect(initial_delay=0.01, max_delay=0.05, max_attempts=2),
    )
    await client.handle()
    return client.report()


async def unit(_: str, __: str) -> dict[str, Any]:
    """URL building and argument checks, no server."""
    path = "/ws/chat/{room}"
    urls = {
        "host": build_url("localhost:8000", path, "ws", {"room": "lobby"}),
        "wss": build_url("example.com", path, "wss", {"room": "lobby"}),
        "full": build_url("ws://127.0.0.1:9/", path, "wss", {"room": "lobby"}),
        "http": build_url("https://example.com/api/?t=1", path, "ws", {"room": 7}),
        "escape": build_url("h", path, "ws", {"room": "a/b c?d#e%f\u00e9"}),
        "noslash": build_url("h", "ws/x", "ws", None),
    }
    errors: dict[str, str] = {}
    for name, call in {
        "protocol": lambda: build_url("h", path, "http", {"room": "x"}),
        "scheme": lambda: build_url("ftp://h", path, "ws", {"room": "x"}),
        "nohost": lambda: build_url("ws://", path, "ws", {"room": "x"}),
        "missing": lambda: build_url("h", path, "ws", {}),
        "unknown": lambda: build_url("h", path, "ws", {"room": "x", "rooom": "y"}),
        "empty": lambda: build_url("h", path, "ws", {"room": ""}),
        "factor": lambda: Reconnect(factor=0.5),
        "attempts": lambda: Reconnect(max_attempts=0),
    }.items():
        try:
            call()
        except ValueError as error:
            errors[name] = str(error)
    try:
        require_runtime(RUNTIME_VERSION + 1)
    except ImportError as error:
        errors["runtime"] = str(error)
    policy = Reconnect(initial_delay=1, factor=2, max_delay=5, jitter=0)
    client = Recorder("h", path_params={"room": "x"})
    try:
        await client.request(PingMessage())
    except TypeError as error:
        errors["noreply"] = str(error)
    try:
        await client.send_message(PingMessage())
    except NotConnectedError as error:
        errors["notconnected"] = str(error)
    frames = {
        "ping": client.encode(PingMessage()),
        "chat": client.encode(NewChatMessage(payload=ChatPayload(message="h\u00e9", name="a"))),
    }
    return {
        "urls": urls,
        "errors": errors,
        "delays": [policy.delay(n) for n in range(1, 6)],
        "frames": frames,
        "pong_is_incoming": isinstance(PongMessage(), PongMessage),
    }


async def servererror(url: str, _: str) -> dict[str, Any]:
    """The server answers ping with an error frame: request() raises it."""
    outcome: dict[str, Any] = {}

    class Client(Recorder):
        async def send_init_message(self) -> None:
            try:
                await self.request_ping()
            except ServerError as error:
                outcome["server_error"] = str(error)
                outcome["server_error_payload"] = error.payload
            await self.disconnect()

    client = Client(url, path_params={"room": "lobby"})
    await client.handle()
    return client.report(**outcome)


async def dropped(url: str, _: str) -> dict[str, Any]:
    """The connection drops while a request waits: it fails at once."""
    outcome: dict[str, Any] = {}

    class Client(Recorder):
        async def send_init_message(self) -> None:
            try:
                await self.request_ping()
            except NotConnectedError as error:
                outcome["after"] = str(error)

    client = Client(url, path_params={"room": "lobby"})
    await client.handle()
    return client.report(**outcome)


async def errors(url: str, _: str) -> dict[str, Any]:
    """send_init_message and handle_message raise: handle_error gets both,
    the connection stays."""

    class Client(Recorder):
        async def send_init_message(self) -> None:
            await super().send_init_message()
            raise ValueError("init failed")

        async def handle_message(self, message: IncomingMessage) -> None:
            await super().handle_message(message)
            raise ValueError(f"handler failed on {message.action}")

        async def handle_error(self, error: Exception) -> None:
            await super().handle_error(error)
            if len(self.errors) == 2:
                await self.disconnect()

    client = Client(url, path_params={"room": "lobby"})
    await client.handle()
    return client.report()


async def fatal(url: str, _: str) -> dict[str, Any]:
    """handle_error re-raises: handle() raises it, after_handle still runs."""
    outcome: dict[str, Any] = {}

    class Client(Recorder):
        async def handle_message(self, message: IncomingMessage) -> None:
            raise ValueError("cannot go on")

        async def handle_error(self, error: Exception) -> None:
            raise error

    client = Client(url, path_params={"room": "lobby"})
    try:
        await client.handle()
    except ValueError as error:
        outcome["raised"] = str(error)
    return client.report(**outcome)


async def cancel(url: str, _: str) -> dict[str, Any]:
    """The task running handle() is cancelled."""
    connected = asyncio.Event()

    class Client(Recorder):
        async def send_init_message(self) -> None:
            connected.set()

    client = Client(url, path_params={"room": "lobby"})
    task = asyncio.create_task(client.handle())
    await connected.wait()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    return client.report(cancelled=task.cancelled())


async def exchange(url: str, _: str) -> dict[str, Any]:
    """The exchange TestFramesMatchTheGoClient also has the Go client make."""
    replies: list[Any] = []

    class Client(Recorder):
        async def send_init_message(self) -> None:
            replies.append(dump(await self.request_ping()))
            await self.send_message(
                NewChatMessage(payload=ChatPayload(message='h\u00e9llo "ann" </>', name="ann"))
            )

        async def handle_message(self, message: IncomingMessage) -> None:
            await super().handle_message(message)
            await self.disconnect()

    client = Client(url, path_params={"room": "lobby"})
    await client.handle()
    return client.report(replies=replies)


SCENARIOS = {
    f.__name__: f
    for f in (
        ping,
        chat,
        invalid,
        headers,
        close,
        timeout,
        readloop,
        reconnect,
        refused,
        servererror,
        dropped,
        errors,
        fatal,
        cancel,
        exchange,
        unit,
    )
}


async def main() -> None:
    scenario, url = sys.argv[1], sys.argv[2]
    arg = sys.argv[3] if len(sys.argv) > 3 else "lobby"
    result = await asyncio.wait_for(SCENARIOS[scenario](url, arg), LIMIT)
    result["api"] = WEBSOCKETS_API
    print(json.dumps(result))


asyncio.run(main())
