// Where a <video> gets its HLS from: the browser itself where it plays HLS (Safari,
// recent Chromium), otherwise hls.js over Media Source Extensions, imported only then.

const VIDEO_CODECS = /avc1|avc3|hvc1|hev1|vp0?9|av01/i;

export function playsHlsNatively(video) {
  return video.canPlayType("application/vnd.apple.mpegurl") !== "";
}

/** A stream controller for `video`: {load(url, {startAt, now}), destroy()}. */
export async function streamFor(video, { hlsSrc }) {
  if (playsHlsNatively(video)) return new NativeStream(video);
  const { default: Hls } = await import(hlsSrc);
  if (!Hls.isSupported()) throw new Error("此浏览器无法播放 HLS 视频");
  return new HlsJsStream(video, Hls);
}

class NativeStream {
  constructor(video) {
    this.video = video;
  }

  load(url, { startAt = 0 } = {}) {
    const { video } = this;
    const seek = () => startAt > 0 && (video.currentTime = startAt);
    // The server-rendered <source> may already be loading this very URL.
    if (video.currentSrc === new URL(url, location.href).href && video.readyState >= 1) {
      return seek();
    }
    video.addEventListener("loadedmetadata", seek, { once: true });
    if (video.currentSrc !== new URL(url, location.href).href) video.src = url;
  }

  destroy() {}
}

class HlsJsStream {
  constructor(video, Hls) {
    this.video = video;
    this.Hls = Hls;
    this.hls = null;
  }

  /** `now`: start fetching segments at once (a switch mid-play); otherwise only when
   * the viewer presses play, so an unwatched page costs a phone no data. */
  load(url, { startAt = 0, now = false } = {}) {
    const { Hls, video } = this;
    this.hls?.destroy();
    const hls = new Hls({
      autoStartLoad: now,
      startPosition: startAt > 0 ? startAt : -1,
      capLevelToPlayerSize: true,
    });
    this.hls = hls;
    if (!now) {
      video.addEventListener("play", () => this.hls === hls && hls.startLoad(startAt > 0 ? startAt : -1), {
        once: true,
      });
    }
    let recoveries = 0;
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR) hls.startLoad();
      else if (data.type === Hls.ErrorTypes.MEDIA_ERROR && recoveries++ < 2) hls.recoverMediaError();
      else video.dispatchEvent(new CustomEvent("streamerror", { detail: data.details }));
    });
    video.querySelectorAll("source").forEach((source) => source.remove());
    hls.loadSource(url);
    hls.attachMedia(video);
  }

  destroy() {
    this.hls?.destroy();
    this.hls = null;
  }
}

function attributes(text) {
  const found = {};
  for (const [, name, value] of text.matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g)) {
    found[name] = value.replace(/^"|"$/g, "");
  }
  return found;
}

/** The variants of an HLS master playlist: [{bandwidth, resolution, codecs, url}]. */
export function parseMaster(text, base) {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  const variants = [];
  lines.forEach((line, index) => {
    if (!line.startsWith("#EXT-X-STREAM-INF:")) return;
    const uri = lines.slice(index + 1).find((next) => next && !next.startsWith("#"));
    if (!uri) return;
    const attrs = attributes(line.slice("#EXT-X-STREAM-INF:".length));
    variants.push({
      bandwidth: Number(attrs.BANDWIDTH) || 0,
      resolution: attrs.RESOLUTION || "",
      codecs: attrs.CODECS || "",
      url: new URL(uri, base).href,
    });
  });
  return variants;
}

/** The media playlist URL of the master's audio-only rendition (the lightest one),
 * or null. The master's URLs are signed, so they play as they are. hls.js would
 * drop audio-only variants from a master that has video ones, so both paths play
 * this playlist directly instead of picking a level. */
export async function audioOnlyUrl(masterUrl) {
  const response = await fetch(masterUrl, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`master playlist: ${response.status}`);
  const base = new URL(masterUrl, location.href);
  const audio = parseMaster(await response.text(), base)
    .filter((variant) => !variant.resolution && !VIDEO_CODECS.test(variant.codecs))
    .sort((a, b) => a.bandwidth - b.bandwidth);
  return audio[0]?.url ?? null;
}
