/* The entrance's queue screen: live over /ws/queue, in the store's languages (the display's browser
   language, or ?lang=). Tickets only, never a name. */
import { backoffMs, h } from "./ui.js";

const STRINGS = {
  en: {
    title: "Fitting rooms", now_serving: "Now serving", waiting: "Waiting", none_called: "Rooms are free: come in",
    nobody_waiting: "No one is waiting", about_min: "about {n} min", live: "live", down: "reconnecting…",
    party: { one: "1 person", other: "{n} people" },
  },
  es: {
    title: "Probadores", now_serving: "Atendiendo", waiting: "En espera", none_called: "Hay probadores libres: pase",
    nobody_waiting: "No hay nadie esperando", about_min: "unos {n} min", live: "en directo", down: "reconectando…",
    party: { one: "1 persona", other: "{n} personas" },
  },
  fr: {
    title: "Cabines d'essayage", now_serving: "Appelés", waiting: "En attente", none_called: "Cabines libres : entrez",
    nobody_waiting: "Personne n'attend", about_min: "environ {n} min", live: "en direct", down: "reconnexion…",
    party: { one: "1 personne", other: "{n} personnes" },
  },
  de: {
    title: "Umkleiden", now_serving: "Aufgerufen", waiting: "Wartend", none_called: "Umkleiden frei: bitte eintreten",
    nobody_waiting: "Niemand wartet", about_min: "etwa {n} Min.", live: "live", down: "Verbindung wird hergestellt…",
    party: { one: "1 Person", other: "{n} Personen" },
  },
  pt: {
    title: "Provadores", now_serving: "A atender", waiting: "Em espera", none_called: "Há provadores livres: entre",
    nobody_waiting: "Ninguém à espera", about_min: "cerca de {n} min", live: "em direto", down: "a religar…",
    party: { one: "1 pessoa", other: "{n} pessoas" },
  },
  ar: {
    title: "غرف القياس", now_serving: "يُخدم الآن", waiting: "في الانتظار", none_called: "الغرف متاحة: تفضّل بالدخول",
    nobody_waiting: "لا أحد في الانتظار", about_min: "نحو {n} دقيقة", live: "مباشر", down: "جارٍ إعادة الاتصال…",
    party: { one: "شخص واحد", other: "{n} أشخاص" },
  },
};
const body = document.body;
const params = new URLSearchParams(location.search);
const wanted = (params.get("lang") || navigator.language || "en").slice(0, 2).toLowerCase();
const lang = STRINGS[wanted] ? wanted : "en";
const S = STRINGS[lang];
document.documentElement.lang = lang;
document.documentElement.dir = lang === "ar" ? "rtl" : "ltr";
document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = S[el.dataset.t] || el.textContent; });

function fill(text, values) { return text.replace(/\{(\w+)\}/g, (_, k) => String(values[k])); }

function render(view) {
  const serving = view.now_serving || [];
  const waiting = view.waiting || [];
  document.getElementById("serving").replaceChildren(...serving.map((c) =>
    h("li", { dataset: { ticket: c.ticket, room: c.room_id } },
      h("span", { class: "q-ticket", text: String(c.ticket) }),
      h("span", { class: "q-room", text: c.room_name }))));
  document.getElementById("serving-none").hidden = serving.length > 0;
  document.getElementById("waiting").replaceChildren(...waiting.map((w) =>
    h("li", { dataset: { ticket: w.ticket } },
      String(w.ticket),
      h("span", { class: "q-wait", text: fill(S.about_min, { n: Math.max(1, Math.round(w.estimated_wait_s / 60)) }) }))));
  document.getElementById("waiting-none").hidden = waiting.length > 0;
}

function status(state) {
  const el = document.getElementById("q-live");
  el.dataset.state = state;
  el.textContent = state === "live" ? S.live : state === "down" ? S.down : "";
}

let attempt = 0;
function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${location.host}/ws/queue?token=${encodeURIComponent(body.dataset.token)}`);
  ws.onopen = () => { attempt = 0; status("live"); };
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "queue") render(message.data);
  };
  ws.onclose = () => { status("down"); setTimeout(connect, backoffMs(attempt++)); };
}
connect();
