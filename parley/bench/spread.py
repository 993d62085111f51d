"""``parley bench --spread``: how much the captions move under perturbations no user would notice.

Whisper's int8 output differs between CPUs and between CTranslate2 releases, and a one-token
difference in a partial can move a commit point and change the captions after it. An accuracy
figure from one run of one file is therefore one draw from a distribution; a test threshold set
on it holds on the machine it was measured on and fails on the next. This runs every file of the
suite through the real pipeline under small perturbations a real client brings anyway:

* **start offset**: 0, 10, 20, 30 ms of silence before the audio (a microphone opens at an arbitrary
  instant, so the 30 ms pipeline blocks fall elsewhere in the speech);
* **gain**: 1.0 and 0.8 (-1.9 dB: another microphone level);
* **compute type**: ``int8`` (what CPUs run) and ``float32`` (other kernels, as another CPU or
  CTranslate2 release would give).

and reports WER, DER and the speaker count of each run, with their minimum, median and maximum.
The pipeline is pace-independent (captions depend on the audio only), so each run streams the
file through an in-process :class:`~parley.server.session.Session` as fast as it goes, with the
same models and config the server uses; no socket, no latency figures.
"""

from __future__ import annotations

import dataclasses
import itertools
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from parley.bench.runner import BenchFile, machine_description, score
from parley.config import Config

SAMPLE_RATE = 16000
OFFSETS_MS = (0, 10, 20, 30)
GAINS = (1.0, 0.8)
COMPUTE_TYPES = ("int8", "float32")
SPREAD_START = "<!-- spread:start -->"
SPREAD_END = "<!-- spread:end -->"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Perturbation:
    """One way to hand the pipeline the same speech."""

    offset_ms: int = 0
    gain: float = 1.0
    compute_type: str = "int8"

    @property
    def label(self) -> str:
        return f"{self.compute_type}, +{self.offset_ms} ms, gain {self.gain:g}"

    def apply(self, audio: np.ndarray) -> np.ndarray:
        silence = np.zeros(self.offset_ms * SAMPLE_RATE // 1000, dtype=np.float32)
        return np.concatenate([silence, (audio * self.gain).astype(np.float32)])


def perturbations(
    offsets_ms: Iterable[int] = OFFSETS_MS,
    gains: Iterable[float] = GAINS,
    compute_types: Iterable[str] = COMPUTE_TYPES,
) -> list[Perturbation]:
    """Every combination, grouped by compute type (each needs its own models loaded)."""
    return [
        Perturbation(offset, gain, compute_type)
        for compute_type, offset, gain in itertools.product(compute_types, offsets_ms, gains)
    ]


def stream_in_process(engine: Any, config: Config, audio: np.ndarray) -> list[dict[str, Any]]:
    """The finals of ``audio`` (16 kHz float) through one :class:`Session`, in 100 ms frames, with
    every ``speaker_update`` applied (what a client holds at the end)."""
    from parley.client.formats import apply_speaker_update
    from parley.client.stream import iter_pcm_chunks
    from parley.server.session import Session, SessionOptions

    session = Session(engine, config, SessionOptions(), "spread")
    events: list[dict[str, Any]] = []
    for chunk in iter_pcm_chunks(audio, chunk_ms=100):
        session.receive_audio(chunk)
        while session.has_pending:
            events.extend(session.step())
    session.end_of_audio()
    events.extend(session.finish())
    finals: dict[int, dict[str, Any]] = {}
    for event in events:
        if event["type"] == "final":
            finals[event["id"]] = event
        elif event["type"] == "speaker_update":
            finals[event["id"]] = apply_speaker_update(finals[event["id"]], event)
    return list(finals.values())


def score_run(finals: list[dict[str, Any]], file: BenchFile, offset_s: float) -> dict[str, Any]:
    """WER, DER and speakers of one run, on the reference's clock (the offset taken off)."""
    from parley.bench import metrics

    words = [(w["word"], w.get("speaker")) for f in finals for w in f["words"]]
    turns = metrics.caption_turns(finals, offset_s)
    text = " ".join(f["text"] for f in finals)
    scores = score(metrics.load_rttm(file.rttm), metrics.load_stm(file.stm), text, words, turns)
    return {key: scores[key] for key in ("wer", "der", "cpwer", "speakers", "speaker_count_error")}


def summarise(runs: list[dict[str, Any]], key: str) -> dict[str, float]:
    values = [run[key] for run in runs]
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def run_spread(
    files: list[BenchFile],
    config: Config,
    variants: list[Perturbation],
    progress: Progress = print,
) -> dict[str, Any]:
    """Every file under every perturbation; the runs and their spread per file."""
    from parley.client.audio_source import decode_file
    from parley.server.engine import Engine

    audio = {file.name: decode_file(str(file.wav)) for file in files}
    runs: list[dict[str, Any]] = []
    total = len(files) * len(variants)
    for compute_type, group in itertools.groupby(variants, key=lambda v: v.compute_type):
        models = dataclasses.replace(config.models, compute_type=compute_type)
        variant_config = dataclasses.replace(config, models=models)
        engine = Engine(variant_config)
        for variant in group:
            for file in files:
                finals = stream_in_process(engine, variant_config, variant.apply(audio[file.name]))
                run = {"file": file.name, **dataclasses.asdict(variant)}
                run.update(score_run(finals, file, variant.offset_ms / 1000))
                runs.append(run)
                progress(
                    f"[{len(runs)}/{total}] {file.name} ({variant.label}): WER {run['wer']:.3f}, "
                    f"DER {run['der']:.3f}, {run['speakers']} speakers"
                )
    per_file = {
        file.name: {
            key: summarise([r for r in runs if r["file"] == file.name], key)
            for key in ("wer", "der", "speakers")
        }
        for file in files
    }
    return {"machine": machine_description(config), "runs": runs, "spread": per_file}


def markdown(result: dict[str, Any], command: str) -> str:
    machine = result["machine"]
    runs = result["runs"]
    variants = len({(r["offset_ms"], r["gain"], r["compute_type"]) for r in runs})
    offsets = sorted({r["offset_ms"] for r in runs})
    gains = sorted({r["gain"] for r in runs}, reverse=True)
    compute_types = sorted({r["compute_type"] for r in runs})
    lines = [
        f"Spread measured by `{command}` on {machine['date']}: {machine['cores']} cores ({machine['cpu']}), "
        f"ctranslate2 {machine['ctranslate2']}, torch {machine['torch']}; {variants} perturbations of each "
        f"file: start offsets {', '.join(map(str, offsets))} ms x gains {', '.join(f'{g:g}' for g in gains)} "
        f"x compute types {', '.join(compute_types)}.",
        "",
        "| file | WER min / median / max | DER min / median / max | speakers found |",
        "|---|---|---|---|",
    ]
    for name, spread in result["spread"].items():
        wer, der = spread["wer"], spread["der"]
        counts = sorted({r["speakers"] for r in runs if r["file"] == name})
        lines.append(
            f"| {name} | {wer['min']:.3f} / {wer['median']:.3f} / {wer['max']:.3f} "
            f"| {der['min']:.3f} / {der['median']:.3f} / {der['max']:.3f} "
            f"| {', '.join(map(str, counts))} |"
        )
    return "\n".join(lines) + "\n"


def plot(result: dict[str, Any], path: Path) -> None:
    """WER and DER of every run, one dot each, per file: the spread at a glance."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result["spread"])
    figure, axes = plt.subplots(1, 2, figsize=(10, 1.2 + 0.6 * len(names)), squeeze=False)
    markers = {"int8": "o", "float32": "s"}
    for axis, key in zip(axes[0], ("wer", "der"), strict=True):
        for row, name in enumerate(names):
            for run in (r for r in result["runs"] if r["file"] == name):
                jitter = (run["offset_ms"] / 30 - 0.5) * 0.3
                axis.scatter(
                    run[key],
                    row + jitter,
                    marker=markers.get(run["compute_type"], "^"),
                    color="tab:blue" if run["gain"] == 1.0 else "tab:orange",
                    alpha=0.8,
                )
        axis.set_yticks(range(len(names)), names)
        axis.set_xlabel(key.upper())
        axis.set_xlim(left=0)
        axis.grid(axis="x", alpha=0.3)
    axes[0][0].set_title(
        "one dot a run; blue gain 1, orange 0.8; o int8, s float32; offset 0 ms low to 30 ms high", fontsize=8
    )
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_spread(result: dict[str, Any], out: Path, command: str) -> tuple[list[Path], str]:
    from parley.bench.report import write_report

    table = markdown(result, command)
    return write_report(result, out, "spread", table, plot), table
