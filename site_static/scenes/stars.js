/* The night sky's furniture shared by the outdoor scenes: a still star field painted
 * once, a few stars that twinkle each frame (and flare for a note), and the moon. */

import { lighten, mix, rgba } from "./palette.js";
import { glow } from "./layers.js";

/** Paint a still star field over widthPx x heightPx, thinning towards the horizon. */
export function paintStars(ctx, rand, pal, widthPx, heightPx, perMegapixel = 900) {
  const n = Math.round((widthPx * heightPx * perMegapixel) / 1e6);
  const cold = mix(pal.fg, pal.accent2, 0.35);
  for (let i = 0; i < n; i++) {
    const x = rand() * widthPx;
    const y = Math.pow(rand(), 1.6) * heightPx; // more stars high up, where the city glow is weakest
    const big = rand() < 0.08;
    ctx.fillStyle = rgba(rand() < 0.5 ? lighten(cold, 0.5) : lighten(pal.fg, 0.4), rand.range(0.25, big ? 0.95 : 0.6));
    const s = big ? 2 : 1;
    ctx.fillRect(Math.round(x), Math.round(y), s, s);
  }
}

/** Pick stars that twinkle: {x, y, phase, rateHz, sizePx}. */
export function makeTwinklers(rand, widthPx, heightPx, count) {
  return Array.from({ length: count }, () => ({
    x: rand() * widthPx, y: Math.pow(rand(), 1.4) * heightPx, phase: rand() * 6.283,
    rateHz: rand.range(0.15, 0.6), sizePx: rand.range(1.5, 3), flare: 0,
  }));
}

/** Draw twinkling stars; a star's flare (0..1, set by a note) adds a cross of light. */
export function drawTwinklers(ctx, stars, pal, tS, brightness = 1) {
  const c = lighten(pal.fg, 0.55);
  const solid = rgba(c);
  ctx.fillStyle = solid; // one colour, alpha per star: parsing a new colour string per star costs more
  for (const s of stars) {
    const tw = 0.55 + 0.45 * Math.sin(tS * s.rateHz * 6.283 + s.phase);
    ctx.globalAlpha = Math.min(1, (0.3 + 0.6 * tw) * brightness + s.flare);
    const r = s.sizePx * (1 + s.flare * 1.5);
    ctx.fillRect(s.x - r / 2, s.y - r / 2, r, r);
    if (s.flare > 0.02) {
      const arm = r * 2 + s.flare * 26; // the cross makes a flared star read as a sparkle, not a dot
      ctx.fillRect(s.x - arm, s.y - 0.75, arm * 2, 1.5);
      ctx.fillRect(s.x - 0.75, s.y - arm, 1.5, arm * 2);
      ctx.globalAlpha = 1;
      glow(ctx, s.x, s.y, arm * 1.2, rgba(c, 0.35 * s.flare), rgba(c, 0));
      ctx.fillStyle = solid;
    }
  }
  ctx.globalAlpha = 1;
}

/** The twinkler nearest xPx (with a little chance), for a note to flare. */
export function starNear(stars, rand, xPx, spreadPx) {
  let best = null;
  let bestD = Infinity;
  for (const s of stars) {
    const d = Math.abs(s.x - xPx) + rand() * spreadPx;
    if (d < bestD) { bestD = d; best = s; }
  }
  return best;
}

/** Paint the moon with its halo into a square layer of side sizePx (moon radius sizePx/8). */
export function paintMoon(ctx, rand, pal, sizePx) {
  const c = sizePx / 2;
  const r = sizePx / 8;
  const face = lighten(mix(pal.fg, pal.accent2, 0.15), 0.45);
  glow(ctx, c, c, c, rgba(face, 0.22), rgba(face, 0));
  glow(ctx, c, c, r * 2, rgba(face, 0.25), rgba(face, 0));
  ctx.fillStyle = rgba(face);
  ctx.beginPath();
  ctx.arc(c, c, r, 0, Math.PI * 2);
  ctx.fill();
  // a few soft maria; the moon is never a flat disc
  ctx.fillStyle = rgba(mix(face, pal.accent2, 0.25), 0.35);
  for (let i = 0; i < 5; i++) {
    const a = rand() * 6.283;
    const d = rand() * r * 0.6;
    ctx.beginPath();
    ctx.arc(c + Math.cos(a) * d, c + Math.sin(a) * d, r * rand.range(0.12, 0.3), 0, Math.PI * 2);
    ctx.fill();
  }
}
