/* lofipress player: the deck, i.e. what the one transport plays for a plan: its layers, the
 * Tone.Loops that restart drums and ambience on their bar, the Part that starts the track's
 * segments on theirs, the notes (sound for a live song, visuals for both), the drum breaks
 * and the quote. Built, started and stopped here; switching decks is transport.js's job. */
import { S, state, emit, tr, mod, atTime, posAt, LAYERS } from "./core.js";
import { vol } from "./mixer.js";
import { loopLayer, oneShotLayer, segmentLayer, liveLayer } from "./layers.js";
import { drumBreaks } from "./breaks.js";
import { getNotes } from "./loader.js";

export const QUOTE_HOLD_S = 6; // the quote's words stay on screen this long after its voice ends

/** A deck for `plan`, at its tempo; nothing sounds until startDeck. `hooks.quote(item|null)` shows the words. */
export function buildDeck(plan, hooks) {
  const T = tr(), L = S.M.loops;
  T.bpm.value = plan.bpm; // BPM first: "8m" is converted against it
  const mainLoop = `${plan.loopBars}m`;
  const d = { plan, hooks, layers: {}, loops: {}, events: [], quoteStart: null, part: null, disposed: false };
  d.loopS = Tone.Time(mainLoop).toSeconds();
  // The drums pass through the main track's breaks; whatever drums play later (swapLayer) too.
  d.breaks = drumBreaks(plan.main.breaks, mainLoop, vol.drums);
  d.out = { ...vol, drums: d.breaks.node };
  d.layers.main = plan.live ? liveLayer(d.out.main) : segmentLayer(plan.segments, d.out.main, d.loopS);
  for (const n of ["drums", "ambience"]) {
    if (plan.src[n]) d.layers[n] = loopLayer(plan.src[n], d.out[n], Tone.Time(L[n]).toSeconds(), n === "drums" ? 30 : 35);
  }
  if (plan.src.quote) d.layers.quote = oneShotLayer(plan.src.quote, d.out.quote);
  // Each loop restarts its player at the callback's exact time: layers stay sample-aligned
  // after any number of loops (no free-running player loops).
  for (const n of ["drums", "ambience"]) {
    d.loops[n] = new Tone.Loop((time) => { const x = d.layers[n]; if (x) x.start(time, posAt(time)); }, L[n]).start(0);
  }
  if (!plan.live) {
    const evs = plan.segments.map((g, i) => ({ time: `${g.firstBar}m`, i }));
    d.segPart = new Tone.Part((time, ev) => d.layers.main.segmentDue(ev.i, time), evs);
    d.segPart.loop = true;
    d.segPart.loopEnd = mainLoop;
    d.segPart.start(0);
  }
  getNotes(plan.main.notes).then((n) => { if (!d.disposed) attachNotes(d, n, mainLoop); });
  d.quoteAtTicks = Tone.Time(L.quote_at).toTicks();
  d.events.push(T.schedule((time) => playQuote(d, time), `${d.quoteAtTicks}i`));
  const bar = 240 / plan.bpm;
  const info = (sec) => ({ lengthSeconds: sec, lengthBars: sec / bar });
  state.loops = {
    drums: info(Tone.Time(L.drums).toSeconds()), ambience: info(Tone.Time(L.ambience).toSeconds()), track: info(d.loopS),
  };
  state.quoteAtSeconds = Tone.Ticks(d.quoteAtTicks).toSeconds();
  return d;
}

function attachNotes(d, notes, mainLoop) {
  const spb = 60 / d.plan.bpm, ppq = tr().PPQ;
  const evs = ((notes && notes.notes) || []).map(([b, dur, pitch, vel, part]) => ({
    time: `${Math.round(b * ppq)}i`, durS: dur * spb, pitch, vel, part,
  }));
  d.part = new Tone.Part((time, ev) => {
    const m = d.layers.main;
    if (m && m.trigger) m.trigger(ev, time);
    if (!document.hidden) Tone.getDraw().schedule(() => { state.noteEvents++; emit("note", ev); }, time);
  }, evs);
  d.part.loop = true;
  d.part.loopEnd = mainLoop;
  d.part.start(0);
}

export function playQuote(d, time, offset = 0) {
  const q = d.layers.quote;
  if (!q || S.deck !== d || !q.player.loaded) return;
  q.start(time, offset);
  d.quoteStart = posAt(time) - offset;
  const until = time + q.duration() - offset + QUOTE_HOLD_S;
  const item = d.plan.quote;
  atTime(() => { if (S.deck === d) d.hooks.quote(item); }, time);
  atTime(() => { if (S.deck === d && d.layers.quote === q) d.hooks.quote(null); }, until);
}

/** Start every layer at context time t with the transport at pos seconds. */
export function startLayers(d, t, pos) {
  for (const n of LAYERS) {
    const x = d.layers[n];
    if (!x) continue;
    if (n === "quote") {
      const qs = d.quoteStart;
      if (qs != null && pos > qs && pos < qs + x.duration()) playQuote(d, t, pos - qs);
    } else {
      x.start(t, pos);
    }
  }
}

export function stopLayers(d, t) {
  for (const n of LAYERS) if (d.layers[n]) d.layers[n].stop(t);
}

/** Whether the deck can sound at transport position pos: its main layer has the audio for it. */
export function canSound(d, pos = 0) {
  const m = d.layers.main;
  return m.live ? true : m.loadedAt(mod(pos, d.loopS));
}

/** Take the deck off the transport; its audio already scheduled fades over `fades[layer]` seconds from t. */
export function disposeDeck(d, t, fades, retire) {
  d.disposed = true;
  Object.values(d.loops).forEach((l) => l.dispose());
  if (d.segPart) d.segPart.dispose();
  if (d.part) d.part.dispose();
  for (const n of LAYERS) retire(d.layers[n], t, fades[n] || 0);
  d.breaks.dispose(t + Math.max(0, ...Object.values(fades)));
}
