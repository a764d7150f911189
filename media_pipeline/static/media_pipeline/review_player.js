// The admin's preview player: while a video is transcoding, the uploader and editors
// play what is already encoded (an HLS playlist of type EVENT that grows); once the
// run publishes, the player moves to the published version. The page says which
// playlist to start with (data-kind, data-src); the asset's state API says when that
// changes. Native HLS where the browser has it, hls.js elsewhere.

const POLL_MS = 4000;
const LABELS = {
  preview: (state) => `预览（转码中 ${state.progress}%）：已完成的片段可播放，新片段陆续加入`,
  published: () => "已发布版本",
};

async function attach(video, url, hlsSrc) {
  if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = url;
    return null;
  }
  const { default: Hls } = await import(hlsSrc);
  if (!Hls.isSupported()) throw new Error("此浏览器无法播放 HLS 视频");
  // A reviewer watches from the start, not at the growing playlist's live edge.
  const hls = new Hls({ startPosition: 0 });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (data.fatal && data.type === Hls.ErrorTypes.NETWORK_ERROR) hls.startLoad();
  });
  hls.loadSource(url);
  hls.attachMedia(video);
  return hls;
}

class ReviewPlayer {
  constructor(root) {
    this.root = root;
    this.video = root.querySelector("video");
    this.status = root.querySelector("[data-review-status]");
    this.kind = "";
    this.hls = null;
  }

  async show(kind, url, label) {
    const position = this.video.currentTime || 0;
    this.hls?.destroy();
    this.kind = kind;
    this.root.dataset.kind = kind;
    this.hls = await attach(this.video, url, this.root.dataset.hlsSrc);
    if (position > 0) {
      this.video.addEventListener("loadedmetadata", () => (this.video.currentTime = position), {
        once: true,
      });
    }
    this.status.textContent = label;
  }

  async poll() {
    const response = await fetch(this.root.dataset.stateUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) return;
    const state = await response.json();
    if (state.preview_url && this.kind !== "preview") {
      await this.show("preview", state.preview_url, LABELS.preview(state));
    } else if (!state.preview_url && state.master_url && this.kind !== "published") {
      await this.show("published", state.master_url, LABELS.published(state));
    } else if (this.kind === "preview" && state.preview_url) {
      this.status.textContent = LABELS.preview(state);
    } else if (state.status === "failed") {
      this.status.textContent = `处理失败：${state.error}`;
    }
  }

  start() {
    const { kind, src } = this.root.dataset;
    if (kind && src) this.show(kind, src, this.status.textContent).catch(this.failed);
    const timer = setInterval(() => {
      if (this.kind === "published") return clearInterval(timer);
      this.poll().catch(this.failed);
    }, POLL_MS);
  }

  failed = (error) => {
    this.status.textContent = `无法播放：${error.message || error}`;
  };
}

for (const root of document.querySelectorAll("[data-review-player]")) {
  if (!root.dataset.started) {
    root.dataset.started = "1";
    new ReviewPlayer(root).start();
  }
}
