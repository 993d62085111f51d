"""Client PCM bytes -> 16 kHz mono float32 (:class:`parley.server.audio.PcmDecoder`).

Frames may split a sample anywhere (the partial bytes wait for the next frame); stereo is averaged;
f32 input is sanitised; other rates are resampled with a streaming resampler whose output must not
depend on how the stream was cut.
"""

from __future__ import annotations

import itertools
import struct
import time
from typing import Any

import numpy as np
import pytest

from parley.server.audio import PIPELINE_RATE, PcmDecoder


def decode_all(decoder: PcmDecoder, pieces: list[bytes]) -> np.ndarray:
    out = [decoder.decode(p) for p in pieces] + [decoder.flush()]
    assert all(o.dtype == np.float32 and o.ndim == 1 for o in out)
    return np.concatenate(out)


def split_at(data: bytes, positions: list[int]) -> list[bytes]:
    bounds = [0, *positions, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def random_pieces(data: bytes, rng: np.random.Generator, low: int, high: int) -> list[bytes]:
    """``data`` cut into consecutive pieces of ``low``..``high`` bytes."""
    positions, at = [], 0
    while True:
        at += int(rng.integers(low, high + 1))
        if at >= len(data):
            return split_at(data, positions)
        positions.append(at)


@pytest.fixture
def s16() -> tuple[bytes, np.ndarray]:
    """Random 16-bit samples (full range, both extremes included) and their expected float values."""
    values = np.random.default_rng(1).integers(-32768, 32768, 101).astype("<i2")
    values[:2] = (-32768, 32767)
    return values.tobytes(), values.astype(np.float32) / 32768.0


def test_s16le_one_frame(s16) -> None:
    data, expected = s16
    decoder = PcmDecoder("pcm_s16le", 16000)
    np.testing.assert_array_equal(decode_all(decoder, [data]), expected)
    assert decoder.input_samples == len(expected)


def test_s16le_split_at_every_odd_byte(s16) -> None:
    """Cutting the stream in the middle of any sample gives exactly the samples of one frame."""
    data, expected = s16
    for position in range(1, len(data), 2):
        decoder = PcmDecoder("pcm_s16le", 16000)
        first = decoder.decode(data[:position])
        assert len(first) == position // 2  # the odd byte waits
        np.testing.assert_array_equal(decode_all(decoder, [data[position:]]), expected[len(first) :])
        np.testing.assert_array_equal(first, expected[: len(first)])
    every_odd = split_at(data, list(range(1, len(data), 2)))
    np.testing.assert_array_equal(decode_all(PcmDecoder("pcm_s16le", 16000), every_odd), expected)


def test_f32le_split_in_pieces_of_one_to_three_bytes() -> None:
    """f32 cut into 1-3 byte pieces (no piece holds a whole sample) decodes to the same samples."""
    rng = np.random.default_rng(2)
    values = rng.uniform(-1, 1, 333).astype("<f4")
    data = values.tobytes()
    whole = decode_all(PcmDecoder("pcm_f32le", 16000), [data])
    np.testing.assert_array_equal(whole, values)
    for low, high in ((1, 1), (1, 3), (2, 3), (3, 3)):
        pieces = random_pieces(data, rng, low, high)
        np.testing.assert_array_equal(decode_all(PcmDecoder("pcm_f32le", 16000), pieces), values)


def test_trailing_partial_sample_is_dropped_at_flush() -> None:
    decoder = PcmDecoder("pcm_s16le", 16000)
    assert len(decoder.decode(np.array([100, 200], "<i2").tobytes() + b"\x01")) == 2
    assert len(decoder.flush()) == 0
    assert len(decoder.decode(b"\x02")) == 0  # the odd byte was forgotten, not completed


@pytest.mark.parametrize("encoding", ["pcm_s16le", "pcm_f32le"])
def test_stereo_is_averaged(encoding: str) -> None:
    """Interleaved stereo becomes the mean of the channels, also across a split frame."""
    left = np.array([1000, -2000, 32767, 0, 300], dtype=np.float32) / 32768.0
    right = np.array([3000, 2000, 32767, -8000, -300], dtype=np.float32) / 32768.0
    interleaved = np.stack([left, right], axis=1).reshape(-1)
    if encoding == "pcm_s16le":
        data = np.round(interleaved * 32768.0).astype("<i2").tobytes()
    else:
        data = interleaved.astype("<f4").tobytes()
    expected = (left + right) / 2
    for pieces in ([data], split_at(data, [3, 7, 10])):  # splits inside a sample and between channels
        decoder = PcmDecoder(encoding, 16000, channels=2)
        np.testing.assert_allclose(decode_all(decoder, pieces), expected, atol=1e-7)
        assert decoder.input_samples == len(left)


def test_f32_non_finite_and_out_of_range_are_sanitised() -> None:
    """NaN -> 0, +inf -> 1, -inf -> -1, and values beyond full scale are clipped to [-1, 1]."""
    values = np.array([np.nan, np.inf, -np.inf, 0.5, 3.0, -7.0], dtype="<f4")
    out = decode_all(PcmDecoder("pcm_f32le", 16000), [values.tobytes()])
    np.testing.assert_array_equal(out, np.array([0.0, 1.0, -1.0, 0.5, 1.0, -1.0], dtype=np.float32))
    assert np.all(np.isfinite(out))


def sine(rate: int, seconds: float, frequency: float = 440.0, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


@pytest.mark.parametrize("rate", [48000, 44100, 8000])
def test_resampling_to_16k_keeps_length_and_pitch(rate: int) -> None:
    """2 s at ``rate`` give 2 s at 16 kHz (within a few samples, after flush), and a 440 Hz tone
    is still a 440 Hz tone (FFT peak) at about the same level."""
    tone = sine(rate, 2.0)
    pieces = random_pieces(tone.astype("<f4").tobytes(), np.random.default_rng(3), 1000, 9000)
    out = decode_all(PcmDecoder("pcm_f32le", rate), pieces)
    assert abs(len(out) - 2 * PIPELINE_RATE) <= 4
    spectrum = np.abs(np.fft.rfft(out * np.hanning(len(out))))
    peak_hz = np.argmax(spectrum) * PIPELINE_RATE / len(out)
    assert peak_hz == pytest.approx(440.0, abs=1.0)
    middle = out[PIPELINE_RATE // 2 : -PIPELINE_RATE // 2]
    assert float(np.sqrt(np.mean(middle**2))) == pytest.approx(0.5 / np.sqrt(2), rel=0.02)


def test_resampling_does_not_depend_on_chunking() -> None:
    """The resampler keeps its state between frames: odd byte splits give the same output (up to
    float rounding) as one frame."""
    data = (sine(48000, 1.0, 1000.0) * 32767).astype("<i2").tobytes()
    whole = decode_all(PcmDecoder("pcm_s16le", 48000), [data])
    pieces = random_pieces(data, np.random.default_rng(4), 1, 2001)
    chunked = decode_all(PcmDecoder("pcm_s16le", 48000), pieces)
    assert len(chunked) == len(whole)
    np.testing.assert_allclose(chunked, whole, atol=1e-5)


def test_16k_input_is_passed_through() -> None:
    values = np.random.default_rng(5).uniform(-1, 1, 1000).astype("<f4")
    decoder = PcmDecoder("pcm_f32le", 16000)
    np.testing.assert_array_equal(decoder.decode(values.tobytes()), values)
    assert len(decoder.flush()) == 0


@pytest.mark.parametrize(
    ("encoding", "rate", "channels", "message"),
    [
        ("pcm_u8", 16000, 1, "encoding"),
        ("opus", 16000, 1, "encoding"),
        ("pcm_s16le", 7999, 1, "sample_rate"),
        ("pcm_s16le", 192001, 1, "sample_rate"),
        ("pcm_s16le", 0, 1, "sample_rate"),
        ("pcm_f32le", 16000, 0, "channels"),
        ("pcm_f32le", 16000, 3, "channels"),
    ],
)
def test_invalid_parameters_raise(encoding: str, rate: int, channels: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PcmDecoder(encoding, rate, channels)


def test_valid_extremes_accepted() -> None:
    for rate in (8000, 192000):
        PcmDecoder("pcm_s16le", rate, 2)


# -- compressed audio (PyAV) ---------------------------------------------------------------------------


def opus_stream(samples_48k: np.ndarray, container: str | None) -> list[bytes]:
    """``samples_48k`` encoded with libopus: a container's bytes (one piece), or raw packets."""
    import io

    import av

    buffer = io.BytesIO()
    packets: list[bytes] = []
    if container is None:
        encoder = av.CodecContext.create("libopus", "w")
        encoder.sample_rate, encoder.layout, encoder.format = 48000, "mono", "flt"
        encode = encoder.encode
    else:
        output = av.open(buffer, "w", format=container)
        stream = output.add_stream("libopus", rate=48000)
        stream.layout = "mono"
        encode = stream.encode
    for offset in range(0, len(samples_48k), 960):
        frame = av.AudioFrame.from_ndarray(
            samples_48k[None, offset : offset + 960], format="flt", layout="mono"
        )
        frame.sample_rate, frame.pts = 48000, offset
        for packet in encode(frame):
            packets.append(bytes(packet)) if container is None else output.mux(packet)
    for packet in encode(None):
        packets.append(bytes(packet)) if container is None else output.mux(packet)
    if container is None:
        return packets
    output.close()
    return [buffer.getvalue()]


def decode_compressed(encoding: str, pieces: list[bytes]) -> np.ndarray:
    from parley.server.audio import CompressedDecoder

    decoder = CompressedDecoder(encoding)
    out = [decoder.decode(piece) for piece in pieces] + [decoder.flush()]
    assert decoder.input_samples == sum(map(len, pieces))  # a compressed stream counts bytes
    return np.concatenate(out)


@pytest.mark.parametrize(
    ("encoding", "container"),
    [("ogg_opus", "ogg"), ("webm", "webm"), ("container", "webm"), ("container", "ogg"), ("opus", None)],
)
def test_opus_decodes_to_the_same_tone_however_cut(encoding: str, container: str | None) -> None:
    """2 s of a 440 Hz tone as Opus (Ogg, WebM, probed, raw packets), the containers cut into random
    pieces of 1-4000 bytes: 2 s at 16 kHz come out (within 25 ms), at the tone's pitch and level."""
    tone = sine(48000, 2.0)
    encoded = opus_stream(tone, container)
    pieces = encoded if container is None else random_pieces(encoded[0], np.random.default_rng(6), 1, 4000)
    out = decode_compressed(encoding, pieces)
    assert abs(len(out) - 2 * PIPELINE_RATE) <= 400
    spectrum = np.abs(np.fft.rfft(out * np.hanning(len(out))))
    assert np.argmax(spectrum) * PIPELINE_RATE / len(out) == pytest.approx(440.0, abs=2.0)
    middle = out[PIPELINE_RATE // 2 : -PIPELINE_RATE // 2]
    assert float(np.sqrt(np.mean(middle**2))) == pytest.approx(0.5 / np.sqrt(2), rel=0.05)


def test_a_wav_container_is_probed() -> None:
    """No encoding given (Deepgram's containerized audio): a WAV stream decodes as its PCM does."""
    import io
    import wave

    values = (sine(16000, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(values.tobytes())
    pieces = random_pieces(buffer.getvalue(), np.random.default_rng(7), 100, 3000)
    np.testing.assert_allclose(decode_compressed("container", pieces), values / 32768.0, atol=1e-4)


@pytest.mark.parametrize("encoding", ["ogg_opus", "webm", "container"])
def test_undecodable_container_data_is_a_clear_error(encoding: str) -> None:
    from parley.server.audio import AudioDecodeError, CompressedDecoder

    decoder = CompressedDecoder(encoding)
    with pytest.raises(AudioDecodeError, match="stream FFmpeg can decode"):
        for _ in range(20):
            decoder.decode(bytes(np.random.default_rng(8).integers(0, 256, 4000, dtype=np.uint8)))
        decoder.flush()
    with pytest.raises(AudioDecodeError):  # and it stays refused
        decoder.decode(b"more")


def test_a_frame_that_is_no_opus_packet_is_a_clear_error() -> None:
    from parley.server.audio import AudioDecodeError, CompressedDecoder

    decoder = CompressedDecoder("opus")
    good = opus_stream(sine(48000, 0.1), None)
    assert decoder.decode(good[0]).dtype == np.float32
    with pytest.raises(AudioDecodeError, match="not an Opus packet"):
        decoder.decode(b"\xff" * 3000)


def test_compressed_input_waiting_is_bounded_in_bytes() -> None:
    """The demuxer's input buffer never holds more than COMPRESSED_BUFFER_BYTES: beyond, a clear error
    (here the demuxer is not started, as when it cannot keep up)."""
    from parley.server.audio import COMPRESSED_BUFFER_BYTES, AudioDecodeError, _Pipe

    pipe = _Pipe(COMPRESSED_BUFFER_BYTES)
    pipe.write(b"\0" * COMPRESSED_BUFFER_BYTES)
    with pytest.raises(AudioDecodeError, match="faster than it decodes"):
        pipe.write(b"\0")
    assert len(pipe.read(10)) == 10
    pipe.write(b"\0" * 10)


# -- decompression bombs (review of 2026-12-01: H2) ----------------------------------------------------


def flac_bomb(frames: int, rate: int = 8000, block: int = 65535) -> bytes:
    """A FLAC stream of constant (silent) ``block``-sample frames, 15 bytes each: 140 frames are 1874
    bytes declaring 1147 s at 8 kHz (the review's craft.py)."""

    def crc8(data: bytes) -> int:
        crc = 0
        for byte in data:
            crc ^= byte
            for _ in range(8):
                crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
        return crc

    def crc16(data: bytes) -> int:
        crc = 0
        for byte in data:
            crc ^= byte << 8
            for _ in range(8):
                crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
        return crc

    def utf8(n: int) -> bytes:
        if n < 0x80:
            return bytes([n])
        return bytes([0xC0 | n >> 6, 0x80 | n & 0x3F])

    info = struct.pack(">HH", 16, block) + bytes(6) + ((rate << 44) | (15 << 36)).to_bytes(8, "big")
    out = b"fLaC" + bytes([0x80]) + len(info + bytes(16)).to_bytes(3, "big") + info + bytes(16)
    for index in range(frames):
        header = bytes([0xFF, 0xF8, 0x70, 0x00]) + utf8(index) + (block - 1).to_bytes(2, "big")
        frame = header + bytes([crc8(header)]) + b"\x00\x00\x00"  # a constant subframe of 0
        out += frame + crc16(frame).to_bytes(2, "big")
    return out


def settled(read: Any, timeout: float = 10.0) -> int:
    """``read()`` once it stopped changing for 0.3 s."""
    deadline, last = time.monotonic() + timeout, -1
    while time.monotonic() < deadline:
        value = read()
        if value == last:
            return value
        last = value
        time.sleep(0.3)
    raise AssertionError("still changing")


def test_a_flac_bomb_waits_bounded_then_is_refused_and_its_thread_ends() -> None:
    """1874 bytes declaring 1147 s: at most max_buffered_s (+ one frame) of decoded audio waits while
    nobody takes it; taking it, the stream is refused once it passes MAX_SAMPLES_PER_BYTE."""
    from parley.server.audio import (
        EXPANSION_GRACE_S,
        MAX_SAMPLES_PER_BYTE,
        AudioDecodeError,
        CompressedDecoder,
    )

    data = flac_bomb(140)
    assert len(data) == 1874
    decoder = CompressedDecoder("container", max_buffered_s=2.0)
    decoder.decode(data)
    one_frame = 65535 * 2  # 65535 samples at 8 kHz, at 16 kHz
    flushed = len(decoder.flush())  # the end of the stream: at most max_buffered_s comes back
    assert 2 * PIPELINE_RATE <= flushed <= 2 * PIPELINE_RATE + one_frame
    waiting = settled(lambda: decoder.available)
    assert 2 * PIPELINE_RATE <= waiting <= 2 * PIPELINE_RATE + one_frame
    assert decoder.running  # it waits for room, no more
    taken = flushed
    while decoder.running:
        taken += len(decoder.take(1.0))
    allowed = len(data) * MAX_SAMPLES_PER_BYTE + EXPANSION_GRACE_S * PIPELINE_RATE
    assert allowed - one_frame <= taken <= allowed
    assert decoder.error is not None and "samples per byte" in decoder.error
    with pytest.raises(AudioDecodeError, match="samples per byte"):
        decoder.decode(b"more")
    assert decoder._thread is not None
    decoder._thread.join(5.0)
    assert not decoder._thread.is_alive()


def test_close_stops_a_demuxer_waiting_for_room() -> None:
    from parley.server.audio import CompressedDecoder

    decoder = CompressedDecoder("container", max_buffered_s=1.0)
    decoder.decode(flac_bomb(140))
    assert decoder._pipe is not None
    decoder._pipe.end()  # the client sent it all
    assert settled(lambda: decoder.available) >= PIPELINE_RATE
    assert decoder._thread is not None and decoder._thread.is_alive()
    decoder.close()
    decoder._thread.join(5.0)
    assert not decoder._thread.is_alive() and not decoder.running and decoder.available == 0


def test_decoded_audio_stops_at_max_s() -> None:
    """3 s of WAV with max_s = 1: exactly 1 s decoded, then ``full`` (the session ends too long)."""
    import io
    import wave

    from parley.server.audio import CompressedDecoder

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes((sine(16000, 3.0) * 32767).astype("<i2").tobytes())
    decoder = CompressedDecoder("container", max_s=1.0)
    pieces = random_pieces(buffer.getvalue(), np.random.default_rng(9), 1000, 3000)
    out = np.concatenate([decoder.decode(piece) for piece in pieces] + [decoder.flush()])
    assert len(out) == PIPELINE_RATE and decoder.full and decoder.error is None


def test_a_sample_rate_below_8k_is_refused_before_resampling() -> None:
    """A FLAC at 1 kHz would resample 16 times larger (at 1 Hz, 16000 times): refused."""
    from parley.server.audio import AudioDecodeError, CompressedDecoder

    decoder = CompressedDecoder("container")
    decoder.decode(flac_bomb(4, rate=1000))
    with pytest.raises(AudioDecodeError, match="sample rate of 1000 Hz is below 8000 Hz"):
        decoder.flush()
