// Learning heartbeats: what was actually played, and getting it to the server.
//
// WatchTracker turns the <video>'s timeupdate stream into the ranges played at normal
// progression; a seek, a stall or any jump ends a range and is never credited.
//
// BeatSender keeps every beat in an outbox in localStorage (one key per beat, so tabs
// never rewrite each other's lists) before sending it, and sends beats one at a time
// in order. Beats are kept per member: on a shared computer, one member's kept
// beats are never sent under another's session. A network failure keeps the beat and everything after it until the
// network returns (the `online` event, a backoff timer, or the next page load); the
// server dedupes by (playback_id, seq), so a beat sent twice is harmless. A 4xx other
// than 429 means the server refused the beat itself: it is dropped, not retried.

const OUTBOX_PREFIX = "dangke:beat:";
const LOCK_PREFIX = "dangke-beats:";
const MAX_PENDING_PER_PLAYBACK = 120; // 30 min of 15-s beats; then beats get coarser
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;
const RETRY_MIN_MS = 5_000;
const RETRY_MAX_MS = 60_000;

/** A uuid4 for a playback: crypto.randomUUID where the page is a secure context,
 * otherwise from crypto.getRandomValues (intranet sites served over plain http). */
export function newPlaybackId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (globalThis.crypto?.getRandomValues) crypto.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Django's CSRF token: the csrftoken cookie, or a form's hidden field when the
 * cookie is HttpOnly. */
export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  return document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
}

const round3 = (value) => Math.round(value * 1000) / 1000;

export class WatchTracker {
  /** `limit()` returns the largest time a range may end at (the lesson's length). */
  constructor(video, { limit }) {
    this.video = video;
    this.limit = limit;
    this.done = []; // closed ranges since the last take()
    this.open = null; // {start, end} being extended while playing
    this.wall = 0;
    const on = (type, fn) => video.addEventListener(type, fn);
    // Where the video stood while not playing. On a busy page the `play` event runs
    // a moment after the clock has started moving, and `playing` later still: playing
    // starts from where the video stood, if no faster than playing can have moved.
    this.rest = video.currentTime;
    const rest = () => video.paused && (this.rest = video.currentTime);
    for (const type of ["pause", "seeked", "loadedmetadata", "emptied"]) on(type, rest);
    on("play", () => {
      this.startedAt = { t: Math.min(this.rest, video.currentTime), wall: performance.now() };
    });
    on("playing", () => this.resume());
    on("timeupdate", () => this.sample());
    on("ratechange", () => this.sample());
    for (const type of ["pause", "waiting", "ended"]) on(type, () => this.stop(true));
    // The new position is already set when these fire: close at the last sample.
    for (const type of ["seeking", "emptied", "abort"]) {
      on(type, () => {
        this.startedAt = null;
        this.stop(false);
      });
    }
    on("seeked", () => {
      if (!video.paused && video.readyState >= 3) this.resume();
    });
  }

  resume() {
    const t = this.video.currentTime;
    const now = performance.now();
    if (this.open && Math.abs(this.open.end - t) < 0.01) return;
    this.close();
    let start = t;
    const from = this.startedAt;
    this.startedAt = null;
    if (from && t >= from.t && t - from.t <= this.possible((now - from.wall) / 1000)) start = from.t;
    this.open = { start, end: t };
    this.wall = now;
  }

  /** The most the clock can have moved in `elapsed` seconds of playing. */
  possible(elapsed) {
    return elapsed * Math.max(this.video.playbackRate, 1) * 1.25 + 0.5;
  }

  /** Extend the open range if the clock moved forward no faster than playing can. */
  sample() {
    if (!this.open || this.video.seeking) return;
    const t = this.video.currentTime;
    const now = performance.now();
    const elapsed = (now - this.wall) / 1000;
    const delta = t - this.open.end;
    if (delta >= 0 && delta <= this.possible(elapsed)) {
      this.open.end = t;
    } else {
      // a jump (or time going backwards without a seek event): start afresh here
      this.close();
      this.open = { start: t, end: t };
    }
    this.wall = now;
  }

  stop(sampleFirst) {
    if (sampleFirst) this.sample();
    this.close();
  }

  close() {
    if (this.open && this.open.end > this.open.start) this.done.push([this.open.start, this.open.end]);
    this.open = null;
  }

  /** The ranges played since the previous take, merged, rounded, within the lesson. */
  take() {
    this.sample();
    const ranges = [...this.done];
    if (this.open && this.open.end > this.open.start) {
      ranges.push([this.open.start, this.open.end]);
      this.open.start = this.open.end; // keep extending from here
    }
    this.done = [];
    return mergeRanges(ranges, this.limit());
  }
}

export function mergeRanges(ranges, limit = Infinity) {
  const clean = ranges
    .map(([a, b]) => [round3(Math.max(0, a)), round3(Math.min(b, limit))])
    .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && b - a >= 0.01)
    .sort((x, y) => x[0] - y[0]);
  const merged = [];
  for (const [a, b] of clean) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

// --- the outbox ---------------------------------------------------------------------

const memory = new Map(); // when localStorage is unavailable (privacy modes, quota)

function storage() {
  try {
    const store = window.localStorage;
    store.getItem(OUTBOX_PREFIX);
    return store;
  } catch {
    return null;
  }
}

const outbox = {
  put(member, body) {
    const key = `${OUTBOX_PREFIX}${member}:${body.playback_id}:${body.seq}`;
    const value = JSON.stringify({ t: Date.now(), member, body });
    const store = storage();
    try {
      if (store) return store.setItem(key, value);
    } catch {
      // quota exceeded: keep it in memory for this page's life
    }
    memory.set(key, value);
  },
  remove(key) {
    memory.delete(key);
    try {
      storage()?.removeItem(key);
    } catch {
      // nothing to do
    }
  },
  /** The member's kept beats, oldest first ({key, t, body}); drops week-old and
   * broken ones (anyone's). */
  list(member) {
    const store = storage();
    const entries = new Map(memory);
    if (store) {
      for (let i = 0; i < store.length; i++) {
        const key = store.key(i);
        if (key?.startsWith(OUTBOX_PREFIX)) entries.set(key, store.getItem(key));
      }
    }
    const items = [];
    for (const [key, value] of entries) {
      try {
        const kept = JSON.parse(value);
        if (Date.now() - kept.t > MAX_AGE_MS || !kept.body?.playback_id) throw new Error("stale");
        if (kept.member === member) items.push({ key, t: kept.t, body: kept.body });
      } catch {
        this.remove(key);
      }
    }
    return items.sort((a, b) => a.t - b.t || a.body.seq - b.body.seq);
  },
};

// --- sending ------------------------------------------------------------------------

function lockName(playbackId) {
  return LOCK_PREFIX + playbackId;
}

export class BeatSender {
  /**
   * member: whose beats these are (the signed-in member's id);
   * url: the progress endpoint; onAnswer(body, answer) for each accepted beat;
   * onRefused(body, problem) when the server refuses one (4xx other than 429);
   * onQueue({pending, offline}) whenever the number of kept beats changes.
   */
  constructor({ member, url, onAnswer, onRefused, onQueue }) {
    Object.assign(this, { member, url, onAnswer, onRefused, onQueue });
    this.held = new Set(); // playback ids this page sends: its own, and adopted ones
    this.releases = new Map(); // adopted playback id → release its lock
    this.running = false;
    this.again = false;
    this.offline = false;
    this.retryDelay = RETRY_MIN_MS;
    this.retryTimer = 0;
    window.addEventListener("online", () => this.retryNow());
    this.adoptOrphans().then(() => this.pump());
  }

  /** Start a playback of this page: its beats are this page's to send. */
  own(playbackId) {
    this.held.add(playbackId);
    // Hold the playback's lock for the page's life, so no other tab adopts its beats.
    navigator.locks?.request(lockName(playbackId), () => new Promise(() => {}));
  }

  /** How many of a playback's beats wait in the outbox. */
  pendingFor(playbackId) {
    return this.kept().filter((item) => item.body.playback_id === playbackId).length;
  }

  mayCut(playbackId) {
    return this.pendingFor(playbackId) < MAX_PENDING_PER_PLAYBACK;
  }

  /** Keep a beat and send it (urgent: the page may be going away). */
  send(body, { urgent = false } = {}) {
    outbox.put(this.member, body);
    this.report();
    if (urgent && this.running) this.post(body, { key: null }); // the pump may be mid-request
    this.pump();
  }

  retryNow() {
    clearTimeout(this.retryTimer);
    this.retryTimer = 0;
    this.retryDelay = RETRY_MIN_MS;
    this.adoptOrphans().then(() => this.pump());
  }

  /** Beats another page kept (it was closed while offline) are sent by this one;
   * the lock makes sure only one open page adopts them. */
  async adoptOrphans() {
    const ids = new Set(this.kept().map((item) => item.body.playback_id));
    for (const id of ids) {
      if (this.held.has(id)) continue;
      if (!navigator.locks) {
        this.held.add(id); // without Web Locks a duplicate send is possible and harmless
        continue;
      }
      await new Promise((adopted) => {
        navigator.locks
          .request(lockName(id), { ifAvailable: true }, (lock) => {
            if (!lock) return adopted();
            this.held.add(id);
            adopted();
            return new Promise((release) => {
              this.releases.set(id, release);
            });
          })
          .catch(adopted);
      });
    }
  }

  async pump() {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        for (const item of this.kept()) {
          if (!this.held.has(item.body.playback_id)) continue;
          const outcome = await this.post(item.body, item);
          if (outcome === "retry") return this.scheduleRetry();
        }
      } while (this.again);
      this.releaseDrained();
    } finally {
      this.running = false;
      this.report();
    }
  }

  /** One request; "done" when the beat is settled (accepted or refused), else "retry". */
  async post(body, item) {
    let response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        credentials: "same-origin",
        keepalive: true,
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken(),
        },
        body: JSON.stringify(body),
      });
    } catch {
      this.offline = true;
      return "retry";
    }
    this.offline = false;
    if (response.status === 429 || response.status >= 500 || response.status === 409) {
      const problem = await readJson(response);
      // 409 means "busy, try again" unless the lesson cannot take progress at all
      if (response.status === 409 && problem.code && problem.code !== "busy") {
        return this.settle(item, () => this.onRefused?.(body, problem));
      }
      const after = Number(response.headers.get("Retry-After"));
      if (after > 0) this.retryDelay = Math.min(after * 1000, RETRY_MAX_MS);
      return "retry";
    }
    const answer = await readJson(response);
    return this.settle(item, () =>
      response.ok ? this.onAnswer?.(body, answer) : this.onRefused?.(body, answer),
    );
  }

  settle(item, notify) {
    if (item?.key) outbox.remove(item.key);
    this.retryDelay = RETRY_MIN_MS;
    notify();
    return "done";
  }

  scheduleRetry() {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.pump(), this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
  }

  releaseDrained() {
    const left = new Set(this.kept().map((item) => item.body.playback_id));
    for (const [id, release] of this.releases) {
      if (left.has(id)) continue;
      this.releases.delete(id);
      this.held.delete(id);
      release();
    }
  }

  kept() {
    return outbox.list(this.member);
  }

  report() {
    const pending = this.kept().filter((item) => this.held.has(item.body.playback_id)).length;
    this.onQueue?.({ pending, offline: this.offline });
  }
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return {};
  }
}

/** Send the member's beats an earlier page kept (closed while offline) from any
 * portal page: `import("./heartbeats.js").then((m) => m.sendKeptBeats({member, url}))`. */
export function sendKeptBeats({ member, url }) {
  if (outbox.list(member).length) new BeatSender({ member, url });
}
