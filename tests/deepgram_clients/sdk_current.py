"""Streams a raw s16le 16 kHz file to Parley's /v1/listen with the current deepgram-sdk (v5+ API).

Run by tests/test_deepgram.py in its own venv (.venv-deepgram; `make setup` makes it): the v4 SDK
in the main venv is the same ``deepgram`` package. Prints every message received as one JSON line;
an SDK error or a message the SDK could not parse is printed as ``{"type": "Error", ...}``.
Environment: DEEPGRAM_TEST_URL (http://host:port), DEEPGRAM_TEST_KEY.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from pathlib import Path

from deepgram import AsyncDeepgramClient
from deepgram.core.events import EventType
from deepgram.environment import DeepgramClientEnvironment

CHUNK = 3200  # 100 ms of 16 kHz s16le


class Unparsed(logging.Handler):
    """The SDK logs (and skips) a message it cannot parse: that is an error here."""

    def emit(self, record: logging.LogRecord) -> None:
        print(json.dumps({"type": "Error", "log": record.getMessage()}), flush=True)


async def main(path: str) -> None:
    logging.getLogger("deepgram").addHandler(Unparsed(level=logging.WARNING))
    http = os.environ["DEEPGRAM_TEST_URL"]
    ws = http.replace("http://", "ws://")
    environment = DeepgramClientEnvironment(base=http, production=ws, agent=ws, agent_rest=http)
    client = AsyncDeepgramClient(api_key=os.environ["DEEPGRAM_TEST_KEY"], environment=environment)
    audio = Path(path).read_bytes()
    finalized, closed = asyncio.Event(), asyncio.Event()

    async def on_message(message: object) -> None:
        data = message.model_dump(mode="json", exclude_none=True) if hasattr(message, "model_dump") else {}
        print(json.dumps(data), flush=True)
        if data.get("from_finalize"):
            finalized.set()

    async def on_error(error: object) -> None:
        print(json.dumps({"type": "Error", "error": repr(error)}), flush=True)

    async def on_close(_: object) -> None:
        closed.set()

    async with client.listen.v1.connect(
        model="nova-3",
        language="en-US",
        encoding="linear16",
        sample_rate=16000,
        channels=1,
        interim_results="true",
        diarize="true",
        punctuate="true",
        smart_format="true",
        vad_events="true",
        utterance_end_ms=1000,
    ) as socket:
        socket.on(EventType.MESSAGE, on_message)
        socket.on(EventType.ERROR, on_error)
        socket.on(EventType.CLOSE, on_close)
        listener = asyncio.create_task(socket.start_listening())
        started = time.monotonic()
        for index, offset in enumerate(range(0, len(audio), CHUNK)):
            await socket.send_media(audio[offset : offset + CHUNK])
            await asyncio.sleep(max(0.0, started + (index + 1) * 0.1 - time.monotonic()))
        await socket.send_finalize()
        await asyncio.wait_for(finalized.wait(), 30)
        await socket.send_close_stream()
        await asyncio.wait_for(closed.wait(), 10)
        await listener


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
