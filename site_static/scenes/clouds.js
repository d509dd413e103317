/* Soft clouds painted once into a tiling layer; scenes slide the layer for drift.
 * Shared by the night, calm and wind skies. */

import { rgba } from "./palette.js";

/**
 * Paint a band of clouds that tiles sideways.
 * Args: ctx, rand, o: {widthPx, heightPx, count, sizePx (a puff's radius), body (rgb),
 *   rim (rgb, the moonlit or sunlit top), shade (rgb, the underside; body if unset), alpha 0..1}.
 */
export function paintClouds(ctx, rand, o) {
  for (let i = 0; i < o.count; i++) {
    const cx = rand() * o.widthPx;
    const cy = o.heightPx * rand.range(0.25, 0.8);
    const spanPx = o.sizePx * rand.range(3, 7);
    const puffs = makePuffs(rand, spanPx, o.sizePx);
    // drawn three times so a cloud crossing the tile edge continues on the other side
    for (const shift of [-o.widthPx, 0, o.widthPx]) {
      if (cx + shift + spanPx < 0 || cx + shift - spanPx > o.widthPx) continue;
      paintCloud(ctx, cx + shift, cy, puffs, o);
    }
  }
}

function makePuffs(rand, spanPx, sizePx) {
  const n = Math.max(4, Math.round(spanPx / (sizePx * 0.55)));
  return Array.from({ length: n }, (_, k) => {
    const along = (k / (n - 1) - 0.5) * spanPx;
    const hump = 1 - Math.pow((2 * along) / spanPx, 2); // tallest in the middle, like a cumulus
    return { dx: along + rand.range(-0.2, 0.2) * sizePx, dy: -hump * sizePx * rand.range(0.4, 0.9), r: sizePx * rand.range(0.55, 1) * (0.6 + 0.5 * hump) };
  });
}

function paintCloud(ctx, cx, cy, puffs, o) {
  // Each part is one path (a union of circles, so overlaps do not darken) softened by a
  // blur: painted once per build, so the blur's cost never reaches a frame.
  ctx.filter = `blur(${Math.max(2, o.sizePx * 0.1).toFixed(1)}px)`;
  puffPath(ctx, cx, cy, puffs, 0, 1);
  ctx.fillStyle = rgba(o.body, o.alpha);
  ctx.fill();
  // a lit top: the same puffs, smaller and nudged up, so the light seems to come from above
  puffPath(ctx, cx, cy - o.sizePx * 0.12, puffs, -0.35, 0.72);
  ctx.fillStyle = rgba(o.rim, o.alpha * 0.55);
  ctx.fill();
  // a flat, shadowed underside
  ctx.beginPath();
  ctx.ellipse(cx, cy + o.sizePx * 0.3, (puffs.length * o.sizePx) / 3.2, o.sizePx * 0.3, 0, 0, Math.PI * 2);
  ctx.fillStyle = rgba(o.shade || o.body, o.alpha * 0.5);
  ctx.fill();
  ctx.filter = "none";
}

function puffPath(ctx, cx, cy, puffs, liftShare, sizeShare) {
  ctx.beginPath();
  for (const pf of puffs) {
    const x = cx + pf.dx, y = cy + pf.dy + pf.r * liftShare, r = pf.r * sizeShare;
    ctx.moveTo(x + r, y);
    ctx.arc(x, y, r, 0, Math.PI * 2);
  }
}
