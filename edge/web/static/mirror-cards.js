/* The mirror's item cards, request and purchase banners, and "complete the look": rendering of the
   RoomView plus the shopper's size/colour choice. Built by cardsFor(ctx); ctx carries the page's state,
   t(), money(), render() and sendRequest(). */
import { $, h } from "./ui.js";

export function cardsFor(ctx) {
  const { state, t, money, STRINGS, DEFAULT_LANG } = ctx;

  const SVG_NS = "http://www.w3.org/2000/svg";
  function placeholderArt() {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 100 100");
    svg.setAttribute("class", "placeholder");
    svg.setAttribute("aria-hidden", "true");
    const p = document.createElementNS(SVG_NS, "path");
    p.setAttribute("d", "M35 12 50 20 65 12 88 26 80 44 70 40V88H30V40L20 44 12 26Z");
    p.setAttribute("fill", "none");
    p.setAttribute("stroke", "currentColor");
    p.setAttribute("stroke-width", "3");
    p.setAttribute("stroke-linejoin", "round");
    svg.append(p);
    return svg;
  }
  function swatchDot(hex) {
    const dot = h("span", {});
    // Set through the CSSOM: the page's CSP allows no inline style attributes.
    dot.style.backgroundColor = /^#[0-9a-fA-F]{6}$/.test(hex || "") ? hex : "#888888";
    return dot;
  }
  function media(image, alt) {
    const box = h("div", { class: "card-media" });
    if (image) {
      const img = h("img", { src: image, alt: alt || "", loading: "lazy", decoding: "async" });
      img.addEventListener("error", () => { img.replaceWith(placeholderArt()); });
      box.append(img);
    } else {
      box.append(placeholderArt());
    }
    return box;
  }


  function requestsFor(item) {
    const gtins = new Set((item.variants || []).map((x) => x.gtin));
    gtins.add(item.gtin);
    return (state.view.requests || []).filter((r) => gtins.has(r.gtin));
  }
  function boughtEpcs() {
    const s = new Set();
    for (const p of state.view.purchases || []) for (const it of p.items || []) s.add(it.epc);
    for (const it of state.view.items || []) if (it.purchased) s.add(it.epc);
    return s;
  }
  function requestText(r) {
    const vars = { size: r.size || "", colour: r.colour || "", name: r.associate_first_name || "" };
    if (r.status === "claimed") return t(r.associate_first_name ? "request_claimed" : "request_claimed_anon", vars);
    if (r.status === "done") return t("request_done", vars);
    if (r.status === "cancelled") return t("request_cancelled", vars);
    return t("request_open", vars);
  }
  function requestBanner(r) {
    return h("div", { class: "banner request-status", dataset: { status: r.status, requestId: r.id, gtin: r.gtin } },
      h("span", { class: "dot", "aria-hidden": "true" }),
      h("span", { class: "banner-text" },
        r.name && !requestBelongsToItem(r) ? r.name + " — " : "", requestText(r)));
  }
  function requestBelongsToItem(r) {
    return (state.view.items || []).some((it) => requestsFor(it).includes(r));
  }

  function renderBanners(v, items) {
    const box = $("#banners");
    const nodes = [];
    for (const p of v.purchases || []) {
      const total = money(p.total_cents, p.currency);
      nodes.push(h("div", { class: "banner purchase-status", dataset: { status: p.status, purchaseId: p.id } },
        h("span", { class: "dot", "aria-hidden": "true" }),
        h("span", { class: "banner-text" }, t(p.status === "bagged" ? "purchase_bagged" : "purchase_to_bag", { total }))));
    }
    // Requests that no card in the room shows (e.g. from "complete the look") are listed up here.
    for (const r of v.requests || []) {
      if (!items.some((it) => requestsFor(it).includes(r))) nodes.push(requestBanner(r));
    }
    box.replaceChildren(...nodes);
    box.hidden = nodes.length === 0;
  }

  function renderItems(items, covered) {
    const list = $("#items");
    if (!covered) return;
    const bought = boughtEpcs();
    const focusKey = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.focusKey : null;
    const seen = new Set();
    let prev = null;
    for (const item of items) {
      seen.add(item.epc);
      const reqs = requestsFor(item);
      const sel = state.selected[item.epc] || { colour: item.colour, gtin: null };
      const key = JSON.stringify([item, sel, reqs, bought.has(item.epc), state.lang,
        Array.from(state.pending).sort()]);
      let card = list.querySelector('.card[data-epc="' + CSS.escape(item.epc) + '"]');
      if (!card || state.cardKeys[item.epc] !== key) {
        const fresh = buildCard(item, sel, reqs, bought.has(item.epc));
        if (card) {
          fresh.style.animation = "none";
          card.replaceWith(fresh);
        }
        card = fresh;
        state.cardKeys[item.epc] = key;
      }
      // Keep the server's order (first in, first shown) without re-creating unchanged cards.
      const want = prev ? prev.nextSibling : list.firstChild;
      if (want !== card) list.insertBefore(card, want);
      prev = card;
    }
    list.querySelectorAll(".card").forEach((c) => {
      if (!seen.has(c.dataset.epc)) { c.remove(); delete state.cardKeys[c.dataset.epc]; }
    });
    if (focusKey) {
      const again = list.querySelector('[data-focus-key="' + CSS.escape(focusKey) + '"]');
      if (again && document.activeElement !== again) again.focus();
    }
  }

  function availabilityLabel(a) {
    return t(a === "here" ? "avail_here" : a === "online" ? "avail_online" : "avail_sold_out");
  }

  function buildCard(item, sel, reqs, isBought) {
    const nameId = "name-" + item.epc;
    if (!item.known) {
      return h("article", { class: "card is-unknown", dataset: { epc: item.epc, gtin: item.gtin || "" },
        "aria-labelledby": nameId },
      media(null, ""),
      h("div", { class: "card-body" },
        h("h3", { class: "card-name", id: nameId, text: t("unknown_item") }),
        h("p", { class: "card-note", text: t("unknown_item_body") })));
    }
    const variants = withOwnSize(item);
    const colours = [];
    for (const v of variants) {
      if (!colours.some((c) => c.colour === v.colour)) colours.push({ colour: v.colour, hex: v.colour_hex });
    }
    if (!colours.some((c) => c.colour === item.colour)) colours.unshift({ colour: item.colour, hex: item.colour_hex });
    const colour = sel.colour || item.colour;
    const sizes = variants.filter((v) => v.colour === colour);
    const chosen = variants.find((v) => v.gtin === sel.gtin) || null;

    const swatches = colours.length > 1 ? h("div", { class: "opt" },
      h("p", { class: "opt-label" }, t("colour") + " · " + colour),
      h("div", { class: "swatches", role: "group", "aria-label": t("colour") },
        colours.map((c) => h("button", {
          type: "button", class: "swatch", "aria-pressed": String(c.colour === colour),
          "aria-label": c.colour, title: c.colour,
          dataset: { colour: c.colour, focusKey: item.epc + ":c:" + c.colour },
          onclick: () => chooseColour(item, c.colour),
        }, swatchDot(c.hex))))) : null;

    const chips = h("div", { class: "opt" },
      h("p", { class: "opt-label" }, t("size") + (colours.length > 1 ? "" : " · " + colour)),
      h("div", { class: "sizes", role: "group", "aria-label": t("size") },
        sizes.map((v) => h("button", {
          type: "button", class: "chip size-chip",
          "aria-pressed": String(v.gtin === sel.gtin),
          "aria-label": v.size + ", " + availabilityLabel(v.availability) + (v.in_room ? ", " + t("in_room") : ""),
          disabled: v.availability === "sold_out",
          dataset: { gtin: v.gtin, size: v.size, availability: v.availability, inRoom: String(!!v.in_room),
            focusKey: item.epc + ":s:" + v.gtin },
          onclick: () => chooseVariant(item, v),
        },
        h("span", { class: "chip-size", text: v.size }),
        h("span", { class: "chip-avail", text: v.in_room ? t("in_room") : availabilityLabel(v.availability) })))));

    const openReq = chosen && reqs.find((r) => r.gtin === chosen.gtin && (r.status === "open" || r.status === "claimed"));
    let note = t("pick_variant");
    let canAsk = false;
    if (chosen) {
      if (chosen.in_room) note = t("already_here");
      else if (chosen.availability === "online") note = t("ship_note");
      else if (chosen.availability === "sold_out") note = t("sold_out_note");
      else { note = ""; canAsk = !openReq; }
    }
    const busy = chosen && state.pending.has("req:" + chosen.gtin);
    const bring = h("button", {
      type: "button", class: "btn btn-primary bring-btn", disabled: !canAsk || busy,
      dataset: { focusKey: item.epc + ":bring" },
      onclick: () => { if (chosen) ctx.sendRequest(chosen.gtin, item.epc); },
    }, busy ? t("busy") : chosen
      ? t("bring_me", { size: chosen.size, colour: chosen.colour }) : t("bring_me_this"));

    return h("article", { class: "card" + (isBought ? " is-bought" : ""),
      dataset: { epc: item.epc, gtin: item.gtin, styleId: item.style_id || "" }, "aria-labelledby": nameId },
    media(item.image, item.name),
    h("div", { class: "card-body" },
      h("div", { class: "card-brand", text: item.brand || "" }),
      h("h3", { class: "card-name", id: nameId, text: item.name }),
      item.description ? h("p", { class: "card-desc", text: item.description }) : null,
      h("div", { class: "card-meta" },
        h("span", { class: "card-price", text: money(item.price_cents, item.currency) }),
        h("span", { class: "card-current", text: t("you_have", { size: item.size, colour: item.colour }) })),
      isBought ? h("span", { class: "tag-bought", text: t("bought") }) : null,
      reqs.length ? h("div", { class: "card-status" }, reqs.map(requestBanner)) : null,
      swatches, chips,
      // Nothing chosen yet: a quiet hint instead of a dead button.
      h("div", { class: "card-action" },
        chosen && chosen.availability === "online" && !chosen.in_room ? ctx.aisle.shipButton(item, chosen)
          : chosen ? bring : null,
        note ? h("p", { class: "card-note", text: note }) : null)));
  }

  // The edge lists the style's other SKUs; the garment in the room joins its colour's size run, in run
  // order, so the shopper sees every size side by side.
  const LETTER_SIZES = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL", "3XL", "4XL"];
  function sizeRank(size) {
    const s = String(size || "").trim().toUpperCase();
    const letter = LETTER_SIZES.indexOf(s);
    if (letter >= 0) return letter;
    const nums = s.match(/\d+(?:[.,]\d+)?/g);
    if (!nums) return null;
    // "38", "EU 42", "W30 L32" (waist first, then leg): a number that sorts the run.
    return nums.slice(0, 2).reduce((acc, n, i) => acc + parseFloat(n.replace(",", ".")) * (i ? 1 : 1000), 0);
  }
  function withOwnSize(item) {
    const variants = (item.variants || []).slice();
    if (!item.gtin || variants.some((v) => v.gtin === item.gtin)) return variants;
    const own = { gtin: item.gtin, size: item.size, colour: item.colour, colour_hex: item.colour_hex,
      availability: "here", in_room: true };
    const mine = sizeRank(item.size);
    let at = variants.findIndex((v) => v.colour === item.colour);
    if (at < 0) {
      at = 0;
    } else {
      while (at < variants.length && variants[at].colour === item.colour) {
        const r = sizeRank(variants[at].size);
        if (mine !== null && r !== null && r > mine) break;
        at++;
      }
    }
    variants.splice(at, 0, own);
    return variants;
  }

  function chooseColour(item, colour) {
    const cur = state.selected[item.epc] || { colour: item.colour, gtin: null };
    const all = withOwnSize(item);
    const was = all.find((v) => v.gtin === cur.gtin);
    // Keep the chosen size across colours when that size exists (and is not sold out) in the new colour.
    const same = was && all.find((v) => v.colour === colour && v.size === was.size &&
      v.availability !== "sold_out");
    state.selected[item.epc] = { colour, gtin: same ? same.gtin : null };
    ctx.render();
  }
  function chooseVariant(item, v) {
    const cur = state.selected[item.epc];
    state.selected[item.epc] = { colour: v.colour, gtin: cur && cur.gtin === v.gtin ? null : v.gtin };
    ctx.render();
  }

  function renderLook(suggestions) {
    const section = $("#look");
    const row = $("#look-row");
    section.hidden = suggestions.length === 0;
    const reqs = (state.view && state.view.requests) || [];
    row.replaceChildren(...suggestions.map((s) => {
      const asked = reqs.some((r) => r.gtin === s.gtin && (r.status === "open" || r.status === "claimed"));
      const busy = state.pending.has("req:" + s.gtin);
      const reason = s.reason && STRINGS[DEFAULT_LANG]["reason_" + s.reason] ? t("reason_" + s.reason) : "";
      return h("article", { class: "look-card", dataset: { gtin: s.gtin, styleId: s.style_id } },
        media(s.image, s.name),
        reason ? h("span", { class: "look-reason", text: reason }) : null,
        h("span", { class: "look-name", text: s.name }),
        h("span", { class: "look-meta", text: [s.brand, [s.size, s.colour].filter(Boolean).join(" · ")]
          .filter(Boolean).join(" — ") }),
        h("span", { class: "card-price", text: money(s.price_cents, s.currency) }),
        h("button", { type: "button", class: "btn btn-secondary", disabled: asked || busy,
          dataset: { focusKey: "look:" + s.gtin },
          onclick: () => ctx.sendRequest(s.gtin, null) },
        asked ? t("request_open", { size: s.size || "", colour: s.colour || "" }).split(" — ")[0]
          : busy ? t("busy") : s.size ? t("bring_me", { size: s.size, colour: s.colour || "" }) : t("bring_me_this")));
    }));
  }

  return { renderBanners, renderItems, renderLook, boughtEpcs };
}
