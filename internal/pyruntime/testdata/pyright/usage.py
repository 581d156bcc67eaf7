"""Code a user of chatclient writes; pyright checks it in strict mode.

TestPyright removes the two lines marked "removed by the test" and expects
pyright to report the match as not exhaustive.
"""

import asyncio
from typing import Any, assert_never

from chatclient.base import Reconnect
from chatclient.chat import (
    ChatClient,
    ChatPayload,
    IncomingMessage,
    NewChatMessage,
    PongMessage,
)


class MyChatClient(ChatClient):
    async def send_init_message(self) -> None:
        reply: PongMessage = await self.request_ping(timeout=5)
        print(reply.action)
        await self.send_message(
            NewChatMessage(payload=ChatPayload(message="Hello, room!", name="Ada"))
        )

    async def handle_message(self, message: IncomingMessage) -> None:
        match message:
            case NewChatMessage(payload=payload):
                print(f"{payload.name}: {payload.message}")
            case PongMessage():  # removed by the test
                print("pong")  # removed by the test
            case _:
                assert_never(message)

    async def handle_invalid_message(self, invalid_message: Any) -> None:
        print("invalid", invalid_message)

    async def handle_raw_data(self, message: str | bytes) -> None:
        print("raw", len(message))


async def main() -> None:
    client = MyChatClient(
        "127.0.0.1:8000",
        path_params={"room": "lobby"},
        headers={"Authorization": "Bearer my-token"},
        reconnect=Reconnect(max_attempts=3),
    )
    await client.handle()
    await client.disconnect(4000, "done")


if __name__ == "__main__":
    asyncio.run(main())
