"""The terminal view of a caption stream.

On a terminal: finals print on their own line as ``[00:12.5] Speaker 1: text``, each speaker's name
in its own colour, and one status line below them shows the partial caption in progress (rewritten in
place) and the server's lag when it is high. Anywhere else (a pipe, a file): finals only, one plain
line each, flushed as they come.
"""

from __future__ import annotations

import shutil
import sys
import zlib
from collections.abc import Mapping
from typing import Any, TextIO

from .formats import apply_speaker_update, format_clock, speaker_label

PRINTED_FINALS_KEPT = 200  # finals remembered for revisions (the server revises only recent ones)

LAG_WARNING_S = 2.0  # the status line shows the server's lag above this many seconds of audio
_SPEAKER_COLOURS = ("36", "33", "35", "32", "34", "31", "96", "93")  # ANSI foreground codes
_CLEAR_LINE = "\r\x1b[2K"
_DIM = "\x1b[2m"
_RESET = "\x1b[0m"


def speaker_colour(speaker_id: str) -> str:
    """The ANSI colour code of a speaker: ``S1`` .. ``S8`` get distinct colours, others a stable hash."""
    number = speaker_id[1:] if speaker_id.startswith("S") else ""
    index = int(number) - 1 if number.isdigit() else zlib.crc32(speaker_id.encode())
    return _SPEAKER_COLOURS[index % len(_SPEAKER_COLOURS)]


class CaptionView:
    """Renders server messages (pass each to :meth:`handle`) to a text stream."""

    def __init__(self, out: TextIO = sys.stdout, *, live: bool | None = None, show_partials: bool = True):
        """``live``: draw colours and the in-place status line (default: whether ``out`` is a TTY)."""
        self._out = out
        self._live = out.isatty() if live is None else live
        self._show_partials = show_partials
        self._names: dict[str, str] = {}
        self._partial: Mapping[str, Any] | None = None
        self._printed: dict[Any, Mapping[str, Any]] = {}  # recent finals by id, for speaker_update
        self._lag = 0.0
        self._status_shown = False

    def handle(self, message: Mapping[str, Any]) -> None:
        """Update the view with one server message."""
        self._lag = float(message.get("lag") or 0.0)
        kind = message.get("type")
        if kind == "speakers":
            self._names = {entry["id"]: entry["name"] for entry in message.get("speakers", [])}
        elif kind == "partial" and self._show_partials:
            self._partial = message
        elif kind == "final":
            self._print_final(message)
        elif kind == "speaker_update":
            self._print_revision(message)
        elif kind == "error" and not message.get("fatal"):
            self._print_line(f"server error ({message.get('code')}): {message.get('message')}", sys.stderr)
        self._draw_status()

    def close(self) -> None:
        """Erase the status line, leaving only the finals on screen."""
        self._partial = None
        self._erase_status()

    def _print_final(self, final: Mapping[str, Any]) -> None:
        """Print a final on its own line; it replaces the partial of its utterance."""
        if self._partial is not None and self._partial.get("utterance") == final.get("utterance"):
            self._partial = None
        if isinstance(final.get("id"), int):
            self._printed[final["id"]] = final
            while len(self._printed) > PRINTED_FINALS_KEPT:
                del self._printed[next(iter(self._printed))]
        label = speaker_label(final, self._names)
        shown_label = f"{self._paint(label + ':', final.get('speaker') or '')} " if label else ""
        self._print_line(f"[{format_clock(final['start'])}] {shown_label}{final['text'].strip()}", self._out)

    def _print_revision(self, update: Mapping[str, Any]) -> None:
        """A final already printed changed speaker: say so on a line of its own (lines above stay)."""
        final = self._printed.get(update.get("id"))
        if final is None:
            return
        revised = apply_speaker_update(final, update)
        self._printed[revised["id"]] = revised
        label = speaker_label(revised, self._names) or "?"
        shown = self._paint(label + ":", revised.get("speaker") or "")
        self._print_line(
            f"[{format_clock(revised['start'])}] (revised) {shown} {revised['text'].strip()}", self._out
        )

    def _print_line(self, line: str, stream: TextIO) -> None:
        """Print a whole line above the status line."""
        self._erase_status()
        print(line, file=stream, flush=True)

    def _paint(self, text: str, speaker_id: str) -> str:
        """``text`` in the speaker's colour when live, as is otherwise."""
        if not self._live or not speaker_id:
            return text
        return f"\x1b[1;{speaker_colour(speaker_id)}m{text}{_RESET}"

    def _status_text(self) -> str:
        """The partial in progress and a lag warning, or an empty string when there is neither."""
        parts = []
        if self._partial is not None:
            speaker_id = self._partial.get("speaker")
            name = self._names.get(speaker_id, speaker_id) if speaker_id else None
            parts.append(
                f"{name}: {self._partial['text'].strip()}" if name else self._partial["text"].strip()
            )
        if self._lag > LAG_WARNING_S:
            parts.append(f"[server lag {self._lag:.1f} s]")
        return "  ".join(parts)

    def _draw_status(self) -> None:
        """Rewrite the status line in place (live only), cut to the terminal width from the left."""
        if not self._live:
            return
        text = self._status_text()
        if not text:
            self._erase_status()
            return
        width = max(10, shutil.get_terminal_size().columns - 1)
        if len(text) > width:
            text = "…" + text[-(width - 1) :]
        self._out.write(f"{_CLEAR_LINE}{_DIM}{text}{_RESET}")
        self._out.flush()
        self._status_shown = True

    def _erase_status(self) -> None:
        """Clear the status line if one is drawn, leaving the cursor at the start of the line."""
        if self._status_shown:
            self._out.write(_CLEAR_LINE)
            self._out.flush()
            self._status_shown = False
