// The lesson player: the signed HLS master in a <video> with our own controls
// (speed, audio only, subtitles, thumbnails on the seek bar, keyboard), resume at the
// stored position, honest heartbeats for a signed-in member, and the 360° view for
// VR courseware. The server alone decides completion: the status shows its answer.

import { BeatSender, WatchTracker, newPlaybackId } from "./heartbeats.js";
import { audioOnlyUrl, streamFor } from "./streams.js";
import { loadThumbnails, thumbnailAt } from "./thumbnails.js";

const SEEK_STEP = 5;
const VOLUME_STEP = 0.1;
const MIN_BEAT_GAP_MS = 2500; // the server allows 30 beats a minute per member
const NEAR_END_SECONDS = 5;
const OFFLINE_NOTICE = "网络已断开，学习记录已保存在本机，联网后自动补发";

const players = new Map(); // lesson id → Player with heartbeats
let sender = null; // one per page: it sends the beats one after another, in order

function pageSender({ member, url }) {
  sender ??= new BeatSender({
    member,
    url,
    onAnswer: (body, answer) => players.get(body.lesson)?.answered(answer),
    onRefused: (body, problem) => players.get(body.lesson)?.refusedWith(problem),
    onQueue: (queue) => players.forEach((player) => player.queued(queue)),
  });
  return sender;
}

export function startPlayers() {
  for (const root of document.querySelectorAll("[data-player]")) {
    if (!root.dataset.started) {
      root.dataset.started = "1";
      new Player(root).start();
    }
  }
}

/** 75 → "1:15"; 3725 → "1:02:05". */
export function clock(seconds) {
  const total = Math.max(0, Math.floor(seconds || 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** 75 → "1 分 15 秒", for screen readers. */
function spoken(seconds) {
  const total = Math.max(0, Math.floor(seconds || 0));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return m ? `${m} 分 ${s} 秒` : `${s} 秒`;
}

/** Change an element's text only when it differs (no needless screen-reader noise). */
function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

function progressText(answer) {
  const percent = Math.round((answer.watched_ratio || 0) * 100);
  return `已观看 ${percent}%${answer.completed ? " · 已完成" : ""}`;
}

class Player {
  constructor(root) {
    this.root = root;
    const data = root.dataset;
    this.lesson = Number(data.lessonId);
    this.master = data.master;
    this.video = root.querySelector("video");
    this.status = root.querySelector("[data-status]");
    this.controls = root.querySelector("[data-controls]");
    this.el = Object.fromEntries(
      ["play", "seek", "preview", "previewTime", "time", "mute", "volume", "speed", "captions",
        "audioToggle", "gyro", "fullscreen"].map((name) => [
        name,
        root.querySelector(`[data-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}]`),
      ]),
    );
    this.declaredDuration = Number(data.duration) || 0;
    this.mode = data.audioOnly === "1" ? "audio" : "video";
    this.progress = this.status.textContent.trim();
    this.notice = "";
  }

  get duration() {
    const d = this.video.duration;
    return Number.isFinite(d) && d > 0 ? d : this.declaredDuration;
  }

  async start() {
    const { video, root } = this;
    this.bindControls();
    this.bindKeys();
    if (root.dataset.member) this.startHeartbeats();
    try {
      this.stream = await streamFor(video, { hlsSrc: root.dataset.hlsSrc });
    } catch (error) {
      this.say(error.message || "此浏览器无法播放该视频", { sticky: true });
      return; // the native controls stay
    }
    const resumeAt = this.resumeAt();
    this.stream.load(this.master, { startAt: resumeAt });
    if (resumeAt) this.say(`从上次看到的 ${clock(resumeAt)} 处继续播放`);
    video.controls = false;
    this.controls.hidden = false;
    if (root.dataset.projection) await this.startPanorama();
    this.render();
  }

  /** Where to start: the stored position, unless it is (nearly) the end. */
  resumeAt() {
    const resume = Number(this.root.dataset.resume) || 0;
    const end = this.declaredDuration;
    const nearEnd = Math.min(NEAR_END_SECONDS, end / 4);
    return resume > 0 && end > 0 && resume < end - nearEnd ? resume : 0;
  }

  // --- controls -----------------------------------------------------------------

  bindControls() {
    const { video, el } = this;
    const play = () => video.play().catch(() => {}); // refused autoplay: the button stays
    this.toggle = () => (video.paused || video.ended ? play() : video.pause());
    el.play.addEventListener("click", this.toggle);
    video.addEventListener("click", () => {
      this.toggle();
      this.root.focus({ preventScroll: true });
    });
    this.root.tabIndex = -1; // clicking the picture focuses the player for its keys

    for (const type of ["play", "pause", "ended", "timeupdate", "durationchange", "loadedmetadata",
      "volumechange", "ratechange", "seeking"]) {
      video.addEventListener(type, () => this.render());
    }
    const failed = () => this.say("视频加载失败，请检查网络后刷新页面", { sticky: true });
    video.addEventListener("error", failed);
    video.addEventListener("streamerror", failed);

    // seek bar: preview while hovering or dragging, seek on release
    const seek = el.seek;
    seek.addEventListener("input", () => {
      this.scrubbing = true;
      this.renderTime(Number(seek.value));
      this.preview(Number(seek.value));
    });
    seek.addEventListener("change", () => {
      this.scrubbing = false;
      this.seekTo(Number(seek.value));
      this.hidePreview();
    });
    seek.addEventListener("pointermove", (event) => {
      if (event.pointerType === "mouse" || event.buttons) this.preview(this.timeAtPointer(event));
    });
    seek.addEventListener("pointerleave", () => !this.scrubbing && this.hidePreview());
    seek.addEventListener("pointerup", () => setTimeout(() => this.hidePreview(), 600));
    seek.addEventListener("blur", () => this.hidePreview());
    seek.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 }[event.key];
      if (!step) return;
      event.preventDefault(); // the same ±5 s as the player's own keys
      event.stopPropagation();
      this.seekBy(step * SEEK_STEP);
    });

    el.mute.addEventListener("click", () => (video.muted = !video.muted));
    el.volume.addEventListener("input", () => {
      video.volume = Number(el.volume.value);
      video.muted = video.volume === 0;
    });
    el.speed.addEventListener("change", () => {
      // the default rate too: loading another source (audio only) resets to it
      video.defaultPlaybackRate = video.playbackRate = Number(el.speed.value);
    });

    if (el.captions) {
      const showTrack = () => {
        [...video.textTracks].forEach((track, index) => {
          track.mode = String(index) === el.captions.value ? "showing" : "disabled";
        });
      };
      el.captions.addEventListener("change", showTrack);
      video.textTracks.addEventListener?.("addtrack", showTrack);
      showTrack();
    }
    el.audioToggle?.addEventListener("click", () => this.setAudioMode(this.mode !== "audio"));
    el.fullscreen.addEventListener("click", () => this.toggleFullscreen());
    document.addEventListener("fullscreenchange", () => this.render());
  }

  timeAtPointer(event) {
    const box = this.el.seek.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
    return fraction * this.duration;
  }

  seekTo(t) {
    this.video.currentTime = Math.min(Math.max(0, t), Math.max(0, this.duration - 0.1));
  }

  seekBy(delta) {
    this.seekTo(this.video.currentTime + delta);
    this.render();
  }

  async preview(t) {
    const { preview, previewTime, seek } = this.el;
    const url = this.root.dataset.thumbnails;
    previewTime.textContent = clock(t);
    this.previewAt = t;
    const cues = url ? await loadThumbnails(url) : [];
    if (this.previewAt !== t) return; // the pointer moved on meanwhile
    const cue = thumbnailAt(cues, t);
    const width = cue ? cue.w : 64;
    preview.classList.toggle("has-image", Boolean(cue));
    if (cue) {
      Object.assign(preview.style, {
        width: `${cue.w}px`,
        height: `${cue.h}px`,
        backgroundImage: `url("${cue.url}")`,
        backgroundPosition: `-${cue.x}px -${cue.y}px`,
      });
    }
    const span = seek.clientWidth;
    const x = (t / (this.duration || 1)) * span - width / 2;
    preview.style.left = `${Math.min(Math.max(0, x), Math.max(0, span - width))}px`;
    preview.hidden = false;
  }

  hidePreview() {
    this.previewAt = null;
    this.el.preview.hidden = true;
  }

  async setAudioMode(on) {
    const { video, el } = this;
    if (this.switching) return;
    this.switching = true;
    el.audioToggle.disabled = true;
    try {
      this.audioUrl ??= await audioOnlyUrl(this.master);
      if (on && !this.audioUrl) return this.say("该视频没有仅音频版本");
      const at = video.currentTime;
      const playing = !video.paused && !video.ended;
      this.cutBeat({ force: this.started }); // what was played so far, in the old mode
      this.mode = on ? "audio" : "video";
      this.root.classList.toggle("audio-only", on);
      el.audioToggle.setAttribute("aria-pressed", String(on));
      this.stream.load(on ? this.audioUrl : this.master, { startAt: at, now: playing });
      if (playing) video.play().catch(() => {});
      this.say(on ? "已切换为仅听声音" : "已恢复视频画面");
    } catch {
      this.say("切换失败，请检查网络");
    } finally {
      this.switching = false;
      el.audioToggle.disabled = false;
    }
  }

  toggleFullscreen() {
    const { root, video } = this;
    if (document.fullscreenElement) return document.exitFullscreen();
    if (root.requestFullscreen) return root.requestFullscreen().catch(() => {});
    video.webkitEnterFullscreen?.(); // iPhone: only the video itself goes full screen
  }

  bindKeys() {
    this.root.addEventListener("keydown", (event) => {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      const target = event.target;
      const isButton = target.tagName === "BUTTON";
      const isSelect = target.tagName === "SELECT";
      const isRange = target.type === "range"; // the volume slider keeps its arrows
      const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
      const actions = {
        " ": !(isButton || isSelect) && this.toggle,
        k: this.toggle,
        ArrowLeft: !(isSelect || isRange) && (() => this.seekBy(-SEEK_STEP)),
        ArrowRight: !(isSelect || isRange) && (() => this.seekBy(SEEK_STEP)),
        ArrowUp: !(isSelect || isRange) && (() => this.changeVolume(VOLUME_STEP)),
        ArrowDown: !(isSelect || isRange) && (() => this.changeVolume(-VOLUME_STEP)),
        f: () => this.toggleFullscreen(),
        m: () => (this.video.muted = !this.video.muted),
      };
      const action = actions[key];
      if (!action) return;
      event.preventDefault();
      action();
    });
  }

  changeVolume(delta) {
    const { video } = this;
    video.volume = Math.min(1, Math.max(0, Math.round((video.volume + delta) * 100) / 100));
    video.muted = video.volume === 0;
    this.say(`音量 ${Math.round(video.volume * 100)}%`);
  }

  render() {
    const { video, el } = this;
    const playing = !video.paused && !video.ended;
    setText(el.play, playing ? "暂停" : "播放");
    el.mute.setAttribute("aria-pressed", String(video.muted));
    if (!this.scrubbing) el.volume.value = video.muted ? 0 : video.volume;
    el.speed.value = String(video.playbackRate);
    setText(el.fullscreen, document.fullscreenElement === this.root ? "退出全屏" : "全屏");
    if (!this.scrubbing) this.renderTime(video.currentTime);
  }

  renderTime(t) {
    const { seek, time } = this.el;
    const duration = this.duration;
    seek.max = String(duration || 0);
    if (!this.scrubbing) seek.value = String(t);
    const second = Math.floor(t);
    if (second !== this.shownSecond || duration !== this.shownDuration) {
      this.shownSecond = second;
      this.shownDuration = duration;
      time.textContent = `${clock(t)} / ${clock(duration)}`;
      seek.setAttribute("aria-valuetext", `${spoken(t)}，共 ${spoken(duration)}`);
    }
  }

  /** The status line: the server's last answer, then any notice. A notice that is
   * not sticky (volume, a switch) gives way to the next answer. */
  say(notice, { sticky = false } = {}) {
    this.notice = notice;
    this.sticky = sticky;
    const text = notice ? `${this.progress} · ${notice}` : this.progress;
    setText(this.status, text);
  }

  // --- 360° ---------------------------------------------------------------------

  async startPanorama() {
    const { root, video } = this;
    const { startPanorama } = await import("./vr360.js");
    const panorama = await startPanorama({
      stage: root.querySelector(".stage"),
      video,
      threeSrc: root.dataset.threeSrc,
      gyroButton: this.el.gyro,
      label: video.getAttribute("aria-label") || "全景视频",
    }).catch(() => null);
    if (!panorama) return this.say("此浏览器不支持全景播放，以普通画面显示", { sticky: true });
    root.classList.add("is-360");
    video.setAttribute("aria-hidden", "true");
    video.tabIndex = -1;
  }

  // --- heartbeats ---------------------------------------------------------------

  startHeartbeats() {
    const { video, root } = this;
    players.set(this.lesson, this);
    pageSender({ member: root.dataset.member, url: root.dataset.progressUrl });
    this.tracker = new WatchTracker(video, { limit: () => this.duration });
    this.interval = (Number(root.dataset.beatInterval) || 15) * 1000;
    this.newPlayback();

    video.addEventListener("play", () => {
      if (this.ended) this.newPlayback(); // watching again is a new playback
      this.ended = false;
      if (!this.started) {
        this.started = true;
        this.cutBeat({ force: true }); // seq 0 starts the server's wall clock
      }
    });
    video.addEventListener("pause", () => this.beatSoon());
    video.addEventListener("seeked", () => this.started && this.beatSoon());
    video.addEventListener("ended", () => {
      this.ended = true;
      this.cutBeat({ urgent: true });
    });
    setInterval(() => !video.paused && !video.ended && this.beatSoon(), this.interval);
    const leaving = () => this.started && this.cutBeat({ urgent: true });
    document.addEventListener("visibilitychange", () => document.hidden && leaving());
    window.addEventListener("pagehide", leaving);
  }

  answered(answer) {
    this.progress = progressText(answer);
    if (this.notice === OFFLINE_NOTICE || !this.sticky) this.say("");
    else this.say(this.notice, { sticky: true });
  }

  refusedWith(problem) {
    if ([401, 403, 404].includes(problem.status)) this.refused = true;
    this.say(problem.detail || "学习记录未被接受", { sticky: true });
  }

  queued({ pending, offline }) {
    if (offline && pending) this.say(OFFLINE_NOTICE, { sticky: true });
    else if (this.notice === OFFLINE_NOTICE) this.say("");
  }

  newPlayback() {
    this.playbackId = newPlaybackId();
    this.seq = 0;
    this.started = false;
    this.lastBeat = { at: 0, position: this.video.currentTime, mode: this.mode };
    sender.own(this.playbackId);
  }

  /** A beat now, or as soon as the minimum gap allows (several events make one). */
  beatSoon() {
    const wait = this.lastBeat.at + MIN_BEAT_GAP_MS - performance.now();
    if (wait <= 0) return this.cutBeat();
    clearTimeout(this.beatTimer);
    this.beatTimer = setTimeout(() => this.cutBeat(), wait);
  }

  /** Cut what was played since the previous beat into the next beat. */
  cutBeat({ urgent = false, force = false } = {}) {
    if (!this.tracker || this.refused || !this.started) return;
    clearTimeout(this.beatTimer);
    // Too many beats waiting (long offline): keep collecting ranges into a later beat.
    if (!urgent && !sender.mayCut(this.playbackId)) return;
    const ranges = this.tracker.take();
    const limit = this.duration || Infinity;
    const position = Math.round(Math.min(this.video.currentTime, limit) * 1000) / 1000;
    const moved = Math.abs(position - this.lastBeat.position) >= 0.5;
    if (!force && !ranges.length && !moved && this.mode === this.lastBeat.mode) return;
    const body = {
      lesson: this.lesson,
      playback_id: this.playbackId,
      seq: this.seq++,
      ranges,
      position,
      rate: this.video.playbackRate,
      mode: this.mode,
    };
    this.lastBeat = { at: performance.now(), position, mode: this.mode };
    sender.send(body, { urgent });
  }
}
