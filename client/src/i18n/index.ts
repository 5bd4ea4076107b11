/**
 * Translations: Finnish first, Swedish and English. The language is remembered per browser; on a
 * first visit the browser's own language is used when it is one of ours.
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { LOCALES, type Locale } from '@pajataulu/shared';
import en from './en.json';
import fi from './fi.json';
import sv from './sv.json';

export const CATALOGUES = { fi, sv, en } as const;
const STORAGE_KEY = 'pajataulu:lang';

function initialLanguage(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && (LOCALES as readonly string[]).includes(saved)) return saved as Locale;
  } catch {
    // Storage disabled: fall through to the browser's language.
  }
  for (const l of navigator.languages ?? [navigator.language]) {
    const base = l.slice(0, 2).toLowerCase();
    if ((LOCALES as readonly string[]).includes(base)) return base as Locale;
  }
  return 'fi';
}

export function setLanguage(lang: Locale): void {
  void i18next.changeLanguage(lang);
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not remembered; still switched for this page.
  }
}

export function currentLanguage(): Locale {
  const l = i18next.language;
  return (LOCALES as readonly string[]).includes(l) ? (l as Locale) : 'fi';
}

export function initI18n(): void {
  const lng = initialLanguage();
  void i18next.use(initReactI18next).init({
    resources: { fi: { translation: fi }, sv: { translation: sv }, en: { translation: en } },
    lng,
    fallbackLng: 'fi',
    interpolation: { escapeValue: false },
    returnNull: false,
    // No advertisement in the console of a public-sector service.
    showSupportNotice: false,
  });
  document.documentElement.lang = lng;
}
