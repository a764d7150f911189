// Hall screens: the 全屏 button and the F key (Fullscreen API) on every one, and on a
// check-in screen the rotating code, its QR code and the count of who has checked in,
// kept current from the screen's own JSON state (no reload, so a projector never
// shows a blank page between codes).

const POLL_MS = 3000;

function startFullscreen(button) {
  const root = document.documentElement;
  if (!root.requestFullscreen) return; // no Fullscreen API: the browser's F11 remains
  const sync = () => {
    const on = Boolean(document.fullscreenElement);
    button.setAttribute("aria-pressed", String(on));
    button.querySelector("[data-hall-fullscreen-label]").textContent = on ? "退出全屏（F）" : "全屏（F）";
  };
  const toggle = () => {
    const change = document.fullscreenElement ? document.exitFullscreen() : root.requestFullscreen();
    change.catch(() => {}); // refused (no user gesture): nothing changes
  };
  button.hidden = false;
  button.addEventListener("click", toggle);
  document.addEventListener("fullscreenchange", sync);
  document.addEventListener("keydown", (event) => {
    if (event.key !== "f" && event.key !== "F") return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
    event.preventDefault();
    toggle();
  });
  sync();
}

function startCheckin(root) {
  const part = (name) => root.querySelector(`[data-hall-${name}]`);
  const url = root.dataset.stateUrl;
  let expiresAt = Date.parse(root.dataset.expires) || Date.now() + 30000;
  let offset = 0; // server clock − this clock
  let timer = null;

  const show = (state) => {
    offset = Date.parse(state.server_time) - Date.now();
    expiresAt = Date.parse(state.expires_at);
    if (part("code").textContent !== state.code) {
      part("code").textContent = state.code;
      part("qr").src = `data:image/png;base64,${state.qr_png}`;
    }
    part("present").textContent = String(state.present);
    const expected = part("expected");
    if (expected && state.expected != null) expected.textContent = `应到 ${state.expected} 人`;
    tick();
  };

  const poll = async () => {
    clearTimeout(timer);
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) show(await response.json());
    } catch {
      // the network dropped for a moment: the next poll catches up
    }
    const untilRotation = expiresAt - (Date.now() + offset);
    timer = setTimeout(poll, Math.max(250, Math.min(POLL_MS, untilRotation + 100)));
  };

  const tick = () => {
    const left = Math.max(0, Math.ceil((expiresAt - (Date.now() + offset)) / 1000));
    part("seconds").textContent = String(left);
  };

  setInterval(tick, 500);
  poll();
}

const fullscreen = document.querySelector("[data-hall-fullscreen]");
if (fullscreen) startFullscreen(fullscreen);
const checkin = document.querySelector("[data-hall-checkin]");
if (checkin) startCheckin(checkin);
