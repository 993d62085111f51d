"""Bench results for people: a Markdown table and a plot."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"


def _fmt(value: Any, digits: int = 3, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}{unit}"
    return f"{value}{unit}"


def markdown(result: dict[str, Any], command: str) -> str:
    """The summary table, with the machine and the date."""
    machine = result["machine"]
    summary = result["summary"]
    streaming, offline = summary["streaming"], summary.get("offline", {})
    rows = [
        ("WER", "wer", 3, ""),
        ("DER (collar 0.5 s, overlap scored), after speaker revisions", "der", 3, ""),
        ("DER as first emitted (before speaker_update)", "der_emitted", 3, ""),
        ("speaker revisions per minute of audio", "speaker_updates_per_minute", 2, ""),
        ("· missed / false alarm / confusion", None, 3, ""),
        ("cpWER (speaker-attributed)", "cpwer", 3, ""),
        ("speaker count error (mean per file)", "speaker_count_error", 2, ""),
        ("share of files with the right speaker count", "speaker_count_right", 2, ""),
        ("final-caption latency p50 / p95", None, 2, " s"),
        ("first-partial latency p50 / p95", None, 2, " s"),
        ("real-time factor (CPU s / audio s)", "rtf", 2, ""),
        ("peak RSS of the server", "peak_rss_mb", 0, " MB"),
    ]
    lines = [
        f"Measured by `{command}` on {machine['date']}: {machine['cores']} cores ({machine['cpu']}), "
        f"{machine['memory_gb']} GB, no GPU, Whisper {machine.get('compute_type') or '?'} on ctranslate2 "
        f"{machine.get('ctranslate2', '?')}; {summary['files']} file(s), "
        f"{summary['audio_seconds']:.0f} s of audio.",
        "",
        "| metric | streaming (Parley) | offline baseline |",
        "|---|---|---|",
    ]
    for label, key, digits, unit in rows:
        if label.startswith("·"):
            s = " / ".join(
                _fmt(streaming.get(k), digits) for k in ("der_missed", "der_false_alarm", "der_confusion")
            )
            o = " / ".join(
                _fmt(offline.get(k), digits) for k in ("der_missed", "der_false_alarm", "der_confusion")
            )
        elif key is None:
            kind = "final" if "final" in label else "first_partial"
            p50, p95 = streaming.get(f"latency_{kind}_p50"), streaming.get(f"latency_{kind}_p95")
            s = f"{_fmt(p50, digits)} / {_fmt(p95, digits)}{unit}"
            o = "–"
        else:
            s = _fmt(streaming.get(key), digits, unit)
            o = _fmt(offline.get(key), digits, unit) if key in offline else "–"
        lines.append(f"| {label} | {s} | {o} |")
    if result.get("capacity"):
        lines += [
            "",
            "| concurrent real-time sessions | final latency p50 / p95 | first partial p50 "
            "| CPU s per audio s (per session) | partials shed | within budget |",
            "|---|---|---|---|---|---|",
        ]
        for row in result["capacity"]:
            verdict = "yes" if row["real_time"] else "no"
            final = f"{_fmt(row['latency_final_p50'], 2)} / {_fmt(row['latency_final_p95'], 2, ' s')}"
            partial = _fmt(row.get("latency_first_partial_p50"), 2, " s")
            cpu = _fmt(row.get("cpu_per_audio_second"), 2)
            shed = f"{row.get('partials_shed', 0)} of {row.get('partials', 0) + row.get('partials_shed', 0)}"
            lines.append(f"| {row['streams']} | {final} | {partial} | {cpu} | {shed} | {verdict} |")
    return "\n".join(lines) + "\n"


def plot(result: dict[str, Any], reference_turns: list[tuple[float, float, str]], path: Path) -> None:
    """Latency distributions, and who-spoke-when for the first file: reference, streaming, offline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    first = result["files"][0]
    figure, (latency_axis, timeline_axis) = plt.subplots(
        2, 1, figsize=(11, 7), gridspec_kw={"height_ratios": [1, 1.1]}
    )
    finals = [x for f in result["files"] for x in f["streaming"]["final_latencies"]]
    partials = [x for f in result["files"] for x in f["streaming"]["first_partial_latencies"]]
    bins = [i * 0.25 for i in range(0, 33)]
    latency_axis.hist(
        finals, bins=bins, alpha=0.75, label=f"final caption (n={len(finals)})", color="#3b5bdb"
    )
    latency_axis.hist(
        partials, bins=bins, alpha=0.6, label=f"first partial (n={len(partials)})", color="#12b886"
    )
    latency_axis.set_xlabel("latency (s)")
    latency_axis.set_ylabel("captions")
    latency_axis.set_title("Streaming latency")
    latency_axis.legend()

    rows = [("reference", reference_turns), ("streaming", first["streaming"]["turns"])]
    if first.get("offline"):
        rows.append(("offline", first["offline"]["turns"]))
    palette = ["#3b5bdb", "#12b886", "#f76707", "#ae3ec9", "#e03131", "#1098ad", "#74b816", "#f59f00"]
    for row, (_, turns) in enumerate(rows):
        speakers = sorted({speaker for _, _, speaker in turns})
        for start, end, speaker in turns:
            colour = palette[speakers.index(speaker) % len(palette)]
            timeline_axis.barh(row, end - start, left=start, height=0.6, color=colour)
    timeline_axis.set_yticks(range(len(rows)), [label for label, _ in rows])
    timeline_axis.invert_yaxis()
    timeline_axis.set_xlabel("time (s)")
    timeline_axis.set_title(f"Who spoke when: {first['name']} (colours: speakers in order of their labels)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def update_readme(readme: Path, table: str, start: str = README_START, end: str = README_END) -> bool:
    """Replace the text between the ``start`` and ``end`` markers (by default the bench markers) in
    the README; False, and the file untouched, if the markers are missing."""
    text = readme.read_text()
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        return False
    readme.write_text(pattern.sub(lambda _: f"{start}\n{table}{end}", text))
    return True


def write_report(
    result: dict[str, Any],
    out: Path,
    stem: str,
    table: str,
    plot_to: Callable[[dict[str, Any], Path], None],
) -> list[Path]:
    """``<out>/<stem>.json`` (every number), ``<stem>.md`` (``table``) and ``<stem>.png`` (``plot_to``)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{stem}.json", out / f"{stem}.md", out / f"{stem}.png"]
    paths[0].write_text(json.dumps(result, indent=1))
    paths[1].write_text(table)
    plot_to(result, paths[2])
    return paths


def plot_capacity(capacity: list[dict[str, Any]], budget_s: float, path: Path) -> None:
    """Latency against concurrent sessions: final p50/p95, first partial p50, and the budget."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    streams = [row["streams"] for row in capacity]
    figure, axis = plt.subplots(figsize=(8, 4.5))
    for key, label, style in (
        ("latency_final_p95", "final p95", "o-"),
        ("latency_final_p50", "final p50", "s-"),
        ("latency_first_partial_p50", "first partial p50", "^--"),
    ):
        values = [row.get(key) for row in capacity]
        axis.plot(streams, [float("nan") if v is None else v for v in values], style, label=label)
    axis.axhline(budget_s, color="red", linestyle=":", label=f"budget {budget_s:g} s (final p95)")
    axis.set_xlabel("concurrent real-time sessions")
    axis.set_ylabel("latency (s)")
    axis.set_xticks(streams)
    axis.set_title("Latency against concurrent sessions")
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
