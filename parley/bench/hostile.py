"""``parley bench --hostile``: what misbehaving clients cost a well-behaved session.

One real ``parley serve`` (its own process, as :mod:`parley.bench.runner` runs it). A good client
streams the sample at real-time pace twice: alone, then while ``--hostile-clients`` N misbehaving
clients (another process, so that they do not share the good client's event loop) do the worst the
server allows, each from its own loopback address (127.0.0.2, 127.0.0.3, ...: the per-client limits
count by address, so these are N clients, not one), cycling through :data:`KINDS`:

- ``never_reads``: starts a session, streams audio at real time and floods ``rename`` messages (each
  answered by an error) while never reading its socket; reconnects whenever it is closed.
- ``text_flood``: starts a session and sends text frames of ``server.max_text_bytes`` (valid JSON, a
  ``keepalive`` with padding) and renames back to back, as fast as the socket takes them; reads.
- ``handshakes``: opens and closes WebSocket handshakes as fast as the server answers, and keeps
  TCP connections that never finish their handshake open (until the server closes them).
- ``fast_audio``: starts a session and sends audio as fast as the server takes it (the server stops
  reading at ``audio.max_lag_s`` behind); reads.
- ``drop_and_detach``: starts a session, sends a second of audio and drops the TCP connection without
  a close (a detached session, kept for a resume), again and again.

Reported: the good session's final latency p50/p95 with and without them, its finals (all of them,
or not), and the server's RSS (``VmRSS`` sampled, ``VmHWM`` at the end) idle, in each phase and after
the hostile clients stopped. Written to ``hostile.json``, ``hostile.md`` and ``hostile.png``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import itertools
import json
import multiprocessing
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parley.bench import metrics
from parley.bench.runner import SAMPLE_RATE, ServerProcess, _peak_rss_mb, machine_description
from parley.bench.soak import _drain, _rss_mb, copy_pcm
from parley.config import Config

Progress = Callable[[str], None]
KINDS = ("never_reads", "text_flood", "handshakes", "fast_audio", "drop_and_detach")
CHUNK_S = 0.1  # audio per frame, good and hostile clients alike
HOSTILE_START = "<!-- hostile:start -->"
HOSTILE_END = "<!-- hostile:end -->"
# /metrics counters copied into the result (what the server refused, closed and evicted)
METRIC_PREFIXES = (
    "parley_sessions_refused",
    "parley_errors",
    "parley_sessions_evicted",
    "parley_sessions_started",
)


@dataclass
class HostileOptions:
    clients: int = 10  # hostile clients, cycling through ``kinds``
    kinds: tuple[str, ...] = KINDS
    seconds: float | None = None  # of the sample the good session streams; None: all of it
    interval_s: float = 0.25  # wall seconds between RSS samples of the server
    warmup: bool = True  # a short session first (at full speed), so that "alone" is not a cold start
    settle_s: float = 3.0  # wait after the hostile clients stop before the RSS "at the end"


@dataclass
class ClientStats:
    """What one hostile client did and what the server answered."""

    kind: str
    address: str
    connections: int = 0  # WebSocket handshakes completed
    refused: int = 0  # connections the server refused or closed before the handshake completed
    closes: dict[str, int] = field(default_factory=dict)  # close codes the server sent, counted
    frames_sent: int = 0
    bytes_sent: int = 0
    failures: list[str] = field(default_factory=list)  # the first few unexpected exceptions


@dataclass
class PhaseResult:
    name: str
    finals: int = 0
    done_finals: int | None = None  # what `done` says
    all_finals: bool = False  # ids 1..done.finals, each once
    latency_final_p50: float | None = None
    latency_final_p95: float | None = None
    final_latencies: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    rss_peak_mb: float = 0.0  # highest VmRSS sample during the phase
    errors: list[str] = field(default_factory=list)


@dataclass
class HostileResult:
    machine: dict[str, Any]
    options: dict[str, Any]
    phases: list[PhaseResult] = field(default_factory=list)
    clients: list[ClientStats] = field(default_factory=list)
    rss: dict[str, float] = field(default_factory=dict)
    samples: list[tuple[float, float, str]] = field(default_factory=list)  # (wall s, VmRSS MB, phase)
    server_metrics: dict[str, float] = field(default_factory=dict)


# -- the hostile clients (run in a process of their own) -------------------------------------------


def _address(index: int) -> str:
    return f"127.0.0.{2 + index % 250}"


def _chunks(pcm: bytes) -> Iterator[bytes]:
    size = int(CHUNK_S * SAMPLE_RATE) * 2
    return itertools.cycle([pcm[i : i + size] for i in range(0, len(pcm) - size + 1, size)])


START = json.dumps({"type": "start", "sample_rate": SAMPLE_RATE, "encoding": "pcm_s16le", "language": "en"})
RENAME = json.dumps({"type": "rename", "speaker": "S9", "name": "x" * 60})


class Hostile:
    def __init__(
        self, url: str, stats: ClientStats, pcm: bytes, stop: asyncio.Event, text_bytes: int
    ) -> None:
        self.url, self.stats, self.stop, self.text_bytes = url, stats, stop, text_bytes
        self.chunks = _chunks(pcm)

    def _count_failure(self, exc: BaseException) -> None:
        if len(self.stats.failures) < 5:
            self.stats.failures.append(f"{type(exc).__name__}: {exc}"[:200])

    async def connect(self, **kwargs: Any) -> Any:
        from websockets.asyncio.client import connect

        try:
            websocket = await connect(
                self.url,
                local_addr=(self.stats.address, 0),
                compression=None,
                open_timeout=5,
                close_timeout=1,
                ping_interval=None,
                max_size=None,
                **kwargs,
            )
        except Exception:
            self.stats.refused += 1
            await asyncio.sleep(0.05)  # the server said no (or is full): try again soon
            return None
        self.stats.connections += 1
        return websocket

    async def send(self, websocket: Any, frame: str | bytes) -> None:
        await websocket.send(frame)
        self.stats.frames_sent += 1
        self.stats.bytes_sent += len(frame)

    def closed(self, websocket: Any) -> None:
        code = getattr(getattr(websocket.protocol, "close_rcvd", None), "code", None)
        key = str(code) if code is not None else "none"
        self.stats.closes[key] = self.stats.closes.get(key, 0) + 1

    async def loop(self) -> None:
        body = getattr(self, self.stats.kind)
        while not self.stop.is_set():
            try:
                await body()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # ConnectionClosed and the like: the server closed it
                if type(exc).__name__ not in ("ConnectionClosedError", "ConnectionClosedOK"):
                    self._count_failure(exc)
                await asyncio.sleep(0.05)

    async def _drain(self, websocket: Any) -> None:
        with contextlib.suppress(Exception):
            async for _ in websocket:
                pass

    async def never_reads(self) -> None:
        websocket = await self.connect(max_queue=1)  # the library stops reading the socket at once
        if websocket is None:
            return
        try:
            await self.send(websocket, START)
            while not self.stop.is_set():
                await self.send(websocket, next(self.chunks))
                for _ in range(20):
                    await self.send(websocket, RENAME)
                await asyncio.sleep(CHUNK_S)
        finally:
            self.closed(websocket)
            websocket.transport.abort()

    async def text_flood(self) -> None:
        websocket = await self.connect()
        if websocket is None:
            return
        reader = asyncio.create_task(self._drain(websocket))
        pad = "p" * max(0, self.text_bytes - 64)
        big = json.dumps({"type": "keepalive", "pad": pad})
        try:
            await self.send(websocket, START)
            while not self.stop.is_set():
                await self.send(websocket, big)
                await self.send(websocket, RENAME)
        finally:
            self.closed(websocket)
            reader.cancel()
            websocket.transport.abort()

    async def handshakes(self) -> None:
        half_open: list[asyncio.StreamWriter] = []
        host, port = self.url.split("//", 1)[1].rstrip("/").rsplit(":", 1)
        try:
            for _ in range(8):  # handshakes that never finish: held until the server's timeout
                with contextlib.suppress(OSError):
                    _, writer = await asyncio.open_connection(
                        host, int(port), local_addr=(self.stats.address, 0)
                    )
                    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n")
                    half_open.append(writer)
            for _ in range(50):
                if self.stop.is_set():
                    break
                websocket = await self.connect()
                if websocket is not None:
                    await websocket.close()
                    self.closed(websocket)
        finally:
            for writer in half_open:
                writer.transport.abort()

    async def fast_audio(self) -> None:
        websocket = await self.connect()
        if websocket is None:
            return
        reader = asyncio.create_task(self._drain(websocket))
        try:
            await self.send(websocket, START)
            while not self.stop.is_set():
                await self.send(websocket, next(self.chunks))  # waits when the server stops reading
        finally:
            self.closed(websocket)
            reader.cancel()
            websocket.transport.abort()

    async def drop_and_detach(self) -> None:
        websocket = await self.connect()
        if websocket is None:
            return
        try:
            await self.send(websocket, START)
            for _ in range(int(1 / CHUNK_S)):
                await self.send(websocket, next(self.chunks))
        finally:
            self.closed(websocket)
            websocket.transport.abort()  # no close frame: the session is kept for a resume
        await asyncio.sleep(0.2)


async def _hostiles(
    url: str, kinds: list[str], pcm: bytes, text_bytes: int, stop_file: str
) -> list[ClientStats]:
    stop = asyncio.Event()
    stats = [ClientStats(kind, _address(i)) for i, kind in enumerate(kinds)]
    tasks = [asyncio.create_task(Hostile(url, s, pcm, stop, text_bytes).loop()) for s in stats]
    while not Path(stop_file).exists():
        await asyncio.sleep(0.1)
    stop.set()
    _, late = await asyncio.wait(tasks, timeout=3)
    for task in late:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return stats


def _hostile_process(
    url: str, kinds: list[str], pcm: bytes, text_bytes: int, stop_file: str, out: Any
) -> None:
    stats = asyncio.run(_hostiles(url, kinds, pcm, text_bytes, stop_file))
    out.send([dataclasses.asdict(s) for s in stats])


# -- the good client and the run -------------------------------------------------------------------


async def _good_session(url: str, pcm: bytes, name: str, speed: float = 1.0) -> PhaseResult:
    from parley.client.stream import StreamError, stream_audio

    size = int(CHUNK_S * SAMPLE_RATE) * 2
    chunks = [pcm[i : i + size] for i in range(0, len(pcm), size)]
    started = time.monotonic()
    phase = PhaseResult(name)
    try:
        result = await stream_audio(url, chunks, speed=speed)
    except StreamError as exc:
        phase.errors.append(str(exc)[:300])
        return phase
    phase.wall_s = time.monotonic() - started
    ids = sorted(f["id"] for f in result.finals)
    phase.finals = len(ids)
    phase.done_finals = (result.done or {}).get("finals")
    phase.all_finals = phase.done_finals is not None and ids == list(range(1, phase.done_finals + 1))
    phase.final_latencies = [f["emitted_at"] - f["end"] for f in result.finals]
    phase.latency_final_p50 = metrics.percentile(phase.final_latencies, 50)
    phase.latency_final_p95 = metrics.percentile(phase.final_latencies, 95)
    phase.errors = [f"{e.get('code')}: {e.get('message')}"[:200] for e in result.errors]
    return phase


def _server_metrics(port: int) -> dict[str, float]:
    with contextlib.suppress(OSError):
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        values: dict[str, float] = {}
        for line in text.splitlines():
            if line.startswith(METRIC_PREFIXES) and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                if not name.endswith("_created") and "_created{" not in name:
                    values[name] = float(value)
        return values
    return {}


def _kinds(clients: int, kinds: tuple[str, ...] = KINDS) -> list[str]:
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown or not kinds:
        raise ValueError(f"--hostile-kinds: {', '.join(unknown) or 'none given'}; known: {', '.join(KINDS)}")
    return [kinds[i % len(kinds)] for i in range(clients)]


def run_hostile(config: Config, options: HostileOptions, progress: Progress = print) -> HostileResult:
    from parley.client.audio_source import decode_file
    from parley.samples import pyannote_sample

    if options.clients < 1:
        raise ValueError("--hostile-clients must be at least 1")
    sample = pyannote_sample()
    audio = decode_file(str(sample.wav))
    if options.seconds is not None:
        audio = audio[: int(options.seconds * SAMPLE_RATE)]
    pcm = copy_pcm(audio, 0.0)
    kinds = _kinds(options.clients, options.kinds)
    max_sessions = max(config.server.max_sessions, options.clients + 1)
    result = HostileResult(
        machine=machine_description(config),
        options={
            **dataclasses.asdict(options),
            "kinds": kinds,  # one per client
            "audio": sample.wav.name,
            "audio_seconds": len(audio) / SAMPLE_RATE,
            "max_sessions": max_sessions,
            "device": config.models.device,
            "limits": {
                "send_queue_bytes": config.limits.send_queue_bytes,
                "max_text_bytes": config.server.max_text_bytes,
                "max_handshakes": config.server.max_handshakes,
                "max_pending_per_client": config.server.max_pending_per_client,
                "max_detached_per_client": config.resume.max_detached_per_client,
                "max_lag_s": config.audio.max_lag_s,
            },
        },
    )
    progress(
        f"hostile: starting parley serve (max_sessions {max_sessions}); {options.clients} hostile clients"
    )
    with ServerProcess(config, max_sessions=max_sessions) as server:
        assert server.process is not None
        pid = server.process.pid
        tail: collections.deque[bytes] = collections.deque(maxlen=200)
        _drain(server.process.stderr, tail)
        began = time.monotonic()
        phase_name = ["idle"]

        async def sampler() -> None:
            while True:
                result.samples.append((time.monotonic() - began, _rss_mb(pid), phase_name[0]))
                await asyncio.sleep(options.interval_s)

        async def main() -> None:
            sampling = asyncio.create_task(sampler())
            await asyncio.sleep(0.5)
            result.rss["idle_mb"] = _rss_mb(pid)
            if options.warmup:
                phase_name[0] = "warm-up"
                await _good_session(server.url, pcm[: 5 * SAMPLE_RATE * 2], "warm-up", speed=0)
            phase_name[0] = "alone"
            progress("hostile: the good session alone")
            result.phases.append(await _good_session(server.url, pcm, "alone"))
            context = multiprocessing.get_context("spawn")
            receiver, sender = context.Pipe(duplex=False)
            stop_file = Path(f"/tmp/parley-hostile-{pid}.stop")
            stop_file.unlink(missing_ok=True)
            hostiles = context.Process(
                target=_hostile_process,
                args=(server.url, kinds, pcm, config.server.max_text_bytes, str(stop_file), sender),
                daemon=True,
            )
            hostiles.start()
            await asyncio.sleep(2.0)  # they are at it before the good session starts
            phase_name[0] = "hostile"
            names = ", ".join(sorted(set(kinds)))
            progress(f"hostile: the good session with {options.clients} hostile clients ({names})")
            result.phases.append(await _good_session(server.url, pcm, "hostile"))
            stop_file.touch()
            stats = await asyncio.to_thread(lambda: receiver.recv() if receiver.poll(30) else [])
            await asyncio.to_thread(hostiles.join, 10)
            stop_file.unlink(missing_ok=True)
            result.clients = [ClientStats(**s) for s in stats]
            phase_name[0] = "after"
            await asyncio.sleep(options.settle_s)
            result.rss["end_mb"] = _rss_mb(pid)
            sampling.cancel()
            for phase in result.phases:
                during = [rss for _, rss, name in result.samples if name == phase.name]
                phase.rss_peak_mb = max(during, default=float("nan"))

        try:
            asyncio.run(main())
        except Exception as exc:
            logs = b"".join(tail).decode(errors="replace")[-3000:]
            raise RuntimeError(f"the hostile bench failed: {exc}\nserver log (tail):\n{logs}") from exc
        result.rss["hwm_mb"] = _peak_rss_mb(pid)
        result.server_metrics = _server_metrics(server.port)
    return result


# -- writing it up ---------------------------------------------------------------------------------


def _fmt(value: Any, digits: int = 2, unit: str = "") -> str:
    return "–" if value is None else f"{value:.{digits}f}{unit}"


def markdown(result: dict[str, Any], command: str) -> str:
    machine, options, rss = result["machine"], result["options"], result["rss"]
    phases = {p["name"]: p for p in result["phases"]}
    alone, hostile = phases.get("alone", {}), phases.get("hostile", {})
    counts = collections.Counter(options["kinds"])
    kinds = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    lines = [
        f"Hostile clients measured by `{command}` on {machine['date']}: {machine['cores']} cores "
        f"({machine['cpu']}), {machine['memory_gb']} GB, device {options.get('device', '?')}; one session "
        f"of {options['audio']} ({options['audio_seconds']:.0f} s) at real time, alone and with "
        f"{options['clients']} hostile clients ({kinds}), each from its own loopback address.",
        "",
        "| the good session | alone | with hostile clients |",
        "|---|---|---|",
        f"| final latency p50 | {_fmt(alone.get('latency_final_p50'), 2, ' s')} "
        f"| {_fmt(hostile.get('latency_final_p50'), 2, ' s')} |",
        f"| final latency p95 | {_fmt(alone.get('latency_final_p95'), 2, ' s')} "
        f"| {_fmt(hostile.get('latency_final_p95'), 2, ' s')} |",
        f"| finals (all of them, ids 1..done.finals) | {alone.get('finals')} ({_yes(alone)}) "
        f"| {hostile.get('finals')} ({_yes(hostile)}) |",
        f"| server RSS, highest sample | {_fmt(alone.get('rss_peak_mb'), 0, ' MB')} "
        f"| {_fmt(hostile.get('rss_peak_mb'), 0, ' MB')} |",
        "",
        f"Server RSS: idle {_fmt(rss.get('idle_mb'), 0, ' MB')}, high-water mark (VmHWM) "
        f"{_fmt(rss.get('hwm_mb'), 0, ' MB')}, {options['settle_s']:g} s after the hostile clients stopped "
        f"{_fmt(rss.get('end_mb'), 0, ' MB')}.",
        "",
        "| hostile kind | clients | handshakes done | refused | server's closes | frames sent | MB sent |",
        "|---|---|---|---|---|---|---|",
    ]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for client in result["clients"]:
        by_kind.setdefault(client["kind"], []).append(client)
    for kind, clients in by_kind.items():
        closes: collections.Counter[str] = collections.Counter()
        for client in clients:
            closes.update(client["closes"])
        shown = ", ".join(f"{code}×{n}" for code, n in sorted(closes.items())) or "–"
        lines.append(
            f"| {kind} | {len(clients)} | {sum(c['connections'] for c in clients)} "
            f"| {sum(c['refused'] for c in clients)} | {shown} | {sum(c['frames_sent'] for c in clients)} "
            f"| {sum(c['bytes_sent'] for c in clients) / 1e6:.1f} |"
        )
    return "\n".join(lines) + "\n"


def _yes(phase: dict[str, Any]) -> str:
    return "all" if phase.get("all_finals") else "**not all**"


def plot(result: dict[str, Any], path: Path) -> None:
    """Server RSS over the run, by phase; the good session's final latencies, alone and not."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (memory, latency) = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [2, 1]})
    colours = {
        "idle": "#868e96",
        "warm-up": "#868e96",
        "alone": "#3b5bdb",
        "hostile": "#e03131",
        "after": "#868e96",
    }
    for name in colours:
        points = [(t, rss) for t, rss, phase in result["samples"] if phase == name]
        if points:
            memory.plot(*zip(*points, strict=True), ".", markersize=3, color=colours[name], label=name)
    memory.set_xlabel("wall time (s)")
    memory.set_ylabel("server RSS (MB)")
    memory.set_ylim(bottom=0)
    memory.grid(alpha=0.3)
    memory.legend(loc="lower right")
    phases = [p for p in result["phases"] if p["final_latencies"]]
    if phases:
        latency.boxplot([p["final_latencies"] for p in phases], tick_labels=[p["name"] for p in phases])
    latency.set_ylabel("final latency (s)")
    latency.grid(alpha=0.3)
    figure.suptitle(f"One good session with {result['options']['clients']} hostile clients")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_hostile(result: HostileResult, out: Path, command: str) -> tuple[list[Path], str]:
    out.mkdir(parents=True, exist_ok=True)
    data = json.loads(json.dumps(dataclasses.asdict(result)))
    paths = [out / "hostile.json", out / "hostile.md", out / "hostile.png"]
    paths[0].write_text(json.dumps(data, indent=1))
    table = markdown(data, command)
    paths[1].write_text(table)
    plot(data, paths[2])
    return paths, table
