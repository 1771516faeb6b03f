/* The mirror's words, one table per language (./i18n-<lang>.js; every table has the same keys, a test
   checks). ES module. The languages are the server's (catalog/languages.py): add one there and here. */
import ar from "./i18n-ar.js";
import de from "./i18n-de.js";
import en from "./i18n-en.js";
import es from "./i18n-es.js";
import fr from "./i18n-fr.js";
import pt from "./i18n-pt.js";

export const STRINGS = { en, es, fr, de, pt, ar };
export const LANGUAGES = Object.keys(STRINGS);
/* The locale prices and numbers are written in (Intl), per language. */
export const LOCALES = { en: "en-GB", es: "es-ES", fr: "fr-FR", de: "de-DE", pt: "pt-PT", ar: "ar" };
export const RIGHT_TO_LEFT = new Set(["ar"]);
