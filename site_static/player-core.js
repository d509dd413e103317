/* lofipress player: one Tone.js transport at the track's tempo, four layers
 * (main, drums, ambience, quote) looped in bars read from manifest.json.
 * Audio only here; the p5 sketch (visuals.js) listens to events and is driven
 * through Tone.getDraw(), never from audio callbacks.
 *
 * The player is seven classic deferred scripts, loaded in this order (no bundler and no ES
 * modules, so the page works from any sub-path, any static host and file://). They share
 * one internal namespace, window.lofipressPlayer ("LP"); the public hooks are window.lofipress.
 *   player-core.js       the audio context, shared state, helpers, fetching and decoding
 *   player-plan.js       the manifest: what a selection plays, and the URL of the mix
 *   player-layers.js     the mixer graph and the layer kinds (loop, one-shot, live sampler)
 *   player-breaks.js     drum breaks: the drums' gain follows the main track's break bars
 *   player-transport.js  the deck on the one transport: build, start, pause, switch, station mode
 *   player-ui.js         the page: controls, shortcuts, now playing, Media Session
 *   player.js            boot: fetch manifest.json, bind the page, window.lofipress
 * This one: the context, shared state and loading with real byte progress. */
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const app = $("app");
  if (!app || !window.Tone) return;

  // A 44.1 kHz context: decodeAudioData then returns exactly the sample counts the
  // build wrote (no resampling), so loop lengths stay exact. The context Tone made
  // on import is closed: one context, one transport.
  const bootCtx = Tone.getContext();
  Tone.setContext(new Tone.Context({ sampleRate: 44100, latencyHint: "playback" }));
  bootCtx.dispose();

  const params = new URLSearchParams(location.search);
  const FAST = params.get("test-fast") === "1"; // test hook: station mode moves after one bar
  const manifestUrl = new URL(app.dataset.manifest || "manifest.json", location.href);
  const abs = (src) => new URL(src, manifestUrl).href;
  const bus = new EventTarget();
  const emit = (type, detail) => bus.dispatchEvent(new CustomEvent(type, { detail }));

  const LP = {
    $, app, params, FAST, manifestUrl, abs, bus, emit,
    LAYERS: ["main", "drums", "ambience", "quote"],
    XFADE_S: FAST ? 0.5 : 4, // station-mode crossfade; a manual change uses 1.5 s
    STATION_MIN_S: 240, // station mode stays on a track about 4 minutes (3 loops of 30 bars at 80 BPM)
    state: { // public: window.lofipress.state
      loaded: false, playing: false, bpm: 0, trackId: null, source: "ai", songId: null,
      drumsId: null, ambienceId: null, quoteId: null, visual: "calm", loops: {}, quoteAtSeconds: null,
      layers: {}, buffers: {}, noteEvents: 0, firstSoundAt: null, clickAt: null,
      shuffle: false, station: false, route: null, error: null,
    },
    M: null, // the manifest
    sel: { track: null, source: "ai", song: null, drums: null, ambience: null, quote: null },
    deck: null, // what the transport plays now (player-transport.js)
    muted: { main: false, drums: false, ambience: false, quote: false, all: false },
    level: { main: 0.8, drums: 0.7, ambience: 0.5, quote: 0.8, master: 0.8 },
    bufCache: new Map(), // src -> Promise<ToneAudioBuffer>
    notesCache: new Map(), // src -> Promise<notes json>
  };
  window.lofipressPlayer = LP;
  const { state, bufCache, notesCache } = LP;

  LP.tr = () => Tone.getTransport();
  LP.mod = (x, len) => { const r = x % len; return len - r < 1e-4 || r < 1e-4 ? 0 : r; };
  LP.byId = (list, id) => (list || []).find((x) => x.id === id) || null;
  LP.mainItem = (s = LP.sel) => s.source === "live" ? LP.byId(LP.M.songs, s.song) : LP.byId(LP.M.tracks, s.track);
  LP.atTime = (fn, time) => setTimeout(fn, Math.max(0, (time - Tone.getContext().currentTime) * 1000));
  LP.samplerSrcs = () => Object.values(LP.M.sampler || {}).flatMap((m) => Object.values(m));

  // ---- loading with real byte progress
  async function fetchBytes(src, onBytes) {
    const res = await fetch(abs(src));
    if (!res.ok) throw new Error(`${res.status} ${src}`);
    const total = Number(res.headers.get("Content-Length")) || 0;
    onBytes(0, total);
    if (!res.body) { const b = await res.arrayBuffer(); onBytes(b.byteLength, total); return b; }
    const reader = res.body.getReader();
    const chunks = [];
    let got = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      got += value.length;
      onBytes(got, total);
    }
    const out = new Uint8Array(got);
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.length; }
    return out.buffer;
  }

  async function decode(bytes) {
    return Tone.getContext().decodeAudioData(bytes);
  }

  function getBuffer(src, onBytes) {
    if (!bufCache.has(src)) {
      const p = fetchBytes(src, onBytes).then(decode).then((ab) => {
        state.buffers[src] = { length: ab.length, sampleRate: ab.sampleRate, duration: ab.duration };
        return new Tone.ToneAudioBuffer(ab);
      });
      p.catch(() => bufCache.delete(src));
      bufCache.set(src, p);
    }
    return bufCache.get(src);
  }

  LP.loadAll = async function loadAll(srcs) {
    srcs = srcs.filter(Boolean);
    const fresh = srcs.some((s) => !bufCache.has(s));
    const box = $("loading"), bar = $("load-progress");
    const prog = new Map();
    const show = () => {
      let got = 0, total = 0;
      for (const [g, t] of prog.values()) { got += g; total += Math.max(g, t); }
      if (bar && total) bar.value = (got / total) * (Number(bar.max) || 1);
    };
    if (fresh && box) { if (bar) bar.value = 0; box.hidden = false; }
    try {
      return await Promise.all(srcs.map((s) => getBuffer(s, (g, t) => { prog.set(s, [g, t]); show(); })));
    } finally {
      if (fresh && box) box.hidden = true;
    }
  };

  LP.getNotes = function getNotes(src) {
    if (!src) return Promise.resolve(null);
    if (!notesCache.has(src)) {
      notesCache.set(src, fetch(abs(src)).then((r) => r.ok ? r.json() : null).catch(() => null));
    }
    return notesCache.get(src);
  };

  // Keep decoded track audio only for what plays now (a minute of stereo is ~20 MB).
  LP.pruneCache = function pruneCache(plan) {
    const keep = new Set(Object.values(plan.src));
    for (const t of LP.M.tracks) if (!keep.has(t.audio.src)) bufCache.delete(t.audio.src);
  };

  // Fetch and decode every MP3 the manifest names; returns {src: length in samples}.
  LP.decodeAll = async function decodeAll() {
    const M = LP.M, srcs = new Set();
    for (const t of M.tracks || []) srcs.add(t.audio.src);
    for (const l of [...(M.drums || []), ...(M.ambience || [])]) for (const v of Object.values(l.by_bpm)) srcs.add(v.src);
    for (const q of M.quotes || []) srcs.add(q.src);
    for (const s of LP.samplerSrcs()) srcs.add(s);
    const out = {};
    for (const s of srcs) {
      const res = await fetch(abs(s));
      out[s] = (await decode(await res.arrayBuffer())).length;
    }
    return out;
  };
})();
