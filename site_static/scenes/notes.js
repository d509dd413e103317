/* What a note means to a picture, shared by every scene: where it sits across the
 * screen (pitch), how strong it is (part and velocity), and how long its light lives
 * (seconds). Each scene decides what lights up; these keep the answers consistent:
 * melody the brightest, keys quieter, bass a soft pulse of the whole scene. */

// melody carries the tune, so it leads; keys are chords (many notes at once) and would
// flood the picture at full strength
const PART_WEIGHT = { melody: 1, keys: 0.55, bass: 0.4 };
const LOW_PITCH = 36; // C2: the left edge of the screen
const HIGH_PITCH = 84; // C6: the right edge; lo-fi parts rarely leave this range
const FADE_S = 1.6; // a light dims over this long after its note ends

/** The part of a note event, "keys" when unnamed. */
export const partOf = (ev) => (ev && PART_WEIGHT[ev.part] !== undefined ? ev.part : "keys");

/** 0..1 strength from part and velocity (0..127). */
export function strengthOf(ev) {
  const vel = Math.max(0, Math.min(127, Number(ev.vel) || 80));
  return PART_WEIGHT[partOf(ev)] * (0.55 + 0.45 * (vel / 127));
}

/** 0 (left, low) .. 1 (right, high) for a MIDI pitch. */
export function pitchToUnit(pitch) {
  const u = ((Number(pitch) || 60) - LOW_PITCH) / (HIGH_PITCH - LOW_PITCH);
  return Math.max(0, Math.min(1, u));
}

/**
 * Fading lights: items live while their note holds, then fade over FADE_S seconds.
 * Scenes add {…data, holdS} and read light.level (1 .. 0) when drawing.
 */
export class Lights {
  constructor(max = 64) {
    this.max = max; // a dense chord run must not grow the list (or the frame time) without bound
    this.items = [];
  }

  add(item, durS = 0.5) {
    const holdS = Math.max(0.2, Math.min(2.5, Number(durS) || 0.5));
    this.items.push({ ...item, ageS: 0, holdS, level: 1 });
    if (this.items.length > this.max) this.items.shift();
    return this.items[this.items.length - 1];
  }

  /** Age every light by real seconds; drop the dark ones. */
  step(realDtS) {
    for (const it of this.items) {
      it.ageS += realDtS;
      it.level = it.ageS <= it.holdS ? 1 : Math.max(0, 1 - (it.ageS - it.holdS) / FADE_S);
    }
    this.items = this.items.filter((it) => it.level > 0);
  }

  get alive() {
    return this.items.length > 0;
  }
}

/** A soft pulse for the bass: a hit swells it, it decays over about one beat. */
export class Pulse {
  constructor() {
    this.value = 0;
  }

  hit(amount) {
    this.value = Math.min(1, this.value + amount);
  }

  step(realDtS, beatS = 0.75) {
    this.value *= Math.exp(-realDtS / Math.max(0.2, beatS));
    if (this.value < 0.01) this.value = 0;
  }

  get alive() {
    return this.value > 0;
  }
}
