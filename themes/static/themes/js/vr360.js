// 360° lessons: the (hidden) <video> drawn with three.js as a texture on the inside
// of a sphere. Look around by dragging (mouse, touch, pen), with the arrow keys on
// the focused view, or by turning the phone (gyroscope, on touch screens, where the
// browser allows it; iOS asks for permission from a button press). The active
// subtitle is drawn over the view.

const STEP_DEGREES = 5;
const DRAG_DEGREES_PER_PIXEL = 0.15;

function webglAvailable() {
  try {
    const gl = document.createElement("canvas").getContext("webgl2");
    gl?.getExtension("WEBGL_lose_context")?.loseContext();
    return Boolean(gl);
  } catch {
    return false;
  }
}

/**
 * The canvas hides the video and with it the browser's own subtitles: show the
 * active cues of the track the player shows (mode "showing") in a box over the
 * bottom of the view, and nothing while subtitles are off.
 */
function showSubtitles(video, stage) {
  const box = document.createElement("div");
  box.className = "panorama-cues";
  box.setAttribute("aria-live", "polite");
  box.hidden = true;
  stage.append(box);
  const tracks = video.textTracks;
  let track = null;

  const render = () => {
    const showing = [...tracks].find((t) => t.mode === "showing") ?? null;
    if (showing !== track) {
      track?.removeEventListener("cuechange", render);
      showing?.addEventListener("cuechange", render);
      track = showing;
    }
    // the text of each cue without its WebVTT markup (<v>, <b>…), never as HTML
    const text = [...(track?.activeCues ?? [])]
      .map((cue) => (cue.getCueAsHTML ? cue.getCueAsHTML().textContent : cue.text))
      .join("\n")
      .trim();
    if (box.textContent !== text) box.textContent = text;
    box.hidden = !track; // kept (empty, see-through) between cues, so the next is announced
  };
  tracks.addEventListener("change", render);
  tracks.addEventListener("addtrack", render);
  tracks.addEventListener("removetrack", render);
  render();

  return {
    destroy() {
      tracks.removeEventListener("change", render);
      tracks.removeEventListener("addtrack", render);
      tracks.removeEventListener("removetrack", render);
      track?.removeEventListener("cuechange", render);
      box.remove();
    },
  };
}

/**
 * Draw `video` inside `stage`. Returns null when the browser has no WebGL 2 (the
 * flat video stays visible then), else {canvas, destroy()}.
 * `gyroButton` is shown where a device orientation sensor is likely (a touch screen);
 * it turns the gyroscope on and off.
 */
export async function startPanorama({ stage, video, threeSrc, gyroButton, label }) {
  if (!webglAvailable()) return null;
  const THREE = await import(threeSrc);

  const canvas = document.createElement("canvas");
  canvas.className = "panorama";
  canvas.tabIndex = 0;
  canvas.setAttribute("role", "application");
  canvas.setAttribute("aria-roledescription", "全景画面");
  canvas.setAttribute("aria-label", `${label}：拖动画面或按方向键环视四周`);
  stage.prepend(canvas);

  const renderer = new THREE.WebGLRenderer({ canvas, antialias: true });
  renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
  const scene = new THREE.Scene();
  const camera = new THREE.PerspectiveCamera(75, 16 / 9, 1, 1100);
  const geometry = new THREE.SphereGeometry(500, 60, 40);
  geometry.scale(-1, 1, 1); // look at the inside
  const texture = new THREE.VideoTexture(video);
  texture.colorSpace = THREE.SRGBColorSpace;
  const material = new THREE.MeshBasicMaterial({ map: texture });
  scene.add(new THREE.Mesh(geometry, material));

  // The view: yaw/pitch from dragging and keys; the device's attitude when the
  // gyroscope is on (dragging then turns the world around the vertical axis).
  let lon = 0;
  let lat = 0;
  let device = null; // {alpha, beta, gamma} in degrees
  let dirty = true;
  const euler = new THREE.Euler();
  const yaw = new THREE.Quaternion();
  const screenTilt = new THREE.Quaternion();
  const cameraUp = new THREE.Quaternion(-Math.sqrt(0.5), 0, 0, Math.sqrt(0.5)); // -90° about X
  const zAxis = new THREE.Vector3(0, 0, 1);
  const yAxis = new THREE.Vector3(0, 1, 0);
  const toRad = THREE.MathUtils.degToRad;

  function aim() {
    if (device) {
      // the device's attitude (as three.js's former DeviceOrientationControls did)
      const orient = toRad(screen.orientation?.angle ?? window.orientation ?? 0);
      euler.set(toRad(device.beta), toRad(device.alpha), -toRad(device.gamma), "YXZ");
      camera.quaternion.setFromEuler(euler);
      camera.quaternion.multiply(cameraUp);
      camera.quaternion.multiply(screenTilt.setFromAxisAngle(zAxis, -orient));
      camera.quaternion.premultiply(yaw.setFromAxisAngle(yAxis, toRad(lon)));
    } else {
      lat = Math.max(-85, Math.min(85, lat));
      camera.rotation.set(toRad(lat), toRad(lon), 0, "YXZ");
    }
  }

  function resize() {
    const { clientWidth: width, clientHeight: height } = canvas;
    if (!width || !height) return;
    renderer.setSize(width, height, false);
    camera.aspect = width / height;
    camera.updateProjectionMatrix();
    dirty = true;
  }
  const observer = new ResizeObserver(resize);
  observer.observe(canvas);

  renderer.setAnimationLoop(() => {
    if (!dirty && (video.paused || video.readyState < 2) && !device) return;
    dirty = false;
    aim();
    renderer.render(scene, camera);
  });
  const redraw = () => (dirty = true);
  video.addEventListener("seeked", redraw);
  video.addEventListener("loadeddata", redraw);

  // dragging
  let drag = null;
  canvas.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX, y: event.clientY, lon, lat };
    canvas.setPointerCapture(event.pointerId);
    canvas.classList.add("dragging");
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drag) return;
    lon = drag.lon + (event.clientX - drag.x) * DRAG_DEGREES_PER_PIXEL; // grab the scene
    lat = drag.lat + (event.clientY - drag.y) * DRAG_DEGREES_PER_PIXEL;
    dirty = true;
  });
  const endDrag = () => {
    drag = null;
    canvas.classList.remove("dragging");
  };
  canvas.addEventListener("pointerup", endDrag);
  canvas.addEventListener("pointercancel", endDrag);

  // keys on the focused view (the player's own shortcuts are left to it)
  canvas.addEventListener("keydown", (event) => {
    const turn = { ArrowLeft: [1, 0], ArrowRight: [-1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[
      event.key
    ];
    if (!turn || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    event.stopPropagation();
    lon += turn[0] * STEP_DEGREES;
    lat += turn[1] * STEP_DEGREES;
    dirty = true;
  });

  // gyroscope
  const onOrientation = (event) => {
    if (event.alpha == null) return;
    device = { alpha: event.alpha, beta: event.beta, gamma: event.gamma };
    dirty = true;
  };
  // Only where a sensor is likely (a touch screen): desktop Chromium also has the
  // event and its requestPermission(), with nothing behind them. The button turns
  // the gyroscope on and off; iOS (and Chromium) ask for permission on the first press.
  const Orientation = window.DeviceOrientationEvent;
  const gyro = {
    on: false,
    set(on) {
      this.on = on;
      if (on) {
        window.addEventListener("deviceorientation", onOrientation);
      } else {
        window.removeEventListener("deviceorientation", onOrientation);
        device = null;
        dirty = true;
      }
      gyroButton?.setAttribute("aria-pressed", String(on));
    },
  };
  if (Orientation && matchMedia("(pointer: coarse)").matches) {
    const asks = typeof Orientation.requestPermission === "function";
    let granted = !asks;
    if (granted) gyro.set(true); // Android without a permission prompt: on from the start
    if (gyroButton) {
      gyroButton.hidden = false;
      gyroButton.addEventListener("click", async () => {
        if (gyro.on) return gyro.set(false);
        try {
          granted ||= (await Orientation.requestPermission()) === "granted";
        } catch {
          granted = false;
        }
        if (granted) gyro.set(true);
        else gyroButton.hidden = true; // refused: the browser will not ask again
      });
    }
  }
  const subtitles = showSubtitles(video, stage);

  return {
    canvas,
    destroy() {
      renderer.setAnimationLoop(null);
      observer.disconnect();
      window.removeEventListener("deviceorientation", onOrientation);
      subtitles.destroy();
      texture.dispose();
      material.dispose();
      geometry.dispose();
      renderer.dispose();
      canvas.remove();
    },
  };
}
