// The admin's video upload form, resumable: the chosen file goes to the platform's
// own tus endpoint (/api/v3/media/uploads/, tus 1.0) with tus-js-client, signed in
// by the admin's session and its CSRF token. A progress bar shows the percentage;
// a dropped connection is retried (retryDelays) and resumed where the server says
// it stopped (HEAD); an upload broken off for longer resumes with 继续上传, when
// the network returns, or after a reload (the client's fingerprint in
// localStorage). When the last byte has arrived the server has created the
// VideoAsset: the form links it. Without script (or tus support) the form posts
// the file as before.

const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000];
const DEFAULT_CHUNK = 8 * 1024 * 1024;

function csrfToken(form) {
  const field = form.querySelector("[name=csrfmiddlewaretoken]");
  if (field) return field.value;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function megabytes(bytes) {
  return (bytes / (1024 * 1024)).toFixed(1);
}

function titleFor(form, file) {
  const typed = form.querySelector("[name=title]")?.value.trim();
  return typed || file.name.replace(/\.[^.]*$/, "") || "未命名视频";
}

function wire(input) {
  const form = input.form;
  const container = input.closest("[data-resumable-upload]") || input.parentElement;
  const panel = container.querySelector("[data-upload-panel]");
  const bar = panel.querySelector("[data-upload-bar]");
  const status = panel.querySelector("[data-upload-status]");
  const actions = panel.querySelector("[data-upload-actions]");
  const resume = panel.querySelector("[data-upload-resume]");
  let upload = null;
  let running = false;
  let finished = false;
  let shown = -1;

  const say = (text) => {
    status.textContent = text;
  };

  const progress = (sent, total) => {
    const percent = total ? Math.floor((sent / total) * 100) : 0;
    bar.value = percent;
    if (percent === shown) return;
    shown = percent;
    say(`正在上传 ${percent}%（${megabytes(sent)} / ${megabytes(total)} MB）`);
  };

  const interrupted = (error) => {
    running = false;
    if (finished) return;
    const offline = navigator.onLine === false;
    say(
      offline
        ? "网络已断开：上传已暂停，网络恢复后自动继续（已上传的部分不会丢失）"
        : `上传中断：${error?.message || error}。已上传的部分不会丢失，可继续上传`,
    );
    actions.hidden = false;
  };

  const done = async (payload) => {
    running = false;
    finished = true;
    actions.hidden = true;
    bar.value = 100;
    let assetId = payload?.lastResponse?.getHeader("Upload-Asset-Id");
    if (!assetId && upload.url) {
      const response = await fetch(upload.url, {
        method: "HEAD",
        credentials: "same-origin",
        headers: { "Tus-Resumable": "1.0.0" },
      });
      assetId = response.headers.get("Upload-Asset-Id");
    }
    if (!assetId) {
      say("上传完成，正在创建视频素材：请稍后在视频素材列表中查看");
      return;
    }
    const href = input.dataset.assetUrl.replace(/0\/$/, `${assetId}/`);
    status.replaceChildren(
      "上传完成 100%，已创建视频素材：",
      Object.assign(document.createElement("a"), {
        href,
        textContent: `「${upload.options.metadata.title}」（查看处理进度）`,
      }),
    );
    // The file is stored: posting the form again would upload it a second time.
    input.value = "";
    input.disabled = true;
    form.querySelectorAll("[type=submit]").forEach((button) => {
      button.disabled = true;
    });
  };

  const start = () => {
    if (running) return; // one request chain per upload
    running = true;
    actions.hidden = true;
    say("正在连接…");
    upload.start();
  };

  resume.addEventListener("click", start);
  window.addEventListener("online", () => {
    if (upload && !finished && !actions.hidden) start();
  });

  form.addEventListener("submit", async (event) => {
    const file = input.files?.[0];
    if (!file || finished) return; // nothing chosen: the form says what is missing
    event.preventDefault();
    if (upload && !finished) {
      start();
      return;
    }
    panel.hidden = false;
    upload = new window.tus.Upload(file, {
      endpoint: input.dataset.tusEndpoint,
      chunkSize: Number(input.dataset.chunkSize) || DEFAULT_CHUNK,
      retryDelays: RETRY_DELAYS,
      removeFingerprintOnSuccess: true,
      metadata: { filename: file.name, title: titleFor(form, file) },
      headers: { "X-CSRFToken": csrfToken(form) },
      onProgress: progress,
      onError: interrupted,
      onSuccess: done,
    });
    try {
      // An upload of this file broken off earlier (even before a reload) goes on
      // from where the server has it.
      const previous = await upload.findPreviousUploads();
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
    } catch {
      // no localStorage: a fresh upload
    }
    start();
  });
}

if (window.tus?.isSupported) {
  document.querySelectorAll("input[type=file][data-tus-endpoint]").forEach(wire);
}
