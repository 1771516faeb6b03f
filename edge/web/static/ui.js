/* Shared by the mirror and the associate console: building DOM, calling the JSON API, a toast, money.
   ES module, no build step. Text always goes in with textContent, never parsed as HTML. */

export const $ = (sel, root) => (root || document).querySelector(sel);

/** h("button", {class: "btn", onclick: fn, dataset: {x: 1}}, "text", childNode, [more]) */
export function h(tag, attrs, ...children) {
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

/** The human message of a FastAPI error body: {"detail": "..."} or a 422's [{"msg": ...}]. */
export function errorMessage(data) {
  if (!data) return "";
  const d = data.detail !== undefined ? data.detail : data.message;
  if (typeof d === "string") return d;
  if (Array.isArray(d)) return d.map((x) => (x && x.msg) || "").filter(Boolean).join("; ");
  return "";
}

/** api(method, path, payload?) -> parsed JSON; throws an Error with .status and the edge's message. */
export function jsonApi(extraHeaders) {
  return async function api(method, path, payload) {
    const res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        ...(extraHeaders || {}),
        ...(payload !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      body: payload !== undefined ? JSON.stringify(payload) : undefined,
      cache: "no-store",
    });
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok) {
      const err = new Error(errorMessage(data) || res.statusText || "HTTP " + res.status);
      err.status = res.status;
      throw err;
    }
    return data;
  };
}

/** An image the API serves behind a bearer token, as a data: URL (the pages' CSP allows img 'self' data:).
    `accept` tests the served type; anything else is refused. */
export async function tokenImage(path, token, accept, cache) {
  const res = await fetch(path, { headers: { "Authorization": "Bearer " + token }, cache: cache || "no-store" });
  if (!res.ok) throw new Error("image " + res.status);
  const blob = await res.blob();
  if (!accept.test(blob.type)) throw new Error("not an image: " + blob.type);
  return await new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** toast(text, isError?) on the page's one status element, hidden again after `ms`. */
export function toaster(el, ms) {
  let timer = null;
  return function toast(text, isError) {
    el.textContent = text;
    el.classList.toggle("is-error", !!isError);
    el.hidden = false;
    clearTimeout(timer);
    timer = setTimeout(() => { el.hidden = true; }, ms || 4500);
  };
}

export function formatMoney(locale, cents, currency) {
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency: currency || "EUR" })
      .format((cents || 0) / 100);
  } catch (e) {
    return ((cents || 0) / 100).toFixed(2) + " " + (currency || "");
  }
}

/** Retry delays for a live connection: exponential with jitter, capped, so a rebooting edge is not
    stampeded by every screen at once. */
export function backoffMs(attempt) {
  return Math.min(15000, 500 * Math.pow(2, attempt)) * (0.6 + Math.random() * 0.4);
}
