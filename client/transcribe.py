"""``parley transcribe FILE...``: recordings in, transcripts out, as whole files.

Each file is transcribed as a file (whole-file speaker clustering, then words to speakers:
:mod:`parley.server.files`), either in this process (the models are loaded once for all files) or
by a server's ``POST /v1/listen`` (``--url``). Both give the same Deepgram-shaped document, which is
turned into one caption per speaker turn and written with :mod:`parley.client.formats`
(``--format json|srt|vtt|html|rttm``, one file per input in ``--out``).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import ssl
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from parley.client.audio_source import AudioSourceError, decode_file
from parley.client.formats import write_finals
from parley.config import Config
from parley.samples import SAMPLE_ALIAS, pyannote_sample

FORMATS = ("json", "srt", "vtt", "html", "rttm")
UPLOAD_CHUNK_BYTES = 256 * 1024
QUERY = {"diarize": "true", "punctuate": "true", "utterances": "true"}


class TranscribeError(Exception):
    """A file that could not be transcribed; the message says why."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help=f"audio or video files ('{SAMPLE_ALIAS}': the sample)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("."), metavar="DIR", help="where to write (default: .)"
    )
    parser.add_argument("--format", choices=FORMATS, default="json", help="transcript format (default: json)")
    parser.add_argument(
        "--url", help="a Parley server (http[s]://host:port): transcribe there, not in process"
    )
    parser.add_argument("--token", help="the server's token (Authorization: Token ...)")
    parser.add_argument("--language", help="language code (default from config: en); 'detect' detects it")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="seconds to wait for a server (default 3600)"
    )


def run(args: argparse.Namespace, config: Config) -> int:
    language = (
        config.asr.language if args.language is None else None if args.language == "detect" else args.language
    )
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"parley: cannot create {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    failed = transcribe_paths(
        [Path(pyannote_sample().wav) if f == SAMPLE_ALIAS else Path(f) for f in args.files],
        args.out,
        args.format,
        config=config,
        url=args.url,
        token=args.token,
        language=language,
        progress=not args.no_progress,
        timeout=args.timeout,
    )
    return 1 if failed else 0


def transcribe_paths(
    paths: list[Path],
    out: Path,
    fmt: str,
    *,
    config: Config,
    url: str | None = None,
    token: str | None = None,
    language: str | None = "en",
    progress: bool = True,
    timeout: float = 3600.0,
    engine: Any = None,
) -> int:
    """Transcribe each of ``paths`` into ``out/<stem>.<fmt>``; returns how many failed (each failure
    is printed). ``engine``: the models to use in process (loaded here when None and no ``url``)."""
    failed = 0
    for path in paths:
        target = out / f"{path.stem}.{fmt}"
        try:
            if url:
                response = transcribe_remote(
                    path, url, token=token, language=language, progress=progress, timeout=timeout
                )
            else:
                if engine is None:
                    from parley.server.engine import Engine

                    engine = Engine(config)
                response = transcribe_local(path, engine, language=language, progress=progress)
        except (TranscribeError, AudioSourceError) as exc:
            print(f"parley: {exc}", file=sys.stderr)
            failed += 1
            continue
        finals = response_finals(response)
        write_finals(target, finals, audio=path)
        speakers = {f["speaker"] for f in finals if f.get("speaker")}
        duration = response.get("metadata", {}).get("duration", 0.0)
        print(
            f"{path} -> {target}: {duration:.1f} s, {len(finals)} turns, {len(speakers)} speakers",
            file=sys.stderr,
        )
    return failed


def _query(language: str | None) -> dict[str, str]:
    return {**QUERY, **({"language": language} if language else {"detect_language": "true"})}


def transcribe_local(
    path: Path, engine: Any, *, language: str | None, progress: bool = True
) -> dict[str, Any]:
    """The ``POST /v1/listen`` document for ``path``, computed in this process."""
    from parley.server.files import transcribe_to_response
    from parley.server.messages import FileOptions

    audio = decode_file(path)
    options = FileOptions.parse(urlencode(_query(language)), language)
    with _Bar(path.name, 100, "%", progress) as bar:

        def report(stage: str, fraction: float) -> None:
            bar.show(stage, int(fraction * 100))

        return transcribe_to_response(
            audio,
            engine,
            options,
            request_id=str(uuid.uuid4()),
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            progress=report,
        )


def transcribe_remote(
    path: Path,
    url: str,
    *,
    token: str | None,
    language: str | None,
    progress: bool = True,
    timeout: float = 3600.0,
) -> dict[str, Any]:
    """``path`` posted to ``url``'s ``POST /v1/listen``; its JSON answer."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    if scheme not in ("http", "https") or not parts.hostname:
        raise TranscribeError(f"--url {url}: use http[s]://host:port")
    if not path.is_file():
        raise TranscribeError(f"{path}: no such file")
    size = path.stat().st_size
    connection: http.client.HTTPConnection
    if scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    headers = {"Content-Length": str(size), "Content-Type": "application/octet-stream"}
    if token:
        headers["Authorization"] = f"Token {token}"
    target = f"{parts.path.rstrip('/')}/v1/listen?{urlencode(_query(language))}"
    try:
        with _Bar(path.name, size, "B", progress) as bar:
            connection.request(
                "POST", target, body=_chunks(path, lambda n: bar.advance("upload", n)), headers=headers
            )
            bar.show("transcribing", size)
            response = connection.getresponse()
            body = response.read()
    except (OSError, http.client.HTTPException) as exc:
        raise TranscribeError(f"{path}: {url}: {exc}") from None
    finally:
        connection.close()
    try:
        document = json.loads(body)
    except ValueError:
        raise TranscribeError(f"{path}: the server answered {response.status} with no JSON") from None
    if response.status != 200:
        reason = document.get("err_msg") if isinstance(document, dict) else None
        raise TranscribeError(f"{path}: the server answered {response.status}: {reason or body[:200]!r}")
    return document


def _chunks(path: Path, sent: Callable[[int], None]) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(UPLOAD_CHUNK_BYTES):
            yield chunk
            sent(len(chunk))


def response_finals(response: dict[str, Any]) -> list[dict[str, Any]]:
    """A ``POST /v1/listen`` answer as ``final`` captions (the shape ``parley stream`` writes): one
    per utterance (speaker turn), speakers ``S1``, ``S2``... from Deepgram's 0, 1..."""
    results = response.get("results") or {}
    utterances = results.get("utterances")
    if utterances is None:  # no utterances asked for: all the words as one caption
        alternative = results["channels"][0]["alternatives"][0]
        utterances = (
            [{"words": alternative["words"], "transcript": alternative["transcript"]}]
            if alternative["words"]
            else []
        )
    finals = []
    for number, utterance in enumerate(utterances, start=1):
        words = utterance["words"]
        speaker = f"S{utterance['speaker'] + 1}" if "speaker" in utterance else None
        final: dict[str, Any] = {
            "type": "final",
            "id": number,
            "start": words[0]["start"],
            "end": words[-1]["end"],
            "text": utterance["transcript"],
            "speaker": speaker,
            "speaker_name": f"Speaker {speaker[1:]}" if speaker else None,
            "words": [
                {
                    "word": w.get("punctuated_word", w["word"]),
                    "start": w["start"],
                    "end": w["end"],
                    "speaker": f"S{w['speaker'] + 1}" if "speaker" in w else None,
                    "probability": w["confidence"],
                }
                for w in words
            ],
        }
        finals.append(final)
    return finals


class _Bar:
    """A tqdm progress bar on stderr, or nothing."""

    def __init__(self, name: str, total: int, unit: str, enabled: bool) -> None:
        self._bar = None
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total, desc=name, unit=unit, unit_scale=unit == "B", file=sys.stderr, leave=False
            )

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()

    def advance(self, stage: str, amount: int) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(stage, refresh=False)
            self._bar.update(amount)

    def show(self, stage: str, done: int) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(stage, refresh=False)
            self._bar.update(max(0, done - self._bar.n))
