"""Caption files from ``final`` messages: JSON, SubRip (``.srt``), WebVTT (``.vtt``), RTTM (``.rttm``,
who spoke when, for diarization tools) and a self-contained HTML transcript (``.html``).

Pure functions: no I/O except :func:`write_finals`. A *final* is a ``final`` message of the protocol
(see ``docs/protocol.md``) as the client received it, plus ``emitted_at``. A *speakers* mapping
maps speaker id (``"S1"``) to display name; it overrides the ``speaker_name`` a final carries,
because names can change during a session and the latest one wins.
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

CAPTION_LINE_CHARS = 42  # subtitle convention: at most ~42 characters per line
OUTPUT_FORMATS = (".json", ".srt", ".vtt", ".rttm", ".html")
HTML_AUDIO_MAX_BYTES = 64 * 1024 * 1024  # larger recordings are left out of an HTML transcript
AUDIO_TYPES = {
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".flac": "audio/flac",
    ".m4a": "audio/mp4",
    ".webm": "audio/webm",
}
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


def write_finals(
    path: Path,
    finals: Sequence[Final],
    speakers: Mapping[str, str] | None = None,
    audio: Path | None = None,
) -> None:
    """Write ``finals`` to ``path`` in the format its extension names (see :data:`OUTPUT_FORMATS`).

    ``audio``: the recording the captions are of; an HTML transcript embeds it (as a data URI, up
    to :data:`HTML_AUDIO_MAX_BYTES` of a type browsers play) so that its words light up as it plays.
    Raises ValueError (before touching the file) for any other extension.
    """
    kind = output_format(path)
    if kind == ".html":
        text = to_html(finals, speakers, audio=_embeddable_audio(audio), title=path.stem)
    else:
        renderers = {".json": to_json, ".srt": to_srt, ".vtt": to_vtt, ".rttm": to_rttm}
        text = renderers[kind](finals, speakers)
    path.write_text(text, encoding="utf-8")


def _embeddable_audio(audio: Path | None) -> tuple[bytes, str] | None:
    if audio is None or not audio.is_file():
        return None
    mime = AUDIO_TYPES.get(audio.suffix.lower())
    if mime is None or audio.stat().st_size > HTML_AUDIO_MAX_BYTES:
        return None
    return audio.read_bytes(), mime


def speaker_turns(finals: Iterable[Final], missing: str | None = None) -> list[tuple[float, float, str]]:
    """Who spoke when, as the captions say it: (start, end, speaker id) per run of words of one
    speaker within a final (a final as first sent is one turn; a ``speaker_update`` may give its
    words several). A final without words is one turn. Words with no speaker are labelled
    ``missing``, or left out when it is None."""
    turns: list[tuple[float, float, str]] = []
    for final in finals:
        words = list(final.get("words") or [])
        if not words:
            speaker = final.get("speaker") or missing
            if speaker:
                turns.append((float(final["start"]), float(final["end"]), str(speaker)))
            continue
        run = [words[0]]
        for word in [*words[1:], None]:
            if word is not None and word.get("speaker") == run[-1].get("speaker"):
                run.append(word)
                continue
            speaker = run[0].get("speaker") or final.get("speaker") or missing
            if speaker:
                turns.append((float(run[0]["start"]), float(run[-1]["end"]), str(speaker)))
            run = [word] if word is not None else []
    return turns


def to_rttm(finals: Sequence[Final], speakers: Mapping[str, str] | None = None, uri: str = "parley") -> str:
    """RTTM (NIST): one ``SPEAKER`` line per speaker turn, in time order; the label is the speaker id
    (names may hold spaces, which RTTM fields cannot)."""
    lines = [
        f"SPEAKER {uri} 1 {start:.3f} {max(end - start, 0.0):.3f} <NA> <NA> {speaker} <NA> <NA>"
        for start, end, speaker in sorted(speaker_turns(finals))
    ]
    return "\n".join(lines) + ("\n" if lines else "")


def to_html(
    finals: Sequence[Final],
    speakers: Mapping[str, str] | None = None,
    *,
    audio: tuple[bytes, str] | None = None,
    title: str = "Transcript",
) -> str:
    """One self-contained page (no external assets): the recording's player when ``audio`` (bytes,
    MIME type) is given, the transcript by speaker turn with timestamps, each word highlighted while
    it plays; clicking a word or a timestamp seeks there."""
    import base64
    from html import escape

    blocks = []
    for final in _captioned(finals):
        label = speaker_label(final, speakers) or ""
        start, _ = _cue_times(final)
        words = final.get("words") or [{"word": final["text"], "start": start, "end": final["end"]}]
        spans = " ".join(
            f'<span class="w" data-start="{float(w["start"]):.2f}" data-end="{float(w["end"]):.2f}">'
            f"{escape(str(w['word']).strip())}</span>"
            for w in words
        )
        colour = _speaker_hue(str(final.get("speaker") or ""))
        blocks.append(
            f'<p class="turn" style="--hue:{colour}"><a class="t" data-start="{start:.2f}">'
            f"{format_clock(start)}</a> <b>{escape(label)}</b> {spans}</p>"
        )
    player = ""
    if audio is not None:
        data = base64.b64encode(audio[0]).decode("ascii")
        player = (
            f'<audio id="player" controls preload="metadata" src="data:{audio[1]};base64,{data}"></audio>'
        )
    return _HTML_PAGE.format(title=escape(title), player=player, body="\n".join(blocks))


def _speaker_hue(speaker: str) -> int:
    """A stable hue (0-359) per speaker id, so a speaker keeps one colour across files."""
    import zlib

    return zlib.crc32(speaker.encode()) % 360


_HTML_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 16px/1.6 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }}
audio {{ width: 100%; position: sticky; top: 0; background: #fff; }}
.turn {{ border-left: 4px solid hsl(var(--hue) 60% 45%); padding-left: .75rem; }}
.turn b {{ color: hsl(var(--hue) 60% 35%); }}
.t {{ color: #57606a; font-variant-numeric: tabular-nums; cursor: pointer; text-decoration: none; }}
.w {{ cursor: pointer; border-radius: 3px; }}
.w.now {{ background: #ffe58f; }}
</style></head><body>
<h1>{title}</h1>
{player}
<main id="transcript">
{body}
</main>
<script>
(() => {{
  const player = document.getElementById('player');
  const words = [...document.querySelectorAll('.w')];
  let current = null;
  document.getElementById('transcript').addEventListener('click', (event) => {{
    const target = event.target.closest('[data-start]');
    if (!target || !player) return;
    player.currentTime = Number(target.dataset.start);
    player.play();
  }});
  if (!player) return;
  player.addEventListener('timeupdate', () => {{
    const t = player.currentTime;
    const word = words.find((w) => Number(w.dataset.start) <= t && t < Number(w.dataset.end));
    if (word === current) return;
    if (current) current.classList.remove('now');
    if (word) word.classList.add('now');
    current = word || null;
  }});
}})();
</script>
</body></html>
"""


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
