/* lofipress player: the shared ground. One audio context, the listener's selection, the
 * public state, an event bus and small helpers. No audio nodes beyond the context here.
 *
 * The player is a handful of ES modules with one job each (see main.js for the list); they
 * share the objects exported here. window.lofipress (main.js) is the public face. */

export const $ = (id) => document.getElementById(id);
export const app = $("app");

// A 44.1 kHz context: decodeAudioData then returns exactly the sample counts the build wrote
// (no resampling), so loops and segment joins stay sample-exact. Tone's own boot context is
// closed: one context, one transport. Decoding works while the context is still suspended,
// so the first segment is ready before the listener's first tap.
if (window.Tone) {
  const bootCtx = Tone.getContext();
  const raw = window.lofipressBoot && window.lofipressBoot.ctx; // made by static/boot.js, which a first tap resumed
  Tone.setContext(raw ? new Tone.Context(raw) : new Tone.Context({ sampleRate: 44100, latencyHint: "playback" }));
  bootCtx.dispose();
}

export const params = new URLSearchParams(location.search);
export const manifestUrl = new URL((app && app.dataset.manifest) || "manifest.json", location.href);
export const abs = (src) => new URL(src, manifestUrl).href;

const bus = new EventTarget();
export const emit = (type, detail) => bus.dispatchEvent(new CustomEvent(type, { detail }));
export const on = (type, fn) => bus.addEventListener(type, (e) => fn(e.detail));

export const LAYERS = ["main", "drums", "ambience", "quote"];
export const XFADE_S = 4; // station mode's crossfade; a manual change uses MANUAL_FADE_S
export const MANUAL_FADE_S = 1.5;
// station mode plays each track this many times through (3 x 30 bars at 80 BPM: 4.5 minutes), then hands over
// at the end of a pass, where its outro has resolved; a station of short tracks hands over sooner
export const STATION_PASSES = 3;

// Public: window.lofipress.state. Times are performance.now() milliseconds unless named otherwise.
export const state = {
  loaded: false, playing: false, pending: false, bpm: 0, trackId: null, source: "ai", songId: null,
  drumsId: null, ambienceId: null, quoteId: null, visual: "calm", loops: {}, quoteAtSeconds: null,
  layers: {}, buffers: {}, noteEvents: 0, clickAt: null, shuffle: false, station: false,
  route: null, error: null, panel: false, sceneOnly: false, sceneLoaded: false, advances: [], fetching: 0,
};

export const S = {
  M: null, // the manifest
  sel: { track: null, source: "ai", song: null, drums: null, ambience: null, quote: null },
  deck: null, // what the transport plays now (deck.js)
  muted: { main: false, drums: false, ambience: false, quote: false, all: false },
  level: { main: 0.8, drums: 0.7, ambience: 0.5, quote: 0.8, master: 0.8 },
};

export const tr = () => Tone.getTransport();
export const ctxNow = () => Tone.getContext().currentTime;
// The transport's position (seconds) at context time t, from its ticks: exact on bar lines. (Tone's own
// getSecondsAtTime was measured 25 ms off after a stop and a start at one instant, as a deck change does.)
export const posAt = (t) => Tone.Ticks(tr().getTicksAtTime(t)).toSeconds();
// x mod len, snapped to 0 within 0.1 ms of a loop boundary (float noise must not skip a loop start)
export const mod = (x, len) => { const r = x % len; return len - r < 1e-4 || r < 1e-4 ? 0 : r; };
export const byId = (list, id) => (list || []).find((x) => x.id === id) || null;
export const mainItem = (s = S.sel) => (s.source === "live" ? byId(S.M.songs, s.song) : byId(S.M.tracks, s.track));
export const atTime = (fn, time) => setTimeout(fn, Math.max(0, (time - ctxNow()) * 1000));
export const samplerSrcs = () => Object.values(S.M.sampler || {}).flatMap((m) => Object.values(m));
