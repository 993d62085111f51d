"""The server's messages, built in one module: their wire form, and that building them needs no model."""

from __future__ import annotations

import subprocess
import sys

from parley.server import messages
from parley.server.protocol import error_event as protocol_error_event


def test_a_final_on_the_wire_has_the_documented_keys_in_order():
    word = messages.FinalWord("Hello", 0.5, 0.9, "S1", 0.93)
    final = messages.Final(3, 2, "S1", "Diane", 0.5, 0.9, "Hello.", "en", (word,))
    assert final.wire() == {
        "type": "final",
        "id": 3,
        "utterance": 2,
        "speaker": "S1",
        "speaker_name": "Diane",
        "start": 0.5,
        "end": 0.9,
        "text": "Hello.",
        "language": "en",
        "words": [{"word": "Hello", "start": 0.5, "end": 0.9, "speaker": "S1", "probability": 0.93}],
    }
    assert list(final.wire()) == [
        "type",
        "id",
        "utterance",
        "speaker",
        "speaker_name",
        "start",
        "end",
        "text",
        "language",
        "words",
    ]


def test_the_language_message():
    assert messages.Language("fr", "detected", 0.97, 6.1).wire() == {
        "type": "language",
        "language": "fr",
        "reason": "detected",
        "probability": 0.97,
        "speech_s": 6.1,
    }


def test_done_leaves_out_the_reason_after_a_stop():
    assert messages.Done(4, 12.5).wire() == {"type": "done", "finals": 4, "duration": 12.5}
    assert messages.Done(4, 12.5, "idle").wire()["reason"] == "idle"


def test_lag_and_ack_are_stamped_in_one_place():
    error = messages.error_event("bad_json", "not JSON", False)
    assert error == {"type": "error", "code": "bad_json", "message": "not JSON", "fatal": False}
    assert messages.stamp(error, 0.0) == {**error, "lag": 0.0}
    assert messages.stamp(messages.Ack().wire(), 1.25, 16000) == {"type": "ack", "lag": 1.25, "ack": 16000}
    assert protocol_error_event is messages.error_event  # the old name still imports from protocol


def test_roster_keeps_the_order_of_the_speakers():
    assert messages.roster({"S1": "Diane", "S2": "Speaker 2"}) == {
        "type": "speakers",
        "speakers": [{"id": "S1", "name": "Diane"}, {"id": "S2", "name": "Speaker 2"}],
    }


def test_building_messages_imports_no_model_code():
    probe = (
        "import sys, parley.server.messages; "
        "print(sorted(m for m in ('faster_whisper', 'ctranslate2', 'torch', 'pyannote', 'websockets', "
        "'aiomqtt') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_parsing_client_messages_imports_no_model_code():
    probe = (
        "import sys, parley.server.protocol; "
        "print(sorted(m for m in ('faster_whisper', 'ctranslate2', 'torch', 'pyannote', 'onnxruntime') "
        "if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_language_list_is_whispers():
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    from parley.server.protocol import WHISPER_LANGUAGES

    assert frozenset(_LANGUAGE_CODES) == WHISPER_LANGUAGES
