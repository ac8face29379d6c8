"""A local HTTP receiver for webhook tests (issue 14): records every request it gets and answers a chosen status;
:meth:`Receiver.stop` kills it at once (no graceful wait for requests in flight), so a test can take it away
mid-stream and start it again on the same port. Used by notifications' integration tests and the end-to-end tests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import uvicorn


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP receiver (uvicorn) on ``port`` recording every request; answers ``status`` (and ``location``)."""

    port: int
    status: int = 200
    location: str | None = None
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if self.delay:
            await asyncio.sleep(self.delay)
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.received.append(Received(scope["path"], headers, body))
        reply = [(b"content-type", b"text/plain")]
        if self.location:
            reply.append((b"location", self.location.encode()))
        await send({"type": "http.response.start", "status": self.status, "headers": reply})
        await send({"type": "http.response.body", "body": b"ok"})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> None:
        config = uvicorn.Config(
            self, host="127.0.0.1", port=self.port, lifespan="off", log_config=None, access_log=False
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        for _ in range(200):
            if self._server.started:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the receiver did not start")

    async def stop(self) -> None:
        """Stops at once (no graceful wait for requests in flight): the receiver dies mid-stream."""
        assert self._server is not None and self._task is not None
        self._server.should_exit = True
        self._server.force_exit = True
        await self._task
        self._server = self._task = None
