"""``parley bench --soak``: one long session through a real ``parley serve``, watching its memory.

The bundled two-speaker sample is repeated (with a short silence between copies) until the requested
minutes of audio are reached, and streamed through ONE session as fast as the server takes it (its
back-pressure sets the pace). Every ``interval_s`` seconds of wall time the server process's resident
memory (``VmRSS``) is read from ``/proc``, together with the audio position reached and the finals
received so far. The question answered: does the server's memory stay flat over a long session?

"Flat" is judged after a warm-up (models touched, caches and buffers at their working size): the RSS
of the first sample taken once :func:`warmup_seconds` of audio has been sent is the baseline, and the
largest RSS from there on may exceed it by at most :data:`FLAT_GROWTH_PERCENT`.

Results go to ``--out``: ``soak.json`` (samples and summary), ``soak.md`` (a short table with the
machine and the date) and ``soak.png`` (RSS over audio minutes).
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from parley.bench.runner import SAMPLE_RATE, ServerProcess, _cpu_seconds, machine_description
from parley.config import Config

SOAK_START = "<!-- soak:start -->"
SOAK_END = "<!-- soak:end -->"
FLAT_GROWTH_PERCENT = 10.0  # RSS growth after warm-up that still counts as flat
WARMUP_FRACTION = 0.10  # warm-up: this share of the audio ...
WARMUP_MAX_S = 300.0  # ... or this many seconds of it, whichever is smaller
CHUNK_MS = 100  # audio frame sent per WebSocket message
BYTES_PER_SAMPLE = 2  # pcm_s16le
Progress = Callable[[str], None]


@dataclass
class SoakOptions:
    """What to stream and how often to look at the server."""

    minutes: float = 60.0  # audio to stream through the one session
    interval_s: float = 60.0  # wall seconds between RSS samples
    gap_s: float = 1.0  # silence between two copies of the sample


@dataclass
class SoakSample:
    """One look at the server while the session runs."""

    wall_s: float  # since the first audio was offered
    audio_s: float  # audio handed to the stream so far (sent, or in the client's and the socket's buffers)
    rss_mb: float  # the server process's resident memory (VmRSS)
    finals: int  # finals received so far
    cpu_s: float = 0.0  # the server process's CPU time (user + system) since the session began
    processed_s: float | None = None  # audio the server had processed, as its latest message said
    lag_s: float | None = None  # audio received but waiting on the server, as its latest message said

    @property
    def position_s(self) -> float:
        """Where the session stands: the audio the server has processed, else the audio sent.

        The sender runs ahead of the server by its back-pressure allowance (``audio.max_lag_s``)
        plus the socket buffers, a minute or so; memory follows what was processed.
        """
        return self.processed_s if self.processed_s is not None else self.audio_s


@dataclass
class SoakResult:
    """Everything ``soak.json`` holds."""

    machine: dict[str, Any]
    options: dict[str, Any]
    samples: list[SoakSample] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


# -- the audio -----------------------------------------------------------------------------------


@dataclass
class AudioCounter:
    """How much audio a :func:`soak_chunks` generator has handed out."""

    bytes: int = 0

    @property
    def seconds(self) -> float:
        return self.bytes / (SAMPLE_RATE * BYTES_PER_SAMPLE)


def copy_pcm(samples: np.ndarray, gap_s: float) -> bytes:
    """One copy of the audio plus ``gap_s`` of silence, as 16 kHz ``pcm_s16le`` bytes."""
    padded = np.concatenate([samples.astype(np.float32), np.zeros(int(gap_s * SAMPLE_RATE), np.float32)])
    return (np.clip(np.round(padded * 32768.0), -32768, 32767).astype("<i2")).tobytes()


def soak_chunks(
    one_copy: bytes, total_seconds: float, counter: AudioCounter, chunk_ms: int = CHUNK_MS
) -> Iterator[bytes]:
    """``one_copy`` (PCM bytes) over and over, in ``chunk_ms`` frames, until ``total_seconds`` of audio.

    Only one copy is ever held: an hour of audio is never built in memory. The last copy is cut so
    that exactly ``total_seconds`` (to the sample) goes out. ``counter`` counts what was yielded.
    """
    if not one_copy:
        raise ValueError("no audio to repeat")
    chunk_bytes = SAMPLE_RATE * chunk_ms // 1000 * BYTES_PER_SAMPLE
    remaining = round(total_seconds * SAMPLE_RATE) * BYTES_PER_SAMPLE
    while remaining > 0:
        copy = one_copy[:remaining] if remaining < len(one_copy) else one_copy
        for offset in range(0, len(copy), chunk_bytes):
            chunk = copy[offset : offset + chunk_bytes]
            counter.bytes += len(chunk)
            yield chunk
        remaining -= len(copy)


# -- judging the samples -------------------------------------------------------------------------


def warmup_seconds(audio_seconds: float) -> float:
    """Audio after which memory is judged: 10 % of it or 5 minutes, whichever is smaller."""
    return min(WARMUP_FRACTION * audio_seconds, WARMUP_MAX_S)


def summarise_samples(
    samples: list[SoakSample], audio_seconds: float, limit_percent: float = FLAT_GROWTH_PERCENT
) -> dict[str, Any]:
    """Baseline RSS after warm-up, the largest RSS after it, the growth in percent, and ``flat``.

    The baseline is the first sample at or past :func:`warmup_seconds` of audio (its
    :attr:`SoakSample.position_s`: processed by the server, where known); the maximum
    runs over that sample and every later one. ``flat`` is ``growth_percent <= limit_percent``; all
    four are None when no sample was taken after the warm-up.
    """
    warmup = warmup_seconds(audio_seconds)
    after = [s for s in sorted(samples, key=lambda s: s.wall_s) if s.position_s >= warmup]
    summary: dict[str, Any] = {
        "warmup_audio_s": warmup,
        "samples_after_warmup": len(after),
        "rss_baseline_mb": None,
        "rss_baseline_at_audio_s": None,
        "rss_max_after_warmup_mb": None,
        "growth_percent": None,
        "flat": None,
        "flat_limit_percent": limit_percent,
    }
    if not after:
        return summary
    baseline = after[0].rss_mb
    peak = max(s.rss_mb for s in after)
    growth = (peak - baseline) * 100.0 / baseline if baseline > 0 else None
    summary.update(
        rss_baseline_mb=baseline,
        rss_baseline_at_audio_s=after[0].position_s,
        rss_max_after_warmup_mb=peak,
        growth_percent=growth,
        flat=None if growth is None else growth <= limit_percent,
    )
    return summary


# -- the run -------------------------------------------------------------------------------------


def _rss_mb(pid: int) -> float:
    """Current resident memory of a process (``VmRSS``), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _drain(stream: IO[bytes] | None, tail: collections.deque[bytes]) -> threading.Thread | None:
    """Read the server's stderr in a thread (an hour of logs must not fill the pipe and stall it)."""
    if stream is None:
        return None

    def pump() -> None:
        for line in iter(stream.readline, b""):
            tail.append(line)

    thread = threading.Thread(target=pump, name="parley-soak-stderr", daemon=True)
    thread.start()
    return thread


def _server_config(config: Config, audio_seconds: float) -> Config:
    """The config for the server under test: sessions long enough for the soak."""
    limit = max(config.limits.max_session_s, audio_seconds + 60.0)
    return dataclasses.replace(config, limits=dataclasses.replace(config.limits, max_session_s=limit))


def _token(config: Config) -> str | None:
    """A configured bearer token, if the server demands one."""
    tokens = getattr(getattr(config, "auth", None), "tokens", None) or []
    return tokens[0] if tokens else None


async def _stream_and_sample(
    server: ServerProcess,
    chunks: Iterator[bytes],
    counter: AudioCounter,
    options: SoakOptions,
    total_seconds: float,
    token: str | None,
    progress: Progress,
) -> tuple[list[SoakSample], Any, float]:
    """Stream ``chunks`` through one session at full speed; sample the server every ``interval_s``."""
    from parley.client.stream import stream_audio

    assert server.process is not None
    pid = server.process.pid
    cpu_before = _cpu_seconds(pid)
    state: dict[str, Any] = {"finals": 0, "lag": None, "processed": None}

    def on_event(message: dict[str, Any]) -> None:
        if message.get("type") == "final":
            state["finals"] += 1
        ack, lag = message.get("ack"), message.get("lag")
        if isinstance(ack, int) and isinstance(lag, (int, float)):  # samples received, seconds waiting
            state["lag"] = float(lag)
            state["processed"] = max(0.0, ack / SAMPLE_RATE - float(lag))

    started = time.monotonic()

    def sample(ended: bool = False) -> SoakSample:
        taken = SoakSample(
            wall_s=time.monotonic() - started,
            audio_s=counter.seconds,
            rss_mb=_rss_mb(pid),
            finals=state["finals"],
            cpu_s=_cpu_seconds(pid) - cpu_before,
            processed_s=counter.seconds if ended else state["processed"],
            lag_s=0.0 if ended else state["lag"],
        )
        progress(
            f"soak: audio {taken.position_s / 60:6.2f} / {total_seconds / 60:.2f} min processed "
            f"({taken.audio_s / 60:.2f} sent)  RSS {taken.rss_mb:7.1f} MB  "
            f"elapsed {taken.wall_s / 60:6.2f} min  finals {taken.finals}"
        )
        return taken

    samples = [sample()]
    kwargs: dict[str, Any] = {"speed": 0, "on_event": on_event}
    if token is not None:
        kwargs["token"] = token
    session = asyncio.create_task(stream_audio(server.url, chunks, **kwargs))
    while True:
        finished, _ = await asyncio.wait({session}, timeout=options.interval_s)
        if finished:
            break
        samples.append(sample())
    result = session.result()  # raises the StreamError, if the session failed
    wall = time.monotonic() - started
    samples.append(sample(ended=True))  # after `done`: everything processed
    return samples, result, wall


def run_soak(config: Config, options: SoakOptions, progress: Progress = print) -> SoakResult:
    """Start ``parley serve``, stream ``options.minutes`` of repeated sample audio through one session
    as fast as it is taken, and sample the server's RSS every ``options.interval_s`` wall seconds."""
    from parley.client.audio_source import decode_file
    from parley.samples import pyannote_sample

    if options.minutes <= 0 or options.interval_s <= 0:
        raise ValueError("--soak-minutes and --soak-interval must be positive")
    total_seconds = options.minutes * 60.0
    sample_file = pyannote_sample()
    audio = decode_file(str(sample_file.wav))
    one_copy = copy_pcm(audio, options.gap_s)
    copy_seconds = len(one_copy) / (SAMPLE_RATE * BYTES_PER_SAMPLE)
    result = SoakResult(
        machine=machine_description(),
        options={
            **dataclasses.asdict(options),
            "audio": sample_file.wav.name,
            "copy_seconds": copy_seconds,
            "copies": total_seconds / copy_seconds,
            "device": config.models.device,
        },
    )
    progress(
        f"soak: starting parley serve; then {options.minutes:g} min of audio "
        f"({total_seconds / copy_seconds:.1f} copies of {sample_file.wav.name}, "
        f"{options.gap_s:g} s gaps) "
        f"through one session, as fast as possible; RSS every {options.interval_s:g} s"
    )
    counter = AudioCounter()
    chunks = soak_chunks(one_copy, total_seconds, counter)
    with ServerProcess(_server_config(config, total_seconds), max_sessions=1) as server:
        assert server.process is not None
        stderr_tail: collections.deque[bytes] = collections.deque(maxlen=200)
        _drain(server.process.stderr, stderr_tail)
        try:
            samples, stream, wall = asyncio.run(
                _stream_and_sample(server, chunks, counter, options, total_seconds, _token(config), progress)
            )
        except Exception as exc:
            logs = b"".join(stderr_tail).decode(errors="replace")[-3000:]
            raise RuntimeError(
                f"the soak session failed after {counter.seconds / 60:.1f} audio min: {exc}\n"
                f"server log (tail):\n{logs}"
            ) from exc
        usage = server.usage()
    result.samples = samples
    audio_seconds = float((stream.done or {}).get("duration") or counter.seconds)
    cpu = samples[-1].cpu_s
    result.summary = {
        "audio_seconds": audio_seconds,
        "audio_minutes": audio_seconds / 60.0,
        "wall_seconds": wall,
        "wall_minutes": wall / 60.0,
        "rtf": cpu / audio_seconds if audio_seconds else None,  # CPU s / audio s, as `parley bench`
        "wall_rtf": wall / audio_seconds if audio_seconds else None,  # wall s / audio s
        "speed_x": audio_seconds / wall if wall else None,  # × real time
        "server_cpu_seconds": cpu,
        "finals": len(stream.finals),
        "errors": len(stream.errors),
        "rss_start_mb": samples[0].rss_mb,
        "rss_end_mb": samples[-1].rss_mb,
        "peak_rss_mb": usage.peak_rss_mb,
        **summarise_samples(samples, audio_seconds),
    }
    return result


# -- writing it up -------------------------------------------------------------------------------


def _fmt(value: Any, digits: int = 1, unit: str = "") -> str:
    return "–" if value is None else f"{value:.{digits}f}{unit}"


def markdown(result: dict[str, Any], command: str) -> str:
    """The soak summary table, headed by the command, the machine and the date."""
    machine, summary, options = result["machine"], result["summary"], result["options"]
    flat = summary["flat"]
    verdict = "–" if flat is None else ("yes" if flat else "**no**")
    growth = summary["growth_percent"]
    baseline_at = summary["rss_baseline_at_audio_s"]
    baseline_label = "RSS after warm-up" + (
        "" if baseline_at is None else f" (at {baseline_at / 60:.1f} audio min)"
    )
    lines = [
        f"Soak measured by `{command}` on {machine['date']}: {machine['cores']} cores ({machine['cpu']}), "
        f"{machine['memory_gb']} GB, device {options.get('device', '?')}; one session of "
        f"{summary['audio_minutes']:.1f} min of audio "
        f"({options['copies']:.1f} copies of {options['audio']}), "
        "streamed as fast as the server took it.",
        "",
        "| soak | value |",
        "|---|---|",
        f"| audio through one session | {summary['audio_minutes']:.1f} min |",
        f"| wall time | {summary['wall_minutes']:.1f} min ({_fmt(summary['speed_x'], 1, '×')} real time) |",
        f"| real-time factor (CPU s / audio s) | {_fmt(summary['rtf'], 2)} |",
        f"| finals | {summary['finals']} |",
        f"| server RSS at start / end | {summary['rss_start_mb']:.0f} / {summary['rss_end_mb']:.0f} MB |",
        f"| {baseline_label} | {_fmt(summary['rss_baseline_mb'], 0, ' MB')} |",
        f"| max RSS after warm-up | {_fmt(summary['rss_max_after_warmup_mb'], 0, ' MB')} "
        f"({'–' if growth is None else f'{growth:+.1f} %'}) |",
        f"| peak RSS of the server (high-water mark, spikes between samples included) "
        f"| {_fmt(summary['peak_rss_mb'], 0, ' MB')} |",
        f"| memory flat (growth ≤ {summary['flat_limit_percent']:g} %) | {verdict} |",
        f"| RSS samples (every {options['interval_s']:g} s) | {len(result['samples'])} |",
    ]
    return "\n".join(lines) + "\n"


def plot(result: dict[str, Any], path: Path) -> None:
    """RSS of the server over the audio minutes streamed, with the warm-up and the flat band marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary = result["summary"]
    minutes = [
        (s["audio_s"] if s["processed_s"] is None else s["processed_s"]) / 60 for s in result["samples"]
    ]
    rss = [s["rss_mb"] for s in result["samples"]]
    figure, axis = plt.subplots(figsize=(10, 4.5))
    axis.plot(minutes, rss, marker="o", markersize=3, color="#3b5bdb", label="server RSS")
    axis.axvline(summary["warmup_audio_s"] / 60, color="#868e96", linestyle=":", label="end of warm-up")
    baseline = summary["rss_baseline_mb"]
    if baseline is not None:
        limit = summary["flat_limit_percent"]
        axis.axhline(baseline, color="#12b886", linestyle="--", label="RSS after warm-up")
        axis.axhline(
            baseline * (1 + limit / 100), color="#f76707", linestyle="--", label=f"+{limit:g} % (flat limit)"
        )
    axis.set_xlabel("audio processed by the server (min)")
    axis.set_ylabel("RSS (MB)")
    verdict = {True: "flat", False: "GROWING", None: "not judged"}[summary["flat"]]
    axis.set_title(f"Server memory over one {summary['audio_minutes']:.0f}-minute session: {verdict}")
    axis.set_ylim(bottom=0)
    axis.grid(alpha=0.3)
    axis.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_soak(result: SoakResult, out: Path, command: str) -> tuple[Path, Path, Path, str]:
    """Write ``soak.json``, ``soak.md`` and ``soak.png`` into ``out``; return their paths and the table."""
    out.mkdir(parents=True, exist_ok=True)
    data = json.loads(json.dumps(dataclasses.asdict(result)))
    json_path, md_path, png_path = out / "soak.json", out / "soak.md", out / "soak.png"
    json_path.write_text(json.dumps(data, indent=1))
    table = markdown(data, command)
    md_path.write_text(table)
    plot(data, png_path)
    return json_path, md_path, png_path, table
