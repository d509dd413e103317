/* lofipress player: boot. The player is these ES modules, one job each:
 *   core.js       the audio context, the selection, public state, events, helpers
 *   loader.js     fetching (most urgent first) and decoding, with byte progress
 *   plan.js       the manifest: what a selection plays, and the URL of the mix
 *   mixer.js      the mixer graph and the route out
 *   layers.js     layer kinds: looped file, track segments, one-shot, live sampler
 *   breaks.js     drum breaks on the main track's break bars
 *   deck.js       one deck on the transport: layers, loops, segments, notes, quote
 *   transport.js  play, pause, seek, switching decks, station mode, layer changes
 *   ui.js, keys.js, media.js   the page, the keyboard, the lock screen
 * This one fetches manifest.json, picks the first selection (page, URL, selects), binds the
 * page, answers a tap remembered by static/boot.js, loads the scene once the music plays,
 * and publishes window.lofipress: the hooks the scenes and the browser tests read. */
import { $, app, S, state, params, on, emit, tr, posAt, manifestUrl, byId, mainItem, samplerSrcs } from "./core.js";
import { gains } from "./mixer.js";
import { planFor, sceneOf, readUrl, filesOf } from "./plan.js";
import { getBuffer, decodeAll } from "./loader.js";
import { ensureStarted, play, pause, seek, step, stationDueSeconds } from "./transport.js";
import { bindUi, fail } from "./ui.js";
import { listenKeys } from "./keys.js";
import { bindMedia } from "./media.js";

const SCENE_IDLE_MS = 6000; // with no tap, the scene loads this long after the page (the music comes first)
const boot = window.lofipressBoot || { taps: [] };

let sceneStarted = false;
function loadScene() {
  if (sceneStarted || !app.dataset.p5 || !app.dataset.scenes) return;
  sceneStarted = true;
  const s = document.createElement("script");
  s.src = new URL(app.dataset.p5, location.href).href;
  s.onload = () => import(new URL(app.dataset.scenes, location.href).href)
    .then((mod) => { mod.mountScenes($("visual"), window.lofipress); state.sceneLoaded = true; emit("scene-loaded"); })
    .catch((e) => console.warn("lofipress: no scene", e));
  document.head.append(s);
}

const ready = fetch(manifestUrl).then((r) => {
  if (!r.ok) throw new Error(`${r.status} manifest.json`);
  return r.json();
}).then((m) => {
  S.M = m;
  window.lofipress.manifest = m;
  if (m.version !== 1) console.warn(`lofipress: manifest version ${m.version}, player expects 1`);
  const first = (l) => ((l || [])[0] || {}).id || null;
  Object.assign(S.sel, {
    track: app.dataset.track && byId(m.tracks, app.dataset.track) ? app.dataset.track : first(m.tracks),
    song: first(m.songs), drums: first(m.drums), ambience: first(m.ambience), quote: first(m.quotes),
  });
  readUrl();
  for (const k of ["drums", "ambience", "quote"]) {
    const el = $(`${k}-select`);
    if (el && el.options.length && !params.has(k) && el.value) S.sel[k] = el.value;
  }
  state.visual = sceneOf(byId(m.ambience, S.sel.ambience));
  Object.assign(state, { trackId: S.sel.track, source: S.sel.source, songId: S.sel.song, drumsId: S.sel.drums,
    ambienceId: S.sel.ambience, quoteId: S.sel.quote });
  bindUi();
  bindMedia();
  listenKeys();
  emit("scene", { visual: state.visual, bpm: (mainItem() || {}).bpm });
  // Before any tap: fetch what the first second of music needs (a small first segment), nothing more.
  const plan = planFor(S.sel);
  getBuffer(filesOf(plan)[0], 5).catch(() => {});
  boot.player = true;
  if (boot.taps.length) { state.clickAt = boot.taps[0]; ensureStarted(); }
  on("play", (d) => { if (d.playing) loadScene(); });
  setTimeout(loadScene, SCENE_IDLE_MS);
}).catch((err) => fail(err));

function allSources() {
  const M = S.M, srcs = new Set();
  for (const t of M.tracks || []) { srcs.add(t.audio.src); for (const g of t.audio.segments || []) srcs.add(g.src); }
  for (const l of [...(M.drums || []), ...(M.ambience || [])]) for (const v of Object.values(l.by_bpm)) srcs.add(v.src);
  for (const q of M.quotes || []) srcs.add(q.src);
  for (const s of samplerSrcs()) srcs.add(s);
  return [...srcs];
}

window.lofipress = {
  state, manifest: null, ready,
  decodeAll: () => decodeAll(allSources()),
  get transport() {
    const T = tr();
    return { state: T.state, bpm: T.bpm.value, seconds: posAt(Tone.getContext().currentTime), position: String(T.position), ppq: T.PPQ,
      sampleRate: Tone.getContext().sampleRate, contextTime: Tone.getContext().currentTime };
  },
  gains,
  // the drums' break gain now: 0 inside a break bar of the main track, 1 elsewhere; null before the first play
  drumBreakGain: () => (S.deck ? S.deck.breaks.node.gain.value : null),
  play: () => (S.deck ? play() : ensureStarted()), pause, seek, next: () => step(1), previous: () => step(-1),
  stationDueSeconds, // `lofipress bench site` times the hand-over from it
  on,
};
