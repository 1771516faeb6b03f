/* Replying to the shopper from the console: on a size request, help call or bag task, three quick replies
   as buttons and "Write…" for a short text (a dialog, so the live queue can redraw underneath without
   losing what is being typed). POST /api/associate/tasks/{id}/reply; the mirror of the room shows it.
   The quick replies are in the console's language (quick_0..2 in console-i18n-<lang>.js): what the
   associate sends is their own words. */
import { h } from "./ui.js";
import { problemText } from "./console-i18n.js";

/* English: the same three as edge/actions/replies.py QUICK_REPLIES. */
const QUICK = ["quick_0", "quick_1", "quick_2"];
const ANSWERABLE = new Set(["size_request", "help", "bag"]);
const MAX = 140;

export function replyControls({ api, toast, t, onAuthLost, mine }) {
  const busy = new Set();

  async function send(task, text) {
    if (busy.has(task.id)) return false;
    busy.add(task.id);
    try {
      await api("POST", "/api/associate/tasks/" + encodeURIComponent(task.id) + "/reply", { text });
      toast(t("sent", { text }));
      return true;
    } catch (e) {
      if (e.status === 401) { onAuthLost(); return false; }
      toast(problemText(t, e, "reply_failed"), true);
      return false;
    } finally {
      busy.delete(task.id);
    }
  }

  function write(task) {
    const input = h("input", { class: "input reply-input", id: "reply-text", maxlength: MAX, autocomplete: "off",
      "aria-describedby": "reply-count" });
    const count = h("span", { class: "muted reply-count", id: "reply-count", text: "0/" + MAX });
    const error = h("p", { class: "error", id: "reply-error", role: "alert", hidden: true });
    input.addEventListener("input", () => { count.textContent = input.value.length + "/" + MAX; error.hidden = true; });
    const dialog = h("dialog", { class: "reply-dialog", id: "reply-dialog", "aria-labelledby": "reply-title" },
      h("form", { method: "dialog", onsubmit: async (ev) => {
        ev.preventDefault();
        const text = input.value.trim();
        if (!text) { error.textContent = t("reply_empty"); error.hidden = false; return; }
        if (await send(task, text)) dialog.close();
      } },
        h("h2", { id: "reply-title", class: "section-title", text: t("reply_to", { room: task.room_name || task.room_id }) }),
        h("label", { class: "label", for: "reply-text", text: t("reply_hint") }),
        input, count, error,
        h("div", { class: "reply-actions" },
          h("button", { type: "button", class: "btn btn-outline", onclick: () => dialog.close() }, t("cancel")),
          h("button", { type: "submit", class: "btn btn-primary", id: "reply-send" }, t("send")))));
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  }

  /** The reply row of a task card, or null for a task there is no one to answer. */
  return function replyRow(task) {
    const open = task.status === "open" || (task.status === "claimed" && (mine(task) || !task.claimed_by));
    if (!ANSWERABLE.has(task.kind) || !open) return null;
    return h("div", { class: "reply-row", role: "group", "aria-label": t("reply_group") },
      task.last_reply ? h("p", { class: "task-detail last-reply", text: t("replied", { text: task.last_reply }) }) : null,
      ...QUICK.map((key) => t(key)).map((text) => h("button", { type: "button", class: "btn btn-outline quick-reply",
        onclick: () => send(task, text) }, text)),
      h("button", { type: "button", class: "btn btn-outline write-reply", onclick: () => write(task) }, t("write")));
  };
}
