"""Captions to an MQTT broker, never on the critical path.

:class:`CaptionPublisher` takes messages from every session without waiting (``publish`` only
queues) and one background task sends them, in order, with the configured QoS. While the broker is
down or slow the queue holds them (bounded by ``mqtt.queue_size``; beyond it the oldest are dropped
and counted) and the task reconnects with exponential backoff; a message leaves the queue only once
the broker acknowledged it, so after a reconnect it may be sent twice (QoS 1 is at-least-once:
captions carry ids, subscribers drop duplicates).

Topics (``<prefix>`` is ``mqtt.topic_prefix``, ``<name>`` the session's name):

- ``<prefix>/sessions/<name>/events``: ``session_start`` and ``session_stop``
- ``<prefix>/sessions/<name>/captions``: every ``final``, as sent on the WebSocket
- ``<prefix>/sessions/<name>/speakers``: roster changes
- ``<prefix>/sessions/<name>/partials``: partials, only with ``mqtt.partials``
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import unicodedata
import uuid
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiomqtt

from parley.config import MqttConfig

log = logging.getLogger(__name__)
TOPIC_KINDS = ("events", "captions", "speakers", "partials")
MAX_NAME_LENGTH = 200


class SessionNameError(ValueError):
    """A session name that cannot be an MQTT topic level sequence."""


def is_printable(text: str) -> bool:
    """No control (C0, C1), format (zero-width, bidi overrides), surrogate, private-use, unassigned
    or noncharacter code points, and no line or paragraph separators: what a topic, a log line or a
    caption can show as it is, and what UTF-8 (so paho, so the broker) can encode."""
    return not any(unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp") for c in text)


def validate_session_name(name: str) -> str:
    """Return ``name`` if it can stand in a topic: no wildcards, no empty levels, printable."""
    if not isinstance(name, str) or not name:
        raise SessionNameError("session must be a non-empty string")
    if len(name) > MAX_NAME_LENGTH:
        raise SessionNameError(f"session name longer than {MAX_NAME_LENGTH} characters")
    if not is_printable(name):
        raise SessionNameError(
            "session name contains control, format, surrogate or unassigned characters (e.g. U+0085, "
            "U+200B, a lone U+D800); use printable text"
        )
    if "+" in name or "#" in name:
        raise SessionNameError(f"session name {name!r} contains an MQTT wildcard ('+' or '#')")
    if any(level == "" for level in name.split("/")):
        raise SessionNameError(f"session name {name!r} has an empty topic level (leading, trailing or '//')")
    return name


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    tls: bool


def parse_broker_url(url: str) -> BrokerAddress:
    """``mqtt://host[:port]`` or ``mqtts://host[:port]``."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValueError(f"broker URL must look like mqtt://host:1883 or mqtts://host:8883, not {url!r}")
    tls = parts.scheme == "mqtts"
    return BrokerAddress(parts.hostname, parts.port or (8883 if tls else 1883), tls)


@dataclass
class _Outgoing:
    topic: str
    payload: bytes
    retain: bool
    session: str = ""  # the session name, for its share of the queue
    session_id: str = ""  # for the log, when it is lost


class CaptionPublisher:
    """One broker connection for the whole server; see the module docstring."""

    def __init__(self, config: MqttConfig) -> None:
        if config.url is None:
            raise ValueError("mqtt.url is not set")
        if config.qos not in (0, 1, 2):
            raise ValueError(f"mqtt.qos must be 0, 1 or 2, not {config.qos}")
        if config.retain not in ("none", "roster", "all"):
            raise ValueError(f"mqtt.retain must be none, roster or all, not {config.retain!r}")
        self.config = config
        self.address = parse_broker_url(config.url)
        self.client_id = config.client_id or f"parley-{uuid.uuid4().hex[:8]}"
        self._queue: deque[_Outgoing] = deque()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.connected = False
        self.published = 0
        self.dropped = 0  # messages lost (queue bound, a session's share, unencodable topic), in all
        self.dropped_by: Counter[str] = Counter()  # ... by reason: queue_full, session_share, unencodable
        self._queued_by: Counter[str] = Counter()  # messages in the queue per session name

    # -- producer side (event loop, never waits) -------------------------------------------------

    def topic(self, session: str, kind: str) -> str:
        return f"{self.config.topic_prefix}/sessions/{session}/{kind}"

    def publish(self, session: str, kind: str, message: dict[str, Any]) -> None:
        """Queue one message for ``<prefix>/sessions/<session>/<kind>``."""
        if kind not in TOPIC_KINDS:
            raise ValueError(f"unknown topic kind {kind!r}")
        if kind == "partials" and not self.config.partials:
            return
        retain = self.config.retain == "all" or (
            self.config.retain == "roster" and kind in ("speakers", "events")
        )
        topic = self.topic(session, kind)
        session_id = message.get("session_id", session)
        try:
            topic.encode()
        except UnicodeEncodeError:  # e.g. a lone surrogate: paho would raise in the sending task
            self._lost("unencodable", session, str(session_id))
            return
        if self._queue and len(self._queue) >= self.config.queue_size:
            self._make_room()
        payload = json.dumps(message, separators=(",", ":")).encode()
        self._queue.append(_Outgoing(topic, payload, retain, session, str(session_id)))
        self._queued_by[session] += 1
        self._wakeup.set()

    def _make_room(self) -> None:
        """The queue is full: drop the oldest message of the session holding the most, when it holds
        more than its share (``mqtt.session_queue_share``), else the oldest of all."""
        share = self.config.queue_size * self.config.session_queue_share
        heaviest = max(self._queued_by, key=self._queued_by.__getitem__)
        if self._queued_by[heaviest] > share and self._queue[0].session != heaviest:
            index = next(i for i, queued in enumerate(self._queue) if queued.session == heaviest)
            victim = self._queue[index]
            del self._queue[index]
            reason = "session_share"
        else:
            victim = self._queue.popleft()
            reason = "queue_full"
        self._forget(victim.session)
        self._lost(reason, victim.session, victim.session_id)

    def _forget(self, session: str) -> None:
        self._queued_by[session] -= 1
        if self._queued_by[session] <= 0:
            del self._queued_by[session]

    def _lost(self, reason: str, session: str, session_id: str | None) -> None:
        """Count (and, the first and every 1000th time per reason, log) one message that is lost."""
        self.dropped += 1
        self.dropped_by[reason] += 1
        if self.dropped_by[reason] == 1 or self.dropped_by[reason] % 1000 == 0:
            log.warning(
                "MQTT message lost (%s) of session=%s (name %r): %d lost so far for this reason",
                reason,
                session_id or "?",
                session[:60],
                self.dropped_by[reason],
            )

    @property
    def running(self) -> bool:
        """The sending task is alive (started and not ended)."""
        return self._task is not None and not self._task.done()

    @property
    def pending(self) -> int:
        return len(self._queue)

    # -- the sending task ------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="mqtt-publisher")

    async def close(self, flush_timeout: float = 5.0) -> None:
        """Send what is queued (up to ``flush_timeout`` seconds), then disconnect."""
        if self._task is None:
            return
        deadline = asyncio.get_running_loop().time() + flush_timeout
        while self._queue and self.connected and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        if self._queue:
            log.warning("MQTT publisher closing with %d messages unsent", len(self._queue))
            self.dropped += len(self._queue)
            self.dropped_by["shutdown"] += len(self._queue)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    def _tls_context(self) -> ssl.SSLContext | None:
        if not self.address.tls:
            return None
        return ssl.create_default_context(cafile=self.config.tls_ca)

    async def _run(self) -> None:
        delay = self.config.reconnect_min_s
        while True:
            try:
                async with aiomqtt.Client(
                    self.address.host,
                    self.address.port,
                    identifier=self.client_id,
                    username=self.config.username,
                    password=self.config.password,
                    tls_context=self._tls_context(),
                    timeout=10,
                ) as client:
                    self.connected = True
                    delay = self.config.reconnect_min_s
                    log.info("MQTT connected to %s:%d", self.address.host, self.address.port)
                    await self._send_queued(client)
            except aiomqtt.MqttError as exc:
                if self.connected:
                    log.warning("MQTT connection lost (%s); %d messages queued", exc, len(self._queue))
                else:
                    log.info("MQTT broker %s:%d unreachable (%s)", self.address.host, self.address.port, exc)
            except Exception:  # a bug must not end publishing for every session: reconnect
                log.exception("MQTT publisher failed; reconnecting with %d messages queued", len(self._queue))
            finally:
                self.connected = False
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.config.reconnect_max_s)

    async def _send_queued(self, client: aiomqtt.Client) -> None:
        while True:
            while not self._queue:
                self._wakeup.clear()
                await self._wakeup.wait()
            message = self._queue[0]
            try:
                await client.publish(
                    message.topic, message.payload, qos=self.config.qos, retain=message.retain
                )
            except (UnicodeError, ValueError, TypeError):  # this message cannot be sent: drop it, go on
                if self._queue and self._queue[0] is message:
                    self._queue.popleft()
                    self._forget(message.session)
                self._lost("unencodable", message.session, message.session_id)
                continue
            if self._queue and self._queue[0] is message:  # not dropped meanwhile by the bound
                self._queue.popleft()
                self._forget(message.session)
            self.published += 1
