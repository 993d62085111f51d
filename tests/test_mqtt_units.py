"""Pure logic of the MQTT side: names, URLs, the bounded queue, the listener's de-duplication."""

from __future__ import annotations

import json

import pytest

from parley.client.listen import Listener
from parley.config import MqttConfig
from parley.server.mqtt import CaptionPublisher, SessionNameError, parse_broker_url, validate_session_name


@pytest.mark.parametrize("name", ["meeting-42", "room/7", "bbc one/news", "é"])
def test_valid_session_names(name):
    assert validate_session_name(name) == name


@pytest.mark.parametrize("name", ["", "a/+/b", "news#", "/lead", "trail/", "a//b", "tab\tname", "x" * 201])
def test_invalid_session_names_are_refused(name):
    with pytest.raises(SessionNameError):
        validate_session_name(name)


def test_broker_urls():
    assert parse_broker_url("mqtt://localhost").port == 1883
    tls = parse_broker_url("mqtts://broker.example:9999")
    assert (tls.host, tls.port, tls.tls) == ("broker.example", 9999, True)
    for bad in ("http://host", "mqtt://", "localhost:1883"):
        with pytest.raises(ValueError, match="mqtt://host"):
            parse_broker_url(bad)


def test_queue_is_bounded_and_counts_what_it_drops():
    publisher = CaptionPublisher(MqttConfig(url="mqtt://127.0.0.1:9", queue_size=3))
    for index in range(5):
        publisher.publish("s", "captions", {"id": index + 1})
    assert publisher.pending == 3 and publisher.dropped == 2
    kept = [json.loads(m.payload)["id"] for m in publisher._queue]
    assert kept == [3, 4, 5]  # the oldest go first; the rest stay in order


def test_retain_policy_and_partials_switch():
    roster = CaptionPublisher(MqttConfig(url="mqtt://h", retain="roster"))
    for kind in ("events", "captions", "speakers", "partials"):
        roster.publish("s", kind, {"type": kind})
    assert [(m.topic, m.retain) for m in roster._queue] == [
        ("parley/sessions/s/events", True),
        ("parley/sessions/s/captions", False),
        ("parley/sessions/s/speakers", True),
    ]  # partials are off by default
    everything = CaptionPublisher(MqttConfig(url="mqtt://h", retain="all", partials=True, topic_prefix="tv"))
    everything.publish("s", "partials", {"type": "partial"})
    assert [(m.topic, m.retain) for m in everything._queue] == [("tv/sessions/s/partials", True)]
    with pytest.raises(ValueError):
        CaptionPublisher(MqttConfig(url="mqtt://h", qos=3))


def test_listener_drops_duplicates_and_orders_by_id():
    listener = Listener("parley")
    for caption_id in (1, 2, 2, 3, 1):
        payload = json.dumps(
            {"type": "final", "id": caption_id, "text": f"c{caption_id}", "start": 0, "end": 1}
        )
        assert listener.handle("parley/sessions/a/b/captions", payload.encode()) == "a/b"
    speakers = {"type": "speakers", "speakers": [{"id": "S1", "name": "Diane"}]}
    listener.handle("parley/sessions/a/b/speakers", json.dumps(speakers).encode())
    listener.handle("parley/sessions/a/b/events", b'{"type": "session_stop"}')
    captions = listener.sessions["a/b"]
    assert [f["id"] for f in captions.ordered()] == [1, 2, 3]
    assert captions.duplicates == 2 and captions.speakers == {"S1": "Diane"} and captions.stopped
    assert listener.handle("other/sessions/a/captions", b"{}") is None
    assert listener.handle("parley/sessions/a/captions", b"not json") is None
