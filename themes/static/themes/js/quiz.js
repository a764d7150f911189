// 作答: every answer is saved as soon as it is given (PUT to the assessment API,
// with the CSRF header), and the countdown runs from the time the server said was
// left; at zero the form is handed in. Without script the form simply posts: the
// server saves every answer and hands it in, so nothing here decides anything.
// 交卷 with questions left unanswered asks first in a <dialog> (继续作答 / 交卷);
// the server asks too, on a page of its own, for a hand-in without confirm=1.

const form = document.querySelector("[data-attempt-form]");
const API = "/api/v3/assessment";

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  return form.querySelector("[name=csrfmiddlewaretoken]")?.value || "";
}

function answerOf(fieldset) {
  const inputs = [...fieldset.querySelectorAll("input")];
  const kind = fieldset.dataset.kind;
  if (kind === "single" || kind === "multiple") {
    return { options: inputs.filter((i) => i.checked).map((i) => Number(i.value)) };
  }
  if (kind === "true_false") {
    const chosen = inputs.find((i) => i.checked);
    return chosen ? { value: chosen.value === "true" } : {};
  }
  return { text: inputs[0]?.value || "" };
}

const queues = new Map();
let closed = false;

function save(fieldset) {
  const id = fieldset.dataset.question;
  const status = fieldset.querySelector("[data-save-status]");
  const body = JSON.stringify(answerOf(fieldset));
  const previous = queues.get(id) || Promise.resolve();
  // One question's saves go in the order they were given.
  const next = previous.then(async () => {
    if (closed) return;
    status.textContent = "正在保存…";
    try {
      const response = await fetch(`${API}/attempts/${form.dataset.attempt}/answers/${id}`, {
        method: "PUT",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken(),
        },
        body,
      });
      if (response.ok) {
        status.textContent = "已保存";
        return;
      }
      const problem = await response.json().catch(() => ({}));
      status.textContent = problem.detail || "保存失败，交卷时会一并提交";
      if (problem.code === "deadline_passed" || problem.code === "attempt_closed") {
        closed = true;
        window.location.reload(); // the result page, with the server's word
      }
    } catch {
      status.textContent = "网络不可用：答案暂未保存，交卷时会一并提交";
    }
  });
  queues.set(id, next);
}

function wireAnswers() {
  const timers = new Map();
  form.addEventListener("change", (event) => {
    const fieldset = event.target.closest("[data-question]");
    if (fieldset) save(fieldset);
  });
  form.addEventListener("input", (event) => {
    if (event.target.type !== "text") return;
    const fieldset = event.target.closest("[data-question]");
    clearTimeout(timers.get(fieldset));
    timers.set(
      fieldset,
      setTimeout(() => save(fieldset), 800),
    );
  });
}

function isAnswered(fieldset) {
  const answer = answerOf(fieldset);
  if (answer.options) return answer.options.length > 0;
  if ("text" in answer) return answer.text.trim() !== "";
  return "value" in answer;
}

function handIn() {
  // Confirmed (or time is up): the server hands in without asking again.
  form.querySelector("[data-confirm]").value = "1";
  form.requestSubmit(form.querySelector("[data-submit]"));
}

function wireHandIn() {
  const dialog = document.querySelector("[data-hand-in-dialog]");
  if (!dialog || typeof dialog.showModal !== "function") return;
  const text = dialog.querySelector("[data-hand-in-text]");
  form.addEventListener("submit", (event) => {
    if (event.submitter?.value !== "submit") return;
    if (form.querySelector("[data-confirm]").value === "1") return;
    const open = [...form.querySelectorAll("[data-question]")].filter(
      (fieldset) => !isAnswered(fieldset),
    );
    if (!open.length) return;
    event.preventDefault();
    text.textContent = `还有 ${open.length} 题未作答，确定交卷吗？`;
    dialog.returnValue = "";
    dialog.onclose = () => {
      if (dialog.returnValue === "submit") {
        handIn();
        return;
      }
      // 继续作答: to the first question still unanswered.
      open[0].scrollIntoView({ block: "center" });
      open[0].querySelector("input")?.focus({ preventScroll: true });
    };
    dialog.showModal();
  });
}

function pad(n) {
  return String(n).padStart(2, "0");
}

function startCountdown() {
  const box = document.querySelector("[data-countdown]");
  if (!box) return;
  const text = box.querySelector("[data-countdown-text]");
  const alert = document.querySelector("[data-countdown-alert]");
  const remaining = Number.parseFloat(box.dataset.remaining || "0");
  const end = performance.now() + remaining * 1000;
  let warned = false;
  let handedIn = false;
  const tick = () => {
    const left = Math.max(0, Math.ceil((end - performance.now()) / 1000));
    const hours = Math.floor(left / 3600);
    const clock = `${hours ? `${hours}:` : ""}${pad(Math.floor((left % 3600) / 60))}:${pad(left % 60)}`;
    text.textContent = clock;
    if (left <= 60 && !warned && remaining > 60) {
      warned = true;
      box.classList.add("is-urgent");
      if (alert) alert.textContent = "距离交卷还剩 1 分钟";
    }
    if (left === 0) {
      if (!handedIn) {
        handedIn = true;
        text.textContent = "时间到，正在交卷…";
        if (alert) alert.textContent = "时间到，正在交卷";
        handIn();
      }
      return;
    }
    setTimeout(tick, 250);
  };
  tick();
}

if (form) {
  wireAnswers();
  wireHandIn();
  startCountdown();
}
