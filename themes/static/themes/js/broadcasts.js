// 直播党课: the countdown before the start (the page reloads when the lecture goes
// live), the live player at the live edge (hls.js where the browser has MSE, else its own HLS) and the
// presence heartbeats: every 15 s the seconds the stream actually played since the
// previous beat. The server alone decides what counts (one clock per member, one
// place at a time); a refusal is shown as it says it.

import { csrfToken } from "./heartbeats.js";

const BEAT_MS = 15_000;
const POLL_MS = 10_000;

const root = document.querySelector("[data-live-page]");

async function currentStatus() {
  const response = await fetch(root.dataset.detailUrl, { credentials: "same-origin" });
  if (!response.ok) return root.dataset.status;
  return (await response.json()).status;
}

function pollForChange() {
  setInterval(async () => {
    if ((await currentStatus()) !== root.dataset.status) location.reload();
  }, POLL_MS);
}

function countdown() {
  const output = root.querySelector("[data-countdown]");
  const starts = new Date(root.dataset.startsAt).getTime();
  const draw = () => {
    const left = Math.max(0, Math.round((starts - Date.now()) / 1000));
    const h = Math.floor(left / 3600);
    const m = Math.floor((left % 3600) / 60);
    const s = left % 60;
    output.textContent =
      left > 0 ? `${h ? `${h} 小时 ` : ""}${m} 分 ${String(s).padStart(2, "0")} 秒` : "即将开始，等待主讲人开播…";
  };
  draw();
  setInterval(draw, 1000);
  pollForChange();
}

// hls.js over Media Source Extensions wherever the browser has them: it follows a
// live playlist at the live edge more reliably than Chromium's own HLS; elsewhere
// (iOS Safari) the browser plays the playlist itself.
async function liveStream(video) {
  const { default: Hls } = await import(root.dataset.hlsSrc);
  if (!Hls.isSupported()) {
    video.src = root.dataset.playlist;
    return null;
  }
  const hls = new Hls({ liveSyncDurationCount: 3, lowLatencyMode: false });
  // The playlist appears a few seconds after the lecturer starts (the first
  // segment): a page opened at the start asks again every 2 s until it is there.
  const playlistMissing = new Set([
    Hls.ErrorDetails.MANIFEST_LOAD_ERROR,
    Hls.ErrorDetails.MANIFEST_LOAD_TIMEOUT,
    Hls.ErrorDetails.MANIFEST_PARSING_ERROR,
  ]);
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (!data.fatal) return;
    if (playlistMissing.has(data.details)) setTimeout(() => hls.loadSource(root.dataset.playlist), 2000);
    else if (data.type === Hls.ErrorTypes.NETWORK_ERROR) hls.startLoad();
    else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
  });
  video.querySelectorAll("source").forEach((source) => source.remove());
  hls.loadSource(root.dataset.playlist);
  hls.attachMedia(video);
  return hls;
}

async function live() {
  const video = root.querySelector("video");
  const hls = await liveStream(video);
  video.play().catch(() => {});
  root.querySelector("[data-live-edge]")?.addEventListener("click", () => {
    if (hls?.liveSyncPosition) video.currentTime = hls.liveSyncPosition;
    else if (video.seekable.length) video.currentTime = Math.max(0, video.seekable.end(video.seekable.length - 1) - 3);
    video.play().catch(() => {});
  });
  if (root.dataset.heartbeatUrl) presence(video);
}

function presence(video) {
  const shown = root.querySelector("[data-presence]");
  const problem = root.querySelector("[data-presence-error]");
  let played = 0;
  let last = null;
  const sample = () => {
    const now = performance.now();
    const playing = !video.paused && !video.ended && video.readyState >= 3;
    if (playing && last !== null) played += Math.min(now - last, 5_000) / 1000;
    last = playing ? now : null;
  };
  for (const type of ["timeupdate", "playing", "pause", "waiting"]) video.addEventListener(type, sample);
  const beat = async () => {
    sample();
    const seconds = Math.round(played * 10) / 10;
    played = 0;
    const response = await fetch(root.dataset.heartbeatUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ seconds: Math.min(seconds, 120) }),
    }).catch(() => null);
    if (!response) return;
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      problem.hidden = true;
      shown.textContent = `在线 ${body.seconds_present} 秒；在线满约 ${body.needed_seconds} 秒计为出席`;
      shown.dataset.seconds = body.seconds_present;
    } else {
      problem.hidden = false;
      problem.textContent = body.detail || "在线时长未能记录";
      if (body.code === "not_live") location.reload();
    }
  };
  beat();
  setInterval(beat, BEAT_MS);
}

if (root?.dataset.status === "scheduled") countdown();
else if (root?.dataset.status === "live" && root.dataset.playlist) live();
