/* The fitting-room mirror: renders the RoomView the edge pushes over /ws/mirror/{room} and sends the
   shopper's requests, purchases, help calls and email list to /api/mirror/{room} with the device token.
   Plain DOM, no build step. Text is always set with textContent, never parsed as HTML. */
"use strict";

(function () {
  const body = document.body;
  const roomId = body.dataset.roomId;
  const token = body.dataset.token;
  const I18N = window.FITROOM_I18N;
  const DEFAULT_LANG = "en";
  const LOCALES = { en: "en-GB", es: "es-ES" };
  const $ = (sel, root) => (root || document).querySelector(sel);

  const state = {
    lang: DEFAULT_LANG,
    view: null,
    sessionId: null,
    selected: {},          // epc -> {colour, gtin}
    pending: new Set(),    // keys of writes in flight, e.g. "req:<gtin>"
    cardKeys: {},          // epc -> last rendered key, to skip unchanged cards
    ws: null,
    wsAttempts: 0,
    wsTimer: null,
    connShown: false,
    connTimer: null,
    helpUntil: 0,
    openSheet: null,
    lastFocus: null,
    emailSent: false,
    authFailed: false,
  };

  // ---------- i18n ----------
  function t(key, vars) {
    const table = I18N[state.lang] || I18N[DEFAULT_LANG];
    let s = table[key] !== undefined ? table[key] : (I18N[DEFAULT_LANG][key] || key);
    if (vars) {
      for (const [k, v] of Object.entries(vars)) s = s.split("{" + k + "}").join(String(v));
    }
    return s;
  }
  function plural(base, n) {
    return t(n === 1 ? base + "_one" : base + "_other", { n: n });
  }
  function money(cents, currency) {
    try {
      return new Intl.NumberFormat(LOCALES[state.lang] || "en-GB", {
        style: "currency", currency: currency || "EUR",
      }).format((cents || 0) / 100);
    } catch (e) {
      return ((cents || 0) / 100).toFixed(2) + " " + (currency || "");
    }
  }
  function applyStaticStrings() {
    document.documentElement.lang = state.lang;
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    $("#email-input").placeholder = t("email_placeholder");
    document.querySelectorAll(".lang-btn").forEach((b) => {
      b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang));
      b.setAttribute("aria-label", I18N[b.dataset.lang].lang_name);
    });
    renderHelpButton();
    renderEmailButton();
  }

  // ---------- DOM helper ----------
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "text") el.textContent = v;
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }
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

  // ---------- API ----------
  function errorMessage(data) {
    if (!data) return "";
    const d = data.detail !== undefined ? data.detail : data.message;
    if (typeof d === "string") return d;
    if (Array.isArray(d)) return d.map((x) => (x && x.msg) || "").filter(Boolean).join("; ");
    return "";
  }
  async function api(method, path, payload) {
    const res = await fetch(path, {
      method: method,
      headers: {
        "Authorization": "Bearer " + token,
        "Accept": "application/json",
        ...(payload !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      body: payload !== undefined ? JSON.stringify(payload) : undefined,
      cache: "no-store",
    });
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok) {
      const err = new Error(errorMessage(data) || res.statusText);
      err.status = res.status;
      throw err;
    }
    return data;
  }
  const base = "/api/mirror/" + encodeURIComponent(roomId);

  async function refresh() {
    try {
      applyView(await api("GET", base + "?lang=" + state.lang));
    } catch (e) {
      if (e.status === 401 || e.status === 403) showAuthProblem();
    }
  }

  // ---------- live connection ----------
  function wsUrl() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    return proto + "//" + location.host + "/ws/mirror/" + encodeURIComponent(roomId) +
      "?token=" + encodeURIComponent(token) + "&lang=" + state.lang;
  }
  function connect() {
    clearTimeout(state.wsTimer);
    let ws;
    try { ws = new WebSocket(wsUrl()); } catch (e) { scheduleReconnect(); return; }
    state.ws = ws;
    let live = false;
    ws.onmessage = (ev) => {
      // Live once the edge has sent the room (it does on every connect), not merely on open: a socket
      // that opens and drops at once must not count as back.
      if (!live) { live = true; state.wsAttempts = 0; setConnected(true); }
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg && msg.type === "room" && msg.data) applyView(msg.data);
    };
    ws.onclose = () => {
      if (state.ws !== ws) return;   // replaced on purpose (language change)
      state.ws = null;
      setConnected(false);
      scheduleReconnect();
    };
    ws.onerror = () => { /* onclose follows and reconnects */ };
  }
  function scheduleReconnect() {
    if (state.authFailed) return;
    // A refused socket does not say why: ask the API, which answers 401/403 if the token is the cause.
    if (state.wsAttempts > 0) refresh();
    // Exponential backoff with jitter, capped: a rebooting edge is not stampeded by every mirror at once.
    const n = state.wsAttempts++;
    const delay = Math.min(15000, 500 * Math.pow(2, n)) * (0.6 + Math.random() * 0.4);
    clearTimeout(state.wsTimer);
    state.wsTimer = setTimeout(connect, delay);
  }
  function reconnectNow() {
    const old = state.ws;
    state.ws = null;
    if (old) old.close();
    state.wsAttempts = 0;
    connect();
  }
  function setConnected(ok) {
    const pill = $("#conn-pill");
    clearTimeout(state.connTimer);
    if (ok) {
      pill.hidden = true;
      body.classList.remove("is-offline");
      return;
    }
    // A quiet pill, and only if the outage outlasts a blink.
    state.connTimer = setTimeout(() => {
      pill.textContent = t(state.view ? "reconnecting" : "connecting");
      pill.hidden = false;
      body.classList.add("is-offline");
    }, 1200);
  }
  // The token was withdrawn or replaced: nothing this page does will work again, so say so and stop.
  function showAuthProblem() {
    state.authFailed = true;
    clearTimeout(state.wsTimer);
    const ws = state.ws;
    state.ws = null;
    if (ws) ws.close();
    for (const id of ["#state-empty", "#state-unknown", "#items", "#look", "#banners", "#actionbar", "#hero"]) {
      $(id).hidden = true;
    }
    $("#state-auth").hidden = false;
    $("#conn-pill").hidden = true;
    clearTimeout(state.connTimer);
  }

  // ---------- rendering ----------
  function applyView(view) {
    const sid = view.session ? view.session.id : null;
    state.view = view;
    if (sid !== state.sessionId) {
      const ended = state.sessionId !== null;
      state.sessionId = sid;
      state.selected = {};
      state.cardKeys = {};
      $("#items").replaceChildren();
      if (ended) {
        // The next shopper starts fresh: no open sheet, no typed email, default language.
        closeSheet();
        resetEmailForm();
        state.emailSent = false;
        renderEmailButton();
        if (state.lang !== DEFAULT_LANG) {
          setLang(DEFAULT_LANG);
          return;
        }
      }
    }
    render();
  }

  function render() {
    const v = state.view;
    if (!v || state.authFailed) return;
    const items = v.items || [];
    const covered = v.covered !== false;
    $("#state-unknown").hidden = covered;
    $("#state-empty").hidden = !covered || items.length > 0;
    $("#items").hidden = !covered;
    $("#actionbar").hidden = !covered || items.length === 0;

    const shopper = v.shopper;
    $("#greeting").textContent = shopper && shopper.first_name
      ? t("greeting", { name: shopper.first_name }) : t("greeting_anon");
    const sub = [];
    if (covered && items.length) sub.push(plural("items_count", items.length));
    if (shopper && shopper.preferred_sizes) {
      // Only the categories being tried, each named: "tops S · trousers W32 L30".
      const here = new Set(items.map((i) => i.category).filter(Boolean));
      const sizes = Object.entries(shopper.preferred_sizes)
        .filter(([cat, size]) => size && here.has(cat))
        .map(([cat, size]) => (I18N[DEFAULT_LANG]["cat_" + cat] ? t("cat_" + cat) + " " : "") + size);
      if (sizes.length) sub.push(t("your_sizes", { sizes: sizes.join(" · ") }));
    }
    $("#hero-sub").textContent = sub.join(" · ");
    $("#hero").hidden = (items.length === 0 || !covered) && !shopper;

    renderBanners(v, items);
    renderItems(items, covered);
    renderLook(covered ? (v.suggestions || []) : []);
    if (state.openSheet === "buy") renderBuyList();
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
      else if (chosen.availability === "online") note = t("online_only_note");
      else if (chosen.availability === "sold_out") note = t("sold_out_note");
      else { note = ""; canAsk = !openReq; }
    }
    const busy = chosen && state.pending.has("req:" + chosen.gtin);
    const bring = h("button", {
      type: "button", class: "btn btn-primary bring-btn", disabled: !canAsk || busy,
      dataset: { focusKey: item.epc + ":bring" },
      onclick: () => { if (chosen) sendRequest(chosen.gtin, item.epc); },
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
      h("div", { class: "card-action" }, chosen ? bring : null,
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
    render();
  }
  function chooseVariant(item, v) {
    const cur = state.selected[item.epc];
    state.selected[item.epc] = { colour: v.colour, gtin: cur && cur.gtin === v.gtin ? null : v.gtin };
    render();
  }

  function renderLook(suggestions) {
    const section = $("#look");
    const row = $("#look-row");
    section.hidden = suggestions.length === 0;
    const reqs = (state.view && state.view.requests) || [];
    row.replaceChildren(...suggestions.map((s) => {
      const asked = reqs.some((r) => r.gtin === s.gtin && (r.status === "open" || r.status === "claimed"));
      const busy = state.pending.has("req:" + s.gtin);
      const reason = s.reason && I18N[DEFAULT_LANG]["reason_" + s.reason] ? t("reason_" + s.reason) : "";
      return h("article", { class: "look-card", dataset: { gtin: s.gtin, styleId: s.style_id } },
        media(s.image, s.name),
        reason ? h("span", { class: "look-reason", text: reason }) : null,
        h("span", { class: "look-name", text: s.name }),
        h("span", { class: "look-meta", text: [s.brand, [s.size, s.colour].filter(Boolean).join(" · ")]
          .filter(Boolean).join(" — ") }),
        h("span", { class: "card-price", text: money(s.price_cents, s.currency) }),
        h("button", { type: "button", class: "btn btn-secondary", disabled: asked || busy,
          dataset: { focusKey: "look:" + s.gtin },
          onclick: () => sendRequest(s.gtin, null) },
        asked ? t("request_open", { size: s.size || "", colour: s.colour || "" }).split(" — ")[0]
          : busy ? t("busy") : s.size ? t("bring_me", { size: s.size, colour: s.colour || "" }) : t("bring_me_this")));
    }));
  }

  // ---------- actions ----------
  let toastTimer = null;
  function toast(text, isError) {
    const el = $("#toast");
    el.textContent = text;
    el.classList.toggle("is-error", !!isError);
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.hidden = true; }, 4500);
  }

  async function sendRequest(gtin, epc) {
    const key = "req:" + gtin;
    if (state.pending.has(key)) return;
    state.pending.add(key);
    render();
    try {
      const payload = epc ? { gtin, epc } : { gtin };
      const req = await api("POST", base + "/requests", payload);
      if (state.view && req && !(state.view.requests || []).some((r) => r.id === req.id)) {
        state.view.requests = [...(state.view.requests || []), req];
      }
    } catch (e) {
      toast(t("request_failed"), true);
    } finally {
      state.pending.delete(key);
      render();
    }
  }

  function renderEmailButton() {
    $("#open-email span").textContent = t(state.emailSent ? "email_sent_btn" : "send_me");
  }
  function renderHelpButton() {
    const btn = $("#call-associate");
    const sent = Date.now() < state.helpUntil;
    btn.disabled = sent;
    const label = sent ? t("help_sent") : t("call_associate");
    $("#unknown-call").disabled = sent;
    $("#unknown-call").textContent = label;
    btn.querySelector("span").textContent = label;
    btn.setAttribute("aria-label", label);  // the text is hidden on phones, the name must stay
  }
  async function callAssociate() {
    const btn = $("#call-associate");
    btn.disabled = true;
    try {
      await api("POST", base + "/help");
      state.helpUntil = Date.now() + 60000;
      toast(t("help_sent"));
      setTimeout(renderHelpButton, 60100);
    } catch (e) {
      toast(t("help_failed"), true);
    }
    renderHelpButton();
  }

  // Sheets (buy, email): modal, focus kept inside, Escape or scrim closes.
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
    const bought = boughtEpcs();
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
      render();
    } catch (e) {
      err.textContent = t("buy_failed") + (e.message ? " (" + e.message + ")" : "");
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
      renderEmailButton();
    } catch (e) {
      const fe = $("#email-form-error");
      fe.textContent = t("email_failed") + (e.status === 422 && e.message ? " (" + e.message + ")" : "");
      fe.hidden = false;
    } finally {
      btn.disabled = false;
      btn.textContent = t("email_send");
    }
  }

  function setLang(lang) {
    if (!I18N[lang] || lang === state.lang) return;
    state.lang = lang;
    state.cardKeys = {};
    applyStaticStrings();
    render();
    if (state.openSheet === "buy") renderBuyList();
    // Names and suggestions can be localised by the edge: ask again and follow in the new language.
    refresh();
    reconnectNow();
  }

  // ---------- wiring ----------
  document.querySelectorAll(".lang-btn").forEach((b) => b.addEventListener("click", () => setLang(b.dataset.lang)));
  $("#call-associate").addEventListener("click", callAssociate);
  $("#unknown-call").addEventListener("click", callAssociate);
  $("#open-buy").addEventListener("click", () => openSheet("buy"));
  $("#open-email").addEventListener("click", () => openSheet("email"));
  $("#scrim").addEventListener("click", closeSheet);
  document.querySelectorAll("[data-close-sheet]").forEach((b) => b.addEventListener("click", closeSheet));
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") closeSheet();
    trapFocus(ev);
  });
  $("#buy-form").addEventListener("submit", submitBuy);
  $("#email-form").addEventListener("submit", submitEmail);
  $("#email-input").addEventListener("input", () => {
    if ($("#email-input").getAttribute("aria-invalid") === "true" && EMAIL_RE.test($("#email-input").value.trim())) {
      setFieldError($("#email-input"), $("#email-error"), "");
    }
  });
  $("#consent-input").addEventListener("change", () => {
    if ($("#consent-input").checked) setFieldError($("#consent-input"), $("#consent-error"), "");
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && !state.ws) reconnectNow();
  });

  applyStaticStrings();
  setConnected(false);
  refresh();
  connect();
})();
