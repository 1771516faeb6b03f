/* A reply from a person on the mirror: what an associate answered from the console ("On my way", or a short
   text), newest first, with their first name and initials in a circle, or their photo when they have one.
   The room view pushed over the WebSocket carries the replies; the text is only ever set as text. A photo
   is fetched with the mirror's token and shown as a data: URL (the page's CSP allows img 'self' data:).
   Its words are in the mirror's tables (i18n-<lang>.js), keys reply_*. */
import { $, h, tokenImage } from "./ui.js";


const SHOWN = 2;  // the newest reply, and the one before it

export function repliesFor(ctx) {
  const { state, t, token } = ctx;
  const photos = new Map();  // photo path -> data: URL, or a Promise while loading

  function region() {
    let box = $("#replies");
    if (!box) {
      box = h("section", { id: "replies", class: "replies", "aria-live": "polite", "aria-label": t("reply_label") });
      $("#banners").before(box);
    }
    return box;
  }

  const loadPhoto = (path) => tokenImage(path, token, /^image\/(png|jpeg)$/, "force-cache");

  function avatar(author) {
    const url = author.photo ? photos.get(author.photo) : null;
    if (typeof url === "string") {
      return h("img", { class: "reply-avatar reply-photo", src: url, alt: author.first_name, width: 64, height: 64 });
    }
    if (author.photo && !photos.has(author.photo)) {
      const path = author.photo;
      photos.set(path, loadPhoto(path).then((u) => { photos.set(path, u); render(); },
        () => { photos.set(path, null); }));
    }
    return h("span", { class: "reply-avatar reply-initials", "aria-hidden": "true", text: author.initials });
  }

  function card(reply, newest) {
    const a = reply.associate || {};
    return h("article", { class: "reply" + (newest ? " is-newest" : ""), dataset: { replyId: reply.id, taskId: reply.task_id } },
      avatar(a),
      h("div", { class: "reply-main" },
        h("p", { class: "reply-who", text: t("reply_from", { name: a.first_name || a.initials || "" }) }),
        h("p", { class: "reply-text", text: reply.text })));
  }

  function render() {
    const replies = (state.view && state.view.replies) || [];
    const box = region();
    box.replaceChildren(...replies.slice(0, SHOWN).map((r, i) => card(r, i === 0)));
    box.hidden = replies.length === 0;
  }

  return { render };
}
