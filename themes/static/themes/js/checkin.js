// 签到: "扫码签到" reads the venue's QR code with the camera. The QR code holds the
// portal's check-in URL (/me/checkin/?session=…&code=…&t=…), which a phone's camera
// or WeChat's scanner opens directly; here the page opens the same path on this
// site, where the server checks in (and says so if the code has expired). Shown only
// where the browser has BarcodeDetector with QR support and a camera API; elsewhere
// the member types the code.

// The path and query to open for a scanned text, or "" when it is not a check-in QR code.
function checkinTarget(raw) {
  try {
    const url = new URL((raw || "").trim());
    const session = url.searchParams.get("session") || "";
    const code = url.searchParams.get("code") || "";
    if (url.pathname !== "/me/checkin/" || !/^\d+$/.test(session) || !/^\d{6}$/.test(code)) return "";
    return `${url.pathname}${url.search}`;
  } catch {
    return "";
  }
}

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
        const target = checkinTarget(found.rawValue);
        if (target) {
          status.textContent = "已识别签到码，正在签到…";
          stop();
          window.location.assign(target);
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
