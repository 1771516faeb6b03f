/* The fitting-room mirror: renders the RoomView the edge pushes over /ws/mirror/{room} and sends the
   shopper's requests, purchases, help calls and email list to /api/mirror/{room} with the device token.
   ES modules, no build step: this file holds the page's state, its live connection and the wiring; the
   cards live in mirror-cards.js, the buy and email sheets in mirror-sheets.js. */
import { $, backoffMs, formatMoney, h, jsonApi, toaster } from "./ui.js";
import { LOCALES, RIGHT_TO_LEFT, STRINGS as I18N } from "./i18n.js";
import { cardsFor } from "./mirror-cards.js";
import { sheetsFor } from "./mirror-sheets.js";
import { aisleFor } from "./mirror-aisle.js";
import { repliesFor } from "./mirror-reply.js";

{
  const body = document.body;
  const roomId = body.dataset.roomId;
  const token = body.dataset.token;
  // The screen's own language: ?lang= on its address (a store where English is not the first), else English.
  const asked = new URLSearchParams(location.search).get("lang");
  const DEFAULT_LANG = asked && I18N[asked] ? asked : "en";

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
    langChosen: false,     // the shopper picked a language: a member's own no longer switches it
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
    return formatMoney(LOCALES[state.lang] || "en-GB", cents, currency);
  }
  function applyStaticStrings() {
    document.documentElement.lang = state.lang;
    document.documentElement.dir = RIGHT_TO_LEFT.has(state.lang) ? "rtl" : "ltr";
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    $("#email-input").placeholder = t("email_placeholder");
    document.querySelectorAll(".lang-btn").forEach((b) => {
      b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang));
      b.setAttribute("aria-label", I18N[b.dataset.lang].lang_name);
    });
    renderHelpButton();
    renderEmailButton();
  }


  // ---------- API ----------
  const api = jsonApi({ "Authorization": "Bearer " + token });
  const toast = toaster($("#toast"), 4500);
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
    clearTimeout(state.wsTimer);
    state.wsTimer = setTimeout(connect, backoffMs(state.wsAttempts++));
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

  // The cards and the sheets share this page's state and helpers through one context object.
  const ctx = {
    state, t, plural, money, api, base, toast, STRINGS: I18N, DEFAULT_LANG,
    render: () => render(),
    sendRequest: (gtin, epc) => sendRequest(gtin, epc),
    renderEmailButton: () => renderEmailButton(),
  };
  ctx.aisle = aisleFor({ ...ctx, token });
  ctx.replies = repliesFor({ ...ctx, token });
  const cards = cardsFor(ctx);
  ctx.boughtEpcs = cards.boughtEpcs;
  const sheets = sheetsFor(ctx);
  const { openSheet, closeSheet, trapFocus, renderBuyList, submitBuy, submitEmail, resetEmailForm,
    setFieldError, EMAIL_RE } = sheets;
  const { renderBanners, renderItems, renderLook } = cards;

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
        state.langChosen = false;
        if (state.lang !== DEFAULT_LANG) {
          setLang(DEFAULT_LANG);
          return;
        }
      }
    }
    // A known member is greeted in their own language (unless the shopper picked one here).
    const own = view.shopper && view.shopper.language;
    if (own && !state.langChosen && own !== state.lang && I18N[own]) {
      setLang(own);
      return;
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
    const held = v.reservation;  // reserved to try: greet the member, show their garments as sensed
    const name = (shopper && shopper.first_name) || (held && held.first_name);
    $("#greeting").textContent = name ? t("greeting", { name }) : t("greeting_anon");
    $("#reserved").hidden = !held;
    $("#reserved-list").replaceChildren(...(held ? held.items : []).map((i) => h("li",
      { class: i.in_room ? "reserved-item in-room" : "reserved-item", dataset: { gtin: i.gtin, inRoom: String(i.in_room) } },
      (i.in_room ? "✓ " : "… ") + [i.name || i.gtin, i.size, i.colour].filter(Boolean).join(" · "))));
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
    $("#hero").hidden = (items.length === 0 || !covered) && !shopper && !held;

    ctx.replies.render();
    renderBanners(v, items);
    ctx.aisle.render();
    renderItems(items, covered);
    renderLook(covered ? (v.suggestions || []) : []);
    if (state.openSheet === "buy") renderBuyList();
  }


  // ---------- actions ----------
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
  document.querySelectorAll(".lang-btn").forEach((b) => b.addEventListener("click", () => {
    state.langChosen = true;
    setLang(b.dataset.lang);
  }));
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
}
