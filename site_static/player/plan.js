/* lofipress player: the manifest side. What a selection plays (tempo, files, segments, notes)
 * and the URL that reproduces the mix. Plain data in, plain data out; no audio nodes. */
import { S, state, params, byId, mainItem, samplerSrcs } from "./core.js";

function bpmFor(s) {
  const M = S.M;
  const want = mainItem(s).bpm;
  const loop = byId(M.drums, s.drums) || byId(M.ambience, s.ambience) || (M.drums || [])[0];
  const have = loop ? Object.keys(loop.by_bpm).map(Number) : [];
  // Notes are in beats, so a live song can follow the nearest tempo the loops were rendered at;
  // an AI track's MP3 keeps its own (a pack's drum loop is rendered only near its own tempo).
  if (s.source !== "live" || !have.length || have.includes(want)) return want;
  return have.reduce((a, b) => (Math.abs(b - want) < Math.abs(a - want) ? b : a));
}
export const loopSrc = (item, bpm) => item && item.by_bpm && (item.by_bpm[String(bpm)] || {}).src;

/** A track's audio as segments in loop order: [{src, startS, durS, firstBar}]. A build without
 * segments gives one segment, the whole file. Times in seconds from the loop start. */
function segmentsOf(track) {
  const a = track.audio, rate = a.sample_rate || 44100;
  const list = a.segments && a.segments.length ? a.segments
    : [{ src: a.src, start_samples: 0, samples: a.samples, first_bar: 0, bars: track.bars }];
  return list.map((g) => ({ src: g.src, startS: g.start_samples / rate, durS: g.samples / rate, firstBar: g.first_bar }));
}

export function planFor(s) {
  const M = S.M;
  const main = mainItem(s), live = s.source === "live", bpm = bpmFor(s);
  const quote = byId(M.quotes, s.quote);
  // a pack's drum loop exists only near its own tempo: elsewhere the first drums rendered at this one play
  const chosen = byId(M.drums, s.drums);
  const drums = s.drums && (loopSrc(chosen, bpm) ? chosen : (M.drums || []).find((d) => loopSrc(d, bpm)));
  return {
    sel: { ...s }, main, live, bpm, quote, drumsId: drums ? drums.id : null,
    segments: live ? [] : segmentsOf(main),
    loopBars: main.bars || 30,
    src: {
      drums: drums ? loopSrc(drums, bpm) : undefined,
      ambience: loopSrc(byId(M.ambience, s.ambience), bpm),
      quote: quote && quote.src,
    },
  };
}

/** Every file a plan plays, most urgent first: what sounds at bar 0, then what joins, then the rest. */
export function filesOf(plan) {
  const seg = plan.segments.map((g) => g.src);
  const live = plan.live ? samplerSrcs() : [];
  return [...live, ...seg.slice(0, 1), plan.src.drums, ...seg.slice(1, 2), plan.src.ambience, plan.src.quote,
    ...seg.slice(2)].filter(Boolean);
}

// The backdrop follows the ambience; with none, the station's own background (manifest.look).
export function sceneOf(amb) {
  return (amb && amb.visual) || (S.M.look && S.M.look.background) || "calm";
}

// ---- the URL reproduces the mix
export const VOLS = ["main", "drums", "ambience", "quote", "master"];
export function shareUrl() {
  const { sel, level, muted } = S;
  const q = new URLSearchParams();
  q.set("track", sel.track);
  q.set("source", sel.source);
  if (sel.song) q.set("song", sel.song);
  q.set("drums", sel.drums || "none");
  q.set("ambience", sel.ambience || "none");
  q.set("quote", sel.quote || "none");
  for (const n of VOLS) q.set(`v${n}`, String(Math.round(level[n] * 100)));
  const mutes = ["main", "drums", "ambience", "quote"].filter((n) => muted[n]);
  if (muted.all) mutes.push("all");
  if (mutes.length) q.set("mute", mutes.join(","));
  if (state.station) q.set("station", "1");
  if (state.shuffle) q.set("shuffle", "1");
  return `${location.origin}${location.pathname}?${q}`;
}

let urlTimer = 0;
export function writeUrl() {
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => history.replaceState(null, "", shareUrl()), 150);
}

export function readUrl() {
  const { M } = S, { sel, level, muted } = S;
  const pick = (list, id) => (id === "none" ? null : byId(list, id) ? id : undefined);
  const set = (k, list) => { const v = pick(list, params.get(k)); if (v !== undefined && params.has(k)) sel[k] = v; };
  set("track", M.tracks);
  set("song", M.songs);
  set("drums", M.drums);
  set("ambience", M.ambience);
  set("quote", M.quotes);
  if (params.get("source") === "live" && (M.songs || []).length) sel.source = "live";
  if (params.get("source") === "ai") sel.source = "ai";
  for (const n of VOLS) {
    const v = Number(params.get(`v${n}`));
    if (params.has(`v${n}`) && v >= 0 && v <= 100) level[n] = v / 100;
  }
  for (const n of (params.get("mute") || "").split(",")) if (n in muted) muted[n] = true;
  state.station = params.get("station") === "1";
  state.shuffle = params.get("shuffle") === "1";
  state.panel = params.get("mixer") === "1";
  state.sceneOnly = params.get("scene") === "1";
}
