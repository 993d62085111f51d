"""SessionProtocol without a socket or a model: every state, message orders, and random sequences."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.config import Config, load_config
from parley.server.lifecycle import (
    AudioFrame,
    Begin,
    CancelTimer,
    Close,
    Cut,
    Dropped,
    Ended,
    Evicted,
    Feed,
    FlushDone,
    Input,
    Output,
    ProtocolError,
    Publish,
    Refused,
    RenameSpeaker,
    Resumed,
    RunFlush,
    Send,
    SessionProtocol,
    SetTimer,
    Shutdown,
    Started,
    State,
    StepDone,
    TakeOver,
    TextFrame,
    TimerFired,
)

START = json.dumps({"type": "start", "sample_rate": 16000, "encoding": "pcm_s16le", "language": "en"})
FINAL = {"type": "final", "id": 1, "text": "Hello."}


@pytest.fixture(scope="module")
def small() -> Config:
    config = load_config(env={})
    return dataclasses.replace(
        config,
        server=dataclasses.replace(config.server, max_message_bytes=4096, max_text_bytes=2048),
        limits=dataclasses.replace(config.limits, max_session_s=0.1),
    )


def sends(outputs: list[Output]) -> list[dict]:
    return [o.message for o in outputs if isinstance(o, Send)]


def closes(outputs: list[Output]) -> list[int]:
    return [o.code for o in outputs if isinstance(o, Close)]


def started(config: Config) -> SessionProtocol:
    protocol = SessionProtocol(config, session_id="abc")
    outputs = protocol.receive(TextFrame(START), 0.0)
    assert protocol.state is State.STREAMING
    assert [type(o) for o in outputs] == [CancelTimer, Begin, SetTimer, SetTimer]
    outputs = protocol.receive(Started("abc", "tok", "tiny.en"), 0.0)
    assert [m["type"] for m in sends(outputs)] == ["ready"]
    return protocol


def test_started_answers_ready_and_publishes_session_start(small):
    protocol = SessionProtocol(small)
    protocol.receive(TextFrame(START), 0.0)
    assert not protocol.resumable("tok")  # no token before the session exists
    outputs = protocol.receive(Started("s1", "tok", "small.en"), 0.5)
    ready = sends(outputs)[0]
    assert (ready["session_id"], ready["resume_token"], ready["asr_model"]) == ("s1", "tok", "small.en")
    assert (ready["sample_rate"], ready["encoding"], ready["language"]) == (16000, "pcm_s16le", "en")
    assert (ready["protocol"], ready["ack"], ready["lag"]) == (1, 0, 0.0)
    assert ready["resume_grace_s"] == small.resume.grace_s
    published = [o.message for o in outputs if isinstance(o, Publish)]
    assert [m["type"] for m in published] == ["session_start"]
    assert published[0]["options"]["sample_rate"] == 16000
    assert protocol.receive(Started("s1", "tok", "small.en"), 0.6) == []  # once per session
    assert protocol.resumable("tok") and not protocol.resumable("tok2") and not protocol.resumable("")
    assert not protocol.resumable("\ud800")  # a lone surrogate is compared, not raised on


def test_start_stop_flush_done(small):
    protocol = started(small)
    assert protocol.receive(AudioFrame(b"\x00\x01" * 800), 0.1)[-1] == Feed(b"\x00\x01" * 800)
    assert protocol.samples == 800
    assert protocol.receive(TextFrame('{"type": "stop"}'), 0.2)[-1] == RunFlush("stop")
    assert protocol.state is State.FINISHING
    assert protocol.receive(AudioFrame(b"\x00\x00"), 0.3) == []  # input after stop is not read
    outputs = protocol.receive(FlushDone((FINAL,)), 0.4)
    assert [m["type"] for m in sends(outputs)] == ["final", "done"]
    assert sends(outputs)[1] == {"type": "done", "finals": 1, "duration": 0.05, "lag": 0.0, "ack": 800}
    assert closes(outputs) == [1000] and outputs[-1] == Ended("done")
    assert [o.message["type"] for o in outputs if isinstance(o, Publish)] == ["final", "session_stop"]
    assert protocol.done and protocol.receive(TextFrame(START), 0.5) == []


def test_before_start_audio_stop_and_rename_are_not_fatal(small):
    protocol = SessionProtocol(small)
    assert [m["code"] for m in sends(protocol.receive(AudioFrame(b"\x00\x00"), 0.0))] == ["not_started"]
    assert [m["code"] for m in sends(protocol.receive(TextFrame('{"type": "stop"}'), 0.0))] == ["not_started"]
    assert protocol.receive(TextFrame('{"type": "keepalive"}'), 0.0) == []
    assert protocol.state is State.OPENING


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"type": "start", "sample_rate": 1}),
        json.dumps({"type": "start", "sample_rate": 16000, "encoding": []}),
        json.dumps({"type": "start", "sample_rate": 16000, "session": "a\ud800"}),
    ],
)
def test_an_invalid_start_ends_it(small, text):
    protocol = SessionProtocol(small)
    outputs = protocol.receive(TextFrame(text), 0.0)
    assert [m["fatal"] for m in sends(outputs)] == [True] and closes(outputs) == [1008]
    assert outputs[-1] == Ended("error") and protocol.done


def test_no_start_in_time(small):
    protocol = SessionProtocol(small)
    assert protocol.start_timers() == [SetTimer("start", small.server.max_start_wait_s)]
    outputs = protocol.receive(TimerFired("start"), 10.0)
    assert sends(outputs)[0]["code"] == "start_timeout" and closes(outputs) == [1008]


def test_a_text_frame_over_the_limit_is_fatal_1009(small):
    protocol = SessionProtocol(small)
    outputs = protocol.receive(TextFrame(json.dumps({"type": "x" * 3000})), 0.0)
    assert sends(outputs)[0]["code"] == "message_too_large" and closes(outputs) == [1009]


def test_a_second_start_is_already_started_not_fatal(small):
    protocol = started(small)
    outputs = protocol.receive(TextFrame(json.dumps({"type": "start", "sample_rate": 1})), 1.0)
    assert [(m["code"], m["fatal"]) for m in sends(outputs)] == [("already_started", False)]
    assert protocol.state is State.STREAMING


def test_renames_are_rate_limited(small):
    protocol = started(small)
    rename = TextFrame(json.dumps({"type": "rename", "speaker": "S1", "name": "Diane"}))
    results = [protocol.receive(rename, 1.0) for _ in range(small.limits.rename_burst + 3)]
    applied = sum(any(isinstance(o, RenameSpeaker) for o in r) for r in results)
    limited = sum(any(m.get("code") == "rate_limited" for m in sends(r)) for r in results)
    assert (applied, limited) == (small.limits.rename_burst, 3)
    later = protocol.receive(rename, 1.0 + 1.0)  # 2 per second: one more after a second
    assert RenameSpeaker("S1", "Diane") in later


def test_drop_resume_and_expiry(small):
    protocol = started(small)
    assert SetTimer("grace", small.resume.grace_s) in protocol.receive(Dropped(), 1.0)
    assert protocol.state is State.DETACHED and not protocol.attached
    assert sends(protocol.receive(StepDone(({**FINAL},)), 1.1)) == []  # kept, published, not sent
    outputs = protocol.receive(Resumed(), 2.0)
    assert sends(outputs)[0]["type"] == "resumed" and sends(outputs)[0]["last_final_id"] == 1
    protocol.receive(Dropped(), 3.0)
    assert protocol.receive(TimerFired("grace"), 63.0)[-1] == RunFlush("expired")
    assert protocol.receive(Resumed(), 63.5) == []  # flushing: a resume is refused (by the server)
    outputs = protocol.receive(FlushDone(), 64.0)
    assert sends(outputs) == [] and closes(outputs) == [] and outputs[-1] == Ended("expired")


def test_eviction_of_a_detached_session(small):
    protocol = started(small)
    protocol.receive(Dropped(), 1.0)
    assert protocol.receive(Evicted(), 1.5)[-1] == RunFlush("evicted")
    assert protocol.receive(FlushDone(), 2.0)[-1] == Ended("evicted")


def test_a_failed_step_is_internal_1011(small):
    protocol = started(small)
    outputs = protocol.receive(StepDone(failed=True), 1.0)
    assert sends(outputs)[0]["code"] == "internal" and closes(outputs) == [1011]
    assert outputs[-1] == Ended("error")


def test_audio_past_the_limit_is_cut_and_ends_the_session(small):
    protocol = started(small)
    outputs = protocol.receive(AudioFrame(b"\x00\x00" * 2000), 1.0)  # 0.125 s, the limit is 0.1 s
    assert Feed(b"\x00\x00" * 1600) in outputs and outputs[-1] == RunFlush("too_long")
    outputs = protocol.receive(FlushDone(), 2.0)
    assert [m.get("code", m["type"]) for m in sends(outputs)] == ["session_too_long", "done"]
    assert sends(outputs)[1]["reason"] == "too_long" and closes(outputs) == [1000]


def test_wall_clock_limit_and_idle_timeout(small):
    protocol = started(small)
    protocol.receive(TimerFired("wall"), 9.0)
    outputs = protocol.receive(FlushDone(), 9.1)
    assert [m.get("code", m["type"]) for m in sends(outputs)] == ["session_too_long", "done"]
    idle = started(small)
    idle.receive(TimerFired("idle"), 60.0)
    outputs = idle.receive(FlushDone(), 60.1)
    assert [m["code"] for m in sends(outputs)] == ["idle_timeout"] and closes(outputs) == [1008]


def test_an_oversize_frame_is_1009(small):
    protocol = started(small)
    outputs = protocol.receive(AudioFrame(b"\x00" * 5000), 1.0)
    assert sends(outputs)[0]["code"] == "frame_too_large" and closes(outputs) == [1009]
    assert protocol.state is State.FINISHING and not protocol.attached
    assert sends(protocol.receive(FlushDone((FINAL,)), 2.0)) == []


def test_shutdown_in_every_state_ends_it(small):
    opening = SessionProtocol(small)
    assert closes(opening.receive(Shutdown(), 0.0)) == [1001] and opening.done
    streaming = started(small)
    streaming.receive(Shutdown(), 1.0)
    outputs = streaming.receive(FlushDone(), 2.0)
    assert sends(outputs)[-1]["reason"] == "shutdown" and closes(outputs) == [1001]


def test_a_resume_is_handed_to_the_server_and_a_refusal_ends_it(small):
    protocol = SessionProtocol(small)
    resume = json.dumps({"type": "resume", "session_id": "abc", "token": "t"})
    [take] = protocol.receive(TextFrame(resume), 0.0)
    assert isinstance(take, TakeOver) and take.resume.session_id == "abc"
    outputs = protocol.receive(Refused(ProtocolError("resume_failed", "no", True)), 0.1)
    assert sends(outputs)[0]["code"] == "resume_failed" and closes(outputs) == [1008] and protocol.done


def test_a_refused_start_ends_it_without_publishing(small):
    protocol = started(small)
    outputs = protocol.receive(Refused(ProtocolError("server_busy", "busy", True, 1013)), 0.1)
    assert closes(outputs) == [1013] and not [o for o in outputs if isinstance(o, Publish)]
    assert "ack" not in sends(outputs)[0]  # as the server's other refusals: no session, no ack
    assert outputs[-1] == Ended("error")


def test_resumed_counts_the_replay_and_ack_comes_every_interval(small):
    protocol = started(dataclasses.replace(small, limits=dataclasses.replace(small.limits, max_session_s=10)))
    for _ in range(15):
        assert sends(protocol.receive(AudioFrame(b"\x00\x00" * 1000), 0.1)) == []
    outputs = protocol.receive(AudioFrame(b"\x00\x00" * 1000), 0.1)  # 1 s of audio: an ack is due
    assert [m["type"] for m in sends(outputs)] == ["ack"] and sends(outputs)[0]["ack"] == 16000
    assert sends(protocol.receive(AudioFrame(b"\x00\x00" * 100), 0.2)) == []
    protocol.receive(AudioFrame(b"\x00"), 0.3)  # half a sample: forgotten on the drop
    for index in range(1, 4):
        protocol.receive(StepDone(({**FINAL, "id": index},)), 0.35)
    protocol.receive(Dropped(), 0.4)
    resumed = sends(protocol.receive(Resumed(0), 1.0))[0]
    assert (resumed["replayed"], resumed["ack"], resumed["last_final_id"]) == (3, 16100, 3)


def final(index: int, speaker: str = "S1") -> dict:
    return {"type": "final", "id": index, "text": f"f{index}", "speaker": speaker, "words": []}


def test_resume_replays_the_finals_after_the_last_one_seen_revised(small):
    protocol = started(small)
    protocol.receive(StepDone((final(1), final(2)), lag=0.5), 1.0)
    protocol.receive(Dropped(), 1.5)
    update = {"type": "speaker_update", "id": 2, "speaker": "S2", "speaker_name": "Ann", "words": []}
    protocol.receive(StepDone((final(3), update)), 2.0)  # while detached: kept, not sent
    roster = {"type": "speakers", "speakers": [{"id": "S1", "name": "Speaker 1"}]}
    outputs = protocol.receive(Resumed(1, roster), 3.0)
    assert [type(o) for o in outputs[:2]] == [CancelTimer, SetTimer]
    sent = sends(outputs)
    assert [m["type"] for m in sent] == ["resumed", "final", "final", "speakers"]
    assert (sent[0]["last_final_id"], sent[0]["replayed"]) == (3, 2)
    assert [(m["id"], m["speaker"]) for m in sent[1:3]] == [(2, "S2"), (3, "S1")]  # 2 as revised
    assert sent[1]["lag"] == 0.5  # stamped when first sent
    assert [o.message["type"] for o in outputs if isinstance(o, Publish)] == ["speakers"]
    assert protocol.state is State.STREAMING and protocol.attached


def test_a_replay_the_log_no_longer_holds_says_so(small):
    config = dataclasses.replace(small, resume=dataclasses.replace(small.resume, replay_finals=2))
    protocol = started(config)
    protocol.receive(StepDone(tuple(final(i) for i in range(1, 6))), 1.0)
    protocol.receive(Dropped(), 1.5)
    sent = sends(protocol.receive(Resumed(1), 2.0))
    assert [m["type"] for m in sent] == ["resumed", "final", "final", "error"]
    assert [m["id"] for m in sent[1:3]] == [4, 5]
    assert (sent[3]["code"], sent[3]["fatal"]) == ("replay_incomplete", False)
    protocol.receive(Dropped(), 3.0)
    sent = sends(protocol.receive(Resumed(3), 4.0))  # 4 and 5 are kept: complete
    assert [m["type"] for m in sent] == ["resumed", "final", "final"]


def test_no_resume_once_the_end_began(small):
    protocol = started(small)
    protocol.receive(Dropped(), 1.0)
    assert protocol.resumable("tok")
    protocol.receive(TimerFired("grace"), 61.0)
    assert protocol.state is State.FINISHING and not protocol.resumable("tok")
    refusal = protocol.resume_refusal("x" * 500)
    assert refusal.code == "resume_failed" and refusal.fatal and len(refusal.message) < 400


def test_a_clean_close_flushes_and_publishes_client_gone(small):
    protocol = started(small)
    assert protocol.receive(Dropped(clean=True), 1.0)[-1] == RunFlush("client_gone")
    outputs = protocol.receive(FlushDone((FINAL,), duration=2.0), 2.0)
    assert sends(outputs) == [] and outputs[-1] == Ended("client_gone")
    stop = [o.message for o in outputs if isinstance(o, Publish)][-1]
    assert (stop["type"], stop["reason"]) == ("session_stop", "client_gone")


def test_stop_publishes_done_and_a_cut_ends_at_once(small):
    protocol = started(small)
    protocol.receive(TextFrame('{"type": "stop"}'), 1.0)
    outputs = protocol.receive(FlushDone(duration=1.5, lag=0.25), 2.0)
    assert sends(outputs)[-1]["duration"] == 1.5 and sends(outputs)[-1]["lag"] == 0.25
    assert [o.message["reason"] for o in outputs if isinstance(o, Publish)] == ["done"]
    flushing = started(small)
    flushing.receive(TimerFired("wall"), 1.0)
    outputs = flushing.receive(Cut("server_closed"), 2.0)
    assert [o.message["reason"] for o in outputs if isinstance(o, Publish)] == ["server_closed"]
    assert outputs[-1] == Ended("server_closed") and flushing.done


def test_a_failed_step_publishes_the_end(small):
    protocol = started(small)
    outputs = protocol.receive(StepDone(failed=True), 1.0)
    assert [o.message["reason"] for o in outputs if isinstance(o, Publish)] == ["error"]


def test_speaker_updates_are_published(small):
    protocol = started(small)
    update = {"type": "speaker_update", "id": 1, "speaker": "S2"}
    outputs = protocol.receive(StepDone((update,), lag=0.5), 1.0)
    assert [type(o) for o in outputs] == [Publish, Send] and sends(outputs)[0]["lag"] == 0.5


def test_the_wall_clock_limit_runs_while_detached(small):
    protocol = started(small)
    protocol.receive(Dropped(), 1.0)
    assert protocol.receive(TimerFired("wall"), 5.0)[-1] == RunFlush("wall_limit")
    outputs = protocol.receive(FlushDone(), 6.0)
    assert sends(outputs) == [] and outputs[-1] == Ended("too_long")


# -- random message sequences ------------------------------------------------------------------------

TEXTS = st.sampled_from(
    [
        START,
        '{"type": "stop"}',
        '{"type": "keepalive"}',
        json.dumps({"type": "rename", "speaker": "S1", "name": "Diane"}),
        json.dumps({"type": "resume", "session_id": "abc", "token": "t"}),
        json.dumps({"type": "start", "sample_rate": 1}),
        json.dumps({"type": "start", "sample_rate": 16000, "session": "a\ud800"}),
        "{not json",
        "[1, 2]",
        '{"type": "dance"}',
        json.dumps({"type": "x" * 3000}),
    ]
)
INPUTS: st.SearchStrategy[Input] = st.one_of(
    st.builds(TextFrame, st.one_of(TEXTS, st.text(max_size=40))),
    st.builds(AudioFrame, st.binary(max_size=64) | st.sampled_from([b"\x00" * 5000, b"\x00\x00" * 2000])),
    st.builds(Dropped, st.booleans()),
    st.builds(TimerFired, st.sampled_from(["start", "idle", "wall", "grace"])),
    st.builds(
        StepDone, st.sampled_from([(), (FINAL,), ({"type": "speakers", "speakers": []},)]), st.booleans()
    ),
    st.builds(FlushDone, st.sampled_from([(), (FINAL,)])),
    st.builds(Resumed, st.integers(0, 5), st.sampled_from([None, {"type": "speakers", "speakers": []}])),
    st.builds(Started, st.just("abc"), st.sampled_from(["tok", ""]), st.just("tiny.en")),
    st.just(Evicted()),
    st.just(Shutdown()),
    st.just(Refused(ProtocolError("server_busy", "busy", True, 1013))),
    st.just(Cut("server_closed")),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(INPUTS, max_size=40))
def test_random_sequences_end_in_done_and_emit_nothing_after(small, inputs):
    protocol = SessionProtocol(small, session_id="abc")
    everything: list[Output] = []
    now = 0.0
    for event in inputs:
        now += 0.25
        was_done = protocol.done
        outputs = protocol.receive(event, now)  # no exception escapes
        if was_done:
            assert outputs == []
        everything += outputs
    for event in (Shutdown(), FlushDone(), TimerFired("grace"), FlushDone()):  # the server's shutdown
        everything += protocol.receive(event, now + 1)
    assert protocol.state is State.DONE
    assert sum(isinstance(o, Ended) for o in everything) == 1 and isinstance(everything[-1], Ended)
    assert len(closes(everything)) <= 1
    after_close = everything[
        next((i for i, o in enumerate(everything) if isinstance(o, Close)), len(everything)) :
    ]
    assert sends(after_close) == []  # nothing is sent after the close


# -- random drop / resume / replay sequences: what a client that resumes ends up with -----------------

REPLAY_KEPT = 3
STEPS = st.one_of(
    st.tuples(st.just("finals"), st.integers(1, 4)),
    st.tuples(st.just("update"), st.integers(1, 12)),
    st.tuples(st.just("drop"), st.booleans()),
    st.tuples(st.just("resume"), st.integers(0, 14)),  # the last final id the client says it has
    st.tuples(st.just("audio"), st.integers(0, 400)),
    st.tuples(st.just("rename"), st.just(0)),
    st.tuples(st.just("grace"), st.just(0)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(STEPS, max_size=30))
def test_random_resumes_replay_exactly_the_kept_finals_after_the_last_seen(small, steps):
    config = dataclasses.replace(
        small,
        resume=dataclasses.replace(small.resume, replay_finals=REPLAY_KEPT),
        limits=dataclasses.replace(small.limits, max_session_s=3600),
    )
    protocol = started(config)
    made = 0  # finals the pipeline produced
    speakers: dict[int, str] = {}  # the speaker each final has now (revised by updates)
    client: dict[int, str] = {}  # finals the client holds, by id: the speaker it was told
    gapped = False  # a replay said some finals were lost
    now = 0.0
    for kind, value in steps:
        now += 0.5
        if protocol.done:
            break
        if kind == "finals":
            batch = []
            for _ in range(value):
                made += 1
                speakers[made] = "S1"
                batch.append(final(made))
            outputs = protocol.receive(StepDone(tuple(batch)), now)
            client.update((m["id"], m["speaker"]) for m in sends(outputs) if m["type"] == "final")
        elif kind == "update" and value <= made:
            speakers[value] = f"S{value % 3 + 2}"
            update = {"type": "speaker_update", "id": value, "speaker": speakers[value], "words": []}
            outputs = protocol.receive(StepDone((update,)), now)
            if sends(outputs) and value in client:
                client[value] = speakers[value]
        elif kind == "drop":
            protocol.receive(Dropped(clean=value), now)
        elif kind == "resume":
            if not protocol.resumable("tok"):
                assert protocol.state is not State.DETACHED
                continue
            if protocol.state is State.STREAMING:  # the server notices the old socket is dead first
                protocol.receive(Dropped(), now)
            held = 0  # a client resumes from the last final it holds with none missing before it
            while held + 1 in client:
                held += 1
            last = min(value, held)
            outputs = protocol.receive(Resumed(last), now)
            sent = sends(outputs)
            assert sent[0]["type"] == "resumed" and sent[0]["last_final_id"] == made
            replayed = [m for m in sent if m["type"] == "final"]
            kept = range(max(last + 1, made - REPLAY_KEPT + 1), made + 1)
            assert [m["id"] for m in replayed] == list(kept) and sent[0]["replayed"] == len(kept)
            assert [m["speaker"] for m in replayed] == [speakers[i] for i in kept]  # as revised
            gap = [m for m in sent if m["type"] == "error"]
            missing = made - REPLAY_KEPT > last
            assert [m["code"] for m in gap] == (["replay_incomplete"] if missing else [])
            gapped = gapped or missing
            client = {i: s for i, s in client.items() if i <= last}  # the client kept up to `last`
            client.update((m["id"], m["speaker"]) for m in replayed)
            assert protocol.state is State.STREAMING and protocol.attached
        elif kind == "audio":
            protocol.receive(AudioFrame(b"\x00\x00" * value), now)
        elif kind == "rename":
            protocol.receive(TextFrame(json.dumps({"type": "rename", "speaker": "S1", "name": "A"})), now)
        elif kind == "grace":
            protocol.receive(TimerFired("grace"), now)
            if protocol.state is State.FINISHING:
                protocol.receive(FlushDone(), now)
        assert len(protocol.replay_log) <= REPLAY_KEPT  # bounded whatever the sequence
    if protocol.state is State.STREAMING and protocol.attached and not gapped:
        assert sorted(client) == list(range(1, made + 1))  # no final lost across the resumes
