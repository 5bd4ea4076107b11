/**
 * The process-level policy for errors nobody expected. Every handler that touches input is meant
 * to be total; this is the last line behind them. An error that escapes anyway is logged and
 * counted, and the process keeps serving every board: one request must never stop the process.
 */
import { createLogger } from './log.js';

const log = createLogger('faults');

/** Counts of errors that escaped their handler, readable on `/healthz`. */
export interface FaultCounts {
  /** Promises rejected with nobody to handle the rejection. */
  unhandledRejections: number;
  /** Exceptions thrown past every handler. */
  uncaughtExceptions: number;
  /** Batches refused because applying them threw; each reloaded its board from storage. */
  boardFaults: number;
}

/** The counts for this process; only this module and the board pipeline change them. */
export const faults: FaultCounts = {
  unhandledRejections: 0,
  uncaughtExceptions: 0,
  boardFaults: 0,
};

let installed = false;

/**
 * Keeps the process alive past an error that escaped its handler: logs it, counts it, and lets
 * every other request go on. Installed once, by the entry point (tests run their own runner's).
 */
export function installProcessGuards(proc: NodeJS.Process = process): void {
  if (installed) return;
  installed = true;
  proc.on('unhandledRejection', (reason) => {
    faults.unhandledRejections++;
    log.error('unhandled rejection', { err: reason });
  });
  proc.on('uncaughtException', (err, origin) => {
    faults.uncaughtExceptions++;
    log.error('uncaught exception', { err, origin });
  });
}
