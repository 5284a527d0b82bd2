// The check result: HTML from the kernel, shown so that hints the learner opened stay open when the
// result is redrawn (a new check, another language). Each view remembers its own open hints.
function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "mcredlab-report-view";
  el.appendChild(box);
  const open = new Set();

  const remember = () => {
    box.querySelectorAll("details[data-criterion]").forEach((hint) => {
      if (hint.open) open.add(hint.dataset.criterion);
      else open.delete(hint.dataset.criterion);
    });
  };
  const update = () => {
    remember();
    box.innerHTML = model.get("html");
    box.querySelectorAll("details[data-criterion]").forEach((hint) => {
      if (open.has(hint.dataset.criterion)) hint.open = true;
    });
  };
  box.addEventListener("toggle", remember, true);

  update();
  model.on("change:html", update);
  return () => {
    model.off("change:html", update);
    box.removeEventListener("toggle", remember, true);
  };
}

export default { render };
