"""Prometheus metrics of one server (``GET /metrics``).

Each :class:`ServerMetrics` has its own registry, so several servers in one process (tests) do not
share counters. Names follow Prometheus conventions: ``_total`` counters, base units (seconds).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from parley.server.scheduler import Priority, SchedulerStats

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5, 10.0, 20.0, 60.0)


class _StageSeconds(Collector):
    """``parley_inference_seconds_total{stage}``, read from the engine's running totals at scrape time."""

    def __init__(self, read: Callable[[], dict[str, float]]) -> None:
        self._read = read

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "parley_inference_seconds",
            "Seconds spent in inference, by pipeline stage (vad, asr, language, segmentation, embedding).",
            labels=["stage"],
        )
        stages = ("vad", "asr", "language", "segmentation", "embedding")
        totals = {**dict.fromkeys(stages, 0.0), **self._read()}
        for stage, seconds in sorted(totals.items()):
            family.add_metric([stage], seconds)
        yield family


class _MqttDropped(Collector):
    """``parley_mqtt_dropped_total{reason}``: messages the bus lost, read from the publisher when scraped."""

    def __init__(self, read: Callable[[], dict[str, int]]) -> None:
        self._read = read

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "parley_mqtt_dropped",
            "MQTT messages lost, by reason (queue_full, session_share, unencodable, shutdown).",
            labels=["reason"],
        )
        totals = {"queue_full": 0, "session_share": 0, "unencodable": 0, "shutdown": 0, **self._read()}
        for reason, count in sorted(totals.items()):
            family.add_metric([reason], count)
        yield family


class _Scheduler(Collector):
    """The inference scheduler's counters, read from it when scraped (server/scheduler.py)."""

    def __init__(self, read: Callable[[], SchedulerStats | None]) -> None:
        self._read = read

    def collect(self) -> Iterator[CounterMetricFamily]:
        stats = self._read() or SchedulerStats()
        granted = CounterMetricFamily(
            "parley_inference_calls",
            "Model calls granted an inference slot, by priority.",
            labels=["priority"],
        )
        shed = CounterMetricFamily(
            "parley_inference_shed",
            "Model calls skipped because no slot was free in time (partials only), by priority.",
            labels=["priority"],
        )
        waited = CounterMetricFamily(
            "parley_inference_wait_seconds",
            "Seconds model calls waited for a slot, by priority.",
            labels=["priority"],
        )
        for priority in Priority:
            label = [priority.name.lower()]
            granted.add_metric(label, stats.granted[priority])
            shed.add_metric(label, stats.shed[priority])
            waited.add_metric(label, stats.waited_s[priority])
        yield granted
        yield shed
        yield waited


class ServerMetrics:
    """The counters, gauges and histograms one server exposes."""

    def __init__(
        self,
        stage_seconds: Callable[[], dict[str, float]],
        mqtt_dropped: Callable[[], dict[str, int]] | None = None,
        scheduler: Callable[[], SchedulerStats | None] | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.sessions_active = Gauge(
            "parley_sessions_active", "Sessions with a connected client.", registry=r
        )
        self.sessions_detached = Gauge(
            "parley_sessions_detached", "Sessions whose socket dropped, kept for a resume.", registry=r
        )
        self.sessions_started = Counter("parley_sessions_started", "Sessions started.", registry=r)
        self.sessions_resumed = Counter("parley_sessions_resumed", "Successful resumes.", registry=r)
        self.sessions_refused = Counter(
            "parley_sessions_refused",
            "Connections refused, by reason (capacity, auth, shutdown, resume, handshakes, pending, origin,"
            " bad_request).",
            ["reason"],
            registry=r,
        )
        self.speaker_updates = Counter(
            "parley_speaker_updates",
            "speaker_update messages sent: finals whose speaker a later re-clustering revised.",
            registry=r,
        )
        self.audio_seconds = Counter(
            "parley_audio_seconds", "Seconds of audio received (16 kHz sample clock).", registry=r
        )
        self.finals = Counter("parley_finals", "Final captions produced.", registry=r)
        self.final_latency = Histogram(
            "parley_final_latency_seconds",
            "Audio received between a final's end and its emission (the server's share of caption latency).",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.lag = Gauge(
            "parley_session_lag_seconds",
            "Audio received but not yet processed, per session.",
            ["session"],
            registry=r,
        )
        self.errors = Counter(
            "parley_errors", "Error messages sent to clients, by code.", ["code"], registry=r
        )
        self.sessions_evicted = Counter(
            "parley_sessions_evicted",
            "Dropped sessions ended before their grace, by reason (client_cap, global_cap).",
            ["reason"],
            registry=r,
        )
        self.sessions_cut = Counter(
            "parley_sessions_cut", "Sessions cut at the shutdown deadline before they flushed.", registry=r
        )
        self.file_requests = Counter(
            "parley_file_requests",
            "POST /v1/listen requests answered, by HTTP status (200, 400, 401, 404, 408, 413, 503...).",
            ["status"],
            registry=r,
        )
        self.file_audio_seconds = Counter(
            "parley_file_audio_seconds",
            "Seconds of audio transcribed as files (POST /v1/listen).",
            registry=r,
        )
        r.register(_StageSeconds(stage_seconds))
        if scheduler is not None:
            r.register(_Scheduler(scheduler))
        if mqtt_dropped is not None:
            r.register(_MqttDropped(mqtt_dropped))

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def forget_session(self, session_id: str) -> None:
        with contextlib.suppress(KeyError):
            self.lag.remove(session_id)
