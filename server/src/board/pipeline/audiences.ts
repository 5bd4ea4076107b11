/**
 * Who receives what after a batch, decided in one place. While a batch is applied the ledger is
 * shown every private effect (before the private state takes it, so it can still see what the
 * effect replaces) and every applied command; once the batch is committed it turns into a
 * {@link DeliveryPlan}: per recipient, the events to send. The command gateway and the sync
 * endpoint deliver the plan; neither decides who may see what.
 */
import {
  coarseTime,
  REACTIONS,
  type Command,
  type OffstageChange,
  type OffstageNote,
  type OffstageRecord,
  type PersonalDataFlag,
  type PrivateEffect,
  type PrivateState,
  type PrivateView,
  type Reaction,
  type ServerToClientEvents,
} from '@pajataulu/shared';
import type * as Y from 'yjs';
import { boardFlags, flagsOf, type FlagSource } from '../personal-data.js';
import type { Session } from '../session.js';

/** Who a delivery goes to: one participant (every tab of theirs), or every facilitator. */
export type Recipient = { participantId: string } | { facilitators: true };

/** One event for a recipient. */
export type Delivery =
  /** Offstage notes the recipient may see changed. */
  | { event: 'offstage'; change: OffstageChange }
  /** The participant's own dots in a round, as they now are. */
  | { event: 'votes'; change: Parameters<ServerToClientEvents['votes']>[0] }
  /** The participant was put in a station. */
  | { event: 'station'; promptId: string }
  /** The participant's own reactions to a note, as they now are. */
  | { event: 'reactions'; change: Parameters<ServerToClientEvents['reactions']>[0] }
  /**
   * Notes the participant just wrote, for their other tabs: the session that sent the command
   * knows already (its acknowledgement) and is skipped.
   */
  | { event: 'own.notes'; noteIds: string[]; except: Session }
  /** The participant was removed: they are told, then their connections end. */
  | { event: 'removed' }
  /** The facilitator key was replaced: connections opened with the old key end. */
  | { event: 'keyRotated' }
  /** Facilitators only: what personal data the notes of the batch look like they hold. */
  | { event: 'flags'; flags: PersonalDataFlag[] };

export interface PlanEntry {
  to: Recipient;
  deliveries: Delivery[];
}

/** What a committed batch means for connections beyond the document update, per recipient. */
export interface DeliveryPlan {
  readonly entries: readonly PlanEntry[];
}

/** A plan that sends nothing (a batch that changed only the document, or another instance's). */
export const EMPTY_PLAN: DeliveryPlan = { entries: [] };

const FACILITATORS = 'facilitators';

/** `participant:<id>` for a private note's author, `facilitators` for a hidden note. */
export function audienceKey(rec: OffstageRecord): string {
  return rec.state === 'private' && rec.participantId
    ? `participant:${rec.participantId}`
    : FACILITATORS;
}

function recipientOf(key: string): Recipient {
  return key === FACILITATORS
    ? { facilitators: true }
    : { participantId: key.slice('participant:'.length) };
}

/**
 * The part of an offstage record its audience may see (no author, no group), its time coarse: a
 * hidden note reaches facilitators, who are not its author, and a record stored by an older
 * server may carry seconds.
 */
export function toOffstageNote(rec: OffstageRecord): OffstageNote {
  const { id, promptId, text, x, y, color, createdAt, state } = rec;
  return { id, promptId, text, x, y, color, createdAt: coarseTime(createdAt), state };
}

/** Collects, over one batch, what each audience must hear of; see the module comment. */
export class AudienceLedger {
  private readonly offstage = new Map<string, OffstageChange>();
  private readonly votes = new Map<string, Set<string>>();
  private readonly stations = new Map<string, string>();
  private readonly reactions = new Map<string, Set<string>>();
  private readonly ownNotes = new Map<Session, string[]>();
  private readonly revoked: string[] = [];
  private keyRotated = false;
  /** Notes whose text facilitators may now read anew: written, edited, revealed or hidden. */
  private readonly texts = new Set<string>();

  /** Notes an effect; call it before `before` (the private state) applies the effect. */
  effect(e: PrivateEffect, before: PrivateView): void {
    switch (e.kind) {
      case 'offstagePut': {
        const previous = before.offstage(e.note.id);
        if (e.note.state === 'hidden') this.texts.add(e.note.id);
        // A note that changes audience (a private note revealed) leaves the old one's view.
        if (previous && audienceKey(previous) !== audienceKey(e.note))
          this.change(audienceKey(previous), 'remove', previous);
        this.change(audienceKey(e.note), 'upsert', e.note);
        return;
      }
      case 'offstageDelete': {
        const rec = before.offstage(e.noteId);
        if (rec) this.change(audienceKey(rec), 'remove', rec);
        // A private note revealed, or a hidden one restored, is read from the document now.
        this.texts.add(e.noteId);
        return;
      }
      case 'vote':
        addTo(this.votes, e.participantId, e.roundId);
        return;
      case 'station':
        this.stations.set(e.participantId, e.promptId);
        return;
      case 'reaction':
        if (e.actor !== 'facilitator') addTo(this.reactions, e.actor, e.noteId);
        return;
      case 'revoke':
        this.revoked.push(e.participantId);
        return;
      case 'rotateKey':
        this.keyRotated = true;
        return;
      default:
        return;
    }
  }

  /** Notes a command applied for `session`. */
  applied(session: Session, command: Command): void {
    if (
      command.type === 'note.add' ||
      (command.type === 'note.update' && command.text !== undefined)
    )
      this.texts.add(command.id);
    if (command.type !== 'note.add' || !session.participantId) return;
    const ids = this.ownNotes.get(session);
    if (ids) ids.push(command.id);
    else this.ownNotes.set(session, [command.id]);
  }

  /**
   * The plan, with the participants' own dots and reactions read from `after` (the committed
   * state), and, given the committed board's `notes`, the facilitators' personal-data flags.
   */
  plan(after: PrivateView, notes?: FlagSource): DeliveryPlan {
    const entries = new Map<string, PlanEntry>();
    const to = (key: string, d: Delivery) => {
      let e = entries.get(key);
      if (!e) entries.set(key, (e = { to: recipientOf(key), deliveries: [] }));
      e.deliveries.push(d);
    };
    const participant = (pid: string) => `participant:${pid}`;
    for (const [key, change] of this.offstage) to(key, { event: 'offstage', change });
    for (const [pid, rounds] of this.votes)
      for (const roundId of rounds)
        to(participant(pid), {
          event: 'votes',
          change: { roundId, byNote: Object.fromEntries(after.votesOf(roundId, pid)) },
        });
    for (const [pid, promptId] of this.stations)
      to(participant(pid), { event: 'station', promptId });
    // Per note touched, not a scan of every reaction on the board: this runs after every batch.
    for (const [pid, notes] of this.reactions)
      for (const noteId of notes)
        to(participant(pid), {
          event: 'reactions',
          change: {
            noteId,
            mine: REACTIONS.filter((r: Reaction) => after.hasReacted(noteId, r, pid)),
          },
        });
    for (const [session, noteIds] of this.ownNotes)
      to(participant(session.participantId!), { event: 'own.notes', noteIds, except: session });
    for (const pid of this.revoked) to(participant(pid), { event: 'removed' });
    if (this.keyRotated) to(FACILITATORS, { event: 'keyRotated' });
    const flags = notes && this.texts.size > 0 ? flagsOf(this.texts, notes) : [];
    if (flags.length > 0) to(FACILITATORS, { event: 'flags', flags });
    return { entries: [...entries.values()] };
  }

  private change(key: string, change: 'upsert' | 'remove', rec: OffstageRecord): void {
    let c = this.offstage.get(key);
    if (!c) this.offstage.set(key, (c = { upsert: [], remove: [] }));
    c.upsert = c.upsert.filter((n) => n.id !== rec.id);
    c.remove = c.remove.filter((id) => id !== rec.id);
    if (change === 'upsert') c.upsert.push(toOffstageNote(rec));
    else c.remove.push(rec.id);
  }
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

/** Every recipient whose connections a plan ends, and why. */
export function endings(plan: DeliveryPlan): { to: Recipient; reason: 'removed' | 'keyRotated' }[] {
  const out: { to: Recipient; reason: 'removed' | 'keyRotated' }[] = [];
  for (const e of plan.entries)
    for (const d of e.deliveries)
      if (d.event === 'removed' || d.event === 'keyRotated')
        out.push({ to: e.to, reason: d.event });
  return out;
}

/** What a connecting session may see of the private state: the private part of its `session`. */
export interface SessionView {
  group?: string;
  station?: string;
  /** The participant's own notes (hidden ones left out: those are the facilitators' now). */
  ownNotes: string[];
  /** The participant's own dots: round id → note id → dots. */
  votes: Record<string, Record<string, number>>;
  /** The participant's own reactions, per note. */
  reactions: Record<string, Reaction[]>;
  /** Offstage notes the session may see: its own private ones, or every hidden one. */
  offstage: OffstageNote[];
  /** Facilitators only: notes they may read that look like they hold personal data. */
  flags?: PersonalDataFlag[];
}

/**
 * What `session` may see, given the board's rounds; undefined for a participant who is unknown
 * or was removed. Given the committed document, a facilitator's view carries the personal-data
 * flags.
 */
export function sessionView(
  state: PrivateState,
  roundIds: readonly string[],
  session: Session,
  doc?: Y.Doc,
): SessionView | undefined {
  const pid = session.participantId;
  const participant = pid ? state.participant(pid) : undefined;
  if (pid && (!participant || participant.revoked)) return undefined;
  const offstage =
    session.role === 'facilitator' ? state.hiddenNotes() : pid ? state.offstageFor(pid) : [];
  const view: SessionView = {
    ownNotes: pid ? state.notesBy(pid).filter((id) => state.offstage(id)?.state !== 'hidden') : [],
    votes: {},
    reactions: pid
      ? (Object.fromEntries(state.reactionsBy(pid)) as Record<string, Reaction[]>)
      : {},
    offstage: offstage.map(toOffstageNote),
  };
  if (participant?.group) view.group = participant.group;
  if (session.role === 'facilitator' && doc) view.flags = boardFlags(doc, state);
  const station = pid ? state.stationOf(pid) : undefined;
  if (station) view.station = station;
  if (pid)
    for (const roundId of roundIds) {
      const mine = state.votesOf(roundId, pid);
      if (mine.size > 0) view.votes[roundId] = Object.fromEntries(mine);
    }
  return view;
}
