// Seek-bar previews from the transcoder's thumbnail track: a WebVTT whose cues are
// tiles of one sprite image (`https://…/sprite.jpg#xywh=x,y,w,h`).

function seconds(stamp) {
  // hh:mm:ss.ttt or mm:ss.ttt
  const parts = stamp.trim().split(":").map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

/** Parse a thumbnails WebVTT into [{start, end, url, x, y, w, h}], sorted by start.
 * Relative image URLs are resolved against the track's own URL. */
export function parseThumbnails(text, base) {
  const cues = [];
  const blocks = text.replace(/\r\n?/g, "\n").split(/\n{2,}/);
  for (const block of blocks) {
    const lines = block.split("\n").filter(Boolean);
    const timing = lines.findIndex((line) => line.includes("-->"));
    if (timing < 0 || !lines[timing + 1]) continue;
    const [from, to] = lines[timing].split("-->").map((part) => part.trim().split(/\s+/)[0]);
    const target = lines[timing + 1].trim();
    const [address, fragment = ""] = target.split("#");
    const match = fragment.match(/xywh=(\d+),(\d+),(\d+),(\d+)/);
    if (!match) continue;
    const [x, y, w, h] = match.slice(1).map(Number);
    cues.push({ start: seconds(from), end: seconds(to), url: new URL(address, base).href, x, y, w, h });
  }
  return cues.sort((a, b) => a.start - b.start);
}

/** The cue showing time `t` (binary search; the last one past the end). */
export function thumbnailAt(cues, t) {
  let low = 0;
  let high = cues.length - 1;
  if (high < 0) return null;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (cues[middle].start <= t) low = middle;
    else high = middle - 1;
  }
  return cues[low];
}

/** Fetch and parse the track once; later calls get the same promise. Images are
 * warmed so the first hover shows a tile rather than an empty box. */
const loaded = new Map();
export function loadThumbnails(url) {
  if (!loaded.has(url)) {
    loaded.set(
      url,
      fetch(url, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.text() : ""))
        .then((text) => {
          const cues = parseThumbnails(text, new URL(url, location.href));
          for (const image of new Set(cues.map((cue) => cue.url))) new Image().src = image;
          return cues;
        })
        .catch(() => [])
        .then((cues) => {
          if (!cues.length) loaded.delete(url); // try again on the next hover
          return cues;
        }),
    );
  }
  return loaded.get(url);
}
