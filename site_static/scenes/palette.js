/* Station colours for the scenes and the slow day-night drift of their sky.
 * The colours are the CSS custom properties on <html> (--bg --fg --accent --accent2),
 * read each time a scene is built, so a station's theme restyles every picture. */

const FALLBACK = { bg: "#1d1b2c", fg: "#f2d6b3", accent: "#e07a5f", accent2: "#81b29a" };
export const DRIFT_PERIOD_S = 480; // 8 minutes a cycle: noticed on looking back, never while watching

let probe = null; // one 1x1 canvas: the browser parses any CSS colour for us (names, hsl(), #abc)

function cssToRgb(text, fallbackHex) {
  probe = probe || document.createElement("canvas").getContext("2d");
  probe.fillStyle = fallbackHex;
  probe.fillStyle = (text || "").trim() || fallbackHex; // an invalid colour leaves the fallback
  const parsed = probe.fillStyle; // "#rrggbb", or "rgba(r, g, b, a)" for translucent colours
  if (parsed[0] === "#") {
    const n = parseInt(parsed.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  return parsed.match(/[\d.]+/g).slice(0, 3).map(Number);
}

/** Read the station palette from <html> as [r, g, b] triples, fg always the lighter. */
export function readPalette(root = document.documentElement) {
  const style = getComputedStyle(root);
  const pal = {};
  for (const [key, hex] of Object.entries(FALLBACK)) pal[key] = cssToRgb(style.getPropertyValue(`--${key}`), hex);
  // The scenes are night pictures: bg is their dark base and fg their light (moon, windows).
  // A light station theme (dark text on a pale page) would turn every light grey, so swap.
  if (brightness(pal.fg) < brightness(pal.bg)) [pal.fg, pal.bg] = [pal.bg, pal.fg];
  return pal;
}

export const BLACK = [0, 0, 0];
export const WHITE = [255, 255, 255];

/** Blend two colours; t = 0 gives a, t = 1 gives b. */
export function mix(a, b, t) {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));
}

export const darken = (c, k) => mix(c, BLACK, k);
export const lighten = (c, k) => mix(c, WHITE, k);

/** A CSS colour string for canvas fills. */
export function rgba(c, alpha = 1) {
  return `rgba(${c[0]},${c[1]},${c[2]},${Math.max(0, Math.min(1, alpha)).toFixed(3)})`;
}

/** Relative brightness 0..1, to keep lights readable on light station themes. */
export function brightness(c) {
  return (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255;
}

/** How far the sky has drifted towards dusk: 0 deep night, 1 the blue hour. */
export function duskAt(tS) {
  return 0.5 - 0.5 * Math.cos((2 * Math.PI * tS) / DRIFT_PERIOD_S);
}

/**
 * The sky for a moment of the drift.
 * Args: pal (readPalette), dusk (duskAt), warmth 0..1 (how much --accent glows at the horizon).
 * Returns {top, middle, horizon} colours, and night 0..1 for lights and stars.
 */
export function skyAt(pal, dusk, warmth = 0.5) {
  // A light station background would give a noon sky; every scene is after sunset, so the
  // sky is pulled down to at most ~30% brightness whatever --bg is.
  const base = brightness(pal.bg) > 0.3 ? darken(pal.bg, 0.65) : pal.bg;
  const top = mix(darken(base, 0.6), mix(base, pal.accent2, 0.22), dusk * 0.7);
  const middle = mix(darken(base, 0.25), mix(base, pal.accent2, 0.3), dusk * 0.5);
  const glow = mix(base, pal.accent, 0.25 + 0.35 * warmth);
  const horizon = mix(mix(base, glow, 0.6), mix(glow, pal.fg, 0.25), dusk * warmth);
  return { top, middle, horizon, night: 1 - 0.55 * dusk };
}

/** Fill the canvas with the sky gradient, top to bottom over the first `heightPx`. */
export function paintSky(ctx, sky, widthPx, heightPx) {
  const grad = ctx.createLinearGradient(0, 0, 0, heightPx);
  grad.addColorStop(0, rgba(sky.top));
  grad.addColorStop(0.55, rgba(sky.middle));
  grad.addColorStop(1, rgba(sky.horizon));
  ctx.fillStyle = grad;
  ctx.fillRect(0, 0, widthPx, heightPx);
}
