/* lofipress player: boot, the last of the player's scripts (see player-core.js for the
 * layout). Fetch manifest.json, pick the first selection (page, URL, selects), bind the
 * page, and publish window.lofipress: the hooks visuals.js and the browser tests read. */
(() => {
  "use strict";
  const LP = window.lofipressPlayer;
  if (!LP) return;
  const { $, app, params, manifestUrl, state, sel, bus, XFADE_S, emit, tr, byId, mainItem } = LP;

  const ready = LP.ready = fetch(manifestUrl).then((r) => {
    if (!r.ok) throw new Error(`${r.status} manifest.json`);
    return r.json();
  }).then((m) => {
    LP.M = m;
    window.lofipress.manifest = m;
    if (m.version !== 1) console.warn(`lofipress: manifest version ${m.version}, player expects 1`);
    const first = (l) => ((l || [])[0] || {}).id || null;
    Object.assign(sel, {
      track: app.dataset.track && byId(m.tracks, app.dataset.track) ? app.dataset.track : first(m.tracks),
      song: first(m.songs), drums: first(m.drums), ambience: first(m.ambience), quote: first(m.quotes),
    });
    LP.plan.readUrl();
    for (const k of ["track", "song", "drums", "ambience", "quote"]) {
      const el = $(`${k}-select`);
      if (el && el.options.length && !params.has(k) && el.value && k !== "track") sel[k] = el.value || null;
    }
    const amb = byId(m.ambience, sel.ambience);
    state.visual = LP.plan.sceneOf(amb);
    Object.assign(state, { trackId: sel.track, source: sel.source, songId: sel.song, drumsId: sel.drums,
      ambienceId: sel.ambience, quoteId: sel.quote });
    LP.ui.bindUi();
    LP.ui.mediaHandlers();
    emit("scene", { visual: state.visual, bpm: (mainItem() || {}).bpm });
    LP.ui.listen();
  }).catch((err) => LP.ui.fail(err));

  const { play, pause, step } = LP.transport;
  window.lofipress = {
    state, manifest: null, ready, decodeAll: LP.decodeAll,
    get transport() {
      const T = tr();
      return { state: T.state, bpm: T.bpm.value, seconds: T.seconds, position: String(T.position), ppq: T.PPQ,
        sampleRate: Tone.getContext().sampleRate };
    },
    gains: LP.mix.gains,
    // the drums' break gain now: 0 inside a break bar of the main track, 1 elsewhere; null before the first play
    drumBreakGain: () => (LP.deck ? LP.deck.breaks.node.gain.value : null),
    advance: () => step(1, XFADE_S), // test hook: what station mode does at a track's end
    play, pause, on: (type, fn) => bus.addEventListener(type, (e) => fn(e.detail)),
  };
})();
