/* lofipress player: the deck on the one transport. A deck is a plan's layers, the Tone.Loops
 * that restart them on the bar, the notes Part, the drum breaks and the quote and station-mode
 * events. Here it is built, started, paused, switched (crossfaded) and changed layer by layer. */
(() => {
  "use strict";
  const LP = window.lofipressPlayer;
  if (!LP) return;
  const { state, sel, LAYERS, FAST, STATION_MIN_S, XFADE_S, emit, tr, mod, byId, atTime } = LP;
  const { vol, pauseBus, audioEl } = LP.mix;
  const { playerLayer, liveLayer, fadeIn, retire } = LP.layers;
  const { planFor, prepare, sceneOf } = LP.plan;
  const { drumBreaks } = LP.breaks;
  const ui = () => LP.ui; // loaded after this file
  let switchToken = 0;
  let starting = null;

  // ---- the deck: layers + loops + notes on the one transport
  function build(plan) {
    const T = tr(), M = LP.M;
    T.bpm.value = plan.bpm; // BPM first: "8m" is converted against it
    const L = M.loops;
    const d = { plan, layers: {}, loops: {}, events: [], quoteAt: 0, quoteStart: null };
    const mainLoop = plan.live ? `${plan.main.bars}m` : L.track;
    // The drums pass through the main track's breaks; whatever drums play later (swapLayers) too.
    d.breaks = drumBreaks(plan.main.breaks, mainLoop, vol.drums);
    d.out = { ...vol, drums: d.breaks.node };
    d.layers.main = plan.live ? liveLayer(plan, d.out.main) : playerLayer(plan.src.main, d.out.main);
    for (const n of ["drums", "ambience", "quote"]) {
      if (plan.src[n]) d.layers[n] = playerLayer(plan.src[n], d.out[n]);
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
    if (!q || LP.deck !== d || !q.player.loaded) return;
    q.start(time, offset);
    d.quoteStart = T_seconds(time) - offset;
    const dur = q.duration() - offset;
    const item = d.plan.quote;
    atTime(() => { if (LP.deck === d) ui().showQuote(item); }, time);
    atTime(() => { if (LP.deck === d && d.layers.quote === q) ui().showQuote(null); }, time + dur);
  }
  const T_seconds = (time) => tr().getSecondsAtTime(time);

  function armStation(d) {
    if (d.stationEvent != null) tr().clear(d.stationEvent);
    d.stationEvent = null;
    if (!state.station) return;
    const T = tr();
    const loopTicks = Tone.Time(FAST ? "1m" : (d.plan.live ? `${d.plan.main.bars}m` : LP.M.loops.track)).toTicks();
    const loopS = Tone.Ticks(loopTicks).toSeconds();
    const n = FAST ? 1 : Math.max(1, Math.ceil(STATION_MIN_S / loopS));
    const now = T.state === "stopped" ? 0 : T.ticks;
    let end = loopTicks * n;
    while (end <= now + T.PPQ) end += loopTicks; // turned on late: leave at the next loop end
    const at = Math.max(now + 1, end - Math.round(Tone.Time(XFADE_S).toTicks()));
    d.stationEvent = T.schedule(() => setTimeout(() => { if (LP.deck === d && state.playing) step(1, XFADE_S); }), `${at}i`);
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
    const old = LP.deck;
    const t = Tone.now();
    T.stop(t);
    T.cancel(0);
    if (old) {
      Object.values(old.loops).forEach((l) => l.dispose());
      old.part.dispose();
      for (const n of LAYERS) retire(old.layers[n], t, wasPlaying ? fade : 0);
      old.breaks.dispose(t + (wasPlaying ? fade : 0));
    }
    ui().showQuote(null);
    LP.deck = build(plan);
    await Promise.all(Object.values(LP.deck.layers).map((x) => x.ready));
    LP.pruneCache(plan);
    applySelectionState(plan);
    if (wasPlaying) {
      const t2 = Math.max(Tone.now(), t + 0.02);
      for (const n of LAYERS) if (LP.deck.layers[n]) fadeIn(LP.deck.layers[n], t2, fade);
      startAt(t2, false);
    }
  }

  function startAt(t, rampIn = true) {
    const T = tr();
    const pos = T.seconds;
    T.start(t);
    startLayers(LP.deck, t, pos);
    LP.deck.breaks.resume(t, pos);
    if (rampIn) { // undo pause()'s fade
      pauseBus.gain.cancelScheduledValues(t);
      pauseBus.gain.setValueAtTime(0, t);
      pauseBus.gain.linearRampToValueAtTime(1, t + 0.03);
    }
    return t;
  }

  function applySelectionState(plan) {
    const s = plan.sel;
    Object.assign(state, {
      bpm: tr().bpm.value, trackId: s.track, source: s.source, songId: s.song,
      drumsId: plan.src.drums ? plan.drumsId : null, ambienceId: plan.src.ambience ? s.ambience : null,
      quoteId: plan.quote ? s.quote : null, layers: { ...plan.src }, loaded: true,
    });
    const amb = byId(LP.M.ambience, s.ambience);
    state.visual = sceneOf(amb);
    emit("scene", { visual: state.visual, bpm: plan.bpm });
    ui().nowPlaying();
  }

  // ---- transport controls
  async function ensureStarted() {
    if (LP.deck || starting) return starting;
    starting = (async () => {
      await Promise.all([Tone.start(), LP.ready]);
      LP.mix.route();
      if (navigator.audioSession) navigator.audioSession.type = "playback";
      await switchTo(sel, 0);
      await play();
    })().catch(ui().fail);
    return starting;
  }

  async function play() {
    if (!LP.deck) return ensureStarted();
    if (state.playing) return;
    await Tone.start();
    if (state.route === "element") audioEl.play().catch(LP.mix.direct);
    const t = startAt(Tone.now() + 0.02);
    state.playing = true;
    if (state.firstSoundAt == null) {
      const ctx = Tone.getContext().rawContext;
      const ts = ctx.getOutputTimestamp ? ctx.getOutputTimestamp() : {};
      state.firstSoundAt = ts.performanceTime
        ? ts.performanceTime + (t - ts.contextTime) * 1000
        : performance.now() + (t - ctx.currentTime) * 1000;
    }
    armStation(LP.deck);
    ui().syncUi();
  }

  function pause() {
    if (!state.playing) return;
    const ctx = Tone.getContext();
    const t = Tone.now(); // already scheduled up to here; fade out across the look-ahead
    pauseBus.gain.cancelScheduledValues(ctx.currentTime);
    pauseBus.gain.setValueAtTime(pauseBus.gain.getValueAtTime(ctx.currentTime), ctx.currentTime);
    pauseBus.gain.linearRampToValueAtTime(0, t);
    tr().pause(t);
    stopLayers(LP.deck, t);
    state.playing = false;
    if (state.route === "element") setTimeout(() => { if (!state.playing) audioEl.pause(); }, 200);
    ui().syncUi();
  }

  const toggle = () => (state.playing ? pause() : play());

  function step(dir, fade = 1.5) {
    const M = LP.M;
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
    LP.plan.writeUrl();
    ui().syncUi();
    const deck = LP.deck;
    if (!deck) return;
    if (rebuild) return switchTo(sel, fade).catch(ui().fail);
    const plan = planFor(sel);
    if (plan.bpm !== deck.plan.bpm) return switchTo(sel, fade).catch(ui().fail);
    return swapLayers(plan).catch(ui().fail);
  }

  async function swapLayers(plan) {
    const d = LP.deck;
    const token = switchToken;
    await LP.loadAll([plan.src.drums, plan.src.ambience, plan.src.quote]);
    if (d !== LP.deck || token !== switchToken) return;
    const T = tr();
    const t = state.playing ? T.nextSubdivision("1m") : Tone.now();
    const pos = T.getSecondsAtTime(t);
    for (const n of ["drums", "ambience", "quote"]) {
      const src = plan.src[n], old = d.layers[n];
      if ((old && old.src) === src) continue;
      const x = src ? playerLayer(src, d.out[n]) : null;
      await (x && x.ready);
      if (d !== LP.deck) { if (x) x.dispose(); return; }
      retire(old, t, state.playing ? 0.01 : 0);
      d.layers[n] = x;
      if (n === "quote") {
        const qAt = Tone.Ticks(d.quoteAt).toSeconds();
        d.quoteStart = null;
        if (x && state.playing && pos >= qAt) playQuote(d, t); // its moment has passed: play it at the next bar
        else if (!x) atTime(() => ui().showQuote(null), t);
      } else if (x && state.playing) {
        fadeIn(x, t, 0.01);
        x.start(t, mod(pos, Tone.Time(d.loops[n].interval).toSeconds()));
      }
    }
    d.plan = { ...d.plan, sel: { ...plan.sel }, src: plan.src, quote: plan.quote, drumsId: plan.drumsId };
    applySelectionState(d.plan);
  }

  LP.transport = { armStation, ensureStarted, play, pause, toggle, step, changed };
})();
