/* The still parts of the fire scene, each painted once into its layer: the room
 * (wallpaper, pictures, floor and rug), the fireplace (bricks, mantel, candles, the
 * opening and its logs) and an armchair in the foreground. fire.js animates over them. */

import { darken, lighten, mix, rgba } from "./palette.js";
import { glow } from "./layers.js";

/** Wall and floor, with two framed pictures and a rug in front of the hearth. */
export function paintRoom(ctx, rand, pal, lw, h, floorY, compact) {
  const wall = darken(mix(pal.bg, pal.accent, 0.18), 0.35);
  ctx.fillStyle = rgba(wall);
  ctx.fillRect(0, 0, lw, floorY);
  // wallpaper stripes, barely there: texture without noise
  ctx.fillStyle = rgba(darken(wall, 0.12));
  for (let x = 0; x < lw; x += 36) ctx.fillRect(x, 0, 12, floorY);
  ctx.fillStyle = rgba(darken(wall, 0.35));
  ctx.fillRect(0, floorY - h * 0.05, lw, h * 0.05); // skirting board
  // two pictures, two subjects: hills under a sun, and a moon over the sea
  const pictures = compact ? [[0.04, 0.1, 0.16, 0.12, "hills"]]
    : [[0.06, 0.16, 0.13, 0.2, "hills"], [0.8, 0.12, 0.11, 0.15, "sea"]];
  for (const [u, v, pw, ph, kind] of pictures) paintPicture(ctx, rand, pal, lw * u, h * v, lw * pw, h * ph, wall, kind);
  const floor = darken(mix(pal.bg, pal.accent, 0.3), 0.6);
  ctx.fillStyle = rgba(floor);
  ctx.fillRect(0, floorY, lw, h - floorY);
  ctx.fillStyle = rgba(darken(floor, 0.3));
  for (let y = floorY + 14; y < h; y += 18) ctx.fillRect(0, y, lw, 1.5); // boards
  ctx.fillStyle = rgba(mix(darken(pal.accent2, 0.55), floor, 0.3));
  ctx.beginPath();
  ctx.ellipse(lw / 2, h * 0.94, lw * (compact ? 0.45 : 0.3), h * 0.05, 0, 0, Math.PI * 2);
  ctx.fill();
}

function paintPicture(ctx, rand, pal, x, y, pw, ph, wall, kind) {
  ctx.fillStyle = rgba(darken(wall, 0.55));
  ctx.fillRect(x - 5, y - 5, pw + 10, ph + 10);
  if (kind === "sea") {
    paintSeascape(ctx, rand, pal, x, y, pw, ph, wall);
    return;
  }
  // a small landscape: sky, two hills, a sun
  ctx.fillStyle = rgba(mix(pal.accent2, wall, 0.5));
  ctx.fillRect(x, y, pw, ph);
  ctx.fillStyle = rgba(mix(pal.fg, pal.accent, 0.4), 0.8);
  ctx.beginPath(); ctx.arc(x + pw * rand.range(0.25, 0.75), y + ph * 0.4, ph * 0.12, 0, Math.PI * 2); ctx.fill();
  for (const [lift, col] of [[0.45, mix(pal.accent2, pal.bg, 0.4)], [0.25, mix(pal.accent2, pal.bg, 0.65)]]) {
    ctx.fillStyle = rgba(col);
    ctx.beginPath();
    ctx.moveTo(x, y + ph);
    ctx.quadraticCurveTo(x + pw * rand.range(0.2, 0.8), y + ph * (1 - lift * 2), x + pw, y + ph * (1 - lift * 0.5));
    ctx.lineTo(x + pw, y + ph);
    ctx.fill();
  }
}

/** A night sea: a dark sky, a full moon, its path broken on the water, a far shore. */
function paintSeascape(ctx, rand, pal, x, y, pw, ph, wall) {
  const sky = darken(mix(pal.bg, wall, 0.3), 0.2);
  ctx.fillStyle = rgba(sky);
  ctx.fillRect(x, y, pw, ph);
  const horizon = y + ph * 0.58;
  ctx.fillStyle = rgba(darken(mix(pal.accent2, pal.bg, 0.55), 0.25));
  ctx.fillRect(x, horizon, pw, y + ph - horizon);
  const mx = x + pw * rand.range(0.3, 0.7);
  ctx.fillStyle = rgba(lighten(pal.fg, 0.1), 0.9);
  ctx.beginPath(); ctx.arc(mx, y + ph * 0.28, ph * 0.11, 0, Math.PI * 2); ctx.fill();
  ctx.fillStyle = rgba(lighten(pal.fg, 0.1), 0.55);
  for (let k = 0; k < 5; k++) { // the moon's path, in strokes that shorten towards the horizon
    const yy = horizon + (y + ph - horizon) * (0.15 + 0.17 * k);
    const half = pw * (0.03 + 0.025 * k);
    ctx.fillRect(mx - half, yy, half * 2, Math.max(1, ph * 0.02));
  }
  ctx.fillStyle = rgba(darken(mix(pal.bg, pal.accent2, 0.3), 0.5));
  ctx.fillRect(x, horizon - ph * 0.04, pw * 0.35, ph * 0.04); // a far shore on the left
}

/**
 * The fireplace: brick surround, mantel with candles, a dark opening, logs.
 * fp: {x, y, w, floorY, box: {x, y, w, h}} in layer pixels; candles: [{x, y}].
 */
export function paintHearth(ctx, rand, pal, lw, h, fp, candles) {
  const brick = darken(mix(pal.accent, pal.bg, 0.45), 0.35);
  const mortar = darken(brick, 0.45);
  const { box } = fp;
  ctx.fillStyle = rgba(mortar);
  ctx.fillRect(fp.x, fp.y, fp.w, fp.floorY - fp.y);
  const bh = Math.max(8, h * 0.018);
  const bw = bh * 2.6;
  for (let y = fp.y, row = 0; y < fp.floorY; y += bh, row++) {
    for (let x = fp.x - (row % 2) * bw * 0.5; x < fp.x + fp.w; x += bw) {
      ctx.fillStyle = rgba(mix(brick, rand() < 0.5 ? pal.accent : [0, 0, 0], rand() * 0.18));
      const x0 = Math.max(fp.x, x + 1), x1 = Math.min(fp.x + fp.w, x + bw - 1);
      if (x1 > x0) ctx.fillRect(x0, y + 1, x1 - x0, bh - 2);
    }
  }
  // the mantel shelf
  const wood = darken(mix(pal.bg, pal.accent, 0.3), 0.45);
  ctx.fillStyle = rgba(wood);
  ctx.fillRect(fp.x - fp.w * 0.06, fp.y - h * 0.03, fp.w * 1.12, h * 0.03);
  ctx.fillStyle = rgba(lighten(wood, 0.12));
  ctx.fillRect(fp.x - fp.w * 0.06, fp.y - h * 0.03, fp.w * 1.12, 2);
  for (const c of candles) {
    const ch = h * 0.045;
    ctx.fillStyle = rgba(lighten(pal.fg, 0.1));
    ctx.fillRect(c.x - 4, c.y + h * 0.015, 8, ch - h * 0.015 - 1 + (fp.y - h * 0.03 - (c.y + ch)));
    ctx.fillStyle = rgba(lighten(mix(pal.fg, pal.accent, 0.3), 0.4));
    ctx.beginPath(); ctx.ellipse(c.x, c.y + h * 0.006, 2.5, 6, 0, 0, Math.PI * 2); ctx.fill();
  }
  // the opening: an arch, soot-dark, warmer towards the fire
  ctx.fillStyle = rgba(darken(pal.bg, 0.8));
  ctx.beginPath();
  ctx.moveTo(box.x, box.y + box.h);
  ctx.lineTo(box.x, box.y + box.w * 0.18);
  ctx.quadraticCurveTo(box.x + box.w / 2, box.y - box.w * 0.12, box.x + box.w, box.y + box.w * 0.18);
  ctx.lineTo(box.x + box.w, box.y + box.h);
  ctx.fill();
  glow(ctx, box.x + box.w / 2, box.y + box.h, box.w * 0.6, rgba(darken(pal.accent, 0.4), 0.8), rgba(pal.accent, 0));
  // the hearth stone
  ctx.fillStyle = rgba(darken(mix(pal.bg, pal.fg, 0.2), 0.4));
  ctx.fillRect(fp.x - fp.w * 0.04, box.y + box.h, fp.w * 1.08, fp.floorY - box.y - box.h);
}

/** Two crossed logs with ember seams, in their own layer: they sit in front of the flames' roots. */
export function paintLogs(ctx, pal, box) {
  const wood = darken(mix(pal.bg, pal.accent, 0.3), 0.7);
  const logY = box.y + box.h * 0.86;
  const logH = box.h * 0.11;
  for (const [dx, tilt] of [[-0.05, 0.07], [0.05, -0.07]]) {
    ctx.save();
    ctx.translate(box.x + box.w * (0.5 + dx), logY);
    ctx.rotate(tilt);
    ctx.fillStyle = rgba(wood);
    ctx.beginPath();
    ctx.ellipse(0, 0, box.w * 0.36, logH / 2, 0, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = rgba(pal.accent, 0.85);
    ctx.fillRect(-box.w * 0.28, -logH * 0.3, box.w * 0.56, 2);
    ctx.fillStyle = rgba(lighten(pal.accent, 0.3), 0.6);
    ctx.fillRect(-box.w * 0.12, logH * 0.05, box.w * 0.2, 1.5);
    ctx.restore();
  }
}

/** A wingback armchair, seen from behind and cut by the frame edge: the nearest layer. */
export function paintArmchair(ctx, pal, lw, h, compact) {
  const cloth = darken(mix(pal.accent2, pal.bg, 0.5), 0.62);
  const s = Math.min(1.4, Math.max(0.8, h / 800));
  const x = lw * (compact ? 0.86 : 0.84); // on a phone, only its edge: the fire comes first
  const top = h * 0.56;
  ctx.fillStyle = rgba(cloth);
  ctx.beginPath(); // the back, with the rounded wing at its top
  ctx.moveTo(x + 30 * s, h + 5);
  ctx.lineTo(x + 20 * s, top + 40 * s);
  ctx.quadraticCurveTo(x + 18 * s, top, x + 70 * s, top - 6 * s);
  ctx.quadraticCurveTo(x + 150 * s, top - 14 * s, lw + 20, top + 10 * s);
  ctx.lineTo(lw + 20, h + 5);
  ctx.fill();
  // the arm: a rolled cushion in front of the back, catching firelight on its top
  const armY = h * 0.76;
  ctx.fillStyle = rgba(darken(cloth, 0.25));
  ctx.beginPath();
  ctx.moveTo(x - 20 * s, h + 5);
  ctx.lineTo(x - 20 * s, armY);
  ctx.quadraticCurveTo(x - 20 * s, armY - 26 * s, x + 10 * s, armY - 26 * s);
  ctx.lineTo(x + 90 * s, armY - 26 * s);
  ctx.lineTo(x + 90 * s, h + 5);
  ctx.fill();
  ctx.strokeStyle = rgba(mix(cloth, pal.accent, 0.45));
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(x - 18 * s, armY - 6 * s);
  ctx.quadraticCurveTo(x - 16 * s, armY - 24 * s, x + 10 * s, armY - 25 * s);
  ctx.lineTo(x + 88 * s, armY - 25 * s);
  ctx.stroke();
}
