/** Messages between the load benchmark's coordinator and its participant processes. */
import type { TargetKind } from '../lib/target.js';

export interface JoinOrder {
  type: 'join';
  kind: TargetKind;
  urls: string[];
  /** Pajataulu: the board's id and join code. Baseline: the document name (both fields). */
  boardId: string;
  code: string;
  count: number;
  /** Joins per second of this process. */
  rate: number;
  /** Index of this process's first participant, to spread them over `urls`. */
  offset: number;
}
export interface OpsOrder {
  type: 'ops';
  /** Operations per second this process sends, spread over its participants. */
  rate: number;
}
export type Order = JoinOrder | OpsOrder | { type: 'stop' } | { type: 'close' };

export interface Joined {
  type: 'joined';
  ok: number;
  failed: number;
  /** From the start of each join to its whole document having arrived. */
  latenciesMs: number[];
  firstError?: string;
}

/** What one participant process counted during the operations phase. */
export interface ParticipantReport {
  type: 'report';
  clients: number;
  seconds: number;
  bytesIn: number;
  messagesIn: number;
  presenceMessages: number;
  /** The facilitator's pointer, relayed while it is shown. */
  pointerMessages: number;
  opsSent: number;
  opsAcked: number;
  opsRefused: number;
  opsTimedOut: number;
  refusedCodes: Record<string, number>;
  ackLatenciesMs: number[];
  /** Connections the server closed and the client reopened (slow-client resyncs, restarts). */
  reconnects: number;
  /** Each note's last acknowledged (Pajataulu) or written (baseline) position. */
  finalPositions: [string, number, number][];
  /** Notes whose last operation is in doubt (timed out), left out of the final-state check. */
  uncertain: string[];
}
export type WorkerMessage = Joined | ParticipantReport;
