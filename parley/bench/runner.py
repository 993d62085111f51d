"""``parley bench``: streaming (a real ``parley serve`` over loopback, real-time pace) against the
offline baseline (pyannote diarization + Whisper over the whole file, same models), on the same
audio, the same machine, in one run.

The server runs as its own process so that its CPU time (real-time factor) and peak memory are
measured alone, from ``/proc``. Results go to ``--out``: ``results.json`` (every number),
``results.md`` (the table) and ``bench.png`` (latency distribution and a speaker timeline).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from parley.bench import metrics
from parley.config import Config

SAMPLE_RATE = 16000
Progress = Callable[[str], None]


@dataclass(frozen=True)
class BenchFile:
    """One audio file with its references: RTTM (who spoke when) and STM (what was said)."""

    name: str
    wav: Path
    rttm: Path
    stm: Path


@dataclass
class StreamRun:
    """What one streamed session produced, as the client saw it."""

    finals: list[dict[str, Any]]  # with every speaker_update applied (what the client ends up with)
    partials: list[dict[str, Any]]
    audio_seconds: float
    wall_seconds: float
    done: bool
    emitted: list[dict[str, Any]] = field(default_factory=list)  # the finals as first received
    speaker_updates: int = 0


@dataclass
class ServerUsage:
    cpu_seconds: float
    peak_rss_mb: float


# -- the server under test ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class ServerProcess:
    """``parley serve`` in a child process, with the bench's config."""

    def __init__(self, config: Config, max_sessions: int) -> None:
        self.port = _free_port()
        data = dataclasses.asdict(config)
        data["server"].update(host="127.0.0.1", port=self.port, max_sessions=max(max_sessions, 1))
        data["mqtt"]["url"] = None
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as config_file:
            yaml.safe_dump(data, config_file)
        self._config_path = Path(config_file.name)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def __enter__(self) -> ServerProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "parley.cli", "serve", "--config", str(self._config_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"parley serve exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1).read()
                return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("parley serve did not come up within 120 s")

    def usage(self) -> ServerUsage:
        assert self.process is not None
        return ServerUsage(_cpu_seconds(self.process.pid), _peak_rss_mb(self.process.pid))

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._config_path.unlink(missing_ok=True)


# -- streaming ---------------------------------------------------------------------------------


async def stream_file(url: str, audio: Any, speed: float) -> StreamRun:
    from parley.client.stream import iter_pcm_chunks, stream_audio

    started = time.monotonic()
    received: list[dict[str, Any]] = []
    result = await stream_audio(url, iter_pcm_chunks(audio), speed=speed, on_event=received.append)
    return StreamRun(
        finals=result.finals,
        partials=result.partials,
        audio_seconds=len(audio) / SAMPLE_RATE,
        wall_seconds=time.monotonic() - started,
        done=result.done is not None,
        emitted=[message for message in received if message["type"] == "final"],
        speaker_updates=sum(message["type"] == "speaker_update" for message in received),
    )


def first_partial_latencies(run: StreamRun, segments: list[metrics.StmSegment]) -> list[float]:
    """Per reference utterance: from its onset to the first caption (partial or final) that covers it."""
    shown = sorted(run.partials + run.finals, key=lambda m: m["emitted_at"])
    latencies = []
    for segment in segments:
        onset = segment.start
        for message in shown:
            if message.get("text") and message["start"] <= onset + 0.5 and message["end"] >= onset:
                latencies.append(max(0.0, message["emitted_at"] - onset))
                break
    return latencies


# -- scoring -----------------------------------------------------------------------------------


def _words_by_speaker(words: list[tuple[str, str | None]]) -> dict[str, str]:
    grouped: dict[str, list[str]] = {}
    for text, speaker in words:
        grouped.setdefault(speaker or "?", []).append(text)
    return {speaker: " ".join(texts) for speaker, texts in grouped.items()}


def score(
    reference_turns: Any,
    segments: list[metrics.StmSegment],
    text: str,
    words: list[tuple[str, str | None]],
    turns: list,
) -> dict[str, float]:
    hypothesis = metrics.annotation_from_turns(turns)
    der = metrics.diarization_error(reference_turns, hypothesis)
    return {
        "wer": metrics.word_error_rate(metrics.stm_text(segments), text),
        "der": der["der"],
        "der_missed": der["missed"] / der["total"] if der["total"] else 0.0,
        "der_false_alarm": der["false_alarm"] / der["total"] if der["total"] else 0.0,
        "der_confusion": der["confusion"] / der["total"] if der["total"] else 0.0,
        "cpwer": metrics.cpwer(metrics.stm_words_by_speaker(segments), _words_by_speaker(words)),
        "speaker_count_error": metrics.speaker_count_error(reference_turns, hypothesis),
        "speakers": len(hypothesis.labels()),
    }


def score_streaming(run: StreamRun, file: BenchFile, real_time: bool = True) -> dict[str, Any]:
    """WER, DER, speakers and latencies of one streamed run. ``real_time``: the audio was paced at
    1x; otherwise latencies measure the pace, not the service, and are left out (None)."""
    segments = metrics.load_stm(file.stm)
    reference = metrics.load_rttm(file.rttm)
    words = [(w["word"], w.get("speaker")) for f in run.finals for w in f["words"]]
    turns = metrics.caption_turns(run.finals)
    scores = score(reference, segments, " ".join(f["text"] for f in run.finals), words, turns)
    final_latencies = [f["emitted_at"] - f["end"] for f in run.finals] if real_time else []
    partial_latencies = first_partial_latencies(run, segments) if real_time else []
    emitted = run.emitted or run.finals
    emitted_turns = metrics.annotation_from_turns(metrics.caption_turns(emitted))
    scores.update(
        der_emitted=metrics.diarization_error(reference, emitted_turns)["der"],
        speakers_emitted=len(emitted_turns.labels()),
        speaker_updates=run.speaker_updates,
        speaker_updates_per_minute=run.speaker_updates / (run.audio_seconds / 60)
        if run.audio_seconds
        else 0.0,
        latency_final_p50=metrics.percentile(final_latencies, 50),
        latency_final_p95=metrics.percentile(final_latencies, 95),
        latency_first_partial_p50=metrics.percentile(partial_latencies, 50),
        latency_first_partial_p95=metrics.percentile(partial_latencies, 95),
        final_latencies=final_latencies,
        first_partial_latencies=partial_latencies,
        finals=len(run.finals),
        turns=turns,
    )
    return scores


def score_offline(result: Any, file: BenchFile, audio_seconds: float) -> dict[str, Any]:
    segments = metrics.load_stm(file.stm)
    reference = metrics.load_rttm(file.rttm)
    words = [(w.text, w.speaker) for w in result.words]
    scores = score(reference, segments, " ".join(w.text for w in result.words), words, result.turns)
    scores.update(
        rtf=(result.asr_seconds + result.diarization_seconds) / audio_seconds,
        asr_seconds=result.asr_seconds,
        diarization_seconds=result.diarization_seconds,
        turns=result.turns,
    )
    return scores


# -- the whole run -----------------------------------------------------------------------------


@dataclass
class BenchOptions:
    speed: float = 1.0
    streams: int = 1
    find_capacity: bool = False
    latency_budget_s: float = 3.0
    max_streams: int = 8
    capacity_levels: list[int] | None = None  # session counts find_capacity tries (None: 1..max_streams)
    offline: bool = True


@dataclass
class BenchResult:
    machine: dict[str, Any]
    files: list[dict[str, Any]] = field(default_factory=list)
    capacity: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def machine_description(config: Config | None = None) -> dict[str, Any]:
    """The CPU, memory and the versions that decide the words (int8 Whisper output differs with both
    the CPU and the CTranslate2 release: 4.6.0 and 4.7.1 caption the sample differently on one machine)."""
    from importlib.metadata import version

    cpu = "unknown CPU"
    with_model = [
        line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")
    ]
    if with_model:
        cpu = with_model[0].split(":", 1)[1].strip()
    memory_kb = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "ctranslate2": version("ctranslate2"),
        "torch": version("torch"),
        "compute_type": config.models.compute_type if config is not None else None,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _weighted(files: list[dict[str, Any]], side: str, key: str) -> float | None:
    values = [(f[side][key], f["duration"]) for f in files if f.get(side) and f[side].get(key) is not None]
    total = sum(d for _, d in values)
    return sum(v * d for v, d in values) / total if total else None


def _share_right(files: list[dict[str, Any]], side: str) -> float | None:
    """The share of files whose speaker count is right."""
    counted = [f[side]["speaker_count_error"] == 0 for f in files if f.get(side)]
    return sum(counted) / len(counted) if counted else None


# the accuracy figures both sides report per file, averaged over files weighted by duration
ACCURACY_KEYS = (
    "wer",
    "der",
    "der_emitted",
    "speaker_updates_per_minute",
    "der_missed",
    "der_false_alarm",
    "der_confusion",
    "cpwer",
    "speaker_count_error",
)


def summarise(files: list[dict[str, Any]]) -> dict[str, Any]:
    """Duration-weighted means over files; latency percentiles over every final of every file."""
    streaming: dict[str, Any] = {key: _weighted(files, "streaming", key) for key in ACCURACY_KEYS}
    streaming["speaker_count_right"] = _share_right(files, "streaming")
    finals = [x for f in files for x in f["streaming"]["final_latencies"]]
    partials = [x for f in files for x in f["streaming"]["first_partial_latencies"]]
    audio = sum(f["duration"] for f in files)
    streaming.update(
        latency_final_p50=metrics.percentile(finals, 50),
        latency_final_p95=metrics.percentile(finals, 95),
        latency_first_partial_p50=metrics.percentile(partials, 50),
        latency_first_partial_p95=metrics.percentile(partials, 95),
        rtf=sum(f["server_cpu_seconds"] for f in files) / audio if audio else None,
        peak_rss_mb=max((f["server_peak_rss_mb"] for f in files), default=None),
    )
    summary: dict[str, Any] = {"streaming": streaming, "audio_seconds": audio, "files": len(files)}
    if all(f.get("offline") for f in files):
        offline = {key: _weighted(files, "offline", key) for key in ACCURACY_KEYS}
        offline["rtf"] = _weighted(files, "offline", "rtf")
        offline["speaker_count_right"] = _share_right(files, "offline")
        summary["offline"] = offline
    return summary


def run_bench(
    files: list[BenchFile], config: Config, options: BenchOptions, progress: Progress = print
) -> BenchResult:
    from parley.client.audio_source import decode_file

    result = BenchResult(machine=machine_description(config))
    engine = None
    if options.offline:
        from parley.server.engine import Engine

        progress("loading the models for the offline baseline ...")
        engine = Engine(config)
    with ServerProcess(config, max_sessions=max(options.streams, options.max_streams)) as server:
        for index, file in enumerate(files, 1):
            audio = decode_file(str(file.wav))
            duration = len(audio) / SAMPLE_RATE
            progress(
                f"[{index}/{len(files)}] {file.name}: streaming {duration:.0f} s at {options.speed:g}x ..."
            )
            before = server.usage()
            run = asyncio.run(stream_file(server.url, audio, options.speed))
            after = server.usage()
            entry: dict[str, Any] = {
                "name": file.name,
                "duration": duration,
                "streaming": score_streaming(run, file, real_time=options.speed == 1.0),
                "server_cpu_seconds": after.cpu_seconds - before.cpu_seconds,
                "server_peak_rss_mb": after.peak_rss_mb,
            }
            entry["streaming"]["rtf"] = entry["server_cpu_seconds"] / duration
            s = entry["streaming"]
            progress(
                f"    streaming: WER {s['wer']:.3f}  DER {s['der']:.3f}  cpWER {s['cpwer']:.3f}  "
                f"speakers {s['speakers']}  final latency p50 "
                + (f"{s['latency_final_p50']:.2f} s  " if s["latency_final_p50"] is not None else "n/a  ")
                + f"RTF {s['rtf']:.2f}"
            )
            if engine is not None:
                from parley.bench.offline import run_offline

                progress(f"[{index}/{len(files)}] {file.name}: offline baseline ...")
                offline = run_offline(audio, engine, language=config.asr.language)
                entry["offline"] = score_offline(offline, file, duration)
                o = entry["offline"]
                progress(
                    f"    offline:   WER {o['wer']:.3f}  DER {o['der']:.3f}  cpWER {o['cpwer']:.3f}  "
                    f"speakers {o['speakers']}  RTF {o['rtf']:.2f}"
                )
            result.files.append(entry)
        if options.streams > 1 or options.find_capacity:
            result.capacity = run_capacity(server, files[0], options, progress)
    result.summary = summarise(result.files)
    if result.capacity:
        passing = [c["streams"] for c in result.capacity if c["real_time"]]
        result.summary["capacity_streams"] = max(passing, default=0)
    return result


def _shed_partials(server: ServerProcess) -> float:
    """``parley_inference_shed_total{priority="partial"}`` of the server under test, from /metrics."""
    url = f"http://127.0.0.1:{server.port}/metrics"
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    for line in text.splitlines():
        if line.startswith('parley_inference_shed_total{priority="partial"}'):
            return float(line.split()[-1])
    return 0.0


def run_capacity(
    server: ServerProcess, file: BenchFile, options: BenchOptions, progress: Progress
) -> list[dict]:
    """N concurrent real-time sessions of one file, for N = 1, 2, ... (with find_capacity, until the
    final latency p95 exceeds the budget): latency p50/p95 of finals and first partials, server CPU
    seconds per audio second of one session, partials the scheduler shed."""
    from parley.client.audio_source import decode_file

    audio = decode_file(str(file.wav))
    segments = metrics.load_stm(file.stm)
    if options.find_capacity:
        levels = options.capacity_levels or list(range(1, options.max_streams + 1))
    else:
        levels = [options.streams]
    rows: list[dict[str, Any]] = []
    for streams in levels:
        progress(f"capacity: {streams} concurrent real-time session(s) of {file.name} ...")

        async def many(n: int = streams) -> list[StreamRun]:
            return await asyncio.gather(*(stream_file(server.url, audio, 1.0) for _ in range(n)))

        cpu_before, shed_before = server.usage().cpu_seconds, _shed_partials(server)
        runs = asyncio.run(many())
        cpu = server.usage().cpu_seconds - cpu_before
        shed = _shed_partials(server) - shed_before
        latencies = [f["emitted_at"] - f["end"] for run in runs for f in run.finals]
        first_partials = [x for run in runs for x in first_partial_latencies(run, segments)]
        tails = [run.wall_seconds - run.audio_seconds for run in runs]  # time from the last audio to `done`
        p95 = metrics.percentile(latencies, 95)
        real_time = all(run.done for run in runs) and p95 is not None and p95 <= options.latency_budget_s
        audio_seconds = sum(run.audio_seconds for run in runs)
        rows.append(
            {
                "streams": streams,
                "latency_final_p50": metrics.percentile(latencies, 50),
                "latency_final_p95": p95,
                "latency_first_partial_p50": metrics.percentile(first_partials, 50),
                "latency_first_partial_p95": metrics.percentile(first_partials, 95),
                "cpu_per_audio_second": cpu / audio_seconds if audio_seconds else None,
                "partials": sum(len(run.partials) for run in runs),
                "partials_shed": int(shed),
                "drain_seconds_max": max(tails),
                "real_time": real_time,
            }
        )
        progress(
            f"    final latency p50/p95 {metrics.percentile(latencies, 50) or 0:.2f}/{p95 or 0:.2f} s, "
            f"CPU {rows[-1]['cpu_per_audio_second'] or 0:.2f} s per audio s, {int(shed)} partials shed, "
            f"drain {max(tails):.1f} s: " + ("ok" if real_time else "over budget")
        )
        if options.find_capacity and not real_time:
            break
    return rows


def write_results(result: BenchResult, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.json"
    path.write_text(json.dumps(dataclasses.asdict(result), indent=1))
    return path
