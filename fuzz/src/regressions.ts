/**
 * Seeds that once made the fuzzer fail, each with the target and frame count that reproduce it.
 * They run in `fuzz.test.ts`; each must pass (no failure of any kind) once its cause is fixed.
 */
import type { TargetName } from './context.js';

export interface Regression {
  name: string;
  /** What failed, in one line. */
  description: string;
  seed: number;
  target: TargetName;
  frames: number;
}

export const REGRESSIONS: Regression[] = [
  {
    name: 'sync-upgrade-malformed-escape',
    description:
      'an upgrade to /sync/ with a malformed percent-escape (e.g. %FF) in the board id exits the process',
    seed: 1,
    target: 'sync',
    frames: 1_500,
  },
  {
    name: 'sync-forged-step1-freeze',
    description:
      'step 1 with forged state vectors on a 3,000-note board holds /healthz over 250 ms',
    seed: 1,
    target: 'sync',
    frames: 1_500,
  },
  {
    name: 'command-text-normalised-after-length-check',
    description:
      "a prompt title NFC-expanded past its limit is stored, and the board's own backup no longer imports",
    seed: 1,
    target: 'commands',
    frames: 1_500,
  },
  {
    name: 'backup-prototype-key-internal-error',
    description:
      'a backup with a prototype key in a record (e.g. reactions.constructor) answers 500',
    seed: 1,
    target: 'backup',
    frames: 1_500,
  },
  {
    name: 'http-import-junk-freeze',
    description: 'junk and nested bodies posted to the API hold /healthz over 250 ms and grow RSS',
    seed: 1,
    target: 'http',
    frames: 1_500,
  },
];
