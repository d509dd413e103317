/* lofipress player: the manifest side. What a selection plays (tempo, sources, notes)
 * and the URL that reproduces the mix. Plain data in, plain data out; no audio nodes. */
(() => {
  "use strict";
  const LP = window.lofipressPlayer;
  if (!LP) return;
  const { $, params, sel, level, muted, byId, mainItem } = LP;

  // ---- what a selection needs
  function bpmFor(s) {
    const M = LP.M;
    const want = mainItem(s).bpm;
    const loop = byId(M.drums, s.drums) || byId(M.ambience, s.ambience) || (M.drums || [])[0];
    const have = loop ? Object.keys(loop.by_bpm).map(Number) : [];
    // Notes are in beats, so a live song can follow the nearest tempo the loops were rendered at;
    // an AI track's MP3 keeps its own (a pack's drum loop is rendered only near its own tempo).
    if (s.source !== "live" || !have.length || have.includes(want)) return want;
    return have.reduce((a, b) => Math.abs(b - want) < Math.abs(a - want) ? b : a);
  }
  const loopSrc = (item, bpm) => item && item.by_bpm && (item.by_bpm[String(bpm)] || {}).src;

  function planFor(s) {
    const M = LP.M;
    const main = mainItem(s), live = s.source === "live", bpm = bpmFor(s);
    const quote = byId(M.quotes, s.quote);
    // a pack's drum loop exists only near its own tempo: elsewhere the first drums rendered at this one play
    const chosen = byId(M.drums, s.drums);
    const drums = s.drums && (loopSrc(chosen, bpm) ? chosen : (M.drums || []).find((d) => loopSrc(d, bpm)));
    return {
      sel: { ...s }, main, live, bpm, quote, drumsId: drums ? drums.id : null,
      src: {
        main: live ? null : main.audio.src,
        drums: drums ? loopSrc(drums, bpm) : undefined,
        ambience: loopSrc(byId(M.ambience, s.ambience), bpm),
        quote: quote && quote.src,
      },
    };
  }

  async function prepare(s) {
    const plan = planFor(s);
    const srcs = Object.values(plan.src).concat(plan.live ? LP.samplerSrcs() : []);
    [plan.notes] = await Promise.all([LP.getNotes(plan.main.notes), LP.loadAll(srcs)]);
    return plan;
  }

  // The backdrop follows the ambience; with none, the station's own background (manifest.look).
  function sceneOf(amb) {
    const M = LP.M;
    return (amb && amb.visual) || (M.look && M.look.background) || "calm";
  }

  // ---- the URL reproduces the mix
  const VOLS = ["main", "drums", "ambience", "quote", "master"];
  function shareUrl() {
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
    return `${location.origin}${location.pathname}?${q}`;
  }
  let urlTimer = 0;
  function writeUrl() {
    clearTimeout(urlTimer);
    urlTimer = setTimeout(() => {
      const u = shareUrl();
      history.replaceState(null, "", u);
      const a = $("share-link");
      if (a && a.tagName === "A") a.href = u;
    }, 150);
  }

  function readUrl() {
    const M = LP.M;
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
  }

  LP.plan = { loopSrc, planFor, prepare, sceneOf, VOLS, shareUrl, writeUrl, readUrl };
})();
