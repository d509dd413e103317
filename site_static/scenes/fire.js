/* Fire: a room with a hearth. Wallpaper and pictures behind, a brick fireplace with
 * candles on the mantel, a flickering fire whose light breathes over the room, embers
 * rising, an armchair close by.
 * Notes: a melody note throws a burst of sparks up from the fire (pitch: from left to
 * right across the logs) and lifts the flames there; a keys note sends a few small
 * sparks and brightens a candle; the bass swells the firelight in the room. */

import { darken, lighten, mix, rgba } from "./palette.js";
import { drawGlow, drawLayer, glow, makeGlowSprite, paintLayer, swayPx } from "./layers.js";
import { Lights, Pulse, partOf, pitchToUnit, strengthOf } from "./notes.js";
import { paintArmchair, paintHearth, paintLogs, paintRoom } from "./hearth.js";

const SWAY_PX = 8;
const TONGUES = 9; // flame tongues across the logs
const EMBERS = 26; // ambient embers rising at any time

function create({ p, w, h, pal, rand, compact }) {
  const lw = w + 2 * SWAY_PX;
  // the fireplace: centred, as wide as a phone allows, its opening in the lower half
  const fpW = Math.min(w * (compact ? 0.86 : 0.5), h * 0.85);
  const box = { x: lw / 2 - fpW * 0.32, y: h * 0.5, w: fpW * 0.64, h: h * 0.32 };
  const fp = { x: lw / 2 - fpW / 2, y: h * 0.36, w: fpW, floorY: h * 0.84, box };
  const candles = [0.1, 0.2, 0.82].map((u) => ({ x: fp.x + fp.w * u, y: fp.y - h * 0.015 - h * 0.05, flare: 0 }));
  const room = paintLayer(p, lw, h, (ctx) => paintRoom(ctx, rand, pal, lw, h, fp.floorY, compact));
  const hearth = paintLayer(p, lw, h, (ctx) => paintHearth(ctx, rand, pal, lw, h, fp, candles));
  const logs = paintLayer(p, lw, box.y + box.h * 1.05, (ctx) => paintLogs(ctx, pal, box), box.y + box.h * 0.6);
  const chair = paintLayer(p, lw, h, (ctx) => paintArmchair(ctx, pal, lw, h, compact), h * 0.5);
  const fireCol = { outer: pal.accent, mid: mix(pal.accent, lighten(pal.fg, 0.3), 0.5), core: lighten(pal.fg, 0.55) };
  const glowR = Math.max(w, h) * 0.75;
  const roomGlow = paintLayer(p, glowR * 2, glowR * 2, (ctx) =>
    glow(ctx, glowR, glowR, glowR, rgba(mix(pal.accent, pal.fg, 0.25), 0.5), rgba(pal.accent, 0)));
  const logTop = box.y + box.h * 0.8;
  const flueY = box.y + box.w * 0.05; // a little under the top of the opening's arch
  const tongues = Array.from({ length: TONGUES }, (_, k) => ({
    x: box.x + box.w * (0.18 + (0.64 * k) / (TONGUES - 1)), phase: rand() * 6.28, rate: rand.range(5, 9), boost: 0,
    // tallest in the middle, each its own height so the top is ragged, not a crown
    heightPx: box.h * (0.3 + 0.32 * Math.sin((Math.PI * (k + 0.5)) / TONGUES)) * rand.range(0.7, 1.25),
  }));
  const embers = Array.from({ length: EMBERS }, () => newEmber(rand, box, logTop, true));
  const sparkGlow = makeGlowSprite(p, fireCol.mid);
  const sparks = new Lights(120);
  const bass = new Pulse();

  function drawFlames(ctx, tS, still, dx) {
    for (const [key, scale, alpha] of [["outer", 1, 0.85], ["mid", 0.68, 0.9], ["core", 0.38, 0.95]]) {
      ctx.fillStyle = rgba(fireCol[key], alpha);
      ctx.beginPath();
      for (const t of tongues) {
        const flick = still ? 0.8 : 0.75 + 0.25 * Math.sin(tS * t.rate + t.phase) * Math.sin(tS * t.rate * 0.37 + 1.7);
        const hgt = (t.heightPx * flick + t.boost * box.h * 0.35) * scale;
        const half = box.w * 0.07 * (0.35 + scale * 0.65);
        const lean = still ? 0 : Math.sin(tS * 2.1 + t.phase) * half * 0.6;
        const x = t.x + dx;
        ctx.moveTo(x - half, logTop);
        ctx.bezierCurveTo(x - half, logTop - hgt * 0.5, x + lean - half * 0.2, logTop - hgt * 0.7, x + lean, logTop - hgt);
        ctx.bezierCurveTo(x + lean + half * 0.2, logTop - hgt * 0.7, x + half, logTop - hgt * 0.5, x + half, logTop);
        ctx.closePath();
      }
      ctx.fill();
    }
  }

  return {
    draw(ctx, clock) {
      const { tS, dtS, realDtS, still } = clock;
      sparks.step(realDtS);
      bass.step(realDtS, clock.beatS);
      for (const t of tongues) t.boost = Math.max(0, t.boost - realDtS / 0.8);
      for (const c of candles) c.flare = Math.max(0, c.flare - realDtS / 1.5);
      const camX = (depth) => -SWAY_PX + swayPx(tS, depth, SWAY_PX, 41);
      const flicker = still ? 0.8 : 0.8 + 0.12 * Math.sin(tS * 7.3) * Math.sin(tS * 3.1) + 0.08 * Math.sin(tS * 13);

      drawLayer(ctx, room, camX(0.3), 0);
      const fx = camX(0.6);
      drawLayer(ctx, hearth, fx, 0);
      drawFlames(ctx, tS, still, fx);
      drawLayer(ctx, logs, fx, 0);
      ctx.globalCompositeOperation = "lighter"; // light adds up: glows, candles, embers, sparks
      drawLayer(ctx, roomGlow, lw / 2 + fx - glowR, logTop - glowR, (0.45 + 0.4 * bass.value) * flicker);
      for (const c of candles) {
        const cf = still ? 1 : 0.85 + 0.15 * Math.sin(tS * 11 + c.x);
        drawGlow(ctx, sparkGlow, c.x + fx, c.y, h * (0.03 + 0.03 * c.flare), (0.5 + 0.4 * c.flare) * cf);
      }
      ctx.fillStyle = rgba(fireCol.mid);
      for (const e of embers) {
        e.y -= e.v * dtS;
        e.x += Math.sin(tS * 2 + e.phase) * 12 * dtS;
        e.life -= dtS / 3;
        if (e.life <= 0) Object.assign(e, newEmber(rand, box, logTop, false));
        ctx.globalAlpha = Math.max(0, e.life) * 0.9;
        ctx.fillRect(e.x + fx, e.y, e.sizePx, e.sizePx);
      }
      ctx.globalAlpha = 1;
      for (const s of sparks.items) {
        s.vy += 60 * dtS; // they slow as they rise; a little gravity in the draught
        s.x += s.vx * dtS;
        s.y += s.vy * dtS;
        if (s.x < box.x + 4 || s.x > box.x + box.w - 4) { // the firebox's walls turn them back
          s.vx = -s.vx;
          s.x = Math.min(box.x + box.w - 4, Math.max(box.x + 4, s.x));
        }
        // Under the arch the flue takes them: they fade out there, never rising over the bricks and the wall.
        const a = s.level * s.strength * Math.min(1, Math.max(0, (s.y - flueY) / (box.h * 0.18)));
        if (a <= 0) continue;
        drawGlow(ctx, sparkGlow, s.x + fx, s.y, s.sizePx * 6, 0.55 * a);
        ctx.fillStyle = rgba(fireCol.core, a);
        ctx.fillRect(s.x + fx - s.sizePx / 2, s.y - s.sizePx / 2, s.sizePx, s.sizePx);
      }
      ctx.globalCompositeOperation = "source-over";
      drawLayer(ctx, chair, camX(1), 0);
      return sparks.alive || bass.alive || tongues.some((t) => t.boost > 0) || candles.some((c) => c.flare > 0);
    },

    note(ev) {
      const part = partOf(ev);
      const s = strengthOf(ev);
      if (part === "bass") { bass.hit(0.5 * s + 0.2); return; }
      const u = pitchToUnit(ev.pitch);
      const x = box.x + box.w * (0.15 + 0.7 * u);
      const melody = part === "melody";
      const count = melody ? 9 + Math.round(8 * s) : 1 + Math.round(2 * s);
      for (let i = 0; i < count; i++) {
        sparks.add({
          x: x + rand.range(-1, 1) * box.w * 0.05, y: logTop - box.h * rand.range(0.1, melody ? 0.55 : 0.35),
          vx: rand.range(-40, 40), vy: -rand.range(80, melody ? 260 : 140), strength: melody ? 1 : 0.6,
          sizePx: (melody ? rand.range(2.5, 4.5) : rand.range(1.5, 2.5)) * (compact ? 0.9 : 1.2),
        }, (ev.durS || 0.5) + rand.range(0.3, 1));
      }
      const nearest = tongues.reduce((a, t) => (Math.abs(t.x - x) < Math.abs(a.x - x) ? t : a));
      if (melody) nearest.boost = Math.min(1, nearest.boost + 0.5 + 0.5 * s);
      else candles[Math.min(candles.length - 1, Math.floor(u * candles.length))].flare = Math.min(1, 0.5 + s);
    },

    dispose() {
      for (const g of [room, hearth, logs, chair, roomGlow, sparkGlow]) g.remove();
    },
  };
}

function newEmber(rand, box, logTop, anywhere) {
  return {
    x: box.x + box.w * rand.range(0.2, 0.8), y: logTop - (anywhere ? rand() * box.h * 0.8 : 0),
    v: rand.range(20, 55), life: anywhere ? rand() : 1, phase: rand() * 6.28, sizePx: rand.range(1, 2.5),
  };
}

export default { name: "fire", create };
