// 擂台赛: the join page (join code typed or scanned), a team's phone and the host's
// hall screen. Both screens poll the state endpoint about twice a second with
// If-None-Match (304 until something changes); the server decides every answer by
// its own clock, so these screens only show what it says. A team's QR code holds the
// portal's join URL (/live/join/?code=…): a phone's camera opens it and the server
// joins after sign-in; the in-page scanner reads the code out of the same URL.

const API = "/api/v3/assessment/live";
const POLL_MS = 500;
const PHASES = {
  idle: "等待主持人开始比赛",
  staking: "风险题：选择分值",
  ready: "读题",
  open: "作答中",
  revealed: "公布答案",
  finished: "比赛结束",
};
const KINDS = { required: "必答题", buzzer: "抢答题", risk: "风险题" };
const ADVANCE_LABELS = {
  idle: "开始比赛",
  staking: "开始作答",
  ready: "开始作答",
  open: "公布答案",
  revealed: "下一题",
  finished: "比赛已结束",
};

const deviceKey = (contest) => `dangke:live:${contest}`;
const LETTERS = "ABCDEFGH";

// The join code in a scanned QR code: the portal's join URL (any host: the code is
// what matters, and the phone stays on this page).
function joinCodeFrom(raw) {
  try {
    const url = new URL((raw || "").trim());
    if (!url.pathname.endsWith("/live/join/")) return "";
    return /^[A-Za-z0-9]{4,12}$/.test(url.searchParams.get("code") || "") ? url.searchParams.get("code") : "";
  } catch {
    return "";
  }
}

function loadDevice(contest) {
  try {
    return JSON.parse(localStorage.getItem(deviceKey(contest)) || "null");
  } catch {
    return null;
  }
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  return document.querySelector("[name=csrfmiddlewaretoken]")?.value || "";
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value !== false && value != null) node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child != null));
  return node;
}

async function problemOf(response) {
  const body = await response.json().catch(() => ({}));
  return body.detail || `请求失败（${response.status}）`;
}

// Polls the state; ``wake()`` asks again at once (after an action).
function poller(url, headers, onState, onGone) {
  let etag = "";
  let wakeUp = null;
  let offset = 0;
  const loop = async () => {
    for (;;) {
      try {
        const response = await fetch(url, {
          headers: { Accept: "application/json", ...headers, ...(etag ? { "If-None-Match": etag } : {}) },
          credentials: "same-origin",
          cache: "no-store",
        });
        if (response.status === 200) {
          etag = response.headers.get("ETag") || "";
          const state = await response.json();
          offset = Date.parse(state.server_time) - Date.now();
          onState(state);
        } else if (response.status === 403 || response.status === 404) {
          onGone(await problemOf(response));
          return;
        }
      } catch {
        // offline for a moment: the next poll catches up
      }
      await new Promise((resolve) => {
        wakeUp = resolve;
        setTimeout(resolve, POLL_MS);
      });
    }
  };
  loop();
  return {
    wake: () => wakeUp?.(),
    now: () => Date.now() + offset,
  };
}

function countdown(box, clock) {
  let closesAt = null;
  const tick = () => {
    if (closesAt === null) {
      box.hidden = true;
    } else {
      const left = Math.max(0, Math.ceil((closesAt - clock.now()) / 1000));
      box.hidden = false;
      box.textContent = left > 0 ? `剩余 ${left} 秒` : "时间到";
    }
  };
  setInterval(tick, 200);
  return (value) => {
    closesAt = value ? Date.parse(value) : null;
    tick();
  };
}

function heading(state) {
  const item = state.item;
  const parts = [PHASES[state.phase] || state.phase];
  if (item && state.phase !== "finished") parts.push(`第 ${item.index} / ${item.total} 题`, KINDS[item.kind] || "");
  return parts.filter(Boolean).join(" · ");
}

function keyText(item) {
  const key = item.key;
  if (!key) return "";
  if ("value" in key) return key.value ? "正确" : "错误";
  if ("accepted" in key) return key.accepted.join("、");
  const options = item.question?.options || [];
  return options.filter((o) => key.options.includes(o.id)).map((o) => o.text).join("、");
}

// --- join -------------------------------------------------------------------------

function startJoin(form) {
  const error = form.querySelector("[data-live-error]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const code = form.elements.code.value.trim();
    if (!code) {
      error.textContent = "请输入加入码";
      form.elements.code.focus();
      return;
    }
    try {
      const response = await fetch(`${API}/join`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ code, label: form.elements.label.value.trim() }),
      });
      if (response.status !== 201) {
        error.textContent = await problemOf(response);
        return;
      }
      const joined = await response.json();
      localStorage.setItem(
        deviceKey(joined.contest),
        JSON.stringify({ token: joined.device_token, team: joined.team }),
      );
      window.location.href = `/live/${joined.contest}/`;
    } catch {
      error.textContent = "网络不可用，请稍后再试";
    }
  });
  startScanner(form);
}

async function startScanner(form) {
  const button = form.querySelector("[data-scan]");
  const panel = document.querySelector("[data-scan-panel]");
  if (!button || !panel || !("BarcodeDetector" in window) || !navigator.mediaDevices?.getUserMedia) return;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    if (!formats.includes("qr_code")) return;
  } catch {
    return;
  }
  const video = panel.querySelector("[data-scan-video]");
  const status = panel.querySelector("[data-scan-status]");
  const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  let stream = null;
  const stop = () => {
    stream?.getTracks().forEach((track) => track.stop());
    stream = null;
    panel.hidden = true;
    button.focus();
  };
  const scan = async () => {
    if (!stream) return;
    try {
      for (const found of await detector.detect(video)) {
        const code = joinCodeFrom(found.rawValue);
        if (code) {
          stop();
          form.elements.code.value = code;
          form.requestSubmit();
          return;
        }
      }
    } catch {
      // no frame yet
    }
    setTimeout(scan, 250);
  };
  button.hidden = false;
  button.addEventListener("click", async () => {
    panel.hidden = false;
    status.textContent = "正在打开摄像头…";
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch {
      status.textContent = "无法使用摄像头，请手动输入加入码";
      return;
    }
    video.srcObject = stream;
    await video.play().catch(() => {});
    status.textContent = "请将二维码对准摄像头";
    scan();
  });
  panel.querySelector("[data-scan-cancel]").addEventListener("click", stop);
}

// The server joined this signed-in phone (the QR code's URL): keep its new token.
function startJoined(box) {
  const contest = box.dataset.contest;
  try {
    localStorage.setItem(
      deviceKey(contest),
      JSON.stringify({ token: box.dataset.token, team: { id: Number(box.dataset.team), name: box.dataset.teamName } }),
    );
  } catch {
    return; // storage refused (private mode): the link below still shows the page
  }
  window.location.replace(box.querySelector("[data-live-enter]").getAttribute("href"));
}

// --- phone ------------------------------------------------------------------------

function startPhone(root) {
  const contest = root.dataset.contest;
  const device = loadDevice(contest);
  const part = (name) => root.querySelector(`[data-live-${name}]`);
  const feedback = part("feedback");
  if (!device?.token) {
    part("team").textContent = "这台设备还没有加入比赛。";
    part("rejoin").hidden = false;
    return;
  }
  const headers = { "X-Device-Token": device.token };
  let actionsKey = "";
  let current = null;

  const send = async (path, body) => {
    try {
      const response = await fetch(`${API}/${contest}/${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
        body: JSON.stringify({ team: device.team.id, item: current.item.id, ...body }),
      });
      feedback.textContent = response.ok
        ? path === "stakes"
          ? `已选择分值 ${body.stake}`
          : "已提交本队答案"
        : await problemOf(response);
    } catch {
      feedback.textContent = "网络不可用，请重试";
    }
    clock.wake();
  };

  const answerControls = (item) => {
    const question = item.question;
    if (question.kind === "single") {
      return el(
        "div",
        { class: "live-buttons", role: "group", "aria-label": "选择答案" },
        ...question.options.map((o) =>
          el("button", { type: "button", class: "button live-answer", onclick: () => send("answers", { options: [o.id] }) }, o.text),
        ),
      );
    }
    if (question.kind === "true_false") {
      return el(
        "div",
        { class: "live-buttons", role: "group", "aria-label": "选择答案" },
        el("button", { type: "button", class: "button live-answer", onclick: () => send("answers", { value: true }) }, "正确"),
        el("button", { type: "button", class: "button live-answer", onclick: () => send("answers", { value: false }) }, "错误"),
      );
    }
    const form = el("form", { class: "live-form" });
    if (question.kind === "multiple") {
      form.append(
        el(
          "fieldset",
          {},
          el("legend", {}, "选择所有正确的选项"),
          ...question.options.map((o) =>
            el("label", { class: "choice" }, el("input", { type: "checkbox", name: "options", value: o.id }), el("span", {}, o.text)),
          ),
        ),
      );
    } else {
      form.append(el("label", { for: "live-text" }, "填写答案"), el("input", { id: "live-text", name: "text", autocomplete: "off", maxlength: "500" }));
    }
    form.append(el("button", { type: "submit", class: "button primary" }, "提交答案"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (question.kind === "multiple") {
        send("answers", { options: [...form.querySelectorAll("input:checked")].map((i) => Number(i.value)) });
      } else {
        send("answers", { text: form.elements.text.value });
      }
    });
    return form;
  };

  const render = (state) => {
    current = state;
    const item = state.item;
    const you = state.you || {};
    const team = state.teams.find((t) => t.id === device.team.id);
    document.querySelector("[data-live-title]").textContent = state.contest.title;
    part("team").textContent = `${you.team_name || device.team.name} · 本队得分 ${team ? team.score : 0}`;
    part("phase").textContent = heading(state);
    setCountdown(state.phase === "open" && item ? item.closes_at : null);
    const questionBox = part("question");
    questionBox.replaceChildren();
    if (item?.question && state.phase !== "finished") {
      questionBox.append(el("p", { class: "live-stem" }, item.question.stem));
    }
    const key = [state.phase, item?.id, you.answered, you.stake, state.phase === "revealed" ? state.version : ""].join("|");
    if (key === actionsKey) return;
    if (actionsKey.split("|").slice(0, 2).join("|") !== key.split("|").slice(0, 2).join("|")) {
      feedback.textContent = ""; // a new step: the last one's message is stale
    }
    actionsKey = key;
    const actions = part("actions");
    actions.replaceChildren();
    if (!item || state.phase === "idle" || state.phase === "finished") return;
    if (state.phase === "staking") {
      actions.append(
        you.stake
          ? el("p", {}, `本队分值：${you.stake}`)
          : el(
              "div",
              { class: "live-buttons", role: "group", "aria-label": "选择本队分值" },
              ...item.stakes.map((stake) =>
                el("button", { type: "button", class: "button live-answer", onclick: () => send("stakes", { stake }) }, `${stake} 分`),
              ),
            ),
      );
    } else if (state.phase === "open") {
      actions.append(you.answered ? el("p", {}, "已提交本队答案，等待公布") : answerControls(item));
    } else if (state.phase === "revealed") {
      const mine = (item.results || []).find((r) => r.team_id === device.team.id);
      actions.append(
        el("p", { class: "big" }, mine?.correct ? "✓ 回答正确" : mine?.answered ? "✗ 回答错误" : "本队未作答"),
        el("p", {}, `本题得分：${mine ? mine.points : 0} · 正确答案：${keyText(item)}`),
      );
      if (item.explanation) actions.append(el("p", { class: "meta" }, `解析：${item.explanation}`));
    } else {
      actions.append(el("p", {}, "请听主持人读题"));
    }
  };

  const clock = poller(`${API}/${contest}/state`, headers, render, (detail) => {
    part("team").textContent = detail;
    part("rejoin").hidden = false;
    localStorage.removeItem(deviceKey(contest));
  });
  const setCountdown = countdown(part("countdown"), clock);
}

// --- host -------------------------------------------------------------------------

function startHost(root) {
  const contest = root.dataset.contest;
  const part = (name) => document.querySelector(`[data-live-${name}]`);
  const form = part("advance");
  const button = form.querySelector("button");
  const status = part("advance-status");
  const winner = part("winner");
  let version = Number(root.dataset.version);
  let finished = button.disabled;
  let shownQuestion = "";

  const options = (item) => {
    const keyed = new Set(item.key?.options || []);
    return el(
      "ol",
      { class: "hall-options" },
      ...item.question.options.map((o, index) =>
        el(
          "li",
          { class: keyed.has(o.id) ? "key" : "" },
          el("span", { class: "hall-letter", "aria-hidden": "true" }, LETTERS[index] || ""),
          o.text,
          keyed.has(o.id) ? "（正确答案）" : null,
        ),
      ),
    );
  };

  // The contest is over: the champion (or those tied), then every team by score.
  const showWinner = (teams) => {
    const ranking = [...teams].sort((a, b) => b.score - a.score);
    const top = ranking.length ? ranking[0].score : 0;
    const champions = ranking.filter((team) => team.score === top);
    winner.querySelector("h2").textContent = `比赛结束 · ${champions.length > 1 ? "并列冠军" : "冠军"}`;
    part("champion").textContent = champions.map((team) => team.name).join("、");
    part("final").replaceChildren(...ranking.map((team) => el("li", {}, `${team.name} ${team.score} 分`)));
    root.hidden = true;
    winner.hidden = false;
  };

  const render = (state) => {
    version = state.version;
    part("version").value = String(version);
    const item = state.item;
    part("phase").textContent = heading(state);
    setCountdown(state.phase === "open" && item ? item.closes_at : null);
    // Once play starts the join codes leave the screen (and the page).
    if (state.phase !== "idle") part("join-panel")?.remove();
    // The question is redrawn only when it changes, so the projector never flickers.
    const questionKey = [state.phase, item?.id, Boolean(item?.question), Boolean(item?.key)].join("|");
    const questionBox = part("question");
    if (questionKey !== shownQuestion) questionBox.replaceChildren();
    if (questionKey !== shownQuestion && item && state.phase !== "finished") {
      if (!item.question) {
        questionBox.append(el("p", { class: "hall-stem" }, "各队选择分值中…"));
      } else {
        questionBox.append(el("p", { class: "hall-stem" }, item.question.stem));
        if (item.question.options?.length) questionBox.append(options(item));
        if (item.key) questionBox.append(el("p", { class: "hall-key" }, `正确答案：${keyText(item)}`));
        if (item.explanation) questionBox.append(el("p", { class: "hall-explain" }, `解析：${item.explanation}`));
      }
    }
    shownQuestion = questionKey;
    const results = new Map((item?.results || []).map((r) => [r.team_id, r]));
    part("teams").replaceChildren(
      ...state.teams.map((team) => {
        const result = results.get(team.id);
        let note = "";
        if (result) note = `本题 ${result.points > 0 ? "+" : ""}${result.points}`;
        else if (state.phase === "open" && item?.answered_team_ids.includes(team.id)) note = "已作答";
        else if (state.phase === "staking" && item?.staked_team_ids.includes(team.id)) note = "已选分值";
        return el(
          "li",
          {},
          el("span", { class: "team-name" }, team.name),
          " ",
          el("strong", { class: "team-score" }, String(team.score)),
          note ? el("span", { class: "hall-note-team" }, ` ${note}`) : null,
        );
      }),
    );
    const last = item && item.index === item.total;
    button.textContent = state.phase === "revealed" && last ? "结束比赛" : ADVANCE_LABELS[state.phase] || "下一步";
    finished = state.phase === "finished";
    button.disabled = finished;
    if (finished) showWinner(state.teams);
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    status.textContent = "";
    try {
      const response = await fetch(`${API}/${contest}/advance`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ version }),
      });
      if (response.ok) {
        render(await response.json());
      } else {
        const problem = await response.json().catch(() => ({}));
        // A team answered (or another host screen acted) since this one last looked: it catches up
        // at once; a second press then acts on what the screen shows.
        status.textContent =
          problem.code === "stale_state"
            ? "比赛状态刚刚更新，请确认后再按一次"
            : problem.detail || `请求失败（${response.status}）`;
      }
    } catch {
      status.textContent = "网络不可用，请重试";
    }
    button.disabled = finished;
    clock.wake();
  });

  const clock = poller(`${API}/${contest}/state`, {}, render, (detail) => {
    status.textContent = detail;
  });
  const setCountdown = countdown(part("countdown"), clock);
}

const joined = document.querySelector("[data-live-joined]");
if (joined) startJoined(joined);
const join = document.querySelector("[data-live-join]");
const phone = document.querySelector("[data-live-phone]");
const host = document.querySelector("[data-live-host]");
if (join) startJoin(join);
if (phone) startPhone(phone);
if (host) startHost(host);
