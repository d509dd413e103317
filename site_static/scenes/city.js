/* A row of city buildings painted into a layer: the skyline shared by the night,
 * calm and rain scenes. It returns where its windows and roof beacons are, so a
 * scene can switch a window on for a note or blink a beacon. */

import { mix, rgba } from "./palette.js";

/**
 * Paint a row of buildings standing on bottomPx, across widthPx (the row tiles sideways).
 * Args:
 *   ctx: the layer's 2D context; rand: makeRand(); pal: readPalette().
 *   o: {widthPx, bottomPx, minHeightPx, maxHeightPx, minWidthPx, maxWidthPx,
 *       body (rgb), windowPx [w, h], gapPx [x, y], litShare 0..1, roofs (water tanks, antennas)}
 * Returns {windows: [{x, y, w, h, lit}], beacons: [{x, y}]} in layer pixels.
 */
export function paintCity(ctx, rand, pal, o) {
  const windows = [];
  const beacons = [];
  const warm = mix(pal.fg, pal.accent, 0.25);
  let x = 0;
  while (x < o.widthPx - 1) {
    let bw = rand.range(o.minWidthPx, o.maxWidthPx);
    // the last building ends exactly at the tile edge, so the row wraps without a seam
    if (o.widthPx - (x + bw) < o.minWidthPx * 0.8) bw = o.widthPx - x;
    const bh = rand.range(o.minHeightPx, o.maxHeightPx);
    const top = o.bottomPx - bh;
    const shade = mix(o.body, [0, 0, 0], rand.range(0, 0.25));
    ctx.fillStyle = rgba(shade);
    ctx.fillRect(Math.floor(x), top, Math.ceil(bw) + 1, bh + 1);
    paintRoof(ctx, rand, shade, x, top, bw, o, beacons);
    if (rand() > 0.12) paintWindows(ctx, rand, shade, warm, x, top, bw, bh, o, windows);
    x += bw;
  }
  return { windows, beacons };
}

function paintRoof(ctx, rand, shade, x, top, bw, o, beacons) {
  ctx.fillStyle = rgba(shade);
  const kind = rand();
  if (kind < 0.18 && bw > o.minWidthPx * 1.2) {
    // a stepped crown: a narrower block on top
    const inset = bw * rand.range(0.15, 0.3);
    const stepH = o.windowPx[1] * rand.range(2, 4);
    ctx.fillRect(x + inset, top - stepH, bw - inset * 2, stepH + 1);
  } else if (kind < 0.32 && o.roofs) {
    // a water tank on legs: the most "city rooftop" shape there is
    const tw = Math.min(bw * 0.35, o.windowPx[0] * 5);
    const tx = x + rand.range(0.15, 0.55) * bw;
    const legs = tw * 0.5;
    ctx.fillRect(tx + tw * 0.1, top - legs, 2, legs);
    ctx.fillRect(tx + tw * 0.9 - 2, top - legs, 2, legs);
    ctx.fillRect(tx, top - legs - tw * 0.9, tw, tw * 0.9);
    ctx.beginPath();
    ctx.moveTo(tx - 2, top - legs - tw * 0.9);
    ctx.lineTo(tx + tw / 2, top - legs - tw * 1.35);
    ctx.lineTo(tx + tw + 2, top - legs - tw * 0.9);
    ctx.fill();
  } else if (kind < 0.45) {
    // an antenna; its tip gets a blinking light
    const ax = x + bw * rand.range(0.3, 0.7);
    const ah = o.windowPx[1] * rand.range(3, 7);
    ctx.fillRect(ax, top - ah, 2, ah);
    beacons.push({ x: ax + 1, y: top - ah });
  }
}

function paintWindows(ctx, rand, shade, warm, x, top, bw, bh, o, windows) {
  const [ww, wh] = o.windowPx;
  const [gx, gy] = o.gapPx;
  const cols = Math.floor((bw - gx) / (ww + gx));
  const rows = Math.floor((bh - gy * 2) / (wh + gy));
  if (cols < 1 || rows < 1) return;
  const left = x + (bw - (cols * (ww + gx) - gx)) / 2;
  const unlit = mix(shade, [255, 255, 255], 0.06);
  // lights come in runs (a family's floor is all on), not salt and pepper
  let on = rand() < o.litShare;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (rand() < 0.35) on = rand() < o.litShare;
      const wx = left + c * (ww + gx);
      const wy = top + gy + r * (wh + gy);
      const colour = on ? mix(warm, [255, 255, 255], rand.range(0, 0.2)) : unlit;
      ctx.fillStyle = rgba(colour, on ? rand.range(0.55, 0.95) : 1);
      ctx.fillRect(Math.round(wx), Math.round(wy), Math.round(ww), Math.round(wh));
      windows.push({ x: wx, y: wy, w: ww, h: wh, lit: on });
    }
  }
}
