/* The console's arrival and reservation cards: known members arriving (with their history, "I'll look
   after …") and reservations to prepare (each garment with where it is in stock). ES module. */
import { $, h } from "./ui.js";
import { problemText } from "./console-i18n.js";

const CLOSED = ["done", "cancelled", "no_show"];

export function arrivalCards({ api, toast, t, rooms, me, locale, onAuthLost, reload }) {
  const status = (s) => (t("status_" + s) !== "status_" + s ? t("status_" + s) : s);
  const where = (stock) => (stock === "floor" || stock === "stockroom" ? t("where_" + stock) : t("where_none"));
  const inRoom = (id) => (id ? t("in_room", { room: rooms[id] || id }) : "");
  function languageName(code) {  // "de" → "German" / "alemán", in the console's own language (Intl)
    try { return new Intl.DisplayNames([locale()], { type: "language" }).of(code) || code; } catch (e) { return code; }
  }
  const itemLabel = (i) => [i.name || i.gtin, i.size, i.colour].filter(Boolean).join(" · ");
  function fmtAgo(s) {
    if (typeof s !== "number") return t("first_visit");
    const d = Math.floor(s / 86400);
    if (d >= 1) return d === 1 ? t("last_days_one") : t("last_days_other", { n: d });
    const hrs = Math.floor(s / 3600);
    return hrs >= 1 ? t("last_hours", { n: hrs }) : t("last_today");
  }

  // The last lists shown, so a change of language redraws them at once instead of after the next fetch.
  const shown = { shoppers: [], reservations: [] };

  function renderShoppers(shoppers) {
    const list = Array.isArray(shoppers) ? shoppers : [];
    shown.shoppers = list;
    $("#shoppers").hidden = list.length === 0;
    $("#shopper-list").replaceChildren(...list.map((s) => {
      const name = s.first_name || t("shopper");
      const res = s.reservation;
      const sizes = Object.entries(s.preferred_sizes || {}).map(([k, v]) => k + " " + v).join(", ");
      const rows = [
        res ? h("p", { class: "arrival-res", text: t("reserved_n", { n: (res.items || []).length }) + " · "
          + status(res.status) + inRoom(res.room_id) }) : null,
        sizes ? h("p", { class: "arrival-row", text: t("sizes", { sizes }) }) : null,
        (s.last_purchases || []).length ? h("p", { class: "arrival-row", text: t("bought", { items:
          s.last_purchases.map((p) => itemLabel(p) + (p.channel ? " (" + p.channel + ")" : "")).join("; ") }) }) : null,
        (s.wanted || []).length ? h("p", { class: "arrival-row" }, t("wanted"), ...s.wanted.map((w) =>
          h("span", { class: w.in_stock_here ? "wanted in-stock" : "wanted",
            text: itemLabel(w) + (w.in_stock_here ? t("in_stock_here") : "") }))) : null,
        h("p", { class: "arrival-row muted", text: [s.language ? t("speaks", { lang: languageName(s.language) }) : "",
          fmtAgo(s.last_visit_s_ago)].filter(Boolean).join(" · ") }),
      ];
      const who = me();
      const taken = s.taken_by
        ? h("p", { class: "arrival-taken", text: who && s.taken_by === who.first_name
          ? t("you_look_after", { name }) : t("other_looks_after", { who: s.taken_by, name }) })
        : h("button", { type: "button", class: "btn btn-primary take", dataset: { arrival: s.arrival_id },
          onclick: () => takeArrival(s.arrival_id, name), text: t("take", { name }) });
      return h("li", { class: "shopper arrival", dataset: { arrival: s.arrival_id } },
        h("span", { class: "avatar", "aria-hidden": "true", text: name.slice(0, 1).toUpperCase() }),
        h("div", { class: "arrival-body" },
          h("strong", { text: name }), " · " + (rooms[s.room_id] || s.room_id || ""), ...rows, taken));
    }));
  }
  async function takeArrival(id, name) {
    try {
      await api("POST", "/api/associate/shoppers/" + encodeURIComponent(id) + "/take");
      toast(t("taken_toast", { name }));
    } catch (e) {
      if (e.status === 401) { onAuthLost(); return; }
      toast(problemText(t, e, "failed"), true);
    }
    reload();
  }

  function renderReservations(all) {
    shown.reservations = Array.isArray(all) ? all : [];
    const list = shown.reservations.filter((r) => !CLOSED.includes(r.status));
    const time = (s) => new Date(s * 1000).toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });
    $("#reservations").hidden = list.length === 0;
    $("#reservation-list").replaceChildren(...list.map((r) => h("li", { class: "reservation", dataset: { status: r.status } },
      h("div", { class: "reservation-head" },
        h("strong", { text: (r.member_first_name || t("a_member")) }),
        " · " + status(r.status) + inRoom(r.room_id),
        h("span", { class: "muted", text: t("arriving", { from: time(r.arrive_from), until: time(r.arrive_until) }) })),
      r.note ? h("p", { class: "muted", text: "“" + r.note + "”" }) : null,
      h("ul", { class: "reservation-items" }, ...(r.items || []).map((i) =>
        h("li", { dataset: { stock: i.stock || "none" }, text: itemLabel(i) + " — " + where(i.stock) }))))));
  }
  function redraw() {
    renderShoppers(shown.shoppers);
    renderReservations(shown.reservations);
  }
  return { renderShoppers, renderReservations, redraw };
}
