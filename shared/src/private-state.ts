/**
 * What the server knows and the shared document must not hold: who wrote which note, each
 * participant's group and name, and notes kept out of the document (private notes waiting for a
 * reveal, notes a facilitator hid). Pure data; the server loads it from storage and persists every
 * {@link PrivateEffect} a command produces.
 */
import type { OffstageNote } from './protocol.js';

/** An offstage note with the server-private facts about it. */
export interface OffstageRecord extends OffstageNote {
  /** The author, or null for a facilitator's note. */
  participantId: string | null;
  /** The author's group at the time of writing. */
  group: string | null;
  /**
   * The group tag the note shows once it is on the board, decided when it was written: the
   * author's group if it had at least K members then, otherwise null. Absent in records stored
   * before tags were decided at writing; those show no tag.
   */
  tag?: string | null;
  /** Whether a facilitator changed the text of this participant's note (see `editedByFacilitator`). */
  editedByFacilitator?: boolean;
  /** What a hidden note had in the document, given back when it is restored. */
  kept?: {
    reactions: Record<string, number>;
    votes: Record<string, number>;
    cluster: string | null;
  };
}

export interface ParticipantInfo {
  id: string;
  group: string | null;
  name: string | null;
  revoked: boolean;
}

/** A change to server-private state, produced by applying a command. */
export type PrivateEffect =
  | { kind: 'noteMeta'; noteId: string; participantId: string | null; group: string | null }
  | { kind: 'noteForget'; noteId: string }
  | { kind: 'offstagePut'; note: OffstageRecord }
  | { kind: 'offstageDelete'; noteId: string }
  | { kind: 'revoke'; participantId: string }
  /** The facilitator key is replaced by `key` (the server stores only its hash). */
  | { kind: 'rotateKey'; key: string }
  | { kind: 'title'; title: string }
  /** One dot more (delta 1) or less (-1) from a participant on a note in a round. */
  | { kind: 'vote'; roundId: string; participantId: string; noteId: string; delta: 1 | -1 }
  /** A reaction given (on) or taken back; `actor` is a participant id or `facilitator`. */
  | { kind: 'reaction'; noteId: string; reaction: string; actor: string; on: boolean }
  /** A participant's station on a stations board. */
  | { kind: 'station'; participantId: string; promptId: string };

/** Read access to server-private state, as commands need it. */
export interface PrivateView {
  /** The author of a note: a participant id, null for a facilitator, undefined if unknown. */
  author(noteId: string): string | null | undefined;
  /** The group a note was written from. */
  noteGroup(noteId: string): string | null;
  offstage(noteId: string): OffstageRecord | undefined;
  offstageNotes(): OffstageRecord[];
  participant(participantId: string): ParticipantInfo | undefined;
  /** Participants who joined a group (removed ones included: the count never shrinks). */
  groupMembers(groupId: string): number;
  /** A participant's dots in a round, per note. */
  votesOf(roundId: string, participantId: string): ReadonlyMap<string, number>;
  /** Every participant's dots in a round: participant id → note id → dots. */
  roundVotes(roundId: string): ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Whether `actor` gave `reaction` to a note. */
  hasReacted(noteId: string, reaction: string, actor: string): boolean;
  /** The reactions `actor` gave, per note (notes without any left out). */
  reactionsBy(actor: string): Map<string, string[]>;
  /** How many gave each reaction to a note (reactions nobody gave left out). */
  reactionCounts(noteId: string): Record<string, number>;
  /** A participant's station (a prompt id), if they have one. */
  stationOf(participantId: string): string | undefined;
  /** Participants per station, and per station and group. */
  stationCounts(): { total: Map<string, number>; byGroup: Map<string, Map<string, number>> };
}

/** Server-private state of one board, in memory. */
export class PrivateState implements PrivateView {
  private readonly notes = new Map<
    string,
    { participantId: string | null; group: string | null }
  >();
  private readonly offstageById = new Map<string, OffstageRecord>();
  private readonly participants = new Map<string, ParticipantInfo>();
  private readonly members = new Map<string, number>();
  private readonly votes = new Map<string, Map<string, Map<string, number>>>();
  private readonly reactions = new Map<string, Set<string>>();
  private readonly stations = new Map<string, string>();
  private static readonly NO_VOTES: ReadonlyMap<string, number> = new Map();

  author(noteId: string): string | null | undefined {
    return this.notes.get(noteId)?.participantId;
  }
  noteGroup(noteId: string): string | null {
    return this.notes.get(noteId)?.group ?? null;
  }
  offstage(noteId: string): OffstageRecord | undefined {
    return this.offstageById.get(noteId);
  }
  offstageNotes(): OffstageRecord[] {
    return [...this.offstageById.values()];
  }
  participant(participantId: string): ParticipantInfo | undefined {
    return this.participants.get(participantId);
  }
  groupMembers(groupId: string): number {
    return this.members.get(groupId) ?? 0;
  }

  votesOf(roundId: string, participantId: string): ReadonlyMap<string, number> {
    return this.votes.get(roundId)?.get(participantId) ?? PrivateState.NO_VOTES;
  }
  hasReacted(noteId: string, reaction: string, actor: string): boolean {
    return this.reactions.get(noteId)?.has(`${reaction}\u0000${actor}`) ?? false;
  }
  reactionsBy(actor: string): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const suffix = `\u0000${actor}`;
    for (const [noteId, set] of this.reactions) {
      const mine = [...set]
        .filter((k) => k.endsWith(suffix))
        .map((k) => k.slice(0, -suffix.length));
      if (mine.length > 0) out.set(noteId, mine.sort());
    }
    return out;
  }
  reactionCounts(noteId: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const key of this.reactions.get(noteId) ?? []) {
      const reaction = key.slice(0, key.indexOf('\u0000'));
      out[reaction] = (out[reaction] ?? 0) + 1;
    }
    return out;
  }
  stationOf(participantId: string): string | undefined {
    return this.stations.get(participantId);
  }
  stationCounts(): { total: Map<string, number>; byGroup: Map<string, Map<string, number>> } {
    const total = new Map<string, number>();
    const byGroup = new Map<string, Map<string, number>>();
    for (const [pid, promptId] of this.stations) {
      total.set(promptId, (total.get(promptId) ?? 0) + 1);
      const g = this.participants.get(pid)?.group ?? '';
      let m = byGroup.get(promptId);
      if (!m) byGroup.set(promptId, (m = new Map()));
      m.set(g, (m.get(g) ?? 0) + 1);
    }
    return { total, byGroup };
  }

  /** Every participant's dots in a round: participant id → note id → dots. */
  roundVotes(roundId: string): ReadonlyMap<string, ReadonlyMap<string, number>> {
    return this.votes.get(roundId) ?? new Map();
  }

  /** Ids of the notes a participant wrote that still exist. */
  notesBy(participantId: string): string[] {
    const out: string[] = [];
    for (const [id, n] of this.notes) if (n.participantId === participantId) out.push(id);
    return out;
  }

  /** Offstage notes one participant may see (their own private notes). */
  offstageFor(participantId: string): OffstageRecord[] {
    return this.offstageNotes().filter(
      (n) => n.state === 'private' && n.participantId === participantId,
    );
  }

  /** Every display name participants gave (named boards only; anonymous boards store none). */
  participantNames(): string[] {
    const out: string[] = [];
    for (const p of this.participants.values()) if (p.name) out.push(p.name);
    return out;
  }

  /** Offstage notes facilitators may see (the ones they hid). */
  hiddenNotes(): OffstageRecord[] {
    return this.offstageNotes().filter((n) => n.state === 'hidden');
  }

  addParticipant(p: ParticipantInfo): void {
    this.participants.set(p.id, p);
    if (p.group !== null) this.members.set(p.group, this.groupMembers(p.group) + 1);
  }

  setNoteMeta(noteId: string, participantId: string | null, group: string | null): void {
    this.notes.set(noteId, { participantId, group });
  }

  putOffstage(note: OffstageRecord): void {
    this.offstageById.set(note.id, note);
  }

  /** Applies an effect to the in-memory state. */
  apply(e: PrivateEffect): void {
    switch (e.kind) {
      case 'noteMeta':
        this.notes.set(e.noteId, { participantId: e.participantId, group: e.group });
        break;
      case 'noteForget':
        this.notes.delete(e.noteId);
        break;
      case 'offstagePut':
        this.offstageById.set(e.note.id, e.note);
        break;
      case 'offstageDelete':
        this.offstageById.delete(e.noteId);
        break;
      case 'revoke': {
        const p = this.participants.get(e.participantId);
        if (p) p.revoked = true;
        break;
      }
      case 'vote': {
        let round = this.votes.get(e.roundId);
        if (!round) this.votes.set(e.roundId, (round = new Map()));
        let mine = round.get(e.participantId);
        if (!mine) round.set(e.participantId, (mine = new Map()));
        const n = (mine.get(e.noteId) ?? 0) + e.delta;
        if (n > 0) mine.set(e.noteId, n);
        else mine.delete(e.noteId);
        break;
      }
      case 'reaction': {
        let set = this.reactions.get(e.noteId);
        if (!set) this.reactions.set(e.noteId, (set = new Set()));
        const key = `${e.reaction}\u0000${e.actor}`;
        if (e.on) set.add(key);
        else set.delete(key);
        break;
      }
      case 'station':
        this.stations.set(e.participantId, e.promptId);
        break;
      case 'rotateKey':
      case 'title':
        break;
    }
  }
}
