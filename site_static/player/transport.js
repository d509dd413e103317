/* lofipress player: the transport. Play, pause, seek, switching decks (a new track, or the
 * next one in station mode, handed over on its bar) and changing one layer on the next bar.
 * It tells the page what happened through events ("sync", "quote", "error", "advance"). */
import { S, state, emit, tr, ctxNow, posAt, byId, mainItem, samplerSrcs, STATION_PASSES, XFADE_S, MANUAL_FADE_S } from "./core.js";
import { pauseBus, audioEl, route, direct } from "./mixer.js";
import { planFor, filesOf, sceneOf, writeUrl } from "./plan.js";
import { getBuffer, isLoaded, prune } from "./loader.js";
import { buildDeck, startLayers, stopLayers, canSound, disposeDeck, playQuote } from "./deck.js";
import { loopLayer, oneShotLayer, fadeIn, retire } from "./layers.js";

const PREPARE_S = 8; // station mode gets the hand-over ready this long before it is due
const SWAP_MARGIN_S = 0.25; // the old deck is taken off the transport this long before the hand-over
const START_DELAY_S = 0.02; // a start this far past Tone's now (the clock plus its look-ahead) is never late
// Fades (seconds) per layer when decks change: a manual change crossfades everything briefly; station mode
// lets the old track end on its own loop end, cuts the old drums fast (two tempos must not clash) and
// crossfades the ambience slowly.
const MANUAL_FADES = { main: MANUAL_FADE_S, drums: MANUAL_FADE_S, ambience: MANUAL_FADE_S, quote: MANUAL_FADE_S };
const STATION_OUT = { main: 0.05, drums: 0.3, ambience: XFADE_S, quote: 1 };
const STATION_IN = { main: 0, drums: 0.3, ambience: XFADE_S, quote: 0 };
const hooks = { quote: (item) => emit("quote", item) };
let switchToken = 0;
let starting = null;

const sleep = (s) => new Promise((r) => setTimeout(r, Math.max(0, s * 1000)));
const trackSrc = new Set(); // every segment src seen: decoded tracks are pruned, loops kept

/** The audio a deck needs before it can sound at bar 0: the first segment, or a live song's samplers. */
function firstAudio(plan) {
  if (plan.live) return Promise.all(samplerSrcs().map((s) => getBuffer(s, 5)));
  plan.segments.forEach((g) => trackSrc.add(g.src));
  return getBuffer(plan.segments[0].src, 5);
}

function waitFor(promise, srcs) {
  state.pending = true;
  emit("pending", { srcs });
  return promise.finally(() => { state.pending = false; emit("pending", null); });
}

/**
 * Replace the deck with one for selection `s`. It sounds at context time `at` (station mode's bar) or as soon
 * as its first audio is here; the old deck keeps playing until then. Returns {dueTime, startTime} or null.
 */
async function switchTo(s, { at = null, fadeOut = MANUAL_FADES, fadeIn: fadesIn = MANUAL_FADES, play = state.playing } = {}) {
  const token = ++switchToken;
  const plan = planFor(s);
  filesOf(plan).forEach((src, i) => getBuffer(src, 10 + i));
  await waitFor(firstAudio(plan), filesOf(plan).slice(0, 1));
  if (token !== switchToken) return null;
  if (at != null && at - ctxNow() > SWAP_MARGIN_S) await sleep(at - ctxNow() - SWAP_MARGIN_S);
  if (token !== switchToken) return null;
  const T = tr(), old = S.deck;
  const t = Math.max(at ?? 0, Tone.now() + START_DELAY_S);
  T.stop(t);
  if (old) {
    disposeDeck(old, t, play ? fadeOut : {}, retire);
    old.events.forEach((id) => T.clear(id));
    if (old.stationEvent != null) T.clear(old.stationEvent);
  }
  T.cancel(0);
  emit("quote", null);
  const d = buildDeck(plan, hooks);
  S.deck = d;
  prune(new Set(plan.segments.map((g) => g.src)), (src) => trackSrc.has(src) && !(S.nextPlan && S.nextPlan.segments.some((g) => g.src === src)));
  applySelectionState(plan);
  // The layers' players take their decoded buffers a few microtasks after the decode: wait for the main
  // layer's and for every other one already decoded, so they start with the deck instead of a bar later.
  await Promise.all(Object.values(d.layers).filter((x) => x && (x === d.layers.main || isLoaded(x.src))).map((x) => x.ready));
  if (token !== switchToken) return null;
  // The start is worked out now the deck is built and its buffers are in: on a slow CPU building it took longer
  // than START_DELAY_S, and a start at `t` would lie in the past (Web Audio plays that at once, off the grid).
  const start = Math.max(t, Tone.now() + START_DELAY_S);
  if (play) {
    for (const [n, f] of Object.entries(fadesIn)) fadeIn(d.layers[n], start, f);
    startLayers(d, start, 0);
    T.start(start, 0);
    d.breaks.resume(start, 0); // after the transport's start, which lets the breaks' Part set its level there
    state.playing = true;
    armStation(d);
  }
  emit("sync");
  return { dueTime: at ?? t, startTime: start };
}

function applySelectionState(plan) {
  const s = plan.sel;
  Object.assign(state, {
    bpm: tr().bpm.value, trackId: s.track, source: s.source, songId: s.song,
    drumsId: plan.src.drums ? plan.drumsId : null, ambienceId: plan.src.ambience ? s.ambience : null,
    quoteId: plan.quote ? s.quote : null, layers: { ...plan.src, main: plan.segments.map((g) => g.src) }, loaded: true,
  });
  state.visual = sceneOf(byId(S.M.ambience, s.ambience));
  emit("scene", { visual: state.visual, bpm: plan.bpm });
  emit("nowplaying");
}

// ---- station mode: the next track is chosen and fetched early, and handed over on the loop's last bar line
function nextSel(dir) {
  const M = S.M, sel = S.sel, live = sel.source === "live";
  const list = (live ? M.songs : M.tracks) || [];
  if (!list.length) return null;
  const cur = list.findIndex((x) => x.id === (live ? sel.song : sel.track));
  let i = (cur + dir + list.length) % list.length;
  if (state.shuffle && list.length > 1) { do { i = Math.floor(Math.random() * list.length); } while (i === cur); }
  return { ...sel, [live ? "song" : "track"]: list[i].id };
}

export function armStation(d = S.deck) {
  if (!d) return;
  const T = tr();
  if (d.stationEvent != null) T.clear(d.stationEvent);
  d.stationEvent = null;
  d.stationDueTicks = null;
  if (!state.station || !state.playing) return;
  const loopTicks = Tone.Time(`${d.plan.loopBars}m`).toTicks();
  const now = T.ticks;
  let due = loopTicks * STATION_PASSES;
  while (due <= now + T.PPQ * 4) due += loopTicks; // turned on late: leave at a later loop end
  d.stationDueTicks = due;
  if (!S.nextSel || S.nextFor !== d) { S.nextSel = nextSel(1); S.nextFor = d; }
  S.nextPlan = S.nextSel && planFor(S.nextSel);
  if (S.nextPlan) filesOf(S.nextPlan).forEach((src, i) => getBuffer(src, 60 + i)); // after everything playing now
  const prep = Math.max(now + 1, due - Math.round(Tone.Time(PREPARE_S).toTicks()));
  const untilDue = Tone.Ticks(due - prep).toSeconds();
  d.stationEvent = T.schedule((time) => {
    setTimeout(() => handOver(d, time + untilDue));
  }, `${prep}i`);
}

async function handOver(d, dueTime) {
  if (S.deck !== d || !state.playing || !S.nextSel) return;
  const next = S.nextSel;
  Object.assign(S.sel, next);
  S.nextSel = null;
  writeUrl();
  const r = await switchTo(S.sel, { at: dueTime, fadeOut: STATION_OUT, fadeIn: STATION_IN, play: true }).catch((e) => emit("error", e));
  if (r) {
    state.advances.push(r);
    emit("advance", r);
  }
}

export const stationDueSeconds = () => {
  const d = S.deck;
  return d && d.stationDueTicks != null ? Tone.Ticks(d.stationDueTicks).toSeconds() : null;
};

// ---- play, pause, seek
export async function ensureStarted() {
  if (S.deck || starting) return starting;
  starting = (async () => {
    await Tone.start();
    route();
    if (navigator.audioSession) navigator.audioSession.type = "playback";
    await switchTo(S.sel, { play: true, fadeIn: {} });
  })().catch((e) => { starting = null; emit("error", e); });
  return starting;
}

function startAt(t) {
  const T = tr(), pos = posAt(t); // paused: the position a seek set (at Tone's now) holds until t
  startLayers(S.deck, t, pos);
  T.start(t);
  S.deck.breaks.resume(t, pos); // after the transport's start, which lets the breaks' Part set its level there
  pauseBus.gain.cancelScheduledValues(t); // undo pause()'s fade
  pauseBus.gain.setValueAtTime(0, t);
  pauseBus.gain.linearRampToValueAtTime(1, t + 0.03);
}

export async function play() {
  if (!S.deck) return ensureStarted();
  if (state.playing) return;
  await Tone.start();
  if (state.route === "element") audioEl.play().catch(direct);
  const d = S.deck, pos = posAt(Tone.now());
  if (!canSound(d, pos)) await waitFor(d.layers.main.ready, []);
  if (S.deck !== d || state.playing) return;
  startAt(Tone.now() + START_DELAY_S);
  state.playing = true;
  armStation(d);
  emit("sync");
}

export function pause() {
  if (!state.playing) return;
  const now = ctxNow(), t = Tone.now(); // already scheduled up to t: fade out across the look-ahead
  pauseBus.gain.cancelScheduledValues(now);
  pauseBus.gain.setValueAtTime(pauseBus.gain.getValueAtTime(now), now);
  pauseBus.gain.linearRampToValueAtTime(0, t);
  tr().pause(t);
  stopLayers(S.deck, t);
  state.playing = false;
  armStation();
  if (state.route === "element") setTimeout(() => { if (!state.playing) audioEl.pause(); }, 200);
  emit("sync");
}

export const toggle = () => (state.playing ? pause() : play());

/** Move the transport to `seconds` (within the track's loop), keeping play or pause. */
export async function seek(seconds) {
  if (!S.deck) return;
  const was = state.playing;
  if (was) pause();
  await sleep(0.15); // the pause lands across the look-ahead first
  tr().seconds = Math.max(0, seconds);
  if (was) await play();
}

// ---- changes from the page
export function step(dir) {
  const s = nextSel(dir);
  if (!s) return;
  Object.assign(S.sel, s);
  changed(true);
}

/** A track/source change rebuilds the deck; a layer change lands on the next bar. */
export function changed(rebuild) {
  writeUrl();
  emit("sync");
  const d = S.deck;
  if (!d) { emit("nowplaying"); return; }
  S.nextSel = null;
  const plan = planFor(S.sel);
  if (rebuild || plan.bpm !== d.plan.bpm || plan.main !== d.plan.main) return switchTo(S.sel).catch((e) => emit("error", e));
  return swapLayers(plan).catch((e) => emit("error", e));
}

async function swapLayers(plan) {
  const d = S.deck, token = switchToken, L = S.M.loops;
  await Promise.all([plan.src.drums, plan.src.ambience, plan.src.quote].filter(Boolean).map((s) => getBuffer(s, 20)));
  if (d !== S.deck || token !== switchToken) return;
  const T = tr();
  const t = state.playing ? T.nextSubdivision("1m") : Tone.now();
  const pos = posAt(t);
  for (const n of ["drums", "ambience", "quote"]) {
    const src = plan.src[n], old = d.layers[n];
    if ((old && old.src) === src) continue;
    const x = !src ? null : n === "quote" ? oneShotLayer(src, d.out[n]) : loopLayer(src, d.out[n], Tone.Time(L[n]).toSeconds());
    await (x && x.ready);
    if (d !== S.deck) { if (x) x.dispose(); return; }
    retire(old, t, state.playing ? 0.01 : 0);
    d.layers[n] = x;
    if (n === "quote") {
      d.quoteStart = null;
      if (x && state.playing && pos >= Tone.Ticks(d.quoteAtTicks).toSeconds()) playQuote(d, t); // its moment passed: now
      else if (!x) emit("quote", null);
    } else if (x && state.playing) {
      fadeIn(x, t, 0.01);
      x.start(t, pos);
    }
  }
  d.plan = { ...d.plan, sel: { ...plan.sel }, src: plan.src, quote: plan.quote, drumsId: plan.drumsId };
  applySelectionState(d.plan);
  armStation(d);
}

export { mainItem };
