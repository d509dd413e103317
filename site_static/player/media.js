/* lofipress player: Media Session, so lock screens and headsets show and control the station. */
import { S, state, on, abs, mainItem } from "./core.js";
import { pause, play, step } from "./transport.js";

function artwork(item) {
  const art = [];
  // an AI track's piano roll (written by the build beside its page), then the station's square icon
  if (item && item.kind === "ai") art.push({ src: abs(`img/tracks/${item.id}.png`), sizes: "1000x360", type: "image/png" });
  art.push({ src: abs("favicon.png"), sizes: "180x180", type: "image/png" });
  return art;
}

function update() {
  const ms = navigator.mediaSession, M = S.M;
  if (!ms || !M) return;
  const m = mainItem();
  if (m && window.MediaMetadata && (!ms.metadata || ms.metadata.title !== m.title)) {
    const station = (M.station && M.station.title) || "lofipress";
    ms.metadata = new MediaMetadata({ title: m.title, artist: station, album: `${m.key || ""} · ${m.bpm} BPM`, artwork: artwork(m) });
  }
  ms.playbackState = state.playing ? "playing" : S.deck ? "paused" : "none";
}

export function bindMedia() {
  const ms = navigator.mediaSession;
  if (!ms) return;
  const h = { play: () => play(), pause: () => pause(), previoustrack: () => step(-1), nexttrack: () => step(1) };
  for (const [k, fn] of Object.entries(h)) { try { ms.setActionHandler(k, fn); } catch (e) { /* unsupported */ } }
  on("media", update);
  update();
}
