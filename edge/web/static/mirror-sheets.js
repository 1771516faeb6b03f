/* The mirror's two sheets: "Buy now" (choose items, confirm, pay at the bag desk) and "Send me what I
   didn't buy" (email + explicit consent, validated here and by the edge). Modal: focus stays inside,
   Escape or the scrim closes. Built by sheetsFor(ctx). */
import { $, h } from "./ui.js";

export function sheetsFor(ctx) {
  const { state, t, plural, money, api, base, toast } = ctx;

  function openSheet(name) {
    state.lastFocus = document.activeElement;
    state.openSheet = name;
    $("#scrim").hidden = false;
    const sheet = $("#" + name + "-sheet");
    sheet.hidden = false;
    if (name === "buy") renderBuyList();
    const first = sheet.querySelector("input, button:not([data-close-sheet])");
    if (first) first.focus();
  }
  function closeSheet() {
    if (!state.openSheet) return;
    $("#" + state.openSheet + "-sheet").hidden = true;
    $("#scrim").hidden = true;
    state.openSheet = null;
    if (state.lastFocus && document.contains(state.lastFocus)) state.lastFocus.focus();
  }
  function trapFocus(ev) {
    if (!state.openSheet || ev.key !== "Tab") return;
    const sheet = $("#" + state.openSheet + "-sheet");
    const f = Array.from(sheet.querySelectorAll("button:not([disabled]), input:not([disabled])"));
    if (!f.length) return;
    const first = f[0];
    const last = f[f.length - 1];
    if (ev.shiftKey && document.activeElement === first) { last.focus(); ev.preventDefault(); }
    else if (!ev.shiftKey && document.activeElement === last) { first.focus(); ev.preventDefault(); }
  }

  function buyable() {
    const bought = ctx.boughtEpcs();
    return ((state.view && state.view.items) || []).filter((it) => it.known && !bought.has(it.epc));
  }
  function renderBuyList() {
    const list = $("#buy-list");
    const was = new Map(Array.from(list.querySelectorAll("input")).map((i) => [i.value, i.checked]));
    const items = buyable();
    list.replaceChildren(h("legend", { class: "visually-hidden", text: t("buy_title") }),
      ...items.map((it) => h("label", { class: "buy-row", dataset: { epc: it.epc } },
        h("input", { type: "checkbox", name: "epc", value: it.epc,
          checked: was.has(it.epc) ? was.get(it.epc) : true, onchange: updateBuyTotal }),
        h("span", { class: "thumb" }, it.image ? h("img", { src: it.image, alt: "" }) : null),
        h("span", {}, h("span", { class: "buy-name", text: it.name }), h("br"),
          h("span", { class: "buy-variant", text: [it.brand, it.size, it.colour].filter(Boolean).join(" · ") })),
        h("span", { class: "buy-price", text: money(it.price_cents, it.currency) }))));
    updateBuyTotal();
  }
  function chosenEpcs() {
    return Array.from($("#buy-list").querySelectorAll("input:checked")).map((i) => i.value);
  }
  function updateBuyTotal() {
    const epcs = new Set(chosenEpcs());
    const items = buyable().filter((it) => epcs.has(it.epc));
    const total = items.reduce((s, it) => s + (it.price_cents || 0), 0);
    const btn = $("#buy-confirm");
    btn.textContent = t("buy_confirm", { total: money(total, items[0] ? items[0].currency : "EUR") });
    btn.disabled = items.length === 0 || state.pending.has("buy");
    $("#buy-error").hidden = true;
  }
  async function submitBuy(ev) {
    ev.preventDefault();
    const epcs = chosenEpcs();
    const err = $("#buy-error");
    if (!epcs.length) { err.textContent = t("buy_none"); err.hidden = false; return; }
    state.pending.add("buy");
    updateBuyTotal();
    try {
      const p = await api("POST", base + "/purchases", { epcs });
      if (state.view && p && !(state.view.purchases || []).some((x) => x.id === p.id)) {
        state.view.purchases = [...(state.view.purchases || []), p];
      }
      closeSheet();
      toast(t("purchase_to_bag", { total: money(p.total_cents, p.currency) }));
      ctx.render();
    } catch (e) {
      // The API's own message is English: the shopper gets the mirror's words in their language.
      err.textContent = t(e.status === 402 ? "buy_declined" : "buy_failed");
      err.hidden = false;
    } finally {
      state.pending.delete("buy");
      if (state.openSheet === "buy") updateBuyTotal();
    }
  }

  const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;
  function setFieldError(input, errEl, message) {
    input.setAttribute("aria-invalid", message ? "true" : "false");
    errEl.textContent = message || "";
    errEl.hidden = !message;
  }
  function resetEmailForm() {
    $("#email-form").reset();
    setFieldError($("#email-input"), $("#email-error"), "");
    setFieldError($("#consent-input"), $("#consent-error"), "");
    $("#email-form-error").hidden = true;
  }
  async function submitEmail(ev) {
    ev.preventDefault();
    const input = $("#email-input");
    const consent = $("#consent-input");
    const email = input.value.trim();
    const badEmail = !EMAIL_RE.test(email);
    setFieldError(input, $("#email-error"), badEmail ? t("email_invalid") : "");
    setFieldError(consent, $("#consent-error"), consent.checked ? "" : t("consent_required"));
    $("#email-form-error").hidden = true;
    if (badEmail) { input.focus(); return; }
    if (!consent.checked) { consent.focus(); return; }
    const btn = $("#email-send");
    btn.disabled = true;
    btn.textContent = t("busy");
    try {
      const res = await api("POST", base + "/email", { email, consent: true, lang: state.lang });
      closeSheet();
      resetEmailForm();
      toast(plural("email_saved", (res && res.saved) || 0));
      state.emailSent = true;
      ctx.renderEmailButton();
    } catch (e) {
      const fe = $("#email-form-error");
      fe.textContent = t(e.status === 422 ? "email_invalid" : "email_failed");
      fe.hidden = false;
    } finally {
      btn.disabled = false;
      btn.textContent = t("email_send");
    }
  }

  return { openSheet, closeSheet, trapFocus, renderBuyList, submitBuy, submitEmail, resetEmailForm,
    setFieldError, EMAIL_RE };
}
