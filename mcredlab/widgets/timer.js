// Countdown to model.deadline_ms (epoch ms), computed in the browser so reloads resume it.
const TEXT = {
  en: { left: "Time left", up: "Time's up", none: "No time limit" },
  ja: { left: "残り時間", up: "時間切れです", none: "制限時間なし" },
};

function mmss(seconds) {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
}

function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "mcredlab-timer";
  const label = document.createElement("span");
  label.className = "mcredlab-timer-label";
  const clock = document.createElement("span");
  clock.className = "mcredlab-timer-clock";
  box.append(label, clock);
  el.appendChild(box);

  const update = () => {
    const deadline = model.get("deadline_ms");
    const text = TEXT[model.get("lang")] || TEXT.en;
    box.dataset.deadline = String(deadline);
    if (!deadline) {
      box.dataset.state = "off";
      box.dataset.remaining = "";
      label.textContent = text.none;
      clock.textContent = "";
      return;
    }
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    box.dataset.remaining = String(left);
    box.dataset.state = left > 0 ? (left <= 60 ? "ending" : "running") : "expired";
    label.textContent = left > 0 ? text.left : text.up;
    clock.textContent = left > 0 ? mmss(left) : "";
  };

  update();
  const interval = setInterval(update, 250);
  model.on("change:deadline_ms", update);
  model.on("change:lang", update);
  return () => {
    clearInterval(interval);
    model.off("change:deadline_ms", update);
    model.off("change:lang", update);
  };
}

export default { render };
