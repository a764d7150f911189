// Every portal page: search suggestions as you type (titles, lecturers and topics,
// by Chinese, pinyin or initials), from the public API.

function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

const KIND_LABELS = {
  lesson: "微党课",
  course: "课程",
  topic: "专题",
  lecturer: "讲师",
  vr: "VR 课件",
  site: "现场教学点",
};

function wireSuggestions(input) {
  const list = document.getElementById(input.getAttribute("aria-controls"));
  if (!list) return;
  let controller;
  const hide = () => {
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
  };
  const show = (items) => {
    list.replaceChildren(
      ...items.map((item, index) => {
        const li = document.createElement("li");
        li.setAttribute("role", "presentation");
        const a = document.createElement("a");
        a.href = `/search/?q=${encodeURIComponent(item.title)}`;
        a.textContent = item.title;
        if (KIND_LABELS[item.type]) {
          const kind = document.createElement("span");
          kind.className = "suggestion-kind";
          kind.textContent = ` · ${KIND_LABELS[item.type]}`;
          a.append(kind);
        }
        a.id = `${list.id}-${index}`;
        a.setAttribute("role", "option");
        li.append(a);
        return li;
      }),
    );
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", String(items.length > 0));
  };
  const fetchSuggestions = debounce(async () => {
    const q = input.value.trim();
    if (!q) return hide();
    controller?.abort();
    controller = new AbortController();
    try {
      const response = await fetch(`${input.dataset.suggest}?q=${encodeURIComponent(q)}`, {
        signal: controller.signal,
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return hide();
      const body = await response.json();
      show(body.items || []);
    } catch (error) {
      if (error.name !== "AbortError") hide();
    }
  }, 150);
  input.addEventListener("input", fetchSuggestions);
  input.addEventListener("keydown", (event) => {
    const options = [...list.querySelectorAll("a")];
    if (!options.length) return;
    const current = options.findIndex((a) => a.getAttribute("aria-selected") === "true");
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = (current + (event.key === "ArrowDown" ? 1 : options.length - 1)) % options.length;
      options.forEach((a, i) => a.setAttribute("aria-selected", String(i === next)));
      input.setAttribute("aria-activedescendant", options[next].id);
    } else if (event.key === "Enter" && current >= 0) {
      event.preventDefault();
      window.location.href = options[current].href;
    } else if (event.key === "Escape") {
      hide();
    }
  });
  document.addEventListener("click", (event) => {
    if (!list.contains(event.target) && event.target !== input) hide();
  });
}

document.querySelectorAll("input[data-suggest]").forEach(wireSuggestions);

// The player and the 360° viewer load only on pages that have one. Elsewhere, beats
// that a lesson page could not deliver (offline) are sent from any page.
const member = document.body.dataset.member;
if (document.querySelector("[data-player]")) {
  import("./player.js").then((module) => module.startPlayers());
} else if (member && hasKeptBeats(member)) {
  import("./heartbeats.js").then((module) =>
    module.sendKeptBeats({ member, url: "/api/v3/learning/progress" }),
  );
}

function hasKeptBeats(memberId) {
  try {
    const prefix = `dangke:beat:${memberId}:`;
    for (let i = 0; i < localStorage.length; i += 1) {
      if (localStorage.key(i)?.startsWith(prefix)) return true;
    }
  } catch {
    // storage unavailable (private mode): nothing was kept
  }
  return false;
}

// Installable: the service worker (served from the root, /sw.js) keeps the shell
// and shows an offline page when a page cannot load. The kept offline page follows
// 长辈模式: when it changed since the page was kept, the worker fetches it again.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker
    .register("/sw.js", { scope: "/" })
    .then(() => navigator.serviceWorker.ready)
    .then((registration) => {
      const elder = document.documentElement.classList.contains("elder") ? "1" : "0";
      const key = "dangke:offline-elder";
      if (readStored(key) !== elder && registration.active) {
        registration.active.postMessage({ type: "refresh-offline" });
        writeStored(key, elder);
      }
    })
    .catch(() => {
      // no worker (private mode, an old browser): the portal works without it
    });
}

function readStored(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStored(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // storage unavailable: the offline page may show the other size
  }
}
