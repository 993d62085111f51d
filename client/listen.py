"""``parley listen``: the broadcast subtitler's view, captions read from the MQTT bus.

Subscribes to ``<prefix>/sessions/<session>/#`` (every session without ``--session``), prints the
captions live, drops the duplicates QoS 1 may deliver (captions carry ids), and writes the finals
to ``--out`` (.srt, .vtt, .json, .rttm, .html) when it ends: on Ctrl-C, or with ``--exit-on-stop`` when the
session's ``session_stop`` arrives. The connection survives broker restarts: it reconnects with
backoff, and with ``--client-id`` it keeps a persistent broker session so nothing published while
it was away is missed (when the broker keeps sessions).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import ssl
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiomqtt

from parley.config import Config
from parley.server.mqtt import parse_broker_url, validate_session_name

from . import formats
from .view import CaptionView

log = logging.getLogger(__name__)


@dataclass
class SessionCaptions:
    """What one session published: finals by id (deduplicated), speaker names, whether it stopped."""

    finals: dict[int, dict[str, Any]] = field(default_factory=dict)
    speakers: dict[str, str] = field(default_factory=dict)
    stopped: bool = False
    duplicates: int = 0

    def ordered(self) -> list[dict[str, Any]]:
        return [self.finals[key] for key in sorted(self.finals)]


@dataclass
class Listener:
    """Turns bus messages into per-session captions; pure logic, fed by :func:`listen`."""

    prefix: str
    view: CaptionView | None = None
    sessions: dict[str, SessionCaptions] = field(default_factory=dict)

    def handle(self, topic: str, payload: bytes) -> str | None:
        """Take one message; returns its session name (None when it is not Parley's)."""
        levels = topic.split("/")
        head = [*self.prefix.split("/"), "sessions"]
        if levels[: len(head)] != head or len(levels) < len(head) + 2:
            return None
        name, kind = "/".join(levels[len(head) : -1]), levels[-1]
        try:
            message = json.loads(payload)
        except (json.JSONDecodeError, UnicodeDecodeError):
            log.warning("ignoring a message on %s that is not JSON", topic)
            return None
        captions = self.sessions.setdefault(name, SessionCaptions())
        if kind == "captions" and message.get("type") == "speaker_update":
            revised = captions.finals.get(message.get("id"))  # type: ignore[arg-type]
            if (
                revised is not None
            ):  # (an update of a final published before we subscribed: nothing to revise)
                captions.finals[message["id"]] = formats.apply_speaker_update(revised, message)
        elif kind == "captions" and isinstance(message.get("id"), int):
            if message["id"] in captions.finals:
                captions.duplicates += 1
                return name
            captions.finals[message["id"]] = message
        elif kind == "speakers":
            captions.speakers = {s["id"]: s["name"] for s in message.get("speakers", [])}
        elif kind == "events" and message.get("type") == "session_stop":
            captions.stopped = True
        if self.view is not None and kind in ("captions", "speakers", "partials"):
            self.view.handle(message)
        return name


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--broker", help="mqtt://host:port or mqtts://host:port (default: config mqtt.url)")
    parser.add_argument("--session", help="only this session's captions (default: every session)")
    parser.add_argument(
        "--out", type=Path, help="write the finals to this .srt, .vtt, .json, .rttm or .html file at the end"
    )
    parser.add_argument("--exit-on-stop", action="store_true", help="end when the session stops")
    parser.add_argument("--client-id", help="a fixed MQTT client id: a persistent broker session")
    parser.add_argument("--quiet", action="store_true", help="print no captions")


async def listen(
    broker: str,
    listener: Listener,
    *,
    session: str | None,
    exit_on_stop: bool,
    config: Config,
    client_id: str | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Receive until ``stop`` is set, or the session stops (with ``exit_on_stop``)."""
    address = parse_broker_url(broker)
    tls = ssl.create_default_context(cafile=config.mqtt.tls_ca) if address.tls else None
    topic = f"{config.mqtt.topic_prefix}/sessions/{session or '#'}" + ("/#" if session else "")
    stop = stop or asyncio.Event()
    delay = config.mqtt.reconnect_min_s
    while not stop.is_set():
        try:
            async with aiomqtt.Client(
                address.host,
                address.port,
                identifier=client_id,
                clean_session=client_id is None,
                username=config.mqtt.username,
                password=config.mqtt.password,
                tls_context=tls,
                timeout=10,
            ) as client:
                await client.subscribe(topic, qos=1)
                print(f"parley listen: subscribed to {topic}", file=sys.stderr, flush=True)
                delay = config.mqtt.reconnect_min_s
                if await _receive(client, listener, session, exit_on_stop, stop):
                    return
        except aiomqtt.MqttError as exc:
            log.warning("broker %s: %s; retrying in %.1f s", broker, exc, delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, config.mqtt.reconnect_max_s)


async def _receive(
    client: aiomqtt.Client, listener: Listener, session: str | None, exit_on_stop: bool, stop: asyncio.Event
) -> bool:
    """Handle messages until stopped (True) or the connection drops (MqttError)."""
    messages = aiter(client.messages)
    while not stop.is_set():
        next_message = asyncio.ensure_future(anext(messages))
        stopped = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({next_message, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if next_message not in done:
            next_message.cancel()
            return True
        message = next_message.result()
        payload = message.payload if isinstance(message.payload, bytes) else str(message.payload).encode()
        name = listener.handle(str(message.topic), payload)
        if (
            exit_on_stop
            and name is not None
            and listener.sessions[name].stopped
            and name == (session or name)
        ):
            return True
    return True


def run(args: argparse.Namespace, config: Config) -> int:
    """The CLI entry; returns the exit code."""
    broker = args.broker or config.mqtt.url
    if not broker:
        print("parley listen: no broker; pass --broker mqtt://host:port", file=sys.stderr)
        return 2
    try:
        parse_broker_url(broker)
        if args.session:
            validate_session_name(args.session)
        if args.out:
            formats.output_format(args.out)
    except ValueError as exc:
        print(f"parley listen: {exc}", file=sys.stderr)
        return 2
    listener = Listener(config.mqtt.topic_prefix, None if args.quiet else CaptionView(show_partials=True))

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await listen(
            broker,
            listener,
            session=args.session,
            exit_on_stop=args.exit_on_stop,
            config=config,
            client_id=args.client_id,
            stop=stop,
        )

    asyncio.run(main())
    if listener.view is not None:
        listener.view.close()
    if args.out:
        chosen = [listener.sessions[args.session]] if args.session in listener.sessions else []
        if not args.session:
            chosen = list(listener.sessions.values())
        finals = [final for captions in chosen for final in captions.ordered()]
        speakers = {k: v for captions in chosen for k, v in captions.speakers.items()}
        formats.write_finals(args.out, finals, speakers)
        print(f"parley listen: wrote {len(finals)} captions to {args.out}", file=sys.stderr)
    return 0
