/* Off-screen layers and parallax. What does not move is painted once into a p5
 * graphics (createGraphics) and copied each frame, which keeps a phone at 30 fps;
 * a scene repaints its layers only when it is built (scene change, resize).
 * Parallax: far, mid and near layers slide or sway at their own slow speeds. */

/** A seeded random source (mulberry32): the same scene looks the same on every visit. */
export function makeRand(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.range = (lo, hi) => lo + (hi - lo) * next();
  next.pick = (list) => list[Math.floor(next() * list.length)];
  return next;
}

/** A 32-bit seed from a name (FNV-1a). */
export function seedOf(text) {
  let h = 0x811c9dc5;
  for (const ch of String(text)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

/**
 * Paint a layer once. painter(ctx, widthPx, heightPx) draws in view coordinates.
 * topPx crops away the transparent band above what the layer holds (a skyline's sky):
 * each frame then copies only the pixels that can show.
 * Returns the p5.Graphics (with .topPx); free it with graphics.remove().
 */
export function paintLayer(p, widthPx, heightPx, painter, topPx = 0) {
  const top = Math.max(0, Math.floor(topPx));
  const g = p.createGraphics(Math.max(1, Math.ceil(widthPx)), Math.max(1, Math.ceil(heightPx - top)));
  g.pixelDensity(1); // layers are copied 1:1 onto a density-1 canvas
  g.clear();
  g.topPx = top;
  const ctx = g.drawingContext;
  ctx.save();
  ctx.translate(0, -top);
  painter(ctx, g.width, Math.ceil(heightPx));
  ctx.restore();
  return g;
}

/** Copy a layer to the canvas at (x, y) in view coordinates, optionally translucent. */
export function drawLayer(ctx, g, xPx = 0, yPx = 0, alpha = 1) {
  if (alpha <= 0) return;
  ctx.globalAlpha = Math.min(1, alpha);
  ctx.drawImage(g.elt, Math.round(xPx), Math.round(yPx + (g.topPx || 0)));
  ctx.globalAlpha = 1;
}

/** Draw a horizontally tiling layer slid left by offsetPx, wrapping across the view. */
export function drawSliding(ctx, g, offsetPx, yPx = 0, viewWidthPx = ctx.canvas.width) {
  const tile = g.width;
  const y = Math.round(yPx + (g.topPx || 0));
  let x = -(((offsetPx % tile) + tile) % tile);
  for (; x < viewWidthPx; x += tile) ctx.drawImage(g.elt, Math.round(x), y);
}

/** Where a point painted at layerX on a tile of tileWidthPx sits on screen after sliding. */
export function slideX(layerX, offsetPx, tileWidthPx) {
  return (((layerX - offsetPx) % tileWidthPx) + tileWidthPx) % tileWidthPx;
}

/** A camera that breathes sideways: deeper layers (depth 0 far .. 1 near) move more. */
export function swayPx(tS, depth, amplitudePx, periodS = 37) {
  return Math.sin((2 * Math.PI * tS) / periodS) * amplitudePx * depth;
}

/** A soft round light: a radial gradient from colour at alpha to transparent. */
export function glow(ctx, xPx, yPx, radiusPx, colorCss, colorClearCss) {
  if (radiusPx <= 0.5) return;
  const g = ctx.createRadialGradient(xPx, yPx, 0, xPx, yPx, radiusPx);
  g.addColorStop(0, colorCss);
  g.addColorStop(1, colorClearCss);
  ctx.fillStyle = g;
  ctx.fillRect(xPx - radiusPx, yPx - radiusPx, radiusPx * 2, radiusPx * 2);
}

/** A vertical gradient over a rectangle; stops are [t, cssColour] pairs. */
export function fillGradient(ctx, xPx, yPx, widthPx, heightPx, stops) {
  const g = ctx.createLinearGradient(0, yPx, 0, yPx + heightPx);
  for (const [t, css] of stops) g.addColorStop(t, css);
  ctx.fillStyle = g;
  ctx.fillRect(xPx, yPx, widthPx, heightPx);
}

/** A ridge line (hills, shore, clouds' base) as y values every stepPx across widthPx; ends meet to tile. */
export function ridge(rand, widthPx, stepPx, baseYPx, amplitudePx, waves = 3) {
  const phases = Array.from({ length: waves }, () => rand() * Math.PI * 2);
  const ys = [];
  for (let x = 0; x <= widthPx + stepPx; x += stepPx) {
    let y = 0;
    // whole numbers of cycles over the width, so the first and last points meet when tiled
    for (let k = 0; k < waves; k++) y += Math.sin((2 * Math.PI * (k + 1) * x) / widthPx + phases[k]) / (k + 1);
    ys.push(baseYPx - y * amplitudePx);
  }
  return ys;
}

/** Fill below a ridge line down to bottomPx. */
export function fillRidge(ctx, ys, stepPx, bottomPx, fillCss) {
  ctx.fillStyle = fillCss;
  ctx.beginPath();
  ctx.moveTo(0, bottomPx);
  ys.forEach((y, i) => ctx.lineTo(i * stepPx, y));
  ctx.lineTo((ys.length - 1) * stepPx, bottomPx);
  ctx.closePath();
  ctx.fill();
}

/**
 * A full-view layer repainted only when its key changes: the drifting sky changes
 * over minutes, so a gradient per frame would be wasted work (a full-screen gradient
 * costs several ms on a phone; a copy well under one).
 */
export function makeCachedLayer(p, widthPx, heightPx) {
  const g = paintLayer(p, widthPx, heightPx, () => {});
  let lastKey = null;
  return {
    draw(ctx, key, painter, xPx = 0, yPx = 0) {
      if (key !== lastKey) {
        g.drawingContext.clearRect(0, 0, g.width, g.height);
        painter(g.drawingContext, g.width, g.height);
        lastKey = key;
      }
      ctx.drawImage(g.elt, Math.round(xPx), Math.round(yPx));
    },
    remove: () => g.remove(),
  };
}

/** A soft round light in one colour, painted once (64 px) for drawGlow to scale. */
export function makeGlowSprite(p, rgb) {
  return paintLayer(p, 64, 64, (ctx) => glow(ctx, 32, 32, 32, `rgba(${rgb.join(",")},1)`, `rgba(${rgb.join(",")},0)`));
}

/** Draw a glow sprite centred at (x, y): per frame, far cheaper than building a new gradient. */
export function drawGlow(ctx, sprite, xPx, yPx, radiusPx, alpha) {
  if (alpha <= 0.003 || radiusPx < 1) return;
  ctx.globalAlpha = Math.min(1, alpha);
  ctx.drawImage(sprite.elt, xPx - radiusPx, yPx - radiusPx, radiusPx * 2, radiusPx * 2);
  ctx.globalAlpha = 1;
}
