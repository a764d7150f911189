// 签到: "扫码签到" reads the venue's QR code (dangke-checkin:<session>:<code>) with the
// camera, fills in the session and the code and submits the form. Shown only where
// the browser has BarcodeDetector with QR support and a camera API; elsewhere the
// member types the code.
const PAYLOAD = /^dangke-checkin:(\d+):(\d{6})$/;

const form = document.querySelector("[data-checkin-form]");
const button = form?.querySelector("[data-scan]");
const panel = document.querySelector("[data-scan-panel]");

async function qrSupported() {
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices?.getUserMedia) return false;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    return formats.includes("qr_code");
  } catch {
    return false;
  }
}

function fill(sessionId, code) {
  const select = form.elements.session;
  let option = [...select.options].find((item) => item.value === sessionId);
  if (!option) {
    // A session not listed (e.g. the list was loaded before its window opened).
    option = new Option(`课次 ${sessionId}`, sessionId);
    select.append(option);
  }
  select.value = sessionId;
  form.elements.code.value = code;
}

function startScanner() {
  const video = panel.querySelector("[data-scan-video]");
  const status = panel.querySelector("[data-scan-status]");
  const cancel = panel.querySelector("[data-scan-cancel]");
  const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  let stream = null;
  let running = false;

  const stop = () => {
    running = false;
    stream?.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
    panel.hidden = true;
    button.focus();
  };

  const scan = async () => {
    if (!running) return;
    try {
      const codes = await detector.detect(video);
      for (const found of codes) {
        const match = PAYLOAD.exec((found.rawValue || "").trim());
        if (match) {
          status.textContent = "已识别签到码，正在签到…";
          stop();
          fill(match[1], match[2]);
          form.requestSubmit();
          return;
        }
      }
      if (codes.length) status.textContent = "这不是签到二维码，请扫描现场屏幕上的二维码";
    } catch {
      // The video has no frame yet; try again.
    }
    setTimeout(scan, 250);
  };

  button.addEventListener("click", async () => {
    panel.hidden = false;
    status.textContent = "正在打开摄像头…";
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment" },
        audio: false,
      });
    } catch {
      status.textContent = "无法使用摄像头，请手动输入签到码";
      return;
    }
    video.srcObject = stream;
    await video.play().catch(() => {});
    status.textContent = "请将二维码对准摄像头";
    running = true;
    scan();
  });
  cancel.addEventListener("click", stop);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) stop();
  });
}

if (form && button && panel && (await qrSupported())) {
  button.hidden = false;
  startScanner();
}
