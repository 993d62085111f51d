"""One language per session, and key terms: real speech from the dev corpus over a real socket.

* Language: June's French turns of ``ml-returning-speaker`` (the multilingual split, docs/dev-corpus.md:
  French, Russian and Italian voices taking turns), cut out on their STM times and joined with
  silences: a single-language stream of real, short utterances, streamed with ``language: null``.
* Key terms: "Thank you for calling Super Awesome Company, Waldo's premier provider..."
  (``test-returning-speaker``, Allison), where tiny.en hears "while those" unless the session gives
  the key term "Waldo".
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from parley.bench.cli import dev_corpus
from parley.client.audio_source import decode_file
from parley.client.stream import iter_pcm_chunks, stream_audio
from parley.server.transcribe import normalise
from tests.scoring import word_error_rate

GAP_S = 0.7  # silence between joined turns: longer than vad.hangover_ms, so each is an utterance


def one_speaker(folder: Path, clip: str, speaker: str, seconds: float) -> tuple[np.ndarray, list[str]]:
    """``speaker``'s turns of ``clip`` that overlap no other speaker's (by 0.1 s), in order, until
    ``seconds`` of speech, joined with :data:`GAP_S` of silence; and their reference texts."""
    rows = [line.split(None, 5) for line in (folder / f"{clip}.stm").read_text().splitlines() if line.strip()]
    turns = [(row[2], float(row[3]), float(row[4]), row[5] if len(row) > 5 else "") for row in rows]
    audio = decode_file(str(folder / f"{clip}.wav"))
    pieces: list[np.ndarray] = []
    texts: list[str] = []
    total = 0.0
    for name, start, end, text in turns:
        if name != speaker or any(
            other != speaker and s < end + 0.1 and e > start - 0.1 for other, s, e, _ in turns
        ):
            continue
        pieces += [audio[int(start * 16000) : int(end * 16000)], np.zeros(int(GAP_S * 16000), np.float32)]
        texts.append(text)
        total += end - start
        if total >= seconds:
            break
    return np.concatenate(pieces), texts


@pytest.mark.slow
async def test_a_french_stream_keeps_one_detected_language(config, server):
    """Detected once over the first seconds of speech and kept: >= 90 % of the finals say French.
    Measured (45 s of June's speech in 19 turns, 58.9 s of audio): 19 of 19 finals French, decided
    on 6.6 s of speech (pooled probability 0.92); with per-utterance detection before this, 18 of 21
    (the others ja, ro, en, on utterances of 0.6-1.1 s)."""
    folder = dev_corpus(config.models_dir().parent / "dev-corpus", "multilingual")
    audio, texts = one_speaker(folder, "ml-returning-speaker", "june", 45.0)
    result = await stream_audio(server.url, iter_pcm_chunks(audio), language=None, partials=False, speed=0)
    counts = Counter(final["language"] for final in result.finals)
    print(f"{len(texts)} turns, {len(audio) / 16000:.1f} s: finals by language {dict(counts)}")
    print("language messages:", result.languages)
    assert len(result.finals) >= 12
    assert counts["fr"] >= 0.9 * len(result.finals)
    detected = [m for m in result.languages if m["reason"] == "detected"]
    assert len(detected) == 1 and detected[0]["language"] == "fr"
    assert detected[0]["speech_s"] >= config.asr.language_detect_s
    assert not [m for m in result.languages if m["reason"] == "switched"]
    assert result.languages[-1]["language"] == "fr"


async def test_a_fixed_language_sends_no_language_message(server, hello_pcm):
    result = await stream_audio(server.url, [hello_pcm], language="en", partials=False, speed=0)
    assert result.finals and result.languages == []
    assert {final["language"] for final in result.finals} == {"en"}


@pytest.mark.slow
async def test_a_key_term_gets_a_rare_name_recognised(config, server):
    """tiny.en hears "Waldo's premier provider" as "while those Premier provider"; with the key term
    "Waldo" it gets the name, and the rest of the 25 s turn stays as good. The clip: Allison's turn
    at 201.5-226.4 s of test-returning-speaker (measured: name 0/1 -> 1/1; clip WER printed)."""
    folder = dev_corpus(config.models_dir().parent / "dev-corpus", "test")
    audio = decode_file(str(folder / "test-returning-speaker.wav"))[int(201.2 * 16000) : int(226.9 * 16000)]
    reference = next(
        line.split(None, 5)[5]
        for line in (folder / "test-returning-speaker.stm").read_text().splitlines()
        if " 201.48" in line
    )

    async def transcript(keyterms: list[str] | None) -> tuple[str, float]:
        result = await stream_audio(
            server.url, iter_pcm_chunks(audio), language="en", keyterms=keyterms, partials=False, speed=0
        )
        text = " ".join(final["text"] for final in result.finals)
        wer = word_error_rate(reference, text)
        print(f"keyterms {keyterms}: WER {wer:.3f}: {text}")
        return text, wer

    without, wer_without = await transcript(None)
    keyed, wer_keyed = await transcript(["Waldo"])
    assert "waldos" not in normalise(without).split()  # what makes this clip a test of key terms
    assert "waldos" in normalise(keyed).split()
    assert wer_keyed <= wer_without + 0.05
