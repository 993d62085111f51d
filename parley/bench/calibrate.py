"""``parley bench --calibrate``: the similarities the speaker tracker decides on, measured on real speech.

The tracker's thresholds (``speakers.match_threshold``, ``speakers.new_speaker_threshold``) are
cosine similarities between a window's embedding and a speaker's centroid. This runs the tracker's
own window analysis (:func:`parley.server.speakers.analyse_window`: segmentation-3.0, then CAM++
pooled over each local speaker's clean frames) over every file on the ``speakers.step_s`` grid,
labels each embedding with the reference speaker its clean frames overlap most (RTTM), and
measures:

* **purity**: the share of an embedding's clean frames that belong to that one reference speaker.
  An impure embedding mixes two voices; no threshold can place it right;
* **embedding vs centroid**, what the tracker compares: the cosine between a pure embedding and
  the centroid (clean-seconds weighted, the embedding itself left out) of the same reference
  speaker in that file, and of every other reference speaker in it;
* the same split by the embedding's clean speech (short evidence is noisier).

From these it proposes thresholds: ``match`` at the equal-error point of same- and
different-speaker similarities, ``new_speaker`` at the 2nd percentile of same-speaker similarities
(at most 2 % of a known speaker's windows look new), or ``match`` where that is lower. The report
(``calibration.json``, ``calibration.md``, ``calibration.png``) shows the distributions with the
config's values and the proposed ones.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from parley.bench.runner import BenchFile, machine_description
from parley.config import Config

SAMPLE_RATE = 16000
PURE = 0.9  # an embedding is pure when this share of its clean frames is one reference speaker
NEW_SPEAKER_PERCENTILE = 2.0  # new_speaker threshold: this percentile of same-speaker similarities
CLEAN_BINS_S = (0.5, 1.0, 2.0, 4.0, float("inf"))
Progress = Callable[[str], None]


@dataclass
class LabelledEmbedding:
    file: str
    window_end: float  # stream seconds
    speaker: str  # reference speaker with most of the clean frames
    purity: float
    clean_seconds: float
    vector: np.ndarray


def reference_speaker_at(turns: list[tuple[float, float, str]], times: np.ndarray) -> list[str | None]:
    """The reference speaker active at each time (None: silence, or several at once)."""
    labels: list[str | None] = []
    for t in times:
        active = {speaker for start, end, speaker in turns if start <= t < end}
        labels.append(active.pop() if len(active) == 1 else None)
    return labels


def window_embeddings(
    engine: Any, config: Config, audio: np.ndarray, file: str, turns: list
) -> list[LabelledEmbedding]:
    """Every embedding the tracker's committed windows compute over ``audio``, labelled by ``turns``."""
    from parley.server.speakers import analyse_window

    cfg = config.speakers
    window, step = int(cfg.window_s * SAMPLE_RATE), int(cfg.step_s * SAMPLE_RATE)
    found: list[LabelledEmbedding] = []
    for end in range(step, len(audio) + 1, step):
        start = end - window
        chunk = audio[max(0, start) : end]
        if start < 0:
            chunk = np.concatenate([np.zeros(-start, dtype=np.float32), chunk])
        analysis = analyse_window(engine, chunk, start, cfg.min_embedding_s)
        for row, local in enumerate(analysis.embeddable):
            clean = analysis.alone[:, local] > 0
            labels = [label for label in reference_speaker_at(turns, analysis.frame_times[clean]) if label]
            if not labels:
                continue
            names, counts = np.unique(labels, return_counts=True)
            found.append(
                LabelledEmbedding(
                    file=file,
                    window_end=end / SAMPLE_RATE,
                    speaker=str(names[counts.argmax()]),
                    purity=float(counts.max() / clean.sum()),
                    clean_seconds=float(analysis.clean_seconds[local]),
                    vector=analysis.embeddings[row],
                )
            )
    return found


def centroid_similarities(embeddings: list[LabelledEmbedding]) -> tuple[list[dict], list[dict]]:
    """(same, different): each pure embedding against its own speaker's leave-one-out centroid and
    against every other speaker's centroid, within its file."""
    same: list[dict] = []
    different: list[dict] = []
    pure = [e for e in embeddings if e.purity >= PURE]
    for file in sorted({e.file for e in pure}):
        in_file = [e for e in pure if e.file == file]
        sums: dict[str, np.ndarray] = {}
        for e in in_file:
            sums[e.speaker] = sums.get(e.speaker, 0) + e.vector * e.clean_seconds
        for e in in_file:
            for speaker, total in sums.items():
                centroid = total - e.vector * e.clean_seconds if speaker == e.speaker else total
                norm = np.linalg.norm(centroid)
                if norm < 1e-6:
                    continue  # the speaker's only embedding
                row = {"similarity": float(e.vector @ centroid / norm), "clean_seconds": e.clean_seconds}
                (same if speaker == e.speaker else different).append(row)
    return same, different


def equal_error_threshold(same: np.ndarray, different: np.ndarray) -> tuple[float, float]:
    """(threshold, error rate): the middle of the gap where the two sets separate fully, else the
    threshold with the fewest errors (same-speaker values below plus different ones at or above,
    each side as a rate; the rate returned is their mean)."""
    if different.max() < same.min():
        return float((different.max() + same.min()) / 2), 0.0
    candidates = np.unique(np.concatenate([same, different]))
    errors = np.array([np.mean(same < t) + np.mean(different >= t) for t in candidates])
    return float(candidates[errors.argmin()]), float(errors.min() / 2)


def summarise(embeddings: list[LabelledEmbedding], config: Config) -> dict[str, Any]:
    same_rows, different_rows = centroid_similarities(embeddings)
    same = np.array([r["similarity"] for r in same_rows])
    different = np.array([r["similarity"] for r in different_rows])
    cfg = config.speakers
    result: dict[str, Any] = {
        "embeddings": len(embeddings),
        "pure_share": float(np.mean([e.purity >= PURE for e in embeddings])) if embeddings else None,
        "same": same.tolist(),
        "different": different.tolist(),
        "configured": {"match": cfg.match_threshold, "new_speaker": cfg.new_speaker_threshold},
    }
    if len(same) and len(different):
        match, eer = equal_error_threshold(same, different)
        new_speaker = min(match, float(np.percentile(same, NEW_SPEAKER_PERCENTILE)))
        result["proposed"] = {"match": round(match, 3), "new_speaker": round(new_speaker, 3), "eer": eer}
        result["rates"] = {
            name: {
                "same_below_new_speaker": float(np.mean(same < values["new_speaker"])),
                "different_above_new_speaker": float(np.mean(different >= values["new_speaker"])),
                "same_below_match": float(np.mean(same < values["match"])),
                "different_above_match": float(np.mean(different >= values["match"])),
            }
            for name, values in (("configured", result["configured"]), ("proposed", result["proposed"]))
        }
    bins = []
    for low, high in itertools.pairwise(CLEAN_BINS_S):
        s = [r["similarity"] for r in same_rows if low <= r["clean_seconds"] < high]
        d = [r["similarity"] for r in different_rows if low <= r["clean_seconds"] < high]
        bins.append(
            {
                "clean_s": [low, high],
                "same": len(s),
                "same_p5": float(np.percentile(s, 5)) if s else None,
                "same_median": float(np.median(s)) if s else None,
                "different_p95": float(np.percentile(d, 95)) if d else None,
            }
        )
    result["by_clean_seconds"] = bins
    return result


def run_calibration(files: list[BenchFile], config: Config, progress: Progress = print) -> dict[str, Any]:
    from parley.bench import metrics
    from parley.client.audio_source import decode_file
    from parley.server.engine import Engine

    engine = Engine(config)
    embeddings: list[LabelledEmbedding] = []
    for index, file in enumerate(files, 1):
        reference = metrics.load_rttm(file.rttm)
        turns = [(s.start, s.end, label) for s, _, label in reference.itertracks(yield_label=True)]
        found = window_embeddings(engine, config, decode_file(str(file.wav)), file.name, turns)
        embeddings.extend(found)
        pure = sum(e.purity >= PURE for e in found)
        progress(f"[{index}/{len(files)}] {file.name}: {len(found)} embeddings, {pure} pure")
    result = summarise(embeddings, config)
    result["machine"] = machine_description(config)
    result["files"] = [file.name for file in files]
    return result


def markdown(result: dict[str, Any], command: str) -> str:
    machine = result["machine"]
    lines = [
        f"Calibration by `{command}` on {machine['date']}: {machine['cores']} cores ({machine['cpu']}); "
        f"{len(result['files'])} file(s), {result['embeddings']} window embeddings, "
        f"{result['pure_share']:.0%} of them pure (>= {PURE:.0%} of their clean frames one speaker).",
        "",
        "| thresholds | match | new speaker | same below new | different above new | same below match "
        "| different above match |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in ("configured", "proposed"):
        if name not in result.get("rates", {}):
            continue
        values, rates = result[name], result["rates"][name]
        lines.append(
            f"| {name} | {values['match']:.3f} | {values['new_speaker']:.3f} "
            f"| {rates['same_below_new_speaker']:.1%} | {rates['different_above_new_speaker']:.1%} "
            f"| {rates['same_below_match']:.1%} | {rates['different_above_match']:.1%} |"
        )
    if "proposed" in result:
        lines += ["", f"Equal error rate (embedding vs centroid): {result['proposed']['eer']:.1%}."]
    lines += [
        "",
        "| clean speech | same-speaker windows | same p5 / median | different p95 |",
        "|---|---|---|---|",
    ]
    for row in result["by_clean_seconds"]:
        low, high = row["clean_s"]
        span = f">= {low:g} s" if high == float("inf") else f"{low:g}-{high:g} s"

        def fmt(value: float | None) -> str:
            return "–" if value is None else f"{value:.2f}"

        lines.append(
            f"| {span} | {row['same']} | {fmt(row['same_p5'])} / {fmt(row['same_median'])} "
            f"| {fmt(row['different_p95'])} |"
        )
    return "\n".join(lines) + "\n"


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 3.2))
    bins = np.linspace(-0.3, 1.0, 66)
    axis.hist(result["same"], bins=bins, alpha=0.6, density=True, label="same speaker", color="tab:green")
    axis.hist(result["different"], bins=bins, alpha=0.6, density=True, label="different", color="tab:red")
    for name, style in (("configured", ":"), ("proposed", "-")):
        values = result.get(name)
        if values:
            for key, color in (("match", "black"), ("new_speaker", "tab:blue")):
                axis.axvline(
                    values[key], linestyle=style, color=color, label=f"{name} {key} {values[key]:.2f}"
                )
    axis.set_xlabel("cosine: window embedding vs speaker centroid")
    axis.set_ylabel("density")
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_calibration(result: dict[str, Any], out: Path, command: str) -> tuple[list[Path], str]:
    from parley.bench.report import write_report

    table = markdown(result, command)
    return write_report(result, out, "calibration", table, plot), table
