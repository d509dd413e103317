/* lofipress player: drum breaks. A track's or song's manifest `breaks` are 0-based bars of
 * its loop where the drums drop out (by default the bar before the bridge). The drums keep
 * their own 8-bar loop position: only a gain between the drums layer and its fader goes to 0
 * for those bars, on every cycle of the main track, and back on the next bar. The changes are
 * events of a Tone.Part looped with the main track on the one transport, so they follow pause,
 * resume and track changes; resume(t, pos) sets the level when playback starts mid-loop. */
const RAMP_S = 0.02; // 20 ms: no click, and the level is reached on the bar line

/**
 * A drum-break gate for one deck.
 * breaks: 0-based break bars; loopEnd: the main track's loop as a Tone time ("30m");
 * dest: where the drums go after the gate. Returns {node, isBreak(bar), resume(t, pos), dispose(at)}.
 */
export function drumBreaks(breaks, loopEnd, dest) {
  const node = new Tone.Gain(1).connect(dest);
  const barTicks = Tone.Time("1m").toTicks();
  const loopBars = Math.max(1, Math.round(Tone.Time(loopEnd).toTicks() / barTicks));
  const on = new Set((breaks || []).filter((b) => Number.isInteger(b) && b >= 0 && b < loopBars));
  const isBreak = (bar) => on.has(((bar % loopBars) + loopBars) % loopBars);

  // One event per bar line where the drums change, across the loop's seam too.
  const events = [];
  for (let bar = 0; bar < loopBars && on.size; bar++) {
    if (isBreak(bar) !== isBreak(bar - 1)) events.push({ time: `${bar * barTicks}i`, level: isBreak(bar) ? 0 : 1 });
  }
  // Reach the level on the bar line: the ramp starts 20 ms before it (a late callback starts it now).
  const rampTo = (level, time) => {
    const start = Math.max(time - RAMP_S, Tone.getContext().currentTime);
    node.gain.cancelScheduledValues(start);
    node.gain.setValueAtTime(node.gain.getValueAtTime(start), start);
    node.gain.linearRampToValueAtTime(level, Math.max(time, start + 0.001));
  };
  const part = new Tone.Part((time, ev) => rampTo(ev.level, time), events);
  part.loop = true;
  part.loopEnd = loopEnd;
  part.start(0);

  return {
    node, isBreak,
    // Playback starts at context time t from transport position pos (seconds): set the level there.
    resume: (t, pos) => {
      const bar = Math.floor(Tone.Time(pos).toTicks() / barTicks + 1e-6);
      node.gain.cancelScheduledValues(t);
      node.gain.setValueAtTime(isBreak(bar) ? 0 : 1, t);
    },
    dispose: (at = Tone.now()) => {
      part.dispose();
      setTimeout(() => node.dispose(), (at - Tone.getContext().currentTime) * 1000 + 1500);
    },
  };
}
