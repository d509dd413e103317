/* lofipress player: the layer kinds. Every layer has one shape:
 *   {gain, ready, start(t, pos), stop(t), dispose()}
 * start(t, pos): from context time t the transport stands at pos seconds: play what belongs
 * there. A layer whose audio has not arrived yet remembers that it should be playing and
 * joins on the next bar line once it has (joinOnArrival), at the offset that bar has in its
 * loop, so layers come in one by one on a slow network without ever drifting off the grid. */
import { S, tr, mod, ctxNow, posAt } from "./core.js";
import { getBuffer } from "./loader.js";

const JOIN_FADE_S = 0.01; // a layer that joins mid-loop fades in over 10 ms: no click
const LATE_START_S = 0.01; // a late start is moved this far past now: the audio thread needs a moment

/** One Tone.Player on one file, guarded against a double start at the same time. */
function voice(src, dest, priority) {
  const player = new Tone.Player().connect(dest);
  let lastStart = -1, lastStop = -1, endsAt = -1;
  const ready = getBuffer(src, priority).then((b) => { player.buffer = b; });
  return {
    src, player, ready,
    loaded: () => player.loaded,
    start(t, offset) {
      // a loop tick and a resume can land on the same time: already started is fine
      if (!player.loaded || (t <= lastStart + 1e-4 && lastStop < lastStart)) return false;
      // A callback a busy CPU delivered late asks for a time already gone, which Web Audio would play at once
      // from `offset`, off the grid: start now instead, as far into the file as the grid has moved.
      const now = ctxNow() + LATE_START_S;
      if (t < now) { offset += now - t; t = now; }
      if (offset >= player.buffer.duration) return false;
      player.start(t, offset);
      lastStart = t;
      endsAt = t + player.buffer.duration - offset;
      return true;
    },
    stop(t) { if (player.loaded) player.stop(t); lastStop = t; endsAt = Math.min(endsAt, t); },
    soundsAt: (t) => t < endsAt - 1e-4,
    dispose() { player.dispose(); },
  };
}

/** Once `promise` resolves, on the next bar line: `join(t, pos)`, if the layer still plays;
 * when join started something, fade `gain` in there (a mid-loop entry must not click). */
function joinOnArrival(promise, isRunning, join, gain) {
  promise.then(() => {
    if (!isRunning() || tr().state !== "started") return;
    const t = Math.max(tr().nextSubdivision("1m"), ctxNow() + 0.05);
    if (!join(t, posAt(t))) return;
    gain.gain.cancelScheduledValues(t);
    gain.gain.setValueAtTime(0, t);
    gain.gain.linearRampToValueAtTime(1, t + JOIN_FADE_S);
  }).catch(() => {});
}

/** A file looped every `loopS` seconds (drums, ambience); the deck's Tone.Loop calls start on each turn. */
export function loopLayer(src, dest, loopS, priority = 30) {
  const gain = new Tone.Gain(1).connect(dest);
  const v = voice(src, gain, priority);
  let running = false, joining = false;
  const play = (t, pos) => !v.soundsAt(t) && v.start(t, mod(pos, loopS));
  const layer = {
    src, gain, ready: v.ready, loopS, player: v.player,
    start(t, pos) {
      running = true;
      if (play(t, pos) || v.loaded() || joining) return;
      joining = true;
      joinOnArrival(v.ready, () => running, play, gain);
    },
    stop(t) { running = false; v.stop(t); },
    dispose() { v.dispose(); gain.dispose(); },
  };
  return layer;
}

/** A one-shot file (the quote): start(t, offset) plays it from offset seconds. */
export function oneShotLayer(src, dest) {
  const gain = new Tone.Gain(1).connect(dest);
  const v = voice(src, gain, 40);
  return {
    src, gain, ready: v.ready, player: v.player,
    duration: () => (v.loaded() ? v.player.buffer.duration : 0),
    start: (t, offset = 0) => v.start(t, offset),
    stop: (t) => v.stop(t),
    dispose() { v.dispose(); gain.dispose(); },
  };
}

/**
 * An AI track as segments played back to back on the grid: segment i starts at its own bar of
 * the loop (segmentDue, from the deck's Part), or, when the transport starts or a late segment
 * arrives inside its span, at the matching offset. `ready` resolves with the first segment.
 */
export function segmentLayer(segments, dest, loopS, priorityBase = 10) {
  const gain = new Tone.Gain(1).connect(dest);
  const voices = segments.map((g, i) => voice(g.src, gain, priorityBase + (i === 0 ? 0 : i < 2 ? 25 : 40 + i)));
  let running = false;
  const spanAt = (pos) => {
    const p = mod(pos, loopS);
    const i = segments.findIndex((g) => p >= g.startS - 1e-4 && p < g.startS + g.durS - 1e-4);
    return i < 0 ? null : { i, offset: Math.max(0, p - segments[i].startS) };
  };
  const playAt = (t, pos) => {
    const at = spanAt(pos);
    return at ? voices[at.i].start(t, at.offset) : false;
  };
  // A segment that arrives inside its own span joins on the next bar; one that arrives earlier waits for its bar.
  voices.forEach((v, i) => joinOnArrival(v.ready, () => running, (t, pos) => {
    const at = spanAt(pos);
    return !!at && at.i === i && !v.soundsAt(t) && v.start(t, at.offset);
  }, gain));
  return {
    gain, segments, voices, loopS, ready: voices.length ? voices[0].ready : Promise.resolve(),
    loadedAt: (pos) => { const at = spanAt(pos); return !!at && voices[at.i].loaded(); },
    start(t, pos) { running = true; playAt(t, pos); },
    segmentDue(i, time) { if (running && voices[i]) voices[i].start(time, 0); },
    stop(t) { running = false; voices.forEach((v) => v.stop(t)); },
    dispose() { voices.forEach((v) => v.dispose()); gain.dispose(); },
  };
}

// Note part -> the manifest's sampler roles it may play on, first shipped wins: the melody sings on the pack's
// lead (else its piano) when the build shipped those zones, and on the keys otherwise, as packs.PART_ROLES does.
const PART_SAMPLERS = { keys: ["keys", "bass"], melody: ["lead", "piano", "keys", "bass"], bass: ["bass", "keys"] };

/** A live song: the pack's samplers play the notes through a small lo-fi chain. */
export function liveLayer(dest) {
  const M = S.M, fx = M.live_fx || {};
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
  const ready = Promise.all(Object.entries(M.sampler || {}).map(async ([role, map]) => {
    const urls = {};
    for (const [k, src] of Object.entries(map)) urls[k] = (await getBuffer(src, 5)).get();
    samplers[role] = new Tone.Sampler({ urls, release: 0.6 }).connect(wow);
  }));
  const nodes = [gain, lowpass, crusher, wow, noiseGain, noiseFilter, noise];
  return {
    gain, ready, live: true,
    start: (t) => noise.start(t),
    stop: (t) => { noise.stop(t); Object.values(samplers).forEach((s) => s.releaseAll(t)); },
    trigger(ev, time) {
      const roles = PART_SAMPLERS[ev.part] || PART_SAMPLERS.keys;
      const s = samplers[roles.find((r) => samplers[r])];
      if (s) s.triggerAttackRelease(Tone.Frequency(ev.pitch, "midi").toFrequency(), ev.durS, time, ev.vel / 127);
    },
    dispose() { Object.values(samplers).forEach((s) => s.dispose()); nodes.forEach((n) => n.dispose()); },
  };
}

export function fadeIn(layer, t, dur) {
  if (!layer || !dur) return;
  layer.gain.gain.setValueAtTime(0, t);
  layer.gain.gain.linearRampToValueAtTime(1, t + dur);
}

export function retire(layer, t, dur) {
  if (!layer) return;
  if (dur) {
    layer.gain.gain.cancelScheduledValues(t);
    layer.gain.gain.setValueAtTime(layer.gain.gain.getValueAtTime(t), t);
    layer.gain.gain.linearRampToValueAtTime(0, t + dur);
  }
  layer.stop(t + dur);
  setTimeout(() => layer.dispose(), (t + dur - ctxNow()) * 1000 + 1500);
}
