/* The fitting room's light on the mirror: one button per scene the layout offers the shopper
   (GET/POST /api/mirror/{room}/lighting). Hidden when the room has no light. ES module, no build step. */
import { $, h, jsonApi } from "./ui.js";
import { STRINGS } from "./i18n.js";

{
  const body = document.body;
  const base = "/api/mirror/" + encodeURIComponent(body.dataset.roomId) + "/lighting";
  const api = jsonApi({ "Authorization": "Bearer " + body.dataset.token });
  const box = $("#light-switch");
  let current = null;

  function label(scene) {
    const table = STRINGS[document.documentElement.lang] || STRINGS.en;
    return table["scene_" + scene] || STRINGS.en["scene_" + scene] || scene;
  }

  function render(scenes) {
    box.replaceChildren(...scenes.map((scene) => h("button", {
      type: "button",
      class: "light-btn",
      dataset: { scene },
      "aria-pressed": String(scene === current),
      onclick: () => choose(scene),
    }, label(scene))));
    box.hidden = scenes.length === 0;
  }

  let scenes = [];
  async function choose(scene) {
    try {
      current = (await api("POST", base, { scene })).scene;
    } catch (e) {
      return;
    }
    render(scenes);
  }

  async function load() {
    try {
      const view = await api("GET", base);
      scenes = view.scenes;
      current = view.scene;
      render(scenes);
    } catch (e) {
      box.hidden = true;  // 404: this room has no light
    }
  }

  // The language switch re-labels the buttons.
  new MutationObserver(() => render(scenes)).observe(document.documentElement, {
    attributes: true, attributeFilter: ["lang"],
  });
  load();
}
