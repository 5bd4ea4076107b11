/**
 * Board templates from the source material: the trust workbook, the work-wellbeing annual clock,
 * small-group stations, a retrospective, and a blank board. Every text comes in Finnish, Swedish
 * and English; a board is built in the language its facilitator uses.
 */
import type { Wheel } from './wheel.js';

export const LOCALES = ['fi', 'sv', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'fi';

export const TEMPLATE_IDS = ['blank', 'trust', 'wheel', 'stations', 'retro'] as const;
export type TemplateKind = (typeof TEMPLATE_IDS)[number];

/** Stations a small-group board may have. */
export const MIN_STATIONS = 2;
export const MAX_STATIONS = 12;
export const DEFAULT_STATIONS = 4;

type Text = Record<Locale, string>;

export interface TemplatePrompt {
  title: string;
  description: string;
  x: number;
  y: number;
  w: number;
  h: number;
  /** Set on the prompts of a stations board: the station number, from 1. */
  station?: number;
}

export interface BuiltTemplate {
  prompts: TemplatePrompt[];
  wheel: Wheel | null;
}

const TRUST: { title: Text; description: Text }[] = [
  {
    title: {
      fi: 'Esihenkilön rooli luottamuksen rakentajana',
      sv: 'Chefens roll som byggare av förtroende',
      en: 'The supervisor as a builder of trust',
    },
    description: {
      fi: 'Millä teoilla esihenkilö rakentaa luottamusta arjessa?',
      sv: 'Med vilka handlingar bygger chefen förtroende i vardagen?',
      en: 'What does a supervisor do day to day that builds trust?',
    },
  },
  {
    title: {
      fi: 'Arvostava kohtaaminen',
      sv: 'Uppskattande bemötande',
      en: 'Appreciative encounters',
    },
    description: {
      fi: 'Milloin olet viimeksi kokenut tulleesi kohdatuksi arvostavasti? Mikä siinä auttoi?',
      sv: 'När blev du senast bemött med uppskattning? Vad hjälpte?',
      en: 'When did you last feel met with appreciation? What helped?',
    },
  },
  {
    title: {
      fi: 'Psykologisen turvallisuuden vahvistaminen',
      sv: 'Att stärka den psykologiska tryggheten',
      en: 'Strengthening psychological safety',
    },
    description: {
      fi: 'Mikä auttaisi meitä sanomaan ääneen myös vaikeat asiat?',
      sv: 'Vad skulle hjälpa oss att säga också svåra saker högt?',
      en: 'What would help us say difficult things out loud too?',
    },
  },
];

const RETRO: { title: Text; description: Text }[] = [
  {
    title: { fi: 'Mikä meni hyvin', sv: 'Vad gick bra', en: 'What went well' },
    description: {
      fi: 'Mistä haluamme pitää kiinni?',
      sv: 'Vad vill vi hålla fast vid?',
      en: 'What do we want to keep?',
    },
  },
  {
    title: { fi: 'Mitä parantaisimme', sv: 'Vad kan vi förbättra', en: 'What to improve' },
    description: {
      fi: 'Mikä hankaloitti työtä?',
      sv: 'Vad gjorde arbetet svårare?',
      en: 'What made the work harder?',
    },
  },
  {
    title: { fi: 'Ideat', sv: 'Idéer', en: 'Ideas' },
    description: {
      fi: 'Mitä voisimme kokeilla?',
      sv: 'Vad kunde vi pröva?',
      en: 'What could we try?',
    },
  },
  {
    title: { fi: 'Sovitut toimenpiteet', sv: 'Överenskomna åtgärder', en: 'Agreed actions' },
    description: {
      fi: 'Kuka tekee mitä ja milloin?',
      sv: 'Vem gör vad och när?',
      en: 'Who does what, and when?',
    },
  },
];

const WHEEL_TITLE: Text = {
  fi: 'Työhyvinvoinnin vuosikello',
  sv: 'Årsklocka för arbetshälsa',
  en: 'Work-wellbeing annual clock',
};
const WHEEL_DESCRIPTION: Text = {
  fi: 'Mitä työhyvinvoinnin eteen tehdään missäkin kuussa? Pudota lappu oikean kuukauden kohdalle.',
  sv: 'Vad gör vi för arbetshälsan varje månad? Släpp lappen på rätt månad.',
  en: 'What do we do for wellbeing at work, month by month? Drop a note on its month.',
};
const STATION_TITLE: Text = { fi: 'Rasti {n}', sv: 'Station {n}', en: 'Station {n}' };
const STATION_DESCRIPTION: Text = {
  fi: 'Pienryhmä {n}: keskustelkaa ja kirjatkaa ajatuksenne.',
  sv: 'Smågrupp {n}: diskutera och skriv ner era tankar.',
  en: 'Small group {n}: discuss and write down your thoughts.',
};

/** Prompt side of the template areas, and the gap between them. */
const AREA_W = 640;
const AREA_H = 560;
const GAP = 80;
/** Radius of the annual clock's wheel. */
export const WHEEL_RADIUS = 900;

function row(
  items: { title: Text; description: Text }[],
  locale: Locale,
  x: number,
  y: number,
): TemplatePrompt[] {
  return items.map((it, i) => ({
    title: it.title[locale],
    description: it.description[locale],
    x: x + i * (AREA_W + GAP),
    y,
    w: AREA_W,
    h: AREA_H,
  }));
}

/**
 * The prompts (and wheel) of a template, placed with their top-left corner at (x, y).
 * `stations` is the number of small-group areas, for the stations template.
 */
export function buildTemplate(
  kind: TemplateKind,
  locale: Locale,
  at: { x: number; y: number } = { x: 0, y: 0 },
  stations = DEFAULT_STATIONS,
): BuiltTemplate {
  switch (kind) {
    case 'blank':
      return { prompts: [], wheel: null };
    case 'trust':
      return { prompts: row(TRUST, locale, at.x, at.y), wheel: null };
    case 'retro':
      return { prompts: row(RETRO, locale, at.x, at.y), wheel: null };
    case 'stations': {
      const n = Math.max(MIN_STATIONS, Math.min(MAX_STATIONS, Math.round(stations)));
      const perRow = Math.min(n, 4);
      const prompts: TemplatePrompt[] = [];
      for (let i = 0; i < n; i++) {
        prompts.push({
          title: STATION_TITLE[locale].replace('{n}', String(i + 1)),
          description: STATION_DESCRIPTION[locale].replace('{n}', String(i + 1)),
          x: at.x + (i % perRow) * (AREA_W + GAP),
          y: at.y + Math.floor(i / perRow) * (AREA_H + GAP),
          w: AREA_W,
          h: AREA_H,
          station: i + 1,
        });
      }
      return { prompts, wheel: null };
    }
    case 'wheel': {
      const size = 2 * WHEEL_RADIUS;
      // The wheel is one prompt (its title and guiding question) with the clock drawn inside.
      return {
        prompts: [
          {
            title: WHEEL_TITLE[locale],
            description: WHEEL_DESCRIPTION[locale],
            x: at.x,
            y: at.y,
            w: size + 2 * GAP,
            h: size + 2 * GAP + 120,
          },
        ],
        wheel: {
          x: at.x + GAP + WHEEL_RADIUS,
          y: at.y + GAP + 120 + WHEEL_RADIUS,
          r: WHEEL_RADIUS,
        },
      };
    }
  }
}
