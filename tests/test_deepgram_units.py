"""Pure logic of the Deepgram adapter (server/deepgram.py) and the Finalize rule (lifecycle)."""

from __future__ import annotations

import pytest

from parley.config import load_config
from parley.server import messages
from parley.server.deepgram import DeepgramFront, DeepgramOptions, bare_word, parse_client, parse_query
from parley.server.lifecycle import Requested, RunFinalize, Send, SessionProtocol, StepDone, TextFrame
from parley.server.protocol import Finalize, Keepalive, ProtocolError, Stop

CONFIG = load_config()


def test_query_maps_onto_session_options() -> None:
    options, dg = parse_query(
        "encoding=linear16&sample_rate=48000&channels=2&language=fr-CA&interim_results=true"
        "&diarize=true&smart_format=true&vad_events=true&utterance_end_ms=1000&model=nova-3&x=1",
        CONFIG,
    )
    assert (options.encoding, options.sample_rate, options.channels) == ("pcm_s16le", 48000, 2)
    assert (options.language, options.partials, options.endpoints) == ("fr", True, True)
    assert dg == DeepgramOptions(True, True, True, True, 1000, "nova-3", ("model", "x"))
    assert parse_query("", CONFIG)[0].encoding == "container"
    assert parse_query("encoding=opus", CONFIG)[0].encoding == "ogg_opus"
    assert parse_query("language=multi&encoding=webm", CONFIG)[0].language is None


def test_language_multi_and_keyterms_map_onto_the_session() -> None:
    """language=multi and detect_language=true detect (one language per session); keyterm (repeatable)
    and keywords (its boost dropped) become the session's key terms."""
    options, dg = parse_query(
        "language=multi&keyterm=Sibelius&keyterm=Ainola&keywords=Aalto:2&keywords=a:b", CONFIG
    )
    assert options.language is None and dg.detect_language
    assert options.keyterms == ("Sibelius", "Ainola", "Aalto", "a:b")
    assert "keyterm" not in dg.ignored and "keywords" not in dg.ignored
    detect, dg = parse_query("language=fr&detect_language=true", CONFIG)
    assert detect.language is None and dg.detect_language
    fixed, dg = parse_query("language=fr", CONFIG)
    assert (fixed.language, fixed.keyterms, dg.detect_language) == ("fr", (), False)


def test_detected_language_is_in_results_as_deepgram_multi_gives_it() -> None:
    """A detecting session's Results carry alternatives[0].languages and each word's language (what
    both SDKs parse); a session with a fixed language carries neither."""
    front = DeepgramFront(DeepgramOptions(detect_language=True), 1)
    assert front.render(messages.Language("fr", "detected", 0.97, 6.1).wire()) == []
    final = final_wire(True)
    final["language"] = "fr"
    alternative = front.render(final)[0]["channel"]["alternatives"][0]
    assert alternative["languages"] == ["fr"] and {w["language"] for w in alternative["words"]} == {"fr"}
    fixed = DeepgramFront(DeepgramOptions(), 1).render(final)[0]["channel"]["alternatives"][0]
    assert "languages" not in fixed and "language" not in fixed["words"][0]


@pytest.mark.parametrize(
    "query",
    [
        "encoding=linear16",
        "encoding=flac",
        "sample_rate=1",
        "diarize=yes",
        "multichannel=true",
        "detect_language=maybe",
        "&".join([f"keyterm=x{i}" for i in range(CONFIG.asr.max_keyterms + 1)]),
        "keyterm=" + "é" * (CONFIG.asr.max_keyterm_chars + 1),
        "keyterm=",
        "keyterm=a%00b",
    ],
)
def test_bad_queries_are_fatal_with_a_short_reason(query: str) -> None:
    with pytest.raises(ProtocolError) as refused:
        parse_query(query, CONFIG)
    assert refused.value.fatal and 20 < len(refused.value.message.encode()) <= 120


def test_client_messages() -> None:
    assert isinstance(parse_client('{"type": "KeepAlive"}', CONFIG), Keepalive)
    assert isinstance(parse_client('{"type": "Finalize"}', CONFIG), Finalize)
    assert isinstance(parse_client('{"type": "CloseStream"}', CONFIG), Stop)
    for text in ('{"type": "start"}', "[1]", "nope"):
        with pytest.raises(ProtocolError) as error:
            parse_client(text, CONFIG)
        assert not error.value.fatal


def final_wire(endpoint: bool) -> dict:
    words = (
        messages.FinalWord(" Hello,", 1.0, 1.4, "S2", 0.9),
        messages.FinalWord(" world.", 1.5, 1.9, "S1", 0.7),
    )
    return messages.Final(3, 2, "S2", "Speaker 2", 1.0, 1.9, "Hello, world.", "en", words, endpoint).wire()


def test_a_final_becomes_results_with_integer_speakers() -> None:
    front = DeepgramFront(DeepgramOptions(diarize=True, punctuate=True, utterance_end_ms=1000), 1, "m")
    results, end = front.render(final_wire(True), from_finalize=True)
    alternative = results["channel"]["alternatives"][0]
    assert alternative["transcript"] == "Hello, world."
    assert [(w["word"], w["punctuated_word"], w["speaker"]) for w in alternative["words"]] == [
        ("hello", "Hello,", 1),
        ("world", "world.", 0),
    ]
    assert alternative["confidence"] == pytest.approx(0.8)
    assert (results["is_final"], results["speech_final"], results["from_finalize"]) == (True, True, True)
    assert (results["start"], results["duration"]) == (1.0, 0.9)
    assert results["metadata"]["model_info"]["name"] == "m"
    assert end == {"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": 1.9}
    plain = DeepgramFront(DeepgramOptions(), 1).render(final_wire(False))
    assert len(plain) == 1 and not plain[0]["speech_final"]
    assert plain[0]["channel"]["alternatives"][0]["transcript"] == "hello world"
    assert "speaker" not in plain[0]["channel"]["alternatives"][0]["words"][0]


def test_what_deepgram_has_no_message_for_is_dropped() -> None:
    front = DeepgramFront(DeepgramOptions(interim_results=False, vad_events=False), 1)
    update = messages.SpeakerUpdate(3, "S1", None, ("S1",), 1).wire()
    partial = messages.Partial(1, 0.0, 1.0, "hi there", "hi", "there", "S1").wire()
    speech = messages.SpeechStarted(0.5).wire()
    for message in (update, partial, speech, messages.Ack().wire(), messages.error_event("x", "y", True)):
        assert front.render(message) == []
    assert front.render(messages.Finalized(1).wire(), True) == []
    empty = front.render(messages.Finalized(0).wire(), True)[0]
    assert empty["from_finalize"] and empty["channel"]["alternatives"][0]["transcript"] == ""
    interim = DeepgramFront(DeepgramOptions(interim_results=True), 1).render(partial)[0]
    assert not interim["is_final"] and [w["end"] for w in interim["channel"]["alternatives"][0]["words"]] == [
        0.5,
        1.0,
    ]


def test_bare_word() -> None:
    assert [bare_word(w) for w in (" Hello?", "don't", "U.S.", "-", "«Oui»")] == [
        "hello",
        "don't",
        "u.s",
        "-",
        "oui",
    ]


def test_finalize_is_a_flush_that_goes_on_and_its_finals_are_marked() -> None:
    protocol = SessionProtocol(CONFIG, parser=parse_client)
    protocol.receive(Requested(parse_query("encoding=linear16&sample_rate=16000", CONFIG)[0]), 0.0)
    outputs = protocol.receive(TextFrame('{"type": "Finalize"}'), 1.0)
    assert RunFinalize() in outputs
    final = final_wire(True)
    sends = [o for o in protocol.receive(StepDone((final,), finalized=True), 2.0) if isinstance(o, Send)]
    assert [(s.message["type"], s.from_finalize) for s in sends] == [("final", True), ("finalized", True)]
    assert sends[1].message["finals"] == 1
    assert protocol.state.value == "streaming"
