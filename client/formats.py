"""Caption files from ``final`` messages: JSON, SubRip (``.srt``) and WebVTT (``.vtt``).

Pure functions: no I/O except :func:`write_finals`. A *final* is a ``final`` message of the protocol
(see ``docs/protocol.md``) as the client received it, plus ``emitted_at``. A *speakers* mapping
maps speaker id (``"S1"``) to display name; it overrides the ``speaker_name`` a final carries,
because names can change during a session and the latest one wins.
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

CAPTION_LINE_CHARS = 42  # subtitle convention: at most ~42 characters per line
OUTPUT_FORMATS = (".json", ".srt", ".vtt")
_DROPPED_JSON_FIELDS = frozenset({"type", "lag"})  # per-message noise, not part of a caption

Final = Mapping[str, Any]


def apply_speaker_update(final: Final, update: Mapping[str, Any]) -> dict[str, Any]:
    """``final`` as revised by a ``speaker_update`` for it (same ``id``): a new dict, the input untouched.

    The update names the final's new ``speaker`` and ``speaker_name`` and the speaker of each of its
    words, in order; a ``words`` list of another length (not this final's) changes no word.
    """
    revised = {**final, "speaker": update.get("speaker"), "speaker_name": update.get("speaker_name")}
    speakers = update.get("words")
    words = final.get("words")
    if isinstance(words, list) and isinstance(speakers, list) and len(speakers) == len(words):
        revised["words"] = [
            {**word, "speaker": speaker} for word, speaker in zip(words, speakers, strict=True)
        ]
    if "revision" in update:
        revised["revision"] = update["revision"]
    return revised


def output_format(path: Path) -> str:
    """The caption format that ``path``'s extension names: ``".json"``, ``".srt"`` or ``".vtt"``.

    Raises ValueError for any other extension, so a caller can check ``--out`` before streaming.
    """
    suffix = path.suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        shown = f"{suffix!r}" if suffix else "no extension"
        raise ValueError(f"cannot write captions to {path}: {shown}; use one of {', '.join(OUTPUT_FORMATS)}")
    return suffix


def write_finals(path: Path, finals: Sequence[Final], speakers: Mapping[str, str] | None = None) -> None:
    """Write ``finals`` to ``path`` in the format its extension names (``.json``, ``.srt``, ``.vtt``).

    Raises ValueError (before touching the file) for any other extension.
    """
    renderers = {".json": to_json, ".srt": to_srt, ".vtt": to_vtt}
    text = renderers[output_format(path)](finals, speakers)
    path.write_text(text, encoding="utf-8")


def to_json(finals: Sequence[Final], speakers: Mapping[str, str] | None = None) -> str:
    """A JSON list of the finals in received order, without ``type``/``lag``, names from ``speakers``."""
    records = [_json_record(final, speakers) for final in finals]
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


def to_srt(finals: Sequence[Final], speakers: Mapping[str, str] | None = None) -> str:
    """SubRip text: one numbered cue per final, in time order, each line prefixed by the speaker name."""
    cues = []
    for number, final in enumerate(_captioned(finals), start=1):
        start, end = _cue_times(final)
        label = speaker_label(final, speakers)
        text = f"{label}: {final['text'].strip()}" if label else final["text"].strip()
        timing = f"{format_srt_timestamp(start)} --> {format_srt_timestamp(end)}"
        cues.append(f"{number}\n{timing}\n{wrap_caption(text)}\n")
    return "\n".join(cues)


def to_vtt(finals: Sequence[Final], speakers: Mapping[str, str] | None = None) -> str:
    """WebVTT text: one cue per final, in time order, the speaker name in a voice tag ``<v Name>``."""
    cues = ["WEBVTT\n"]
    for final in _captioned(finals):
        start, end = _cue_times(final)
        label = speaker_label(final, speakers)
        voice = f"<v {_vtt_escape(label)}>" if label else ""
        timing = f"{format_vtt_timestamp(start)} --> {format_vtt_timestamp(end)}"
        cues.append(f"{timing}\n{voice}{_vtt_escape(wrap_caption(final['text'].strip()))}\n")
    return "\n".join(cues)


def speaker_label(final: Final, speakers: Mapping[str, str] | None = None) -> str | None:
    """The name to show for a final's speaker: ``speakers[id]``, else its ``speaker_name``, else its id.

    None when the final names no speaker at all.
    """
    speaker_id = final.get("speaker")
    if speakers and speaker_id in speakers:
        return speakers[speaker_id]
    return final.get("speaker_name") or speaker_id or None


def wrap_caption(text: str, width: int = CAPTION_LINE_CHARS) -> str:
    """``text`` on lines of at most ``width`` characters, broken between words (a longer word stays whole)."""
    lines = textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False)
    return "\n".join(lines)


def format_srt_timestamp(seconds: float) -> str:
    """``HH:MM:SS,mmm``, rounded to the nearest millisecond (negative times clamp to zero)."""
    hours, minutes, whole_seconds, millis = _split_millis(seconds)
    return f"{hours:02d}:{minutes:02d}:{whole_seconds:02d},{millis:03d}"


def format_vtt_timestamp(seconds: float) -> str:
    """``HH:MM:SS.mmm``, rounded to the nearest millisecond (negative times clamp to zero)."""
    hours, minutes, whole_seconds, millis = _split_millis(seconds)
    return f"{hours:02d}:{minutes:02d}:{whole_seconds:02d}.{millis:03d}"


def format_clock(seconds: float) -> str:
    """A short stream position for the terminal: ``MM:SS.t``, or ``H:MM:SS.t`` from one hour on."""
    tenths = max(0, math.floor(seconds * 10 + 0.5))
    minutes, tenths_in_minute = divmod(tenths, 600)
    hours, minutes = divmod(minutes, 60)
    clock = f"{minutes:02d}:{tenths_in_minute // 10:02d}.{tenths_in_minute % 10}"
    return f"{hours}:{clock}" if hours else clock


def _split_millis(seconds: float) -> tuple[int, int, int, int]:
    """``seconds`` rounded half up to whole milliseconds, as (hours, minutes, seconds, milliseconds)."""
    total_millis = max(0, math.floor(seconds * 1000 + 0.5))
    total_seconds, millis = divmod(total_millis, 1000)
    total_minutes, whole_seconds = divmod(total_seconds, 60)
    hours, minutes = divmod(total_minutes, 60)
    return hours, minutes, whole_seconds, millis


def _captioned(finals: Sequence[Final]) -> list[Final]:
    """The finals that have text, in time order (stable for equal starts)."""
    with_text = [final for final in finals if str(final.get("text") or "").strip()]
    return sorted(with_text, key=lambda final: (final["start"], final.get("id", 0)))


def _cue_times(final: Final) -> tuple[float, float]:
    """A final's (start, end), with the end never before the start."""
    start = float(final["start"])
    return start, max(start, float(final["end"]))


def _vtt_escape(text: str) -> str:
    """``text`` with the characters WebVTT cue text reserves (``&``, ``<``, ``>``) escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _json_record(final: Final, speakers: Mapping[str, str] | None) -> dict[str, Any]:
    """A final as written to JSON: every field but ``type``/``lag``, ``speaker_name`` the latest name."""
    record = {key: value for key, value in final.items() if key not in _DROPPED_JSON_FIELDS}
    if "speaker" in record or "speaker_name" in record:
        record["speaker_name"] = speaker_label(final, speakers)
    return record
