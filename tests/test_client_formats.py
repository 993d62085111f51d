"""Caption files (JSON, SRT, VTT) and PCM chunking of the client: pure logic, no server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from parley.client import formats
from parley.client.stream import iter_pcm_chunks


def make_final(final_id: int, speaker: str, start: float, end: float, text: str) -> dict[str, Any]:
    """A `final` message as the client stores it: the protocol fields plus `emitted_at`."""
    return {
        "type": "final",
        "id": final_id,
        "utterance": final_id,
        "speaker": speaker,
        "speaker_name": f"Speaker {speaker[1:]}",
        "start": start,
        "end": end,
        "text": text,
        "language": "en",
        "words": [{"word": text, "start": start, "end": end, "speaker": speaker, "probability": 0.9}],
        "lag": 0.05,
        "emitted_at": end + 0.7,
    }


@pytest.fixture
def finals() -> list[dict[str, Any]]:
    return [
        make_final(1, "S1", 0.0, 1.25, "Hello?"),
        make_final(2, "S2", 61.5, 62.0, "Hi there."),
    ]


def test_srt_exact(finals: list[dict[str, Any]]) -> None:
    assert formats.to_srt(finals) == (
        "1\n00:00:00,000 --> 00:00:01,250\nSpeaker 1: Hello?\n"
        "\n"
        "2\n00:01:01,500 --> 00:01:02,000\nSpeaker 2: Hi there.\n"
    )


def test_vtt_exact(finals: list[dict[str, Any]]) -> None:
    assert formats.to_vtt(finals) == (
        "WEBVTT\n"
        "\n"
        "00:00:00.000 --> 00:00:01.250\n<v Speaker 1>Hello?\n"
        "\n"
        "00:01:01.500 --> 00:01:02.000\n<v Speaker 2>Hi there.\n"
    )


def test_speaker_rename_overrides_the_name_in_the_final(finals: list[dict[str, Any]]) -> None:
    speakers = {"S1": "Alice"}
    assert "Alice: Hello?" in formats.to_srt(finals, speakers)
    assert "Speaker 2: Hi there." in formats.to_srt(finals, speakers)
    assert "<v Alice>Hello?" in formats.to_vtt(finals, speakers)
    records = json.loads(formats.to_json(finals, speakers))
    assert [record["speaker_name"] for record in records] == ["Alice", "Speaker 2"]


def test_final_without_speaker_has_no_prefix() -> None:
    final = make_final(1, "S1", 0.0, 1.0, "Hello.")
    final["speaker"] = final["speaker_name"] = None
    assert formats.to_srt([final]).splitlines()[2] == "Hello."
    assert formats.to_vtt([final]).splitlines()[3] == "Hello."


def test_cues_are_in_time_order_and_skip_empty_text() -> None:
    later, earlier = make_final(2, "S1", 5.0, 6.0, "Later."), make_final(3, "S2", 1.0, 2.0, "Earlier.")
    empty = make_final(4, "S1", 7.0, 8.0, "x")
    empty["text"] = "  "
    srt = formats.to_srt([later, earlier, empty])
    assert srt.index("Earlier.") < srt.index("Later.")
    assert srt.count("-->") == 2
    assert srt.startswith("1\n00:00:01,000")


def test_vtt_escapes_reserved_characters() -> None:
    final = make_final(1, "S1", 0.0, 1.0, "Fish & chips <3")
    assert "<v Speaker 1>Fish &amp; chips &lt;3\n" in formats.to_vtt([final])


def test_long_caption_stays_one_cue_wrapped_at_42_chars() -> None:
    text = "This is a rather long caption that certainly needs more than one line to be readable."
    srt = formats.to_srt([make_final(1, "S1", 0.0, 5.0, text)])
    cue_lines = srt.splitlines()[2:]
    assert srt.count("-->") == 1
    assert len(cue_lines) > 1
    assert all(len(line) <= formats.CAPTION_LINE_CHARS for line in cue_lines)
    assert " ".join(cue_lines) == f"Speaker 1: {text}"


def test_json_keeps_protocol_fields_and_emitted_at(finals: list[dict[str, Any]]) -> None:
    records = json.loads(formats.to_json(finals))
    assert len(records) == 2
    protocol_fields = {"id", "utterance", "speaker", "speaker_name", "start", "end", "text", "words"}
    assert protocol_fields | {"language", "emitted_at"} == set(records[0])
    assert records[0]["words"] == finals[0]["words"]
    assert records[1]["emitted_at"] == pytest.approx(62.7)


@pytest.mark.parametrize(
    ("seconds", "srt", "vtt"),
    [
        (0, "00:00:00,000", "00:00:00.000"),
        (1.2345, "00:00:01,235", "00:00:01.235"),  # half a millisecond rounds up ...
        (59.9996, "00:01:00,000", "00:01:00.000"),  # ... and carries into the minutes
        (3599.9995, "01:00:00,000", "01:00:00.000"),  # ... and into the hours
        (3723.004, "01:02:03,004", "01:02:03.004"),
        (90000.0, "25:00:00,000", "25:00:00.000"),  # hours do not wrap at a day
        (-0.2, "00:00:00,000", "00:00:00.000"),  # negative clamps to zero
    ],
)
def test_timestamps(seconds: float, srt: str, vtt: str) -> None:
    assert formats.format_srt_timestamp(seconds) == srt
    assert formats.format_vtt_timestamp(seconds) == vtt


@pytest.mark.parametrize(
    ("seconds", "clock"),
    [(0, "00:00.0"), (12.46, "00:12.5"), (59.96, "01:00.0"), (3599.96, "1:00:00.0"), (3725.5, "1:02:05.5")],
)
def test_clock(seconds: float, clock: str) -> None:
    assert formats.format_clock(seconds) == clock


@pytest.mark.parametrize("suffix", [".json", ".srt", ".vtt", ".SRT"])
def test_write_finals_by_extension(tmp_path: Path, finals: list[dict[str, Any]], suffix: str) -> None:
    path = tmp_path / f"captions{suffix}"
    formats.write_finals(path, finals, {"S2": "Bob"})
    text = path.read_text(encoding="utf-8")
    assert "Bob" in text
    assert text.startswith({".json": "[", ".srt": "1\n", ".vtt": "WEBVTT"}[suffix.lower()])


@pytest.mark.parametrize("name", ["captions.txt", "captions"])
def test_unknown_extension_is_refused(tmp_path: Path, finals: list[dict[str, Any]], name: str) -> None:
    path = tmp_path / name
    with pytest.raises(ValueError, match=r"\.json, \.srt, \.vtt"):
        formats.write_finals(path, finals)
    assert not path.exists()


def test_pcm_chunks_lengths() -> None:
    samples = np.zeros(16000 + 800, dtype=np.float32)  # 1.05 s at 16 kHz
    chunks = list(iter_pcm_chunks(samples, chunk_ms=100, sample_rate=16000))
    assert [len(chunk) for chunk in chunks] == [3200] * 10 + [1600]
    assert list(iter_pcm_chunks(np.zeros(0, dtype=np.float32))) == []


def test_pcm_chunks_scaling_and_clipping() -> None:
    samples = np.array([0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -3.0], dtype=np.float32)
    (chunk,) = iter_pcm_chunks(samples)
    assert np.frombuffer(chunk, dtype="<i2").tolist() == [0, 16384, -16384, 32767, -32768, 32767, -32768]


def test_pcm_chunks_refuse_stereo_arrays() -> None:
    with pytest.raises(ValueError, match="mono"):
        list(iter_pcm_chunks(np.zeros((2, 100), dtype=np.float32)))


def test_rttm_has_one_line_per_speaker_turn_with_word_runs(finals: list[dict[str, Any]]) -> None:
    revised = {  # a final whose words a speaker_update gave two speakers: two turns
        **make_final(3, "S1", 70.0, 72.0, "a b"),
        "words": [
            {"word": "a", "start": 70.0, "end": 70.5, "speaker": "S1", "probability": 0.9},
            {"word": "b", "start": 71.0, "end": 72.0, "speaker": "S2", "probability": 0.9},
        ],
    }
    assert formats.to_rttm([revised, *finals], uri="call") == (
        "SPEAKER call 1 0.000 1.250 <NA> <NA> S1 <NA> <NA>\n"
        "SPEAKER call 1 61.500 0.500 <NA> <NA> S2 <NA> <NA>\n"
        "SPEAKER call 1 70.000 0.500 <NA> <NA> S1 <NA> <NA>\n"
        "SPEAKER call 1 71.000 1.000 <NA> <NA> S2 <NA> <NA>\n"
    )


def test_rttm_reads_back_as_the_same_turns(tmp_path: Path, finals: list[dict[str, Any]]) -> None:
    from parley.bench.metrics import load_rttm

    path = tmp_path / "captions.rttm"
    formats.write_finals(path, finals)
    turns = [(s.start, s.end, label) for s, _, label in load_rttm(path).itertracks(yield_label=True)]
    assert turns == [(0.0, 1.25, "S1"), (61.5, 62.0, "S2")]


def test_html_is_self_contained_with_words_names_and_audio(
    tmp_path: Path, finals: list[dict[str, Any]]
) -> None:
    import base64
    import re

    audio = tmp_path / "call.wav"
    audio.write_bytes(b"RIFF....WAVEfmt fake")
    path = tmp_path / "call.html"
    finals[1]["text"] = finals[1]["words"][0]["word"] = "<b>Hi</b> & bye"
    formats.write_finals(path, finals, {"S2": "Bob"}, audio=audio)
    page = path.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page)  # no external assets
    assert f'src="data:audio/wav;base64,{base64.b64encode(audio.read_bytes()).decode()}"' in page
    assert (
        '<span class="w" data-start="61.50" data-end="62.00">&lt;b&gt;Hi&lt;/b&gt; &amp; bye</span>' in page
    )
    assert "<b>Bob</b>" in page and "<b>Speaker 1</b>" in page
    assert "01:01.5" in page
    assert "timeupdate" in page and "currentTime" in page  # highlight while playing, click to seek


def test_html_without_a_playable_recording_has_no_player(
    tmp_path: Path, finals: list[dict[str, Any]]
) -> None:
    path = tmp_path / "call.html"
    formats.write_finals(path, finals, audio=tmp_path / "missing.wav")
    assert "<audio" not in path.read_text(encoding="utf-8")
    raw = tmp_path / "call.pcm"
    raw.write_bytes(b"\0" * 10)  # not a type browsers play
    formats.write_finals(path, finals, audio=raw)
    assert "<audio" not in path.read_text(encoding="utf-8")
