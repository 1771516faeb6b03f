/* The associate console: sign in with ID + PIN, then follow the live task queue pushed over
   /ws/associate (the sign-in cookie authenticates it) and claim / complete tasks via /api/associate.
   Its words come from console-i18n-<lang>.js (English or Spanish, switchable). ES module, no build step. */
import { $, backoffMs, formatMoney, h, jsonApi, toaster } from "./ui.js";
import { arrivalCards } from "./associate-arrivals.js";
import { replyControls } from "./associate-reply.js";
import { CONSOLE_LANGUAGES, CONSOLE_LOCALES, CONSOLE_STRINGS, consoleLanguage, problemText, rememberLanguage, translatePage,
  translator } from "./console-i18n.js";

{
  let lang = consoleLanguage();
  let tr = translator(lang);
  const t = (key, vars) => tr(key, vars);
  const KINDS = ["size_request", "bag", "go_back", "help"];
  const kindName = (kind) => (KINDS.includes(kind) ? t("kind_" + kind) : kind);
  const itemsText = (n) => (n === 1 ? t("items_one") : t("items_other", { n }));
  let ROOMS = {};
  try { ROOMS = JSON.parse(document.body.dataset.rooms || "{}"); } catch (e) { ROOMS = {}; }
  const WARM_S = 120;   // a bag or go-back: amber after two minutes waiting
  const LATE_S = 300;   // red after five
  // A size request or help call has the store's target (task.target_s): amber at half of it, red beyond.
  function lateAt(task) { return typeof task.target_s === "number" ? task.target_s : LATE_S; }
  function warmAt(task) { return typeof task.target_s === "number" ? task.target_s / 2 : WARM_S; }
  function ageClass(task, age) {
    if (task.status !== "open") return "";
    return age > lateAt(task) ? "is-late" : age >= warmAt(task) ? "is-warm" : "";
  }
  const state = {
    me: null,               // {id, first_name}
    tasks: [],
    receivedAt: 0,          // performance.now() when `tasks` arrived; ages count on from there
    filter: "all",
    pending: new Set(),
    seen: new Set(),        // task ids already shown: only new ones animate in
    rooms: [],
    ws: null,
    attempts: 0,
    timer: null,
    shoppersTimer: null,
  };

  const api = jsonApi();
  const toast = toaster($("#toast"), 4000);
  const expired = () => showSignIn(t("expired"));
  const replyRow = replyControls({ api, toast, t, mine: (task) => mine(task), onAuthLost: expired });
  const cards = arrivalCards({ api, toast, t, rooms: ROOMS, me: () => state.me, locale: () => CONSOLE_LOCALES[lang],
    onAuthLost: expired, reload: () => loadShoppers() });
  const renderShoppers = (list) => cards.renderShoppers(list);

  // ---------- sign-in ----------
  function showSignIn(message) {
    stopLive();
    state.me = null;
    $("#console-view").hidden = true;
    $("#bar-user").hidden = true;
    $("#signin-view").hidden = false;
    const err = $("#signin-error");
    err.textContent = message || "";
    err.hidden = !message;
    const id = $("#associate-id");
    (id.value ? $("#pin") : id).focus();
  }
  function showConsole() {
    $("#signin-view").hidden = true;
    $("#console-view").hidden = false;
    $("#bar-user").hidden = false;
    $("#who").textContent = state.me && state.me.first_name ? state.me.first_name : "";
    startLive();
  }
  async function signIn(ev) {
    ev.preventDefault();
    const id = $("#associate-id").value.trim();
    const pin = $("#pin").value;
    const err = $("#signin-error");
    if (!id || !pin) {
      err.textContent = !id ? t("enter_id") : t("enter_pin");
      err.hidden = false;
      (!id ? $("#associate-id") : $("#pin")).focus();
      return;
    }
    const btn = $("#signin-btn");
    btn.disabled = true;
    btn.textContent = t("signing_in");
    try {
      const res = await api("POST", "/api/associate/login", { associate_id: id, pin });
      state.me = res.associate;
      $("#pin").value = "";
      err.hidden = true;
      showConsole();
    } catch (e) {
      err.textContent = e.status === 401 || e.status === 422 ? t("bad_pin") :
        e.status === 429 ? t("too_many") : t("cannot_sign_in", { error: e.message });
      err.hidden = false;
      $("#pin").value = "";
      $("#pin").focus();
    } finally {
      btn.disabled = false;
      btn.textContent = t("sign_in");
    }
  }
  async function signOut() {
    try { await api("POST", "/api/associate/logout"); } catch (e) { /* signed out locally either way */ }
    showSignIn("");
  }

  // ---------- live queue ----------
  function setConn(ok) {
    $("#conn").classList.toggle("is-down", !ok);
    $("#conn-text").textContent = ok ? t("live") : t("reconnecting");
  }
  function startLive() {
    connect();
    loadShoppers();
    loadRooms();
    loadReservations();
    clearInterval(state.shoppersTimer);
    state.shoppersTimer = setInterval(() => { loadShoppers(); loadRooms(); loadReservations(); }, 5000);
  }
  function stopLive() {
    clearTimeout(state.timer);
    clearInterval(state.shoppersTimer);
    const ws = state.ws;
    state.ws = null;
    if (ws) ws.close();
  }
  function connect() {
    clearTimeout(state.timer);
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(proto + "//" + location.host + "/ws/associate");
    state.ws = ws;
    ws.onopen = () => { state.attempts = 0; setConn(true); };
    ws.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg && msg.type === "tasks" && Array.isArray(msg.data)) setTasks(msg.data);
      else if (msg && msg.type === "shoppers" && Array.isArray(msg.data)) renderShoppers(msg.data);
    };
    ws.onclose = () => {
      if (state.ws !== ws) return;
      state.ws = null;
      setConn(false);
      retry();
    };
  }
  async function retry() {
    // A closed socket may mean the sign-in expired: ask the API before reconnecting.
    try {
      setTasks(await api("GET", "/api/associate/tasks"));
    } catch (e) {
      if (e.status === 401) { expired(); return; }
    }
    state.timer = setTimeout(connect, backoffMs(state.attempts++));
  }
  // The floor at a glance: which fitting rooms are busy, which wait for someone, which cannot be seen.
  async function loadRooms() {
    try {
      state.rooms = (await api("GET", "/api/rooms")).filter((r) => r.kind === "fitting_room");
      renderRooms();
    } catch (e) { /* the queue matters more; try again on the next round */ }
  }
  function renderRooms() {
    const rooms = state.rooms || [];
    $("#rooms").hidden = rooms.length === 0;
    const waiting = new Map();
    for (const t of state.tasks) if (t.status === "open") waiting.set(t.room_id, (waiting.get(t.room_id) || 0) + 1);
    $("#room-grid").replaceChildren(...rooms.map((r) => {
      const n = (r.items || []).length;
      const open = waiting.get(r.id) || 0;
      const stateName = !r.covered ? "offline" : open ? "waiting" : n || r.shoppers ? "busy" : "free";
      const parts = !r.covered ? [t("room_offline")]
        : [n ? itemsText(n) : t("room_free"), open ? t("room_waiting", { n: open }) : ""].filter(Boolean);
      return h("li", { class: "room-tile", dataset: { room: r.id, state: stateName } },
        h("span", { class: "room-tile-name", text: r.name }),
        h("span", { class: "room-tile-state", text: parts.join(" · ") }));
    }));
  }

  async function loadShoppers() {
    try {
      renderShoppers(await api("GET", "/api/associate/shoppers"));
    } catch (e) {
      if (e.status === 401) expired();
    }
  }

  function setTasks(tasks) {
    state.tasks = tasks.slice().sort((a, b) => (b.age_s || 0) - (a.age_s || 0));
    state.receivedAt = performance.now();
    render();
  }
  function ageOf(task) {
    return (task.age_s || 0) + (performance.now() - state.receivedAt) / 1000;
  }
  function fmtAge(s) {
    s = Math.max(0, Math.floor(s));
    if (s < 3600) return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    return Math.floor(s / 3600) + "h " + String(Math.floor((s % 3600) / 60)).padStart(2, "0") + "m";
  }
  function mine(task) {
    return !!(state.me && task.claimed_by && task.claimed_by === state.me.first_name);
  }

  function itemLine(it) {
    return [it.name, [it.size, it.colour].filter(Boolean).join(" · ")].filter(Boolean).join(" — ");
  }
  function money(cents, currency) {
    return formatMoney(CONSOLE_LOCALES[lang], cents, currency);
  }
  function taskBody(task) {
    const d = task.detail || {};
    const items = Array.isArray(d.items) ? d.items : [];
    if (task.kind === "size_request") {
      return [h("p", { class: "task-title", text: t("bring", { what: [d.size, d.colour].filter(Boolean).join(" · ") }) }),
        h("p", { class: "task-detail", text: d.name || d.gtin || "" })];
    }
    if (task.kind === "bag") {
      const total = d.total_cents !== undefined ? " · " + money(d.total_cents, d.currency) : "";
      if (d.ship_to_home) {  // endless aisle: an order to complete here, shipped from the online store
        return [h("p", { class: "task-title ship-to-home", text: t("ship_to_home") + total }),
          h("p", { class: "task-detail", text: t("ship_to_home_detail") }),
          h("ul", { class: "task-items" }, items.map((it) => h("li", { text: itemLine(it) })))];
      }
      return [h("p", { class: "task-title", text: t("bag_title", { items: itemsText(items.length) }) + total }),
        h("p", { class: "task-detail", text: t("bag_detail") }),
        h("ul", { class: "task-items" }, items.map((it) => h("li", { text: itemLine(it) })))];
    }
    if (task.kind === "go_back") {
      return [h("p", { class: "task-title", text: t("go_back_title", { items: itemsText(items.length) }) }),
        h("ul", { class: "task-items" }, items.map((it) => h("li", { text: itemLine(it) })))];
    }
    return [h("p", { class: "task-title", text: t("help_title") }),
      h("p", { class: "task-detail", text: t("help_detail") })];
  }
  function taskCard(task) {
    const busy = state.pending.has(task.id);
    let action = null;
    if (task.status === "open") {
      action = h("button", { type: "button", class: "btn btn-primary claim-btn", disabled: busy,
        onclick: () => act(task, "claim") }, busy ? "…" : t("claim"));
    } else if (task.status === "claimed" && (mine(task) || !task.claimed_by)) {
      action = h("button", { type: "button", class: "btn btn-outline complete-btn", disabled: busy,
        onclick: () => act(task, "complete") }, busy ? "…" : t("complete"));
    }
    const d = task.detail || {};
    const cancel = d.ship_to_home && d.order_id && (task.status === "open" || mine(task))
      ? h("button", { type: "button", class: "btn btn-ghost cancel-order-btn", disabled: busy,
        onclick: () => cancelOrder(task, d.order_id) }, t("cancel_order"))
      : null;
    const age = ageOf(task);
    const late = ageClass(task, age);
    let cls = "task" + (late ? " " + late : "");
    if (!state.seen.has(task.id)) { state.seen.add(task.id); cls += " is-new"; }
    const over = late === "is-late" && typeof task.target_s === "number";
    return h("li", { class: cls, dataset: { taskId: task.id, kind: task.kind, status: task.status, room: task.room_id, overTarget: String(over) } },
      h("span", { class: "task-stripe", "aria-hidden": "true" }),
      h("div", { class: "task-main" },
        h("div", { class: "task-top" },
          h("span", { class: "kind", text: kindName(task.kind) }),
          h("span", { class: "room", text: task.room_name || ROOMS[task.room_id] || task.room_id })),
        taskBody(task),
        replyRow(task)),
      h("div", { class: "task-side" },
        h("div", {},
          h("span", { class: "age", dataset: { age: task.id }, text: fmtAge(age) }),
          h("span", { class: "age-l", text: task.status !== "open" ? t("open_for") : over ? t("over_target") : t("waiting") })),
        task.claimed_by ? h("span", { class: "claimed", text: mine(task) ? t("with_you") : t("with_other", { name: task.claimed_by }) }) : null,
        action, cancel));
  }

  function render() {
    const list = state.tasks.filter((t) => {
      if (state.filter === "all") return true;
      if (state.filter === "mine") return mine(t);
      return t.kind === state.filter;
    });
    $("#queue").replaceChildren(...list.map(taskCard));
    $("#queue-empty").hidden = list.length > 0;
    const open = state.tasks.filter((t) => t.status === "open");
    $("#stat-open").textContent = String(open.length);
    $("#stat-mine").textContent = String(state.tasks.filter(mine).length);
    $("#stat-claimed").textContent = String(state.tasks.filter((t) => t.status === "claimed").length);
    renderRooms();
    tick();
  }
  function tick() {
    const byId = new Map(state.tasks.map((t) => [String(t.id), t]));
    document.querySelectorAll("[data-age]").forEach((el) => {
      const task = byId.get(el.dataset.age);
      if (!task) return;
      const age = ageOf(task);
      el.textContent = fmtAge(age);
      const card = el.closest(".task");
      if (card && task.status === "open") {
        const late = ageClass(task, age);
        card.classList.toggle("is-late", late === "is-late");
        card.classList.toggle("is-warm", late === "is-warm");
        const over = late === "is-late" && typeof task.target_s === "number";
        card.dataset.overTarget = String(over);
        const label = card.querySelector(".age-l");
        if (label) label.textContent = over ? t("over_target") : t("waiting");
      }
    });
    const open = state.tasks.filter((t) => t.status === "open");
    $("#stat-oldest").textContent = open.length ? fmtAge(Math.max(...open.map(ageOf))) : "–";
  }
  // ---------- arrivals and reservations (associate-arrivals.js) ----------
  async function loadReservations() {
    try {
      cards.renderReservations(await api("GET", "/api/associate/reservations"));
    } catch (e) { /* shown again on the next round */ }
  }

  // One action on a task card: the card is busy meanwhile; a failure is toasted (sign-in expired: back
  // to the sign-in). The WebSocket push that follows is the source of truth.
  async function onTask(task, work) {
    state.pending.add(task.id);
    render();
    try {
      await work();
    } catch (e) {
      if (e.status === 401) { expired(); return; }
      toast(problemText(t, e, "failed"), true);
    } finally {
      state.pending.delete(task.id);
      render();
    }
  }

  // A ship-to-home order the shopper no longer wants: the order and its task go (a placed one is withdrawn
  // at the central store).
  function cancelOrder(task, orderId) {
    return onTask(task, async () => {
      await api("POST", "/api/associate/orders/" + encodeURIComponent(orderId) + "/cancel");
      state.tasks = state.tasks.filter((x) => x.id !== task.id);
      toast(t("order_cancelled_toast"));
    });
  }

  function act(task, verb) {
    return onTask(task, async () => {
      const updated = await api("POST", "/api/associate/tasks/" + encodeURIComponent(task.id) + "/" + verb);
      // Show the result at once.
      if (updated && updated.id !== undefined) {
        const keep = updated.status === "open" || updated.status === "claimed";
        const ages = new Map(state.tasks.map((t) => [t.id, ageOf(t)]));
        state.tasks = state.tasks
          .flatMap((t) => (t.id === updated.id ? (keep ? [{ ...t, ...updated }] : []) : [t]))
          .map((t) => ({ ...t, age_s: ages.get(t.id) }));
        state.receivedAt = performance.now();
      }
      const took = updated && typeof updated.complete_s === "number" ? t("took", { age: fmtAge(updated.complete_s) }) : "";
      toast(verb === "claim" ? t("claimed_toast") : t("done_toast") + took);
    });
  }

  // ---------- language ----------
  function setLanguage(next) {
    lang = next;
    tr = translator(lang);
    translatePage(t, lang);
    $("#console-lang").value = lang;
    setConn(!$("#conn").classList.contains("is-down"));
    // What is shown is redrawn from what the console holds: the server's data do not depend on the language.
    if (state.me) { render(); renderRooms(); cards.redraw(); }
  }
  const picker = $("#console-lang");
  picker.replaceChildren(...CONSOLE_LANGUAGES.map((code) =>
    h("option", { value: code, lang: code, text: CONSOLE_STRINGS[code].lang_name })));
  picker.addEventListener("change", () => { rememberLanguage(picker.value); setLanguage(picker.value); });
  setLanguage(lang);

  // ---------- wiring ----------
  $("#signin-form").addEventListener("submit", signIn);
  $("#sign-out").addEventListener("click", signOut);
  document.querySelectorAll(".filter").forEach((b) => b.addEventListener("click", () => {
    state.filter = b.dataset.filter;
    document.querySelectorAll(".filter").forEach((x) => x.setAttribute("aria-pressed", String(x === b)));
    render();
  }));
  setInterval(tick, 1000);

  (async function boot() {
    try {
      // A still-valid sign-in cookie skips the form.
      state.me = await api("GET", "/api/associate/me");
      setTasks(await api("GET", "/api/associate/tasks"));
      showConsole();
    } catch (e) {
      showSignIn("");
    }
  })();
}
