// 集中收看: the room's hall screen. Waiting for its secretary, it shows the device
// code and follows the server's state until the screen is confirmed; as a room's
// screen it plays the live lecture full screen (the signed HLS playlist the state
// names: natively or with hls.js), beats every 15 s so the room's presence credits
// the members checked in there (hall.js keeps the check-in code and head-count
// current), and reloads when the lecture or the screen's standing changes.

import { streamFor } from "./streams.js";

const PAIRING_POLL_MS = 3000;
const ROOM_POLL_MS = 10000;

const root = document.querySelector("[data-viewing-screen]");

async function state() {
  const response = await fetch(root.dataset.stateUrl, {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
    cache: "no-store",
  });
  if (!response.ok) throw new Error(`state ${response.status}`);
  return response.json();
}

function followPairing() {
  const code = root.querySelector("[data-device-code]");
  const qr = root.querySelector("[data-device-qr]");
  const poll = async () => {
    try {
      const now = await state();
      if (now.mode !== "pairing") return location.reload();
      if (code.textContent !== now.device_code) {
        code.textContent = now.device_code;
        qr.src = `data:image/png;base64,${now.qr_png}`;
      }
    } catch {
      // the network dropped for a moment: the next poll catches up
    }
    setTimeout(poll, PAIRING_POLL_MS);
  };
  setTimeout(poll, PAIRING_POLL_MS);
}

async function play(video, message, url) {
  if (!url) return null;
  try {
    const stream = await streamFor(video, { hlsSrc: root.dataset.hlsSrc });
    stream.load(url, { now: true });
    video.play().catch(() => {});
    message.textContent = "";
    return stream;
  } catch (error) {
    message.textContent = String(error.message || error);
    return null;
  }
}

function followRoom() {
  const lecture = root.dataset.lecture;
  const video = root.querySelector("[data-viewing-video]");
  const message = root.querySelector("[data-viewing-message]");
  let latestUrl = video?.dataset.src || "";
  let stream = null;

  if (video) {
    play(video, message, latestUrl).then((made) => (stream = made));
    // A dropped stream (an expired playlist URL, a network gap): load the latest.
    video.addEventListener("error", () => stream?.load(latestUrl, { now: true }));
  }

  const poll = async () => {
    try {
      const now = await state();
      const changed = String(now.lecture ?? "") !== lecture || String(now.live) !== root.dataset.live;
      if (now.mode !== "room" || changed) return location.reload();
      if (now.playlist_url && !latestUrl && video) {
        stream = await play(video, message, now.playlist_url);
      }
      latestUrl = now.playlist_url || latestUrl;
    } catch {
      // the next poll catches up
    }
    setTimeout(poll, ROOM_POLL_MS);
  };
  setTimeout(poll, ROOM_POLL_MS);

  if (root.dataset.live !== "true") return;
  const beat = async () => {
    try {
      const response = await fetch(root.dataset.beatUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      // Not confirmed any more (revoked), or the lecture ended: show what is true now.
      if (response.status === 401 || response.status === 409) return location.reload();
    } catch {
      // offline for a moment: the next beat credits the gap (up to the server's bound)
    }
    setTimeout(beat, Number(root.dataset.beatSeconds || 15) * 1000);
  };
  beat();
}

if (root?.dataset.mode === "pairing") followPairing();
if (root?.dataset.mode === "room") followRoom();
