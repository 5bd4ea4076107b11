/**
 * The wire protocol: its version, the closed set of error codes, the close codes of the sync
 * endpoint, and the shapes of the socket.io events. docs/PROTOCOL.md describes the same in prose.
 */
import type { Reaction } from './board.js';
import type { PersonalDataKind } from './personal-data.js';

/**
 * Bumped whenever a change would make an older client misbehave. The server refuses a client that
 * speaks another version with {@link ErrorCode.ProtocolMismatch}.
 */
export const PROTOCOL_VERSION = 1;

/** Every error a client can be told, as a stable code. The client translates each one. */
export const ErrorCode = {
  /** The message is not a command envelope at all (not an object, no id, bad id). */
  InvalidMessage: 'invalid_message',
  /** The envelope names a command type the server does not know. */
  UnknownCommand: 'unknown_command',
  /** The command's payload does not match its schema (wrong types, missing fields). */
  InvalidCommand: 'invalid_command',
  /** A text field is longer than its limit. */
  TextTooLong: 'text_too_long',
  /** The note or prompt the command names does not exist. */
  NotFound: 'not_found',
  /** The board does not exist (or the join code is wrong). */
  BoardNotFound: 'board_not_found',
  /** A command tried to create something whose id is taken. */
  AlreadyExists: 'already_exists',
  /** The caller's role may not do this (e.g. change another participant's note). */
  Forbidden: 'forbidden',
  /** Missing or wrong credentials (facilitator key, session token). */
  Unauthorized: 'unauthorized',
  /** The board or the prompt is locked by a facilitator. */
  Locked: 'locked',
  /** The voting round is closed. */
  RoundClosed: 'round_closed',
  /** No dots left in the round, or the note has the most dots one person may give it. */
  VoteBudget: 'vote_budget',
  /** The note is not part of the voting round. */
  NotVotable: 'not_votable',
  /** A count limit of the board is reached (notes, prompts). */
  LimitReached: 'limit_reached',
  /** Too many requests; try again later. */
  RateLimited: 'rate_limited',
  /** The message is larger than the server reads. */
  MessageTooLarge: 'message_too_large',
  /** The client speaks another protocol version; it must reload. */
  ProtocolMismatch: 'protocol_mismatch',
  /** The exported picture would be larger than the server draws; `maxScale` says what fits. */
  ExportTooLarge: 'export_too_large',
  /** Storage is unavailable; nothing was changed, the command may be retried. */
  Unavailable: 'unavailable',
  /** An unexpected server fault; nothing was changed. */
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));
/** Narrows an unknown value to an {@link ErrorCode}. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && ERROR_CODES.has(value);
}

/** A typed error as it travels in acknowledgements and HTTP responses. */
export interface ProtocolError {
  code: ErrorCode;
  /** English text for logs and developers; the UI shows its own translation of `code`. */
  message: string;
  /** With export_too_large: the largest image scale that fits (0 when none does). */
  maxScale?: number;
}

/**
 * Close codes of the read-only sync endpoint (WebSocket close frames). 1009 (message too big) is
 * sent by the WebSocket layer itself.
 */
export const SyncCloseCode = {
  /** A frame could not be read at all. */
  BadMessage: 4400,
  /** No or wrong credentials for this board. */
  Unauthorized: 4401,
  /** The session was revoked by a facilitator. */
  Revoked: 4403,
  /** No board with that id. */
  BoardNotFound: 4404,
  /** The client speaks another protocol version. */
  ProtocolMismatch: 4426,
  /** The connection sent more messages than its budget allows; reconnecting resets the budget. */
  TooManyMessages: 4429,
  /** The server is shutting down; reconnect (to this or another instance). */
  GoingAway: 4503,
} as const;
export type SyncCloseCode = (typeof SyncCloseCode)[keyof typeof SyncCloseCode];

/**
 * How a sync connection presents its protocol version and credential: as WebSocket subprotocols
 * (`Sec-WebSocket-Protocol`), never in the URL, so they stay out of proxy and access logs. The
 * server answers with the version entry; a credential given in the URL query is ignored.
 */
export const SYNC_SUBPROTOCOL_PREFIX = 'pajataulu.';
const SYNC_CREDENTIAL_KINDS = {
  token: 'token',
  facilitatorKey: 'facilitator',
  projectorKey: 'projector',
} as const;
type SyncCredentialField = keyof typeof SYNC_CREDENTIAL_KINDS;

/** The subprotocol list a sync client offers: `pajataulu.v<version>` and one credential entry. */
export function syncSubprotocols(
  credentials: Partial<Record<SyncCredentialField, string>>,
  version: number = PROTOCOL_VERSION,
): string[] {
  const list = [`${SYNC_SUBPROTOCOL_PREFIX}v${version}`];
  for (const [field, kind] of Object.entries(SYNC_CREDENTIAL_KINDS)) {
    const value = credentials[field as SyncCredentialField];
    if (value !== undefined) list.push(`${SYNC_SUBPROTOCOL_PREFIX}${kind}.${value}`);
  }
  return list;
}

/** What a sync upgrade's subprotocols say; fields absent when not given (or given twice). */
export interface SyncOffer {
  /** The version entry as offered, which the server echoes back. */
  versionEntry?: string;
  protocol?: string;
  token?: string;
  facilitatorKey?: string;
  projectorKey?: string;
  /** More than one entry of a kind, or an entry that is not ours: the offer is refused. */
  conflicting: boolean;
}

/** Reads the subprotocols of a sync upgrade. Total: any list of strings gives an answer. */
export function readSyncSubprotocols(offered: Iterable<string>): SyncOffer {
  const offer: SyncOffer = { conflicting: false };
  const set = (field: 'protocol' | SyncCredentialField, value: string) => {
    if (offer[field] !== undefined) offer.conflicting = true;
    else offer[field] = value;
  };
  for (const entry of offered) {
    if (!entry.startsWith(SYNC_SUBPROTOCOL_PREFIX)) {
      offer.conflicting = true;
      continue;
    }
    const rest = entry.slice(SYNC_SUBPROTOCOL_PREFIX.length);
    if (/^v\d{1,6}$/.test(rest)) {
      if (offer.versionEntry === undefined) offer.versionEntry = entry;
      set('protocol', rest.slice(1));
      continue;
    }
    const dot = rest.indexOf('.');
    const kind = dot > 0 ? rest.slice(0, dot) : rest;
    const field = (Object.keys(SYNC_CREDENTIAL_KINDS) as SyncCredentialField[]).find(
      (f) => SYNC_CREDENTIAL_KINDS[f] === kind,
    );
    if (field && dot > 0) set(field, rest.slice(dot + 1));
    else offer.conflicting = true;
  }
  return offer;
}

/** The roles a connection can have on a board. */
export const ROLES = ['facilitator', 'participant', 'projector'] as const;
export type Role = (typeof ROLES)[number];

/** A position in the server's document after a change: the change is visible once a replica has it. */
export interface DocVersion {
  /** The Yjs client id the server writes with. */
  client: number;
  /** That client's clock after the change. */
  clock: number;
}

/** Acknowledgement of a command. */
export type CommandAck =
  | {
      ok: true;
      /** False when the command id had been applied before and this was a retry. */
      applied: boolean;
      /** The replica shows the change once it holds this version. */
      version: DocVersion;
      /** Command-specific output; no command uses it yet. */
      result?: Record<string, string>;
    }
  | { ok: false; error: ProtocolError };

/** What the socket.io handshake carries in `auth`. Exactly one credential is given. */
export interface HandshakeAuth {
  protocol: number;
  board: string;
  /** A participant's session token from the join endpoint. */
  token?: string;
  /** The facilitator key from the facilitator link. */
  facilitatorKey?: string;
  /** The projector key from the projector link. */
  projectorKey?: string;
}

/** Sent once to each socket after it connects: who it is on the board. */
export interface SessionInfo {
  protocol: number;
  role: Role;
  boardId: string;
  code: string;
  /** The participant's own id; absent for facilitators and projectors. Never sent to anyone else. */
  participantId?: string;
  /** Ids of the notes this session wrote; only ever sent to their author. */
  ownNotes: string[];
  /**
   * Notes this session may see that are not in the shared document: a participant's own notes
   * waiting for a reveal; for facilitators, notes they hid.
   */
  offstage: OffstageNote[];
  /** The participant's role group, if they picked one. */
  group?: string;
  /** The projector key, sent to facilitators so any of their devices can show the projector link. */
  projectorKey?: string;
  /** The participant's station (a prompt id) on a stations board. */
  station?: string;
  /** The participant's own dots, per open or closed round: round id → note id → dots. */
  votes: Record<string, Record<string, number>>;
  /** The participant's own reactions: note id → the reactions they gave it. */
  reactions: Record<string, Reaction[]>;
  /** Facilitators only: the notes they may see that look like they hold personal data. */
  flags?: PersonalDataFlag[];
  /** Server time in ms since the epoch, for clock-offset estimates. */
  serverTime: number;
}

/** A note kept out of the shared document, as sent to the one audience that may see it. */
export interface OffstageNote {
  id: string;
  promptId: string | null;
  text: string;
  x: number;
  y: number;
  color: string;
  createdAt: number;
  /** `private`: waiting for a reveal, seen by its author only; `hidden`: hidden by a facilitator. */
  state: 'private' | 'hidden';
}

/** A change to the offstage notes one session may see. */
export interface OffstageChange {
  upsert: OffstageNote[];
  remove: string[];
}

/** The facilitator's pointer on the canvas, relayed to everyone on the board (at most 10 Hz). */
export interface PointerInfo {
  x: number;
  y: number;
  /** False when the pointer left the canvas. */
  visible: boolean;
}

/** Aggregated presence of a board; never names anyone. */
export interface PresenceInfo {
  participants: number;
  facilitators: number;
  projectors: number;
}

/** socket.io events the server emits. */
export interface ServerToClientEvents {
  session: (info: SessionInfo) => void;
  presence: (info: PresenceInfo) => void;
  /** A note this session created (on another tab of the same session) is now known as its own. */
  'own.notes': (noteIds: string[]) => void;
  /** Offstage notes this session may see changed. */
  offstage: (change: OffstageChange) => void;
  /** Where the facilitator points. */
  pointer: (pointer: PointerInfo) => void;
  /** This participant was removed by a facilitator; the server disconnects right after. */
  removed: () => void;
  /** The participant's own dots in a round changed (sent to that participant only). */
  votes: (change: { roundId: string; byNote: Record<string, number> }) => void;
  /** The participant was put in a station (sent to that participant only). */
  station: (promptId: string) => void;
  /** The participant's own reactions to a note changed (sent to that participant only). */
  reactions: (change: { noteId: string; mine: Reaction[] }) => void;
  /**
   * What personal data the notes a batch wrote or revealed look like they hold (sent to
   * facilitators only); an empty `kinds` clears a note's flag.
   */
  flags: (flags: PersonalDataFlag[]) => void;
}

/**
 * A note that looks like it holds personal data, for facilitators: the kinds found, never the
 * author and never which words.
 */
export interface PersonalDataFlag {
  noteId: string;
  kinds: PersonalDataKind[];
}

/** socket.io events a client emits. */
export interface ClientToServerEvents {
  command: (envelope: unknown, ack: (result: CommandAck) => void) => void;
  /** Facilitators only; others' pointer events are ignored. */
  pointer: (pointer: unknown) => void;
}
