"""Drives the generated assistant client against the Go assistant server
(stream_test.go: TestStreamLoopback) and prints what it saw as JSON.

    python3 stream_drive.py ws://127.0.0.1:PORT

The server answers "short" with the tokens "t0 " .. "t4 " then the answer,
streams "long" until it is stopped, and answers "fail" with an error frame.
"""

import asyncio
import json
import sys
from typing import Any

from assistantclient import AssistantClient
from assistantclient.assistant import (
    AskMessage,
    AskPayload,
    IncomingMessage,
    TokenMessage,
)
from assistantclient.base import ServerError


def ask(request_id: str, question: str) -> AskMessage:
    return AskMessage(payload=AskPayload(request_id=request_id, question=question))


class Driver(AssistantClient):
    def __init__(self, url: str) -> None:
        super().__init__(url, request_timeout=30)
        self.results: dict[str, Any] = {}
        self.unhandled: list[str] = []
        self.failure: str | None = None

    async def send_init_message(self) -> None:
        try:
            await self.scenarios()
        except Exception as error:  # reported to the Go test
            self.failure = f"{type(error).__name__}: {error}"
        finally:
            await self.disconnect()

    async def scenarios(self) -> None:
        r = self.results

        # Partials in order, then the final reply.
        stream = self.stream_ask(ask("r1", "short"))
        r["short_tokens"] = [(t.payload.request_id, t.payload.text) async for t in stream]
        answer = await stream.final()
        r["short_answer"] = answer.payload.model_dump()
        r["final_again"] = (await stream.final()).payload.text

        # An explicit cancel: the stream goes on to the server's final reply.
        async with self.stream_ask(ask("r2", "long")) as stream:
            seen = 0
            async for token in stream:
                if token.payload.request_id != "r2":
                    raise AssertionError(f"r2 got {token!r}")
                seen += 1
                if seen == 3:
                    await stream.cancel()
            stopped = await stream.final()
        r["cancel_seen_3"] = seen >= 3
        r["cancel_answer"] = {
            "request_id": stopped.payload.request_id,
            "stopped": stopped.payload.stopped,
        }

        # Cancelling the reading task sends stop_generating and drops the
        # rest of that stream: the next one gets only its own frames.
        first: asyncio.Future[TokenMessage] = asyncio.get_running_loop().create_future()
        abandoned = self.stream_ask(ask("r3", "long"))

        async def read() -> None:
            async for token in abandoned:
                if not first.done():
                    first.set_result(token)

        task = asyncio.create_task(read())
        r["task_first"] = (await first).payload.request_id
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            r["task_cancelled"] = True
        after = self.stream_ask(ask("r4", "short"))
        r["after_tokens"] = [(t.payload.request_id, t.payload.text) async for t in after]
        r["after_answer"] = (await after.final()).payload.request_id

        # Leaving async with before the final reply sends stop_generating
        # too, and drops the rest of that stream.
        async with self.stream_ask(ask("r7", "long")) as left:
            async for token in left:
                r["left_first"] = token.payload.request_id
                break
        after = self.stream_ask(ask("r8", "short"))
        r["left_after"] = [t.payload.request_id async for t in after]

        # An error frame raises ServerError.
        try:
            await self.stream_ask(ask("r5", "fail")).final()
            r["error"] = "no error"
        except ServerError as error:
            r["error"] = "ServerError"
            r["error_payload"] = error.payload

        # An async for over a stream that fails raises the same.
        try:
            async for _ in self.stream_ask(ask("r6", "fail")):
                pass
            r["error_iter"] = "no error"
        except ServerError:
            r["error_iter"] = "ServerError"

    async def handle_message(self, message: IncomingMessage) -> None:
        self.unhandled.append(message.action)


async def main(url: str) -> None:
    driver = Driver(url)
    await asyncio.wait_for(driver.handle(), 60)
    print(
        json.dumps(
            {
                "results": driver.results,
                "unhandled": driver.unhandled,
                "failure": driver.failure,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
