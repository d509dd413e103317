/* lofipress player: fetching and decoding, in the order the music needs the files.
 * On a phone network the files share a thin pipe: fetched all at once, the first segment
 * of a track would arrive as late as the last. So fetches wait in one queue, most urgent
 * first, at most MAX_IN_FLIGHT at a time, and each reports its bytes for progress bars. */
import { abs, state } from "./core.js";

const MAX_IN_FLIGHT = 2; // two keeps the pipe full across a request's round trip without splitting it thinly
const queue = []; // {src, priority, start}
let inFlight = 0;
const buffers = new Map(); // src -> Promise<ToneAudioBuffer>
const bytes = new Map(); // src -> [received, total]
const notes = new Map(); // src -> Promise<notes json | null>
const watchers = new Set();

const URGENT = 10; // priorities below this are what a waiting tap needs: while one is in flight, it has the pipe
const urgentInFlight = new Set();

function pump() {
  state.fetching = queue.length + inFlight; // files queued or on their way (public: a page can wait for 0)
  queue.sort((a, b) => a.priority - b.priority);
  while (inFlight < MAX_IN_FLIGHT && queue.length) {
    if (urgentInFlight.size && queue[0].priority >= URGENT) break;
    const job = queue.shift();
    inFlight++;
    if (job.priority < URGENT) urgentInFlight.add(job);
    job.start().finally(() => { inFlight--; urgentInFlight.delete(job); pump(); });
  }
  state.fetching = queue.length + inFlight;
}

async function fetchBytes(src) {
  const res = await fetch(abs(src));
  if (!res.ok) throw new Error(`${res.status} ${src}`);
  const total = Number(res.headers.get("Content-Length")) || 0;
  const report = (got) => { bytes.set(src, [got, total]); watchers.forEach((w) => w()); };
  report(0);
  if (!res.body) { const b = await res.arrayBuffer(); report(b.byteLength); return b; }
  const reader = res.body.getReader();
  const chunks = [];
  let got = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    got += value.length;
    report(got);
  }
  const out = new Uint8Array(got);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out.buffer;
}

/** The decoded buffer of `src`, fetched once; a lower `priority` number is fetched sooner.
 * Asking again with a more urgent priority moves a waiting fetch up the queue. */
export function getBuffer(src, priority = 50) {
  const waiting = queue.find((j) => j.src === src);
  if (waiting) { waiting.priority = Math.min(waiting.priority, priority); pump(); }
  if (!buffers.has(src)) {
    const p = new Promise((resolve, reject) => {
      queue.push({ src, priority, start: () => fetchBytes(src).then(resolve, reject) });
      pump();
    }).then((data) => Tone.getContext().decodeAudioData(data)).then((ab) => {
      state.buffers[src] = { length: ab.length, sampleRate: ab.sampleRate, duration: ab.duration };
      return new Tone.ToneAudioBuffer(ab);
    });
    p.catch(() => { buffers.delete(src); bytes.delete(src); });
    buffers.set(src, p);
  }
  return buffers.get(src);
}

export const isLoaded = (src) => !!state.buffers[src] && buffers.has(src);

/** Share of the bytes of `srcs` received so far (0-1); files not started count as unknown size. */
export function progressOf(srcs) {
  let got = 0, total = 0, unknown = 0;
  for (const s of srcs) {
    const b = bytes.get(s);
    if (isLoaded(s)) { const n = b ? Math.max(b[0], 1) : 1; got += n; total += n; continue; }
    if (!b || !b[1]) { unknown++; if (b) got += b[0]; continue; }
    got += b[0];
    total += b[1];
  }
  const mean = total && srcs.length > unknown ? total / (srcs.length - unknown) : 1;
  return Math.min(1, got / (total + unknown * mean || 1));
}

/** Call fn whenever any fetch reports bytes; returns a function that stops it. */
export function watchBytes(fn) {
  watchers.add(fn);
  return () => watchers.delete(fn);
}

export function getNotes(src) {
  if (!src) return Promise.resolve(null);
  if (!notes.has(src)) notes.set(src, fetch(abs(src)).then((r) => (r.ok ? r.json() : null)).catch(() => null));
  return notes.get(src);
}

/** Forget decoded audio not in `keep` (a minute of decoded stereo is ~20 MB): tracks only. */
export function prune(keep, isTrack) {
  for (const src of [...buffers.keys()]) {
    if (isTrack(src) && !keep.has(src)) { buffers.delete(src); bytes.delete(src); delete state.buffers[src]; }
  }
}

/** Fetch and decode every file (test hook): {src: decoded length in samples}. */
export async function decodeAll(srcs) {
  const out = {};
  for (const s of srcs) {
    const res = await fetch(abs(s));
    out[s] = (await Tone.getContext().decodeAudioData(await res.arrayBuffer())).length;
  }
  return out;
}
