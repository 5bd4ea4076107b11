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
  | { kind: 'rotateKey' }
  | { kind: 'title'; title: string };

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
      case 'rotateKey':
      case 'title':
        break;
    }
  }
}
