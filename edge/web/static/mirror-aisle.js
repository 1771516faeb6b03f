/* The endless aisle and offers on the mirror: "Ship it to me" for a size sold out here but in stock
   online (POST /orders, then its status until the central store has it), and at most one offer banner.
   With a payment provider the order's banner shows the provider's page as a QR code for the shopper's
   phone (fetched with the token, shown as a data: URL); until it is paid the shopper may cancel it.
   Its words are in the mirror's tables (i18n-<lang>.js), keys ship_*, order_* and offer_*. */
import { $, h, tokenImage } from "./ui.js";


const EMAIL_RE = /^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$/;
const FINAL = new Set(["sent", "cancelled"]);
const CANCELLABLE = new Set(["at_bag_desk", "awaiting_payment"]);

export function aisleFor(ctx) {
  const { state, t, money, api, base, toast, token } = ctx;
  const aisle = { orders: [], sessionId: null, offer: null, timer: null, qr: new Map() };

  function region() {
    let box = $("#aisle");
    if (!box) {
      box = h("section", { id: "aisle", class: "banners aisle", "aria-live": "polite" });
      $("#banners").before(box);
    }
    return box;
  }

  function shipButton(item, chosen) {
    return h("button", {
      type: "button", class: "btn btn-primary ship-btn", dataset: { gtin: chosen.gtin, focusKey: item.epc + ":ship" },
      onclick: () => openShip(item, chosen),
    }, t("ship_it"));
  }

  function openShip(item, chosen) {
    const member = !!(state.view && state.view.shopper);
    const byPhone = !!(state.view && state.view.ship_payment === "hosted_checkout");
    const total = money(item.price_cents, item.currency);
    const error = h("p", { class: "field-error", id: "ship-error", role: "alert" });
    const clear = () => { error.textContent = ""; };
    const email = h("input", { id: "ship-email", class: "field", type: "email", autocomplete: "email",
      inputmode: "email", autocapitalize: "off", spellcheck: "false", oninput: clear });
    const consent = h("input", { id: "ship-consent", type: "checkbox", onchange: clear });
    const dialog = h("dialog", { class: "sheet ship-dialog", id: "ship-dialog", "aria-labelledby": "ship-title" },
      h("form", { method: "dialog", class: "ship-form", onsubmit: (ev) => submit(ev) },
        h("h2", { id: "ship-title", text: t("ship_title") }),
        h("p", { class: "ship-item", text: item.name + " · " + chosen.size + " · " + chosen.colour + " · " + total }),
        h("p", { class: "ship-body", text: t((member ? "ship_body_member" : "ship_body_guest") + (byPhone ? "_phone" : "")) }),
        member ? null : h("label", { for: "ship-email", class: "field-label", text: t("ship_email_label") }),
        member ? null : email,
        member ? null : h("label", { class: "consent", for: "ship-consent" }, consent,
          h("span", { class: "consent-box", "aria-hidden": "true" }), h("span", { class: "consent-text", text: t("ship_consent") })),
        error,
        h("div", { class: "sheet-actions" },
          h("button", { type: "button", class: "btn btn-ghost", id: "ship-cancel", onclick: () => dialog.close() }, t("ship_cancel")),
          h("button", { type: "submit", class: "btn btn-primary", id: "ship-confirm" }, t("ship_confirm", { total })))));
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();

    async function submit(ev) {
      ev.preventDefault();
      const payload = { gtin: chosen.gtin };
      if (!member) {
        const address = email.value.trim();
        if (!EMAIL_RE.test(address)) { error.textContent = t("ship_need_email"); email.focus(); return; }
        if (!consent.checked) { error.textContent = t("ship_need_consent"); consent.focus(); return; }
        Object.assign(payload, { email: address, consent: true });
      }
      $("#ship-confirm").disabled = true;
      try {
        const order = await api("POST", base + "/orders", payload);
        aisle.orders.push(order);
        dialog.close();
        render();
        poll();
      } catch (e) {
        error.textContent = t("ship_failed");
        $("#ship-confirm").disabled = false;
      }
    }
  }

  async function poll() {
    clearTimeout(aisle.timer);
    const open = aisle.orders.filter((o) => !FINAL.has(o.status));
    for (const order of open) {
      try {
        Object.assign(order, await api("GET", base + "/orders/" + encodeURIComponent(order.id)));
      } catch (e) { /* shown as it was; asked again below */ }
    }
    render();
    if (aisle.orders.some((o) => !FINAL.has(o.status))) aisle.timer = setTimeout(poll, 2000);
  }

  function orderBanner(o) {
    const item = (o.items || [])[0] || {};
    const name = [item.name, item.size, item.colour].filter(Boolean).join(" · ");
    return h("div", { class: "banner order-status", dataset: { status: o.status, orderId: o.id } },
      h("span", { class: "dot", "aria-hidden": "true" }),
      h("span", { class: "banner-text" }, t("order_" + o.status, { name, total: money(o.total_cents, o.currency) })),
      CANCELLABLE.has(o.status) ? h("button", {
        type: "button", class: "btn btn-ghost order-cancel", dataset: { orderId: o.id },
        onclick: (ev) => cancel(o, ev.currentTarget),
      }, t("order_cancel")) : null,
      o.status === "awaiting_payment" && o.payment_url ? payHere(o) : null);
  }

  // The provider's page as a QR code (the address as text too, for a phone without a camera app).
  function payHere(o) {
    const src = aisle.qr.get(o.id);
    if (src === undefined) {
      aisle.qr.set(o.id, null);
      tokenImage(base + "/orders/" + encodeURIComponent(o.id) + "/payment.svg", token, /^image\/svg\+xml$/)
        .then((url) => { aisle.qr.set(o.id, url); render(); }, () => { /* the address below still works */ });
    }
    return h("div", { class: "order-pay" },
      src ? h("img", { class: "order-qr", src, alt: t("order_pay_qr"), width: 220, height: 220 }) : null,
      h("span", { class: "order-pay-url", text: o.payment_url }));
  }

  async function cancel(o, button) {
    button.disabled = true;
    try {
      Object.assign(o, await api("POST", base + "/orders/" + encodeURIComponent(o.id) + "/cancel"));
    } catch (e) {
      toast(t("order_cancel_failed"), true);
      button.disabled = false;
      return;
    }
    render();
  }

  function offerBanner(o) {
    return h("div", { class: "banner offer-banner", dataset: { offerId: o.id } },
      h("span", { class: "offer-tag", text: o.members_only ? t("offer_members") : t("offer_label") }),
      h("span", { class: "banner-text" },
        h("strong", { class: "offer-title", text: o.title }),
        o.discount_pct ? h("span", { class: "offer-discount", text: " · " + t("offer_discount", { pct: o.discount_pct }) }) : null,
        h("span", { class: "offer-body", text: " — " + o.body })));
  }

  function render() {
    const sid = state.view && state.view.session ? state.view.session.id : null;
    if (sid !== aisle.sessionId) {  // the next shopper starts fresh
      aisle.sessionId = sid;
      aisle.orders = [];
    }
    const offer = state.view && state.view.offer;
    const nodes = [offer ? offerBanner(offer) : null, ...aisle.orders.map(orderBanner)].filter(Boolean);
    const box = region();
    box.replaceChildren(...nodes);
    box.hidden = nodes.length === 0;
  }

  return { shipButton, render };
}
