/* The console's words, one table per language (./console-i18n-<lang>.js; every table has the same keys, a
   test checks). The language: ?lang= in the address, else the one chosen on the console (localStorage),
   else English. ES module. */
import en from "./console-i18n-en.js";
import es from "./console-i18n-es.js";

export const CONSOLE_STRINGS = { en, es };
export const CONSOLE_LANGUAGES = Object.keys(CONSOLE_STRINGS);
export const CONSOLE_LOCALES = { en: "en-GB", es: "es-ES" };
const KEY = "fitroom.console.lang";

function stored() {
  try { return localStorage.getItem(KEY); } catch (e) { return null; }
}

/** The console's language now: ?lang=, then the remembered choice, then English. */
export function consoleLanguage() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (asked && CONSOLE_STRINGS[asked]) return asked;
  const kept = stored();
  return kept && CONSOLE_STRINGS[kept] ? kept : "en";
}

/** Remember a choice made on the console (a later ?lang= in the address still wins for that page). */
export function rememberLanguage(lang) {
  try { localStorage.setItem(KEY, lang); } catch (e) { /* private mode: this page only */ }
}

/** t(lang)(key, {vars}) → the text in that language, {name} placeholders filled; English when missing. */
export function translator(lang) {
  const table = CONSOLE_STRINGS[lang] || en;
  return (key, vars) => {
    const text = key in table ? table[key] : key in en ? en[key] : key;
    return vars ? text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : text;
  };
}

/** What to tell the associate when an action failed, in the console's language (the API's own message is
    English): taken or finished by someone else (409), gone (404), else `fallback`. */
export function problemText(t, e, fallback) {
  const key = { 409: "problem_conflict", 404: "problem_gone" }[e && e.status];
  return t(key || fallback || "failed");
}

/** Writes the page's fixed words (elements with data-t="key", data-t-label for aria-label) in `lang`. */
export function translatePage(t, lang) {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
  document.querySelectorAll("[data-t-label]").forEach((el) => el.setAttribute("aria-label", t(el.dataset.tLabel)));
  document.title = t("title") + " · " + (document.body.dataset.storeName || "");
}
