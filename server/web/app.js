// Parley live caption page.
//
// Streams microphone (or file) audio to the Parley server over one WebSocket per session, using
// the protocol in docs/protocol.md: JSON `start`, binary pcm_f32le frames of ~100 ms at the
// audio's native rate, JSON `stop`; the server answers `ready`, `partial`, `final`, `speakers`,
// `error` and `done`. No framework and no build step: plain ES module.

// ---------------------------------------------------------------------------------------------
// Constants

const FRAME_SECONDS = 0.1; // audio frame sent per binary message
const WORKLET_BLOCK = 1024; // samples per block posted by the worklet
const PENDING_MAX_FRAMES = 50; // audio kept while waiting for `ready` (5 s), then dropped
const SEND_BUFFER_LIMIT = 4 * 1024 * 1024; // bytes queued in the socket before frames are dropped
const UNACKED_MAX_FRAMES = 1200; // audio kept for a resume (~2 min of 100 ms frames), oldest dropped first
const BACKOFF_MS = { first: 500, max: 10000 };
const OPEN_TIMEOUT_MS = 10000; // socket must open within this
const READY_TIMEOUT_MS = 15000; // ... and answer `ready` within this after `start`
const DONE_TIMEOUT_MS = 60000; // after `stop`, give up waiting for `done`
const LAG_WARN_S = 1; // show "falling behind" above this
// Close codes after which reconnecting would only repeat the failure (see protocol.md).
const FATAL_CLOSE_CODES = new Set([1008, 1009, 1011]);
const CLOSE_BUSY = 1013;

const MIC_DENIED =
  "Microphone access was denied. Allow the microphone in your browser's site settings and try again.";

// Eight calm, distinguishable speaker colours (readable on white and on the dark theme).
const PALETTE = ['#4f6bed', '#0f9488', '#d9486b', '#c97a12', '#8b5cf6', '#0e86c7', '#5f9e2f', '#c2569e'];
const UNKNOWN_COLOR = '#8a94a6';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------
// State: one object, mutated only by the functions below.

const state = {
  phase: 'idle', // idle | connecting | live | reconnecting | error  (mirrors #status[data-state])
  running: false, // between Start and the end of the session (done, Stop, fatal error)
  stopping: false, // `stop` sent, waiting for `done`
  fatal: false, // a fatal server error arrived on the current connection
  source: null, // the audio source: see createMicSource / createFileSource
  conn: null, // the current connection: { ws, started, ready, pending, segment, timers }
  attempt: 0, // reconnect attempts since the last `ready`
  reconnectTimer: 0,
  stopTimer: 0,
  everReady: false, // some connection of this session reached `ready`
  settings: null, // { language, task, session } captured at Start
  segments: [], // one per server session (a reconnect opens a new one): see openSegment
  finals: [], // { seg, key, msg, start, end } in arrival order
  partial: null, // { seg, utterance, speaker }
  lag: 0,
  stick: true, // auto-scroll: the transcript view is at the bottom
  level: 0, // displayed input level, 0..1
  levelFrame: 0,
  endNote: '', // extra text for the idle status when the session ends
  token: 0, // bumped per Start: an await that resumes into a newer session gives up
};

// ---------------------------------------------------------------------------------------------
// DOM

const $ = (id) => document.getElementById(id);
const el = {
  status: $('status'),
  statusText: document.querySelector('#status .status-text'),
  statusLag: document.querySelector('#status .status-lag'),
  language: $('language'),
  task: $('task'),
  sessionName: $('session-name'),
  sessionHint: $('session-name-hint'),
  start: $('start'),
  stop: $('stop'),
  level: $('level'),
  meter: document.querySelector('.meter'),
  file: $('file'),
  fileName: $('file-name'),
  streamFile: $('stream-file'),
  downloadSrt: $('download-srt'),
  downloadVtt: $('download-vtt'),
  downloadJson: $('download-json'),
  downloadRttm: $('download-rttm'),
  scroll: $('transcript-scroll'),
  transcript: $('transcript'),
  partial: $('partial'),
  empty: $('empty'),
  meta: $('transcript-meta'),
  jump: $('jump-latest'),
  toast: $('toast'),
};
const SESSION_HINT = el.sessionHint.innerHTML;

// ---------------------------------------------------------------------------------------------
// Status and controls

function setStatus(phase, text) {
  state.phase = phase;
  el.status.dataset.state = phase;
  el.statusText.textContent = text;
  renderLag();
  updateControls();
}

function renderLag() {
  const show = state.running && state.lag > LAG_WARN_S;
  el.statusLag.hidden = !show;
  el.statusLag.textContent = show ? `falling behind: ${state.lag.toFixed(1)} s` : '';
}

function updateControls() {
  const busy = state.running;
  document.body.classList.toggle('is-running', busy);
  el.start.disabled = busy;
  el.stop.disabled = !busy || state.stopping;
  el.language.disabled = busy;
  el.task.disabled = busy;
  el.sessionName.disabled = busy;
  el.file.disabled = busy;
  el.streamFile.disabled = busy || !el.file.files || el.file.files.length === 0;
  const none = state.finals.length === 0;
  el.downloadSrt.disabled = none;
  el.downloadVtt.disabled = none;
  el.downloadJson.disabled = none;
  el.downloadRttm.disabled = none;
}

let toastTimer = 0;
function toast(text) {
  el.toast.textContent = text;
  el.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.toast.hidden = true; }, 6000);
}

function renderMeta() {
  const n = state.finals.length;
  const speakers = new Set(state.finals.filter((f) => f.msg.speaker).map((f) => `${f.seg.n}/${f.msg.speaker}`));
  const parts = [];
  if (n) parts.push(`${n} caption${n === 1 ? '' : 's'}`);
  if (speakers.size) parts.push(`${speakers.size} speaker${speakers.size === 1 ? '' : 's'}`);
  const seg = currentSegment();
  if (seg && seg.model) parts.push(seg.model);
  el.meta.textContent = parts.join(' · ');
}

// ---------------------------------------------------------------------------------------------
// Session lifecycle

function readSettings() {
  const language = el.language.value === 'auto' ? null : el.language.value;
  const session = el.sessionName.value.trim();
  return { language, task: el.task.value, session };
}

// The server refuses a session name with `+`, `#` or empty levels (a fatal error); say so early.
function sessionNameProblem(name) {
  if (!name) return '';
  if (/[+#]/.test(name)) return 'A session name cannot contain + or #.';
  if (name.split('/').some((level) => level === '')) return 'A session name cannot start or end with / or contain //.';
  return '';
}

function checkSessionName() {
  const problem = sessionNameProblem(el.sessionName.value.trim());
  el.sessionName.classList.toggle('invalid', !!problem);
  el.sessionName.setAttribute('aria-invalid', problem ? 'true' : 'false');
  if (problem) el.sessionHint.textContent = problem;
  else el.sessionHint.innerHTML = SESSION_HINT;
  el.sessionHint.classList.toggle('hint-error', !!problem);
  return !problem;
}

// Common start of a mic or file session: fresh transcript, fresh reconnect state.
function beginSession() {
  state.token += 1;
  state.settings = readSettings();
  state.running = true;
  state.stopping = false;
  state.fatal = false;
  state.attempt = 0;
  state.everReady = false;
  state.endNote = '';
  state.lag = 0;
  resetTranscript();
}

async function startMic() {
  if (state.running || !checkSessionName()) return;
  beginSession();
  const token = state.token;
  setStatus('connecting', 'Waiting for the microphone…');
  let source;
  try {
    source = await createMicSource();
  } catch (err) {
    if (state.running && state.token === token) fail(micErrorMessage(err));
    return;
  }
  if (!state.running || state.token !== token) { // Stopped while the permission prompt was open.
    source.stop();
    return;
  }
  state.source = source;
  setStatus('connecting', 'Connecting…');
  connect();
}

async function startFile() {
  if (state.running || !checkSessionName()) return;
  const file = el.file.files && el.file.files[0];
  if (!file) return;
  beginSession();
  const token = state.token;
  setStatus('connecting', `Reading ${file.name}…`);
  let decoded;
  try {
    decoded = await decodeFile(file);
  } catch (err) {
    if (state.running && state.token === token) fail(`This file could not be decoded as audio${err && err.message ? ` (${err.message})` : ''}. Try a WAV, MP3, M4A, OGG or WebM file.`);
    return;
  }
  if (!state.running || state.token !== token) return;
  if (decoded.samples.length === 0) {
    fail('This file holds no audio.');
    return;
  }
  state.source = createFileSource(decoded.samples, decoded.sampleRate);
  setStatus('connecting', 'Connecting…');
  connect();
}

// Stop button, end of file, or the microphone going away: flush the audio, send `stop`, and
// wait for `done` (the server sends the last finals first).
function stopSession(note = '') {
  if (!state.running || state.stopping) return;
  if (note) state.endNote = note;
  stopSource();
  clearTimeout(state.reconnectTimer);
  const conn = state.conn;
  if (conn && conn.ready && conn.ws.readyState === WebSocket.OPEN) {
    state.stopping = true;
    conn.ws.send(JSON.stringify({ type: 'stop' }));
    setStatus('live', 'Finishing…');
    state.stopTimer = setTimeout(() => {
      finishSession('Stopped. The server did not confirm the end of the session.');
    }, DONE_TIMEOUT_MS);
  } else {
    finishSession('Stopped');
  }
}

function finishSession(text) {
  endSession();
  const note = state.endNote ? ` ${state.endNote}` : '';
  setStatus('idle', text + note);
}

function fail(message) {
  endSession();
  setStatus('error', message);
}

// Release everything a running session holds.
function endSession() {
  state.running = false;
  state.stopping = false;
  clearTimeout(state.reconnectTimer);
  clearTimeout(state.stopTimer);
  stopSource();
  dropConnection();
  clearPartial();
  setLevel(0);
}

function stopSource() {
  const source = state.source;
  state.source = null;
  if (source) source.stop();
}

// ---------------------------------------------------------------------------------------------
// Connection

// A server with auth: open the page as /?token=<token>; the socket carries it (browsers cannot
// set an Authorization header on a WebSocket).
function wsUrl() {
  const base = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
  const token = new URLSearchParams(location.search).get('token');
  return token ? `${base}?token=${encodeURIComponent(token)}` : base;
}

// The server session of the current segment can be resumed (it gave a token, see protocol.md).
function resumableSegment() {
  const seg = currentSegment();
  return seg && seg.resumeToken ? seg : null;
}

function connect() {
  clearTimeout(state.reconnectTimer);
  let ws;
  try {
    ws = new WebSocket(wsUrl());
  } catch (err) {
    fail(`Cannot open a connection to ${wsUrl()}: ${err.message}`);
    return;
  }
  ws.binaryType = 'arraybuffer';
  const conn = { ws, started: false, ready: false, pending: [], segment: null, timer: 0 };
  state.conn = conn;
  conn.timer = setTimeout(() => ws.close(), OPEN_TIMEOUT_MS);

  ws.onopen = () => {
    if (state.conn !== conn) return;
    const seg = resumableSegment();
    if (seg) { // take the dropped server session over: its finals and speakers carry on
      conn.resuming = true;
      ws.send(JSON.stringify({
        type: 'resume', session_id: seg.sessionId, token: seg.resumeToken, last_final_id: seg.lastFinalId,
      }));
    } else {
      ws.send(JSON.stringify(startMessage()));
    }
    conn.started = true;
    clearTimeout(conn.timer);
    conn.timer = setTimeout(() => ws.close(), READY_TIMEOUT_MS);
  };
  ws.onmessage = (event) => {
    if (state.conn !== conn || typeof event.data !== 'string') return;
    let msg;
    try {
      msg = JSON.parse(event.data);
    } catch {
      return;
    }
    if (msg && typeof msg === 'object') handleMessage(conn, msg);
  };
  ws.onerror = () => {
    // Always followed by `close`, which decides what happens; show the state right away.
    if (state.conn !== conn || !state.running || state.stopping || state.fatal) return;
    setStatus('reconnecting', state.everReady ? 'Connection lost. Reconnecting…' : 'Cannot reach the server. Retrying…');
  };
  ws.onclose = (event) => {
    if (state.conn !== conn) return;
    onSocketClosed(conn, event);
  };
}

function startMessage() {
  const { language, task, session } = state.settings;
  const msg = {
    type: 'start',
    sample_rate: state.source.sampleRate,
    encoding: 'pcm_f32le',
    channels: 1,
    language,
    task,
  };
  if (session) msg.session = session;
  return msg;
}

function onSocketClosed(conn, event) {
  clearTimeout(conn.timer);
  state.conn = null;
  clearPartial(); // a resumed session re-sends what it has; a new one starts afresh
  if (conn.resumeFailed || conn.slowReader) { // not the session's end: reconnect (afresh or resumed)
    if (state.running && !state.fatal) scheduleReconnect(false);
    return;
  }
  if (!state.running || state.fatal) return;
  if (state.stopping) {
    finishSession('Stopped. The connection closed before the last captions arrived.');
    return;
  }
  if (FATAL_CLOSE_CODES.has(event.code)) {
    fail(event.reason || `The server ended the session (close code ${event.code}).`);
    return;
  }
  scheduleReconnect(event.code === CLOSE_BUSY);
}

// Exponential backoff: 0.5 s, 1 s, 2 s, 4 s, 8 s, then every 10 s, until a connection gets `ready`
// or `resumed`. While no connection is live, the source keeps capturing: a resumable session keeps
// that audio and sends it after `resumed` (sendFrame); otherwise it is dropped.
function scheduleReconnect(busy) {
  const delay = Math.min(BACKOFF_MS.max, BACKOFF_MS.first * 2 ** state.attempt);
  state.attempt += 1;
  let text;
  if (busy) text = 'Server busy, retrying…';
  else if (state.everReady) text = 'Connection lost. Reconnecting…';
  else text = 'Cannot reach the server. Retrying…';
  setStatus('reconnecting', text);
  state.reconnectTimer = setTimeout(connect, delay);
}

function dropConnection() {
  const conn = state.conn;
  state.conn = null;
  if (!conn) return;
  clearTimeout(conn.timer);
  if (conn.ws.readyState === WebSocket.CONNECTING || conn.ws.readyState === WebSocket.OPEN) {
    try {
      conn.ws.close(1000);
    } catch {
      /* already closing */
    }
  }
}

// The browser says the network is back: retry now rather than at the end of the backoff.
window.addEventListener('online', () => {
  if (state.running && !state.conn && state.phase === 'reconnecting') connect();
});

// ---------------------------------------------------------------------------------------------
// Server messages

function handleMessage(conn, msg) {
  if (typeof msg.lag === 'number') {
    state.lag = msg.lag;
    renderLag();
  }
  if (typeof msg.ack === 'number' && conn.segment) acknowledge(conn.segment, msg.ack);
  switch (msg.type) {
    case 'ready': return onReady(conn, msg);
    case 'resumed': return onResumed(conn, msg);
    case 'partial': return onPartial(conn, msg);
    case 'final': return onFinal(conn, msg);
    case 'speakers': return onSpeakers(conn, msg);
    case 'speaker_update': return onSpeakerUpdate(conn, msg);
    case 'error': return onServerError(conn, msg);
    case 'done': return onDone(conn, msg);
    default: return undefined; // newer server, newer message: ignore
  }
}

function onReady(conn, msg) {
  clearTimeout(conn.timer);
  conn.ready = true;
  conn.segment = openSegment(msg);
  if (conn.segment.n > 1 && state.finals.length > 0) appendSegmentBreak();
  state.attempt = 0;
  state.everReady = true;
  if (state.source && state.source.kind === 'file') state.source.begin();
  setStatus('live', liveText());
  // Audio captured between `start` and `ready` goes out now, in order.
  const pending = conn.pending;
  conn.pending = [];
  for (const frame of pending) sendFrame(frame);
  renderMeta();
}

function onResumed(conn, msg) {
  clearTimeout(conn.timer);
  const seg = resumableSegment();
  conn.ready = true;
  conn.resuming = false;
  conn.segment = seg;
  state.attempt = 0;
  setStatus('live', liveText());
  // The audio the server does not hold yet goes again, in order, from its `ack`.
  const ack = typeof msg.ack === 'number' ? msg.ack : 0;
  acknowledge(seg, ack);
  for (const kept of seg.unacked) {
    const frame = kept.start < ack ? kept.frame.subarray(ack - kept.start) : kept.frame;
    conn.ws.send(LITTLE_ENDIAN ? frame : toLittleEndian(frame));
  }
  renderMeta();
}

// The server holds the segment's audio up to sample `ack`: forget the frames before it.
function acknowledge(seg, ack) {
  while (seg.unacked.length && seg.unacked[0].start + seg.unacked[0].frame.length <= ack) {
    seg.unacked.shift();
  }
}

// Each server session is a segment of the page's transcript. A reconnect opens a new one whose
// caption times are offset by the audio the earlier segments were sent, so the transcript stays
// in order; speaker ids (S1, …) belong to their segment, since a new server session numbers its
// speakers afresh.
function openSegment(ready) {
  const prev = currentSegment();
  const seg = {
    n: state.segments.length + 1,
    offset: prev ? prev.offset + prev.sentSamples / prev.sampleRate : 0,
    sentSamples: 0,
    sampleRate: state.source ? state.source.sampleRate : ready.sample_rate,
    speakers: new Map(), // id -> display name; the server's `speakers` roster is the truth
    sessionId: ready.session_id || '',
    resumeToken: typeof ready.resume_token === 'string' ? ready.resume_token : '',
    lastFinalId: 0, // the highest final id shown: a resume replays the ones after it
    unacked: [], // { start, frame }: audio the server has not acknowledged (resent after a resume)
    model: typeof ready.asr_model === 'string' ? ready.asr_model.replace(/^bundle:/, '') : '',
  };
  state.segments.push(seg);
  return seg;
}

function currentSegment() {
  return state.segments[state.segments.length - 1] || null;
}

function onPartial(conn, msg) {
  const seg = conn.segment;
  if (!seg) return;
  if (!msg.text) { // an empty partial retracts the utterance in progress
    clearPartial();
    return;
  }
  state.partial = { seg, utterance: msg.utterance, speaker: msg.speaker || null };
  renderPartial(msg);
}

function onFinal(conn, msg) {
  const seg = conn.segment;
  if (!seg || typeof msg.text !== 'string') return;
  if (typeof msg.id === 'number') {
    if (msg.id <= seg.lastFinalId) return; // replayed after a resume, already on screen
    seg.lastFinalId = msg.id;
  }
  if (msg.speaker && !seg.speakers.has(msg.speaker)) {
    seg.speakers.set(msg.speaker, msg.speaker_name || msg.speaker);
  }
  const start = (Number(msg.start) || 0) + seg.offset;
  const end = (Number(msg.end) || 0) + seg.offset;
  // data-id is the server's id in the first segment, "<segment>.<id>" after a reconnect, so ids
  // stay unique on the page.
  const key = seg.n === 1 ? String(msg.id) : `${seg.n}.${msg.id}`;
  const final = { seg, key, msg, start, end };
  state.finals.push(final);
  const p = state.partial;
  if (p && p.seg === seg && p.utterance === msg.utterance) clearPartial();
  appendCaption(final);
  renderMeta();
  updateControls();
}

function onSpeakers(conn, msg) {
  const seg = conn.segment;
  if (!seg || !Array.isArray(msg.speakers)) return;
  for (const s of msg.speakers) {
    if (!s || !s.id) continue;
    const name = s.name || s.id;
    if (seg.speakers.get(s.id) !== name) {
      seg.speakers.set(s.id, name);
      applySpeakerName(seg, s.id);
    }
  }
}

// Later evidence changed who spoke in a recent final: relabel it in place (and in downloads).
function onSpeakerUpdate(conn, msg) {
  const seg = conn.segment;
  if (!seg || typeof msg.id !== 'number') return;
  const final = state.finals.find((f) => f.seg === seg && f.msg.id === msg.id);
  if (!final) return;
  const words = Array.isArray(final.msg.words) && Array.isArray(msg.words) && msg.words.length === final.msg.words.length
    ? final.msg.words.map((w, i) => ({ ...w, speaker: msg.words[i] }))
    : final.msg.words;
  final.msg = { ...final.msg, speaker: msg.speaker, speaker_name: msg.speaker_name, words, revision: msg.revision };
  if (msg.speaker && !seg.speakers.has(msg.speaker)) {
    seg.speakers.set(msg.speaker, msg.speaker_name || msg.speaker);
  }
  const old = el.transcript.querySelector(`.caption[data-id="${CSS.escape(final.key)}"]`);
  if (!old) return;
  const fresh = buildCaption(final, old.previousElementSibling);
  fresh.classList.add('revised');
  fresh.title = 'Speaker revised by later evidence';
  old.replaceWith(fresh);
  const next = fresh.nextElementSibling;
  if (next && next.classList.contains('caption')) {
    next.classList.toggle('continued', continuesGroup(next.dataset.speaker, next.dataset.seg, fresh));
  }
  renderMeta();
}

function onServerError(conn, msg) {
  const text = msg.message || msg.code || 'The server reported an error.';
  if (msg.code === 'resume_failed') { // the server no longer has the session: start a new one
    const seg = resumableSegment();
    if (seg) seg.resumeToken = '';
    conn.resumeFailed = true;
    return;
  }
  if (msg.code === 'slow_reader') { // the server closes this connection but keeps the session
    conn.slowReader = true;
    return;
  }
  if (msg.fatal) {
    state.fatal = true;
    fail(text);
  } else {
    toast(text);
  }
}

function onDone(conn, msg) {
  clearTimeout(conn.timer);
  state.conn = null; // the server closes with 1000; nothing more to read
  const n = typeof msg.finals === 'number' ? msg.finals : state.finals.length;
  const dur = typeof msg.duration === 'number' ? ` · ${formatDuration(msg.duration)} of audio` : '';
  finishSession(`Finished · ${n} caption${n === 1 ? '' : 's'}${dur}.`);
  try {
    conn.ws.close(1000);
  } catch {
    /* closed */
  }
}

// ---------------------------------------------------------------------------------------------
// Audio out

// Send a ~100 ms frame of mono float samples, or keep it until `ready`, or drop it.
function sendFrame(frame) {
  const conn = state.conn;
  if (state.stopping) return;
  const resumable = resumableSegment();
  if (resumable && (!conn || !conn.ready || conn.ws.readyState !== WebSocket.OPEN)) {
    keepUnacked(resumable, frame); // no live connection: kept, and sent after `resumed`
    return;
  }
  if (!conn) return; // no connection and nothing to resume: dropped (see scheduleReconnect)
  if (!conn.ready) {
    if (conn.started || conn.ws.readyState === WebSocket.CONNECTING) {
      conn.pending.push(frame);
      if (conn.pending.length > PENDING_MAX_FRAMES) conn.pending.shift();
    }
    return;
  }
  if (conn.ws.readyState !== WebSocket.OPEN) return;
  // The server reads no faster than it can process (TCP back-pressure); a microphone cannot
  // wait, so beyond this much queued data the newest audio is dropped instead of piling up.
  if (conn.ws.bufferedAmount > SEND_BUFFER_LIMIT) return;
  conn.ws.send(LITTLE_ENDIAN ? frame : toLittleEndian(frame));
  keepUnacked(conn.segment, frame);
}

// Record a frame as the segment's next audio, kept until the server acknowledges it.
function keepUnacked(seg, frame) {
  seg.unacked.push({ start: seg.sentSamples, frame });
  seg.sentSamples += frame.length;
  if (seg.unacked.length > UNACKED_MAX_FRAMES) seg.unacked.shift();
}

function toLittleEndian(frame) {
  const view = new DataView(new ArrayBuffer(frame.length * 4));
  for (let i = 0; i < frame.length; i++) view.setFloat32(i * 4, frame[i], true);
  return view.buffer;
}

// Collects blocks of any size into frames of exactly `size` samples.
function createFramer(size, onFrame) {
  let frame = new Float32Array(size);
  let filled = 0;
  return {
    push(block) {
      let offset = 0;
      while (offset < block.length) {
        const n = Math.min(size - filled, block.length - offset);
        frame.set(block.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === size) {
          onFrame(frame);
          frame = new Float32Array(size);
          filled = 0;
        }
      }
    },
    flush() {
      if (filled > 0) onFrame(frame.slice(0, filled));
      filled = 0;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Audio sources. Both have { kind, sampleRate, stop() }; they call onAudio() for the meter and
// sendFrame() with 100 ms frames.

async function createMicSource() {
  if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    throw Object.assign(new Error('insecure'), { name: 'InsecureContext' });
  }
  if (typeof AudioWorkletNode === 'undefined') {
    throw Object.assign(new Error('no AudioWorklet'), { name: 'Unsupported' });
  }
  // Created before the permission prompt, while the click still counts as a user gesture, so the
  // browser lets it run. Native rate (44100/48000): the server resamples.
  const ctx = new AudioContext();
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 },
    });
  } catch (err) {
    ctx.close();
    throw err;
  }
  const stopTracks = () => stream.getTracks().forEach((t) => t.stop());
  try {
    await ctx.audioWorklet.addModule(new URL('worklet.js', import.meta.url));
    if (ctx.state === 'suspended') await ctx.resume();
  } catch (err) {
    stopTracks();
    ctx.close();
    throw Object.assign(new Error(err.message), { name: 'WorkletFailed' });
  }

  const sampleRate = ctx.sampleRate;
  const framer = createFramer(Math.round(sampleRate * FRAME_SECONDS), sendFrame);
  const input = ctx.createMediaStreamSource(stream);
  const node = new AudioWorkletNode(ctx, 'parley-capture', {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    outputChannelCount: [1],
    processorOptions: { blockSize: WORKLET_BLOCK },
  });
  let stopped = false;
  node.port.onmessage = (event) => {
    if (stopped) return;
    const block = event.data;
    onAudio(block);
    framer.push(block);
  };
  input.connect(node);
  node.connect(ctx.destination); // silent: keeps the node pulled by the graph

  const track = stream.getAudioTracks()[0];
  if (track) {
    track.addEventListener('ended', () => {
      if (state.source && state.source.node === node) stopSession('The microphone was disconnected.');
    });
  }

  return {
    kind: 'mic',
    sampleRate,
    node,
    stop() {
      if (stopped) return;
      stopped = true;
      // The last partial frame goes out before `stop` (blocks still in the worklet are lost:
      // at most ~20 ms).
      framer.flush();
      node.port.onmessage = null;
      try {
        input.disconnect();
        node.disconnect();
      } catch {
        /* already disconnected */
      }
      stopTracks();
      ctx.close();
    },
  };
}

function micErrorMessage(err) {
  switch (err && err.name) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError':
      return MIC_DENIED;
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return 'No microphone was found. Connect one and try again, or stream an audio file instead.';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'The microphone could not be opened. It may be in use by another application.';
    case 'InsecureContext':
      return 'The browser only allows the microphone on a secure page (https:// or localhost). You can still stream an audio file.';
    case 'Unsupported':
      return 'This browser cannot capture audio for Parley (no AudioWorklet). Try a current Chrome, Edge, Firefox or Safari.';
    case 'WorkletFailed':
      return `The audio capture module could not be loaded (${err.message}).`;
    default:
      return `The microphone could not be started${err && err.message ? `: ${err.message}` : '.'}`;
  }
}

async function decodeFile(file) {
  const data = await file.arrayBuffer();
  const ctx = new AudioContext();
  try {
    // decodeAudioData resamples to the context's rate; that rate is what we send.
    const buffer = await ctx.decodeAudioData(data);
    return { samples: mixToMono(buffer), sampleRate: buffer.sampleRate };
  } finally {
    ctx.close();
  }
}

function mixToMono(buffer) {
  const channels = buffer.numberOfChannels;
  if (channels === 1) return buffer.getChannelData(0).slice();
  const out = new Float32Array(buffer.length);
  for (let c = 0; c < channels; c++) {
    const data = buffer.getChannelData(c);
    for (let i = 0; i < out.length; i++) out[i] += data[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= channels;
  return out;
}

// Plays decoded samples to the server at real-time pace, starting at the first `ready`. The clock
// keeps running through a reconnect (frames due meanwhile are dropped, as with the microphone),
// and frames due while a background tab throttles timers go out together when it wakes.
function createFileSource(samples, sampleRate) {
  const frameSize = Math.round(sampleRate * FRAME_SECONDS);
  const duration = samples.length / sampleRate;
  let pos = 0;
  let t0 = null;
  let timer = 0;
  let stopped = false;

  function tick() {
    if (stopped) return;
    const elapsed = (performance.now() - t0) / 1000;
    while (pos < samples.length && pos / sampleRate <= elapsed) {
      const frame = samples.slice(pos, Math.min(pos + frameSize, samples.length));
      pos += frame.length;
      onAudio(frame);
      sendFrame(frame);
    }
    if (state.phase === 'live' && !state.stopping) {
      setStatus('live', liveText());
    }
    if (pos >= samples.length) {
      stopSession();
      return;
    }
    timer = setTimeout(tick, 50);
  }

  return {
    kind: 'file',
    sampleRate,
    duration,
    get position() {
      return pos / sampleRate;
    },
    begin() {
      if (t0 !== null || stopped) return;
      t0 = performance.now();
      tick();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

function liveText() {
  const src = state.source;
  if (src && src.kind === 'file') {
    return `Live · streaming file: ${Math.floor(src.position)} s / ${Math.round(src.duration)} s`;
  }
  return 'Live';
}

// ---------------------------------------------------------------------------------------------
// Level meter

function onAudio(block) {
  let sum = 0;
  for (let i = 0; i < block.length; i++) sum += block[i] * block[i];
  const rms = Math.sqrt(sum / Math.max(1, block.length));
  // -60 dBFS .. 0 dBFS onto 0..1: speech sits in the middle rather than hugging the left edge.
  const db = 20 * Math.log10(rms + 1e-9);
  const target = Math.min(1, Math.max(0, (db + 60) / 60));
  // Fast attack, slow release, like a VU meter.
  state.level = target > state.level ? target : state.level * 0.85 + target * 0.15;
  if (!state.levelFrame) state.levelFrame = requestAnimationFrame(renderLevel);
}

function setLevel(value) {
  state.level = value;
  renderLevel();
}

function renderLevel() {
  state.levelFrame = 0;
  const pct = Math.round(state.level * 100);
  el.level.style.width = `${pct}%`;
  el.meter.setAttribute('aria-valuenow', String(pct));
}

// ---------------------------------------------------------------------------------------------
// Transcript rendering

function speakerName(seg, id) {
  if (!id) return 'Unidentified';
  return seg.speakers.get(id) || id;
}

function speakerColor(id) {
  if (!id) return UNKNOWN_COLOR;
  const m = /^S(\d+)$/.exec(id);
  let index;
  if (m) index = (Number(m[1]) - 1) % PALETTE.length;
  else index = [...id].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7) % PALETTE.length;
  return PALETTE[index < 0 ? 0 : index];
}

function initials(name, id) {
  const numbered = /^Speaker (\d+)$/i.exec(name);
  if (numbered) return numbered[1];
  if (!id) return '?';
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return id;
  const letters = words.length === 1 ? [[...words[0]][0]] : [[...words[0]][0], [...words[words.length - 1]][0]];
  return letters.join('').toUpperCase();
}

function resetTranscript() {
  state.segments = [];
  state.finals = [];
  state.partial = null;
  el.transcript.replaceChildren();
  clearPartial();
  el.empty.hidden = false;
  el.jump.hidden = true;
  state.stick = true;
  renderMeta();
  updateControls();
}

function speakerButton(seg, id) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'speaker';
  button.textContent = speakerName(seg, id);
  if (id) button.title = 'Rename this speaker';
  else button.disabled = true;
  return button;
}

function appendCaption(final) {
  el.transcript.append(buildCaption(final, el.transcript.lastElementChild));
  el.empty.hidden = true;
  afterContentChange();
}

// Consecutive captions of one speaker form a group: only the first shows the name.
function continuesGroup(id, segN, previous) {
  return !!id && !!previous && previous.dataset.speaker === id && previous.dataset.seg === String(segN);
}

function buildCaption(final, previous) {
  const { seg, key, msg } = final;
  const id = msg.speaker || '';
  const name = speakerName(seg, id);
  const continued = continuesGroup(id, seg.n, previous);

  const caption = document.createElement('article');
  caption.className = continued ? 'caption continued' : 'caption';
  caption.dataset.speaker = id;
  caption.dataset.id = key;
  caption.dataset.seg = String(seg.n);
  caption.style.setProperty('--speaker', speakerColor(id));

  const avatar = document.createElement('span');
  avatar.className = 'avatar';
  avatar.setAttribute('aria-hidden', 'true');
  avatar.textContent = initials(name, id);

  const head = document.createElement('div');
  head.className = 'caption-head';
  const time = document.createElement('time');
  time.className = 'time';
  time.dateTime = `PT${final.start.toFixed(2)}S`;
  time.textContent = formatClock(final.start);
  head.append(speakerButton(seg, id), time);

  const text = document.createElement('p');
  text.className = 'text';
  text.textContent = msg.text;
  if (msg.language && state.settings && state.settings.language === null) text.lang = msg.language;

  caption.append(avatar, head, text);
  return caption;
}

// Marks where a reconnect joined a new server session: audio in the gap was not captioned, and
// speaker numbering starts afresh.
function appendSegmentBreak() {
  const div = document.createElement('div');
  div.className = 'segment-break';
  div.setAttribute('role', 'separator');
  div.textContent = 'Reconnected · speech during the interruption was not captioned';
  el.transcript.append(div);
  afterContentChange();
}

function applySpeakerName(seg, id) {
  const name = speakerName(seg, id);
  const selector = `.caption[data-seg="${seg.n}"][data-speaker="${CSS.escape(id)}"]`;
  for (const caption of el.transcript.querySelectorAll(selector)) {
    const button = caption.querySelector('.speaker');
    if (button) button.textContent = name; // absent while its rename input is open
    caption.querySelector('.avatar').textContent = initials(name, id);
  }
  const p = state.partial;
  if (p && p.seg === seg && p.speaker === id) {
    const tag = el.partial.querySelector('.partial-speaker');
    if (tag) tag.textContent = name;
  }
}

function renderPartial(msg) {
  const { seg, speaker } = state.partial;
  const children = [];
  const avatar = document.createElement('span');
  avatar.className = 'avatar';
  avatar.textContent = speaker ? initials(speakerName(seg, speaker), speaker) : '…';
  children.push(avatar);
  const body = document.createElement('div');
  body.className = 'partial-body';
  if (speaker) {
    const tag = document.createElement('span');
    tag.className = 'partial-speaker';
    tag.textContent = speakerName(seg, speaker);
    body.append(tag);
  }
  const text = document.createElement('p');
  text.className = 'partial-text';
  // `stable` is the prefix two hypotheses agreed on; the rest may still change: shown fainter.
  const stable = typeof msg.stable === 'string' && msg.text.startsWith(msg.stable) ? msg.stable : '';
  const stableSpan = document.createElement('span');
  stableSpan.className = 'stable';
  stableSpan.textContent = stable;
  const unstableSpan = document.createElement('span');
  unstableSpan.className = 'unstable';
  unstableSpan.textContent = msg.text.slice(stable.length);
  text.append(stableSpan, unstableSpan);
  body.append(text);
  children.push(body);
  el.partial.replaceChildren(...children);
  el.partial.style.setProperty('--speaker', speakerColor(speaker));
  el.partial.hidden = false;
  el.empty.hidden = true;
  afterContentChange();
}

function clearPartial() {
  state.partial = null;
  el.partial.replaceChildren();
  el.partial.hidden = true;
  if (state.finals.length === 0) el.empty.hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Auto-scroll: follow new captions unless the reader scrolled up to read earlier ones.

function atBottom() {
  const s = el.scroll;
  return s.scrollHeight - s.scrollTop - s.clientHeight < 48;
}

function afterContentChange() {
  if (state.stick) scrollToLatest();
  else el.jump.hidden = false;
}

function scrollToLatest() {
  el.scroll.scrollTop = el.scroll.scrollHeight;
  state.stick = true;
  el.jump.hidden = true;
}

el.scroll.addEventListener('scroll', () => {
  state.stick = atBottom();
  if (state.stick) el.jump.hidden = true;
}, { passive: true });
el.jump.addEventListener('click', scrollToLatest);

// ---------------------------------------------------------------------------------------------
// Renaming speakers: click a name, type, Enter (or leave the field) to keep, Escape to cancel.

el.transcript.addEventListener('click', (event) => {
  const button = event.target.closest('.speaker');
  if (!button || button.disabled) return;
  const caption = button.closest('.caption');
  const seg = state.segments[Number(caption.dataset.seg) - 1];
  const id = caption.dataset.speaker;
  if (seg && id) beginRename(button, seg, id);
});

function beginRename(button, seg, id) {
  const input = document.createElement('input');
  input.type = 'text';
  input.className = 'rename-input';
  input.value = speakerName(seg, id);
  input.maxLength = 64;
  input.size = Math.max(10, input.value.length + 2);
  input.setAttribute('aria-label', `New name for ${input.value}`);
  let settled = false;

  const finish = (commit) => {
    if (settled) return;
    settled = true;
    const name = input.value.trim();
    input.replaceWith(button);
    if (commit && name && name !== speakerName(seg, id)) renameSpeaker(seg, id, name);
    else button.textContent = speakerName(seg, id); // a roster may have arrived meanwhile
  };
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      finish(true);
      button.focus();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      finish(false);
      button.focus();
    }
  });
  input.addEventListener('blur', () => finish(true));

  button.replaceWith(input);
  input.focus();
  input.select();
}

function renameSpeaker(seg, id, name) {
  // Shown at once; the server answers with its roster, which then wins (onSpeakers).
  seg.speakers.set(id, name);
  applySpeakerName(seg, id);
  const conn = state.conn;
  // Only the live server session knows this segment's speakers; earlier segments (before a
  // reconnect) or a finished session are renamed on this page only (and in the downloads).
  if (conn && conn.ready && conn.segment === seg && conn.ws.readyState === WebSocket.OPEN) {
    conn.ws.send(JSON.stringify({ type: 'rename', speaker: id, name }));
  }
}

// ---------------------------------------------------------------------------------------------
// Downloads, generated from the finals and the current speaker names.

function pad(n, width = 2) {
  return String(n).padStart(width, '0');
}

function formatTimestamp(seconds, sep) {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3600000);
  const m = Math.floor(ms / 60000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  return `${pad(h)}:${pad(m)}:${pad(s)}${sep}${pad(ms % 1000, 3)}`;
}

function formatClock(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor(total / 60) % 60;
  const s = total % 60;
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

function formatDuration(seconds) {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return formatClock(seconds);
}

function cueName(final) {
  return final.msg.speaker ? speakerName(final.seg, final.msg.speaker) : '';
}

function toSrt() {
  return state.finals.map((f, i) => {
    const name = cueName(f);
    const line = name ? `${name}: ${f.msg.text}` : f.msg.text;
    return `${i + 1}\n${formatTimestamp(f.start, ',')} --> ${formatTimestamp(Math.max(f.end, f.start), ',')}\n${line}\n\n`;
  }).join('');
}

function escapeVtt(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function toVtt() {
  const cues = state.finals.map((f) => {
    const name = cueName(f);
    const text = escapeVtt(f.msg.text);
    const line = name ? `<v ${escapeVtt(name)}>${text}` : text;
    return `${formatTimestamp(f.start, '.')} --> ${formatTimestamp(Math.max(f.end, f.start), '.')}\n${line}\n\n`;
  });
  return 'WEBVTT\n\n' + cues.join('');
}

// The final messages as received, with the current speaker names. After a reconnect, times
// (caption and words) are on the page's clock and later segments carry `segment`.
function toJson() {
  const list = state.finals.map((f) => {
    const { lag, ...msg } = f.msg; // transport detail, not transcript
    const out = { ...msg, start: round3(f.start), end: round3(f.end) };
    if (f.msg.speaker) out.speaker_name = speakerName(f.seg, f.msg.speaker);
    if (f.seg.offset && Array.isArray(msg.words)) {
      out.words = msg.words.map((w) => (w && typeof w === 'object'
        ? { ...w, start: round3(w.start + f.seg.offset), end: round3(w.end + f.seg.offset) }
        : w));
    }
    if (f.seg.n > 1) out.segment = f.seg.n;
    return out;
  });
  return JSON.stringify(list, null, 2) + '\n';
}

// Who spoke when (RTTM): one line per run of words of one speaker, on the page's clock. Speaker
// ids of a later segment (a new server session) are prefixed with its number: they are other ids.
function toRttm() {
  const lines = [];
  for (const f of state.finals) {
    const label = (id) => (f.seg.n > 1 ? `${f.seg.n}.${id}` : id);
    const words = Array.isArray(f.msg.words) && f.msg.words.length ? f.msg.words : null;
    if (!words) {
      if (f.msg.speaker) lines.push([f.start, f.end, label(f.msg.speaker)]);
      continue;
    }
    let run = [words[0]];
    for (const w of [...words.slice(1), null]) {
      if (w && w.speaker === run[run.length - 1].speaker) { run.push(w); continue; }
      const id = run[0].speaker || f.msg.speaker;
      if (id) lines.push([run[0].start + f.seg.offset, run[run.length - 1].end + f.seg.offset, label(id)]);
      run = w ? [w] : [];
    }
  }
  lines.sort((a, b) => a[0] - b[0]);
  return lines.map(([start, end, id]) => `SPEAKER parley 1 ${start.toFixed(3)} ${Math.max(end - start, 0).toFixed(3)} <NA> <NA> ${id} <NA> <NA>\n`).join('');
}

function round3(x) {
  return Math.round(x * 1000) / 1000;
}

function download(filename, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}

el.downloadSrt.addEventListener('click', () => download('parley-transcript.srt', toSrt(), 'application/x-subrip;charset=utf-8'));
el.downloadVtt.addEventListener('click', () => download('parley-transcript.vtt', toVtt(), 'text/vtt;charset=utf-8'));
el.downloadJson.addEventListener('click', () => download('parley-transcript.json', toJson(), 'application/json;charset=utf-8'));
el.downloadRttm.addEventListener('click', () => download('parley-transcript.rttm', toRttm(), 'text/plain;charset=utf-8'));

// ---------------------------------------------------------------------------------------------
// Wiring

el.start.addEventListener('click', startMic);
el.stop.addEventListener('click', () => {
  if (state.stopping) return;
  if (state.phase === 'live' && state.conn && state.conn.ready) stopSession();
  else if (state.running) finishSession('Stopped'); // connecting or reconnecting: nothing to finish
});
el.streamFile.addEventListener('click', startFile);
el.file.addEventListener('change', () => {
  const file = el.file.files && el.file.files[0];
  el.fileName.textContent = file ? file.name : 'No file chosen';
  el.fileName.title = file ? file.name : '';
  updateControls();
});
el.sessionName.addEventListener('input', checkSessionName);

// Read-only view of the state, for debugging and tests.
window.parley = Object.freeze({
  get state() {
    return state.phase;
  },
  get finals() {
    return state.finals.map((f) => ({
      ...f.msg,
      key: f.key,
      start: f.start,
      end: f.end,
      speaker_name: f.msg.speaker ? speakerName(f.seg, f.msg.speaker) : f.msg.speaker_name,
    }));
  },
  get speakers() {
    const seg = currentSegment();
    return seg ? [...seg.speakers].map(([id, name]) => ({ id, name })) : [];
  },
  get lag() {
    return state.lag;
  },
  get sessionId() {
    const seg = currentSegment();
    return seg ? seg.sessionId : null;
  },
});

updateControls();
