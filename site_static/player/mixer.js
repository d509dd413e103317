/* lofipress player: the mixer graph.
 * layer gains -> vol[layer] -> pauseBus (pause fades) -> master -> limiter -> out. */
import { S, state, LAYERS } from "./core.js";

export const vol = {};
const limiter = new Tone.Limiter(-1);
export const master = new Tone.Gain(0.64).connect(limiter);
export const pauseBus = new Tone.Gain(1).connect(master);
for (const n of LAYERS) vol[n] = new Tone.Gain(0.64).connect(pauseBus);
export const audioEl = document.createElement("audio");
audioEl.hidden = true;
document.body.append(audioEl);
let streamDest = null;

// Chrome shows lock-screen controls only while a media element plays, so the mix goes out
// ONLY through a MediaStream into <audio> (no doubled sound); where that fails, to the speakers.
export function route() {
  if (state.route) return;
  try {
    streamDest = Tone.getContext().rawContext.createMediaStreamDestination();
    limiter.connect(streamDest);
    audioEl.srcObject = streamDest.stream;
    state.route = "element";
    audioEl.play().catch(direct);
  } catch (e) {
    direct();
  }
}

export function direct() {
  if (streamDest) { try { limiter.disconnect(streamDest); } catch (e) { /* not connected */ } }
  streamDest = null;
  limiter.toDestination();
  state.route = "direct";
}

export function applyGain(n) {
  const off = n === "master" ? S.muted.all : S.muted[n];
  const g = off ? 0 : S.level[n] * S.level[n]; // squared: a slider that feels even
  (n === "master" ? master : vol[n]).gain.rampTo(g, 0.05);
}

export const gains = () => Object.fromEntries([...LAYERS.map((n) => [n, vol[n].gain.value]), ["master", master.gain.value]]);
