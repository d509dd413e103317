/* lofipress player: one Tone.js transport at the track's tempo, four layers
 * (main, drums, ambience, quote) looped in bars read from manifest.json.
 * Audio only here; the p5 sketch (visuals.js) listens to events and is driven
 * through Tone.getDraw(), never from audio callbacks. */
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

  const LAYERS = ["main", "drums", "ambience", "quote"];
  const params = new URLSearchParams(location.search);
  const FAST = params.get("test-fast") === "1"; // test hook: station mode moves after one bar
  const XFADE_S = FAST ? 0.5 : 4; // station-mode crossfade; a manual change uses 1.5 s
  const STATION_MIN_S = 240; // station mode stays on a track about 4 minutes (3 loops of 30 bars at 80 BPM)
  const manifestUrl = new URL(app.dataset.manifest || "manifest.json", location.href);
  const abs = (src) => new URL(src, manifestUrl).href;
  const bus = new EventTarget();
  const emit = (type, detail) => bus.dispatchEvent(new CustomEvent(type, { detail }));

  const state = {
    loaded: false, playing: false, bpm: 0, trackId: null, source: "ai", songId: null,
    drumsId: null, ambienceId: null, quoteId: null, visual: "calm", loops: {}, quoteAtSeconds: null,
    layers: {}, buffers: {}, noteEvents: 0, firstSoundAt: null, clickAt: null,
    shuffle: false, station: false, route: null, error: null,
  };
  let M = null; // the manifest
  const sel = { track: null, source: "ai", song: null, drums: null, ambience: null, quote: null };
  const bufCache = new Map(); // src -> Promise<ToneAudioBuffer>
  const notesCache = new Map(); // src -> Promise<notes json>
  let deck = null; // what the transport plays now
  let switchToken = 0;
  let firstEvent = null;
  let starting = null;

  // ---- audio graph: layer gains -> bus (pause fades) -> master -> limiter -> out
  const vol = {};
  const muted = { main: false, drums: false, ambience: false, quote: false, all: false };
  const level = { main: 0.8, drums: 0.7, ambience: 0.5, quote: 0.8, master: 0.8 };
  const limiter = new Tone.Limiter(-1);
  const master = new Tone.Gain(0.64).connect(limiter);
  const pauseBus = new Tone.Gain(1).connect(master);
  for (const n of LAYERS) vol[n] = new Tone.Gain(0.64).connect(pauseBus);
  const audioEl = document.createElement("audio");
  audioEl.hidden = true;
  document.body.append(audioEl);
  let streamDest = null;

  const tr = () => Tone.getTransport();
  const mod = (x, len) => { const r = x % len; return len - r < 1e-4 || r < 1e-4 ? 0 : r; };
  const byId = (list, id) => (list || []).find((x) => x.id === id) || null;
  const mainItem = (s = sel) => s.source === "live" ? byId(M.songs, s.song) : byId(M.tracks, s.track);
  const atTime = (fn, time) => setTimeout(fn, Math.max(0, (time - Tone.getContext().currentTime) * 1000));

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

  async function loadAll(srcs) {
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
  }

  function getNotes(src) {
    if (!src) return Promise.resolve(null);
    if (!notesCache.has(src)) {
      notesCache.set(src, fetch(abs(src)).then((r) => r.ok ? r.json() : null).catch(() => null));
    }
    return notesCache.get(src);
  }

  // ---- what a selection needs
  function bpmFor(s) {
    const want = mainItem(s).bpm;
    const loop = byId(M.drums, s.drums) || byId(M.ambience, s.ambience) || (M.drums || [])[0];
    const have = loop ? Object.keys(loop.by_bpm).map(Number) : [];
    // Notes are in beats, so a live song can follow the nearest tempo the loops were rendered at;
    // an AI track's MP3 keeps its own (a pack's drum loop is rendered only near its own tempo).
    if (s.source !== "live" || !have.length || have.includes(want)) return want;
    return have.reduce((a, b) => Math.abs(b - want) < Math.abs(a - want) ? b : a);
  }
  const loopSrc = (item, bpm) => item && item.by_bpm && (item.by_bpm[String(bpm)] || {}).src;
  const samplerSrcs = () => Object.values(M.sampler || {}).flatMap((m) => Object.values(m));

  function planFor(s) {
    const main = mainItem(s), live = s.source === "live", bpm = bpmFor(s);
    const quote = byId(M.quotes, s.quote);
    // a pack's drum loop exists only near its own tempo: elsewhere the first drums rendered at this one play
    const chosen = byId(M.drums, s.drums);
    const drums = s.drums && (loopSrc(chosen, bpm) ? chosen : (M.drums || []).find((d) => loopSrc(d, bpm)));
    return {
      sel: { ...s }, main, live, bpm, quote, drumsId: drums ? drums.id : null,
      src: {
        main: live ? null : main.audio.src,
        drums: drums ? loopSrc(drums, bpm) : undefined,
        ambience: loopSrc(byId(M.ambience, s.ambience), bpm),
        quote: quote && quote.src,
      },
    };
  }

  async function prepare(s) {
    const plan = planFor(s);
    const srcs = Object.values(plan.src).concat(plan.live ? samplerSrcs() : []);
    [plan.notes] = await Promise.all([getNotes(plan.main.notes), loadAll(srcs)]);
    return plan;
  }

  // ---- layers: {gain, start(t, offset), stop(t), dispose()}
  function playerLayer(src, dest) {
    const gain = new Tone.Gain(1).connect(dest);
    const buf = bufCache.get(src);
    const player = new Tone.Player().connect(gain);
    const ready = buf.then((b) => { player.buffer = b; });
    let lastStart = -1, lastStop = -1;
    return {
      src, gain, player, ready,
      duration: () => player.buffer.duration,
      start: (t, off = 0) => {
        // A loop tick and a resume can land on the same time: already started is fine.
        if (!player.loaded || (t <= lastStart + 1e-4 && lastStop < lastStart)) return;
        player.start(t, off);
        lastStart = t;
      },
      stop: (t) => { player.stop(t); lastStop = t; },
      dispose: () => { player.dispose(); gain.dispose(); },
    };
  }

  // Note part -> the manifest's sampler roles it may play on, first shipped wins: the melody sings on the pack's
  // lead (else its piano) when the build shipped those zones, and on the keys otherwise, as packs.PART_ROLES does.
  const PART_SAMPLERS = { keys: ["keys", "bass"], melody: ["lead", "piano", "keys", "bass"], bass: ["bass", "keys"] };

  function liveLayer(plan, dest) {
    const fx = M.live_fx || {};
    const gain = new Tone.Gain(1).connect(dest);
    const lowpass = new Tone.Filter(fx.lowpass_hz || 3200, "lowpass", -12).connect(gain);
    const crusher = new Tone.BitCrusher(fx.bit_depth || 12).connect(lowpass);
    // Wow: a slow vibrato; a sine delay swing of depth*maxDelay at f Hz bends pitch by
    // about 1731 * pi * f * maxDelay * depth cents.
    const wowHz = 0.8, maxDelay = 0.005;
    const depth = Math.min(1, (fx.wow_cents ?? 6) / (1731 * Math.PI * wowHz * maxDelay));
    const wow = new Tone.Vibrato({ frequency: wowHz, depth, maxDelay }).connect(crusher);
    const noiseGain = new Tone.Gain(Tone.dbToGain(fx.noise_db ?? -38)).connect(gain);
    const noiseFilter = new Tone.Filter(2500, "lowpass").connect(noiseGain);
    const noise = new Tone.Noise("pink").connect(noiseFilter);
    const samplers = {};
    const bufs = (map) => Object.fromEntries(Object.entries(map).map(([k, s]) => [k, bufCache.get(s)]));
    const ready = Promise.all(Object.entries(M.sampler || {}).map(async ([role, map]) => {
      const b = bufs(map);
      const urls = {};
      for (const k of Object.keys(b)) urls[k] = (await b[k]).get();
      samplers[role] = new Tone.Sampler({ urls, release: 0.6 }).connect(wow);
    }));
    const nodes = [gain, lowpass, crusher, wow, noiseGain, noiseFilter, noise];
    return {
      gain, ready, live: true,
      start: (t) => noise.start(t),
      stop: (t) => { noise.stop(t); Object.values(samplers).forEach((s) => s.releaseAll(t)); },
      trigger: (ev, time) => {
        const roles = PART_SAMPLERS[ev.part] || PART_SAMPLERS.keys;
        const s = samplers[roles.find((r) => samplers[r])];
        if (s) s.triggerAttackRelease(Tone.Frequency(ev.pitch, "midi").toFrequency(), ev.durS, time, ev.vel / 127);
      },
      dispose: () => { Object.values(samplers).forEach((s) => s.dispose()); nodes.forEach((n) => n.dispose()); },
    };
  }

  function fadeIn(layer, t, dur) {
    if (!dur) return;
    layer.gain.gain.setValueAtTime(0, t);
    layer.gain.gain.linearRampToValueAtTime(1, t + dur);
  }

  function retire(layer, t, dur) {
    if (!layer) return;
    if (dur) {
      layer.gain.gain.cancelScheduledValues(t);
      layer.gain.gain.setValueAtTime(layer.gain.gain.getValueAtTime(t), t);
      layer.gain.gain.linearRampToValueAtTime(0, t + dur);
    }
    layer.stop(t + dur);
    const ctx = Tone.getContext();
    setTimeout(() => layer.dispose(), (t + dur - ctx.currentTime) * 1000 + 1500);
  }

  // ---- the deck: layers + loops + notes on the one transport
  function build(plan) {
    const T = tr();
    T.bpm.value = plan.bpm; // BPM first: "8m" is converted against it
    const L = M.loops;
    const d = { plan, layers: {}, loops: {}, events: [], quoteAt: 0, quoteStart: null };
    const mainLoop = plan.live ? `${plan.main.bars}m` : L.track;
    d.layers.main = plan.live ? liveLayer(plan, vol.main) : playerLayer(plan.src.main, vol.main);
    for (const n of ["drums", "ambience", "quote"]) {
      if (plan.src[n]) d.layers[n] = playerLayer(plan.src[n], vol[n]);
    }
    // Each loop restarts its player at the callback's exact time: layers stay
    // sample-aligned after any number of loops (no free-running player loops).
    const restart = (n) => (time) => { const x = d.layers[n]; if (x && !x.live) x.start(time, 0); };
    if (!plan.live) d.loops.main = new Tone.Loop(restart("main"), mainLoop).start(0);
    d.loops.drums = new Tone.Loop(restart("drums"), L.drums).start(0);
    d.loops.ambience = new Tone.Loop(restart("ambience"), L.ambience).start(0);

    // Notes: sound for a live song, visuals for both (the build ships every track's notes).
    const spb = 60 / plan.bpm, ppq = T.PPQ;
    const notes = (plan.notes && plan.notes.notes) || [];
    const evs = notes.map(([b, dur, pitch, vel, part]) => ({
      time: `${Math.round(b * ppq)}i`, durS: dur * spb, pitch, vel, part,
    }));
    d.part = new Tone.Part((time, ev) => {
      const m = d.layers.main;
      if (m && m.trigger) m.trigger(ev, time);
      if (!document.hidden) {
        Tone.getDraw().schedule(() => { state.noteEvents++; emit("note", ev); }, time);
      }
    }, evs);
    d.part.loop = true;
    d.part.loopEnd = mainLoop;
    d.part.start(0);

    d.quoteAt = Tone.Time(L.quote_at).toTicks();
    d.events.push(T.schedule((time) => playQuote(d, time), `${d.quoteAt}i`));
    armStation(d);

    const bar = 240 / plan.bpm;
    const info = (sec) => ({ lengthSeconds: sec, lengthBars: sec / bar });
    state.loops = {
      drums: info(Tone.Time(d.loops.drums.interval).toSeconds()),
      ambience: info(Tone.Time(d.loops.ambience.interval).toSeconds()),
      track: info(Tone.Time(plan.live ? d.part.loopEnd : d.loops.main.interval).toSeconds()),
    };
    state.quoteAtSeconds = Tone.Ticks(d.quoteAt).toSeconds();
    return d;
  }

  function playQuote(d, time, offset = 0) {
    const q = d.layers.quote;
    if (!q || deck !== d || !q.player.loaded) return;
    q.start(time, offset);
    d.quoteStart = T_seconds(time) - offset;
    const dur = q.duration() - offset;
    const item = d.plan.quote;
    atTime(() => { if (deck === d) showQuote(item); }, time);
    atTime(() => { if (deck === d && d.layers.quote === q) showQuote(null); }, time + dur);
  }

  function showQuote(item) {
    const box = $("quote-text"), who = $("quote-speaker");
    if (box) box.textContent = item ? `“${item.text}”` : "";
    if (who) who.textContent = item && item.speaker ? `— ${item.speaker}` : "";
    app.classList.toggle("has-quote", !!item);
    emit("quote", item);
  }
  const T_seconds = (time) => tr().getSecondsAtTime(time);

  function armStation(d) {
    if (d.stationEvent != null) tr().clear(d.stationEvent);
    d.stationEvent = null;
    if (!state.station) return;
    const T = tr();
    const loopTicks = Tone.Time(FAST ? "1m" : (d.plan.live ? `${d.plan.main.bars}m` : M.loops.track)).toTicks();
    const loopS = Tone.Ticks(loopTicks).toSeconds();
    const n = FAST ? 1 : Math.max(1, Math.ceil(STATION_MIN_S / loopS));
    const now = T.state === "stopped" ? 0 : T.ticks;
    let end = loopTicks * n;
    while (end <= now + T.PPQ) end += loopTicks; // turned on late: leave at the next loop end
    const at = Math.max(now + 1, end - Math.round(Tone.Time(XFADE_S).toTicks()));
    d.stationEvent = T.schedule(() => setTimeout(() => { if (deck === d && state.playing) step(1, XFADE_S); }), `${at}i`);
  }

  function startLayers(d, t, pos) {
    for (const n of LAYERS) {
      const x = d.layers[n];
      if (!x) continue;
      if (n === "quote") {
        const qs = d.quoteStart;
        if (qs != null && pos > qs && pos < qs + x.duration()) playQuote(d, t, pos - qs);
      } else if (x.live) {
        x.start(t);
      } else {
        x.start(t, mod(pos, Tone.Time(d.loops[n].interval).toSeconds()));
      }
    }
  }

  function stopLayers(d, t) {
    for (const n of LAYERS) if (d.layers[n]) d.layers[n].stop(t);
  }

  // Replace the selection's deck: the old one fades out over `fade` seconds while
  // the new one starts on a fresh transport at its own tempo.
  async function switchTo(s, fade) {
    const token = ++switchToken;
    const plan = await prepare(s);
    if (token !== switchToken) return;
    const wasPlaying = state.playing;
    const T = tr();
    const old = deck;
    const t = Tone.now();
    T.stop(t);
    T.cancel(0);
    if (old) {
      Object.values(old.loops).forEach((l) => l.dispose());
      old.part.dispose();
      for (const n of LAYERS) retire(old.layers[n], t, wasPlaying ? fade : 0);
    }
    showQuote(null);
    deck = build(plan);
    await Promise.all(Object.values(deck.layers).map((x) => x.ready));
    pruneCache(plan);
    applySelectionState(plan);
    if (wasPlaying) {
      const t2 = Math.max(Tone.now(), t + 0.02);
      for (const n of LAYERS) if (deck.layers[n]) fadeIn(deck.layers[n], t2, fade);
      startAt(t2, false);
    }
  }

  function startAt(t, rampIn = true) {
    const T = tr();
    const pos = T.seconds;
    T.start(t);
    startLayers(deck, t, pos);
    if (rampIn) { // undo pause()'s fade
      pauseBus.gain.cancelScheduledValues(t);
      pauseBus.gain.setValueAtTime(0, t);
      pauseBus.gain.linearRampToValueAtTime(1, t + 0.03);
    }
    return t;
  }

  // Keep decoded track audio only for what plays now (a minute of stereo is ~20 MB).
  function pruneCache(plan) {
    const keep = new Set(Object.values(plan.src));
    for (const t of M.tracks) if (!keep.has(t.audio.src)) bufCache.delete(t.audio.src);
  }

  // The backdrop follows the ambience; with none, the station's own background (manifest.look).
  function sceneOf(amb) {
    return (amb && amb.visual) || (M.look && M.look.background) || "calm";
  }

  function applySelectionState(plan) {
    const s = plan.sel;
    Object.assign(state, {
      bpm: tr().bpm.value, trackId: s.track, source: s.source, songId: s.song,
      drumsId: plan.src.drums ? plan.drumsId : null, ambienceId: plan.src.ambience ? s.ambience : null,
      quoteId: plan.quote ? s.quote : null, layers: { ...plan.src }, loaded: true,
    });
    const amb = byId(M.ambience, s.ambience);
    state.visual = sceneOf(amb);
    emit("scene", { visual: state.visual, bpm: plan.bpm });
    nowPlaying();
  }

  // ---- transport controls
  async function ensureStarted() {
    if (deck || starting) return starting;
    starting = (async () => {
      await Promise.all([Tone.start(), ready]);
      route();
      if (navigator.audioSession) navigator.audioSession.type = "playback";
      await switchTo(sel, 0);
      await play();
    })().catch(fail);
    return starting;
  }

  // Chrome shows lock-screen controls only while a media element plays, so the
  // mix goes out ONLY through a MediaStream into <audio> (no doubled sound);
  // where that fails, straight to the speakers.
  function route() {
    if (state.route) return;
    const raw = Tone.getContext().rawContext;
    try {
      streamDest = raw.createMediaStreamDestination();
      limiter.connect(streamDest);
      audioEl.srcObject = streamDest.stream;
      state.route = "element";
      audioEl.play().catch(direct);
    } catch (e) {
      direct();
    }
  }
  function direct() {
    if (streamDest) { try { limiter.disconnect(streamDest); } catch (e) { /* not connected */ } }
    streamDest = null;
    limiter.toDestination();
    state.route = "direct";
  }

  async function play() {
    if (!deck) return ensureStarted();
    if (state.playing) return;
    await Tone.start();
    if (state.route === "element") audioEl.play().catch(direct);
    const t = startAt(Tone.now() + 0.02);
    state.playing = true;
    if (state.firstSoundAt == null) {
      const ctx = Tone.getContext().rawContext;
      const ts = ctx.getOutputTimestamp ? ctx.getOutputTimestamp() : {};
      state.firstSoundAt = ts.performanceTime
        ? ts.performanceTime + (t - ts.contextTime) * 1000
        : performance.now() + (t - ctx.currentTime) * 1000;
    }
    armStation(deck);
    syncUi();
  }

  function pause() {
    if (!state.playing) return;
    const ctx = Tone.getContext();
    const t = Tone.now(); // already scheduled up to here; fade out across the look-ahead
    pauseBus.gain.cancelScheduledValues(ctx.currentTime);
    pauseBus.gain.setValueAtTime(pauseBus.gain.getValueAtTime(ctx.currentTime), ctx.currentTime);
    pauseBus.gain.linearRampToValueAtTime(0, t);
    tr().pause(t);
    stopLayers(deck, t);
    state.playing = false;
    if (state.route === "element") setTimeout(() => { if (!state.playing) audioEl.pause(); }, 200);
    syncUi();
  }

  const toggle = () => (state.playing ? pause() : play());

  function step(dir, fade = 1.5) {
    const live = sel.source === "live";
    const list = (live ? M.songs : M.tracks) || [];
    if (!list.length) return;
    const cur = list.findIndex((x) => x.id === (live ? sel.song : sel.track));
    let i = (cur + dir + list.length) % list.length;
    if (state.shuffle && list.length > 1) {
      do { i = Math.floor(Math.random() * list.length); } while (i === cur);
    }
    sel[live ? "song" : "track"] = list[i].id;
    changed(true, fade);
  }

  // A track/source change rebuilds the deck; a layer change lands on the next bar.
  function changed(rebuild, fade = 1.5) {
    writeUrl();
    syncUi();
    if (!deck) return;
    if (rebuild) return switchTo(sel, fade).catch(fail);
    const plan = planFor(sel);
    if (plan.bpm !== deck.plan.bpm) return switchTo(sel, fade).catch(fail);
    return swapLayers(plan).catch(fail);
  }

  async function swapLayers(plan) {
    const d = deck;
    const token = switchToken;
    await loadAll([plan.src.drums, plan.src.ambience, plan.src.quote]);
    if (d !== deck || token !== switchToken) return;
    const T = tr();
    const t = state.playing ? T.nextSubdivision("1m") : Tone.now();
    const pos = T.getSecondsAtTime(t);
    for (const n of ["drums", "ambience", "quote"]) {
      const src = plan.src[n], old = d.layers[n];
      if ((old && old.src) === src) continue;
      const x = src ? playerLayer(src, vol[n]) : null;
      await (x && x.ready);
      if (d !== deck) { if (x) x.dispose(); return; }
      retire(old, t, state.playing ? 0.01 : 0);
      d.layers[n] = x;
      if (n === "quote") {
        const qAt = Tone.Ticks(d.quoteAt).toSeconds();
        d.quoteStart = null;
        if (x && state.playing && pos >= qAt) playQuote(d, t); // its moment has passed: play it at the next bar
        else if (!x) atTime(() => showQuote(null), t);
      } else if (x && state.playing) {
        fadeIn(x, t, 0.01);
        x.start(t, mod(pos, Tone.Time(d.loops[n].interval).toSeconds()));
      }
    }
    d.plan = { ...d.plan, sel: { ...plan.sel }, src: plan.src, quote: plan.quote, drumsId: plan.drumsId };
    applySelectionState(d.plan);
  }

  // ---- volumes
  function applyGain(n) {
    const off = n === "master" ? muted.all : muted[n];
    const g = off ? 0 : level[n] * level[n]; // squared: a slider that feels even
    (n === "master" ? master : vol[n]).gain.rampTo(g, 0.05);
  }

  // ---- UI
  function fill(selectEl, items, label, none) {
    if (!selectEl || selectEl.options.length) return;
    if (none) selectEl.add(new Option("Off", ""));
    for (const it of items || []) selectEl.add(new Option(label(it), it.id));
  }

  function syncUi() {
    const setP = (id, v) => { const b = $(id); if (b) b.setAttribute("aria-pressed", String(!!v)); };
    setP("play", state.playing);
    setP("shuffle", state.shuffle);
    setP("station-mode", state.station);
    for (const n of ["main", "drums", "ambience", "quote"]) setP(`mute-${n}`, muted[n]);
    setP("mute-master", muted.all);
    const v = (id, val) => { const e = $(id); if (e && val != null) e.value = val; };
    v("track-select", sel.track);
    v("song-select", sel.song);
    v("drums-select", sel.drums || "");
    // An AI track is offered only the drums rendered at its tempo; a live song follows the drums' tempo.
    const drumsEl = $("drums-select"), track = sel.source !== "live" && M && mainItem();
    if (drumsEl) for (const o of drumsEl.options) o.disabled = !!(track && o.value && !loopSrc(byId(M.drums, o.value), track.bpm));
    v("ambience-select", sel.ambience || "");
    v("quote-select", sel.quote || "");
    const ai = $("source-ai"), live = $("source-live");
    if (ai) ai.checked = sel.source !== "live";
    if (live) live.checked = sel.source === "live";
    const song = $("song-select");
    if (song) song.disabled = sel.source !== "live";
    state.shuffle = !!state.shuffle;
    document.documentElement.classList.toggle("is-playing", state.playing);
    emit("play", { playing: state.playing });
    media();
  }

  function nowPlaying() {
    const m = mainItem();
    if (!m) return;
    const text = (id, v) => { const e = $(id); if (e) e.textContent = v; };
    text("np-title", sel.source === "live" ? `${m.title} (live)` : m.title);
    text("np-key", m.key || "");
    text("np-bpm", String(Math.round((deck ? state.bpm : 0) || m.bpm)));
    const track = byId(M.tracks, sel.track);
    const link = (id, src, name) => { const a = $(id); if (a && src) { a.href = abs(src); if (name) a.setAttribute("download", name); } };
    if (track) {
      link("dl-mp3", track.audio.src, `${track.id}.mp3`);
      link("track-page", track.page);
    }
    const midiItem = sel.source === "live" ? m : track;
    if (midiItem && midiItem.midi) link("dl-midi", midiItem.midi, `${midiItem.id}.mid`);
    media();
  }

  function media() {
    const ms = navigator.mediaSession;
    if (!ms || !M) return;
    const m = mainItem();
    if (m && window.MediaMetadata) {
      const title = (M.station && M.station.title) || "lofipress";
      if (!ms.metadata || ms.metadata.title !== m.title) {
        ms.metadata = new MediaMetadata({ title: m.title, artist: title, album: `${m.key || ""} · ${m.bpm} BPM` });
      }
    }
    ms.playbackState = state.playing ? "playing" : deck ? "paused" : "none";
  }

  function mediaHandlers() {
    const ms = navigator.mediaSession;
    if (!ms) return;
    const h = { play: () => play(), pause: () => pause(), previoustrack: () => step(-1), nexttrack: () => step(1) };
    for (const [k, fn] of Object.entries(h)) { try { ms.setActionHandler(k, fn); } catch (e) { /* unsupported action */ } }
  }

  // ---- the URL reproduces the mix
  const VOLS = ["main", "drums", "ambience", "quote", "master"];
  function shareUrl() {
    const q = new URLSearchParams();
    q.set("track", sel.track);
    q.set("source", sel.source);
    if (sel.song) q.set("song", sel.song);
    q.set("drums", sel.drums || "none");
    q.set("ambience", sel.ambience || "none");
    q.set("quote", sel.quote || "none");
    for (const n of VOLS) q.set(`v${n}`, String(Math.round(level[n] * 100)));
    const mutes = ["main", "drums", "ambience", "quote"].filter((n) => muted[n]);
    if (muted.all) mutes.push("all");
    if (mutes.length) q.set("mute", mutes.join(","));
    return `${location.origin}${location.pathname}?${q}`;
  }
  let urlTimer = 0;
  function writeUrl() {
    clearTimeout(urlTimer);
    urlTimer = setTimeout(() => {
      const u = shareUrl();
      history.replaceState(null, "", u);
      const a = $("share-link");
      if (a && a.tagName === "A") a.href = u;
    }, 150);
  }

  function readUrl() {
    const pick = (list, id) => (id === "none" ? null : byId(list, id) ? id : undefined);
    const set = (k, list) => { const v = pick(list, params.get(k)); if (v !== undefined && params.has(k)) sel[k] = v; };
    set("track", M.tracks);
    set("song", M.songs);
    set("drums", M.drums);
    set("ambience", M.ambience);
    set("quote", M.quotes);
    if (params.get("source") === "live" && (M.songs || []).length) sel.source = "live";
    if (params.get("source") === "ai") sel.source = "ai";
    for (const n of VOLS) {
      const v = Number(params.get(`v${n}`));
      if (params.has(`v${n}`) && v >= 0 && v <= 100) level[n] = v / 100;
    }
    for (const n of (params.get("mute") || "").split(",")) if (n in muted) muted[n] = true;
  }

  function bindUi() {
    const on = (id, type, fn) => { const e = $(id); if (e) e.addEventListener(type, fn); };
    fill($("track-select"), M.tracks, (t) => `${t.title} (${t.key}, ${t.bpm} BPM)`);
    fill($("song-select"), M.songs, (t) => `${t.title} (${t.key})`);
    fill($("drums-select"), M.drums, (t) => t.title, true);
    fill($("ambience-select"), M.ambience, (t) => t.title, true);
    fill($("quote-select"), M.quotes, (t) => t.speaker ? `${t.speaker}: ${t.text}` : t.text, true);

    on("play", "click", (e) => { if (e !== firstEvent) toggle(); });
    on("prev", "click", () => step(-1));
    on("next", "click", () => step(1));
    on("shuffle", "click", () => { state.shuffle = !state.shuffle; syncUi(); });
    on("station-mode", "click", () => { state.station = !state.station; if (deck) armStation(deck); syncUi(); });
    on("track-select", "change", (e) => { sel.track = e.target.value; if (sel.source !== "ai") sel.source = "ai"; changed(true); });
    on("song-select", "change", (e) => { sel.song = e.target.value; changed(sel.source === "live"); });
    for (const id of ["source-ai", "source-live"]) {
      on(id, "change", (e) => { if (e.target.checked) { sel.source = id === "source-live" ? "live" : "ai"; changed(true); } });
    }
    for (const n of ["drums", "ambience", "quote"]) on(`${n}-select`, "change", (e) => { sel[n] = e.target.value || null; changed(false); });
    for (const n of VOLS) {
      const el = $(`vol-${n}`);
      if (!el) continue;
      const max = Number(el.max) || 100;
      if (params.has(`v${n}`)) el.value = String(level[n] * max); else level[n] = Number(el.value) / max;
      el.addEventListener("input", () => { level[n] = Number(el.value) / max; applyGain(n); writeUrl(); });
      applyGain(n);
    }
    for (const n of ["main", "drums", "ambience", "quote"]) on(`mute-${n}`, "click", () => mute(n));
    on("mute-master", "click", () => mute("all"));
    on("help", "click", () => help());
    on("share-link", "click", async (e) => {
      e.preventDefault();
      const u = shareUrl(), el = e.currentTarget;
      try { await navigator.clipboard.writeText(u); flash(el, "Link copied"); } catch (err) { prompt("Copy this link", u); }
    });
    nowPlaying();
    syncUi();
  }

  function flash(el, text) {
    const old = el.textContent;
    el.textContent = text;
    setTimeout(() => { el.textContent = old; }, 1800);
  }

  function mute(n) {
    muted[n] = !muted[n];
    applyGain(n === "all" ? "master" : n);
    writeUrl();
    syncUi();
  }

  // 1-4 (help dialog): focus the layer's volume; pressed again there, mute it.
  function layerKey(n) {
    const el = $(`vol-${n}`);
    if (el && document.activeElement !== el) el.focus();
    else mute(n);
  }

  function help() {
    const d = $("help-dialog");
    if (!d) return;
    if (d.open) d.close(); else d.showModal();
  }

  function nudgeMaster(delta) {
    level.master = Math.min(1, Math.max(0, level.master + delta));
    const el = $("vol-master");
    if (el) el.value = String(level.master * (Number(el.max) || 100));
    applyGain("master");
    writeUrl();
  }

  function onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    const d = $("help-dialog");
    if (d && d.open && e.key !== "?") return;
    const tag = e.target.tagName || "";
    const field = /^(INPUT|SELECT|TEXTAREA)$/.test(tag) || e.target.isContentEditable;
    const clickable = field || /^(BUTTON|A|SUMMARY)$/.test(tag);
    const keys = {
      " ": () => { if (e !== firstEvent) toggle(); },
      ArrowLeft: () => step(-1), ArrowRight: () => step(1),
      ArrowUp: () => nudgeMaster(0.05), ArrowDown: () => nudgeMaster(-0.05),
      m: () => mute("all"), s: () => { state.shuffle = !state.shuffle; syncUi(); },
      "1": () => layerKey("main"), "2": () => layerKey("drums"), "3": () => layerKey("ambience"), "4": () => layerKey("quote"),
      "?": () => help(),
    };
    const fn = keys[e.key.length === 1 ? e.key.toLowerCase() : e.key] || keys[e.key];
    if (!fn) return;
    const digitOnSlider = /^[1-4]$/.test(e.key) && e.target.type === "range";
    if ((e.key === " " ? clickable : field) && !digitOnSlider) return; // the focused control's own keys win
    e.preventDefault();
    fn();
  }

  // The first click or key press (not Tab/Escape/modifiers/help) starts the audio.
  function firstGesture(e) {
    if (e.type === "keydown" && (/^(Tab|Shift|Control|Alt|Meta|Escape|CapsLock|\?)$/.test(e.key) || e.key.startsWith("F"))) return;
    if (e.type === "click" && e.target.closest && e.target.closest("#help, #help-dialog, a[href]")) return;
    removeEventListener("click", firstGesture, true);
    removeEventListener("keydown", firstGesture, true);
    firstEvent = e;
    state.clickAt = performance.now();
    ensureStarted();
  }

  function fail(err) {
    state.error = String((err && err.message) || err);
    const np = $("now-playing");
    if (np) np.textContent = `Could not play: ${state.error}`;
    const box = $("loading");
    if (box) box.hidden = true;
    console.warn("lofipress:", err);
  }

  // Fetch and decode every MP3 the manifest names; returns {src: length in samples}.
  async function decodeAll() {
    const srcs = new Set();
    for (const t of M.tracks || []) srcs.add(t.audio.src);
    for (const l of [...(M.drums || []), ...(M.ambience || [])]) for (const v of Object.values(l.by_bpm)) srcs.add(v.src);
    for (const q of M.quotes || []) srcs.add(q.src);
    for (const s of samplerSrcs()) srcs.add(s);
    const out = {};
    for (const s of srcs) {
      const res = await fetch(abs(s));
      out[s] = (await decode(await res.arrayBuffer())).length;
    }
    return out;
  }

  const ready = fetch(manifestUrl).then((r) => {
    if (!r.ok) throw new Error(`${r.status} manifest.json`);
    return r.json();
  }).then((m) => {
    M = m;
    window.lofipress.manifest = m;
    if (m.version !== 1) console.warn(`lofipress: manifest version ${m.version}, player expects 1`);
    const first = (l) => ((l || [])[0] || {}).id || null;
    Object.assign(sel, {
      track: app.dataset.track && byId(m.tracks, app.dataset.track) ? app.dataset.track : first(m.tracks),
      song: first(m.songs), drums: first(m.drums), ambience: first(m.ambience), quote: first(m.quotes),
    });
    readUrl();
    for (const k of ["track", "song", "drums", "ambience", "quote"]) {
      const el = $(`${k}-select`);
      if (el && el.options.length && !params.has(k) && el.value && k !== "track") sel[k] = el.value || null;
    }
    const amb = byId(m.ambience, sel.ambience);
    state.visual = sceneOf(amb);
    Object.assign(state, { trackId: sel.track, source: sel.source, songId: sel.song, drumsId: sel.drums,
      ambienceId: sel.ambience, quoteId: sel.quote });
    bindUi();
    mediaHandlers();
    emit("scene", { visual: state.visual, bpm: (mainItem() || {}).bpm });
    addEventListener("click", firstGesture, true);
    addEventListener("keydown", firstGesture, true);
    document.addEventListener("keydown", onKey);
  }).catch(fail);

  window.lofipress = {
    state, manifest: null, ready, decodeAll,
    get transport() {
      const T = tr();
      return { state: T.state, bpm: T.bpm.value, seconds: T.seconds, position: String(T.position), ppq: T.PPQ,
        sampleRate: Tone.getContext().sampleRate };
    },
    gains: () => Object.fromEntries([...LAYERS.map((n) => [n, vol[n].gain.value]), ["master", master.gain.value]]),
    advance: () => step(1, XFADE_S), // test hook: what station mode does at a track's end
    play, pause, on: (type, fn) => bus.addEventListener(type, (e) => fn(e.detail)),
  };
})();
