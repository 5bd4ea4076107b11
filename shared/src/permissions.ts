/**
 * Who may do what: one table, read by the server (to refuse) and the client (to hide what a user
 * cannot do).
 */
import type { CommandType } from './commands.js';
import type { Role } from './protocol.js';

/**
 * - `always`: allowed.
 * - `own`: allowed on records the caller created.
 * - `never`: refused with `forbidden`.
 */
export type Grant = 'always' | 'own' | 'never';

export const PERMISSIONS: Readonly<Record<CommandType, Readonly<Record<Role, Grant>>>> = {
  'note.add': { facilitator: 'always', participant: 'always', projector: 'never' },
  'note.move': { facilitator: 'always', participant: 'own', projector: 'never' },
  'note.update': { facilitator: 'always', participant: 'own', projector: 'never' },
  'note.delete': { facilitator: 'always', participant: 'own', projector: 'never' },
  'prompt.add': { facilitator: 'always', participant: 'never', projector: 'never' },
  'prompt.update': { facilitator: 'always', participant: 'never', projector: 'never' },
  'prompt.delete': { facilitator: 'always', participant: 'never', projector: 'never' },
  'note.hide': { facilitator: 'always', participant: 'never', projector: 'never' },
  'note.unhide': { facilitator: 'always', participant: 'never', projector: 'never' },
  'board.update': { facilitator: 'always', participant: 'never', projector: 'never' },
  'board.reveal': { facilitator: 'always', participant: 'never', projector: 'never' },
  'board.rotateKey': { facilitator: 'always', participant: 'never', projector: 'never' },
  'participant.remove': { facilitator: 'always', participant: 'never', projector: 'never' },
  'timer.set': { facilitator: 'always', participant: 'never', projector: 'never' },
  'timer.start': { facilitator: 'always', participant: 'never', projector: 'never' },
  'timer.pause': { facilitator: 'always', participant: 'never', projector: 'never' },
  'timer.stop': { facilitator: 'always', participant: 'never', projector: 'never' },
  'timer.addTime': { facilitator: 'always', participant: 'never', projector: 'never' },
  'vote.start': { facilitator: 'always', participant: 'never', projector: 'never' },
  'vote.end': { facilitator: 'always', participant: 'never', projector: 'never' },
  // Votes and reactions belong to a person: a participant's own budget, counted server-side.
  'vote.cast': { facilitator: 'never', participant: 'always', projector: 'never' },
  'vote.retract': { facilitator: 'never', participant: 'always', projector: 'never' },
  'reaction.toggle': { facilitator: 'always', participant: 'always', projector: 'never' },
  'notes.move': { facilitator: 'always', participant: 'never', projector: 'never' },
  'notes.update': { facilitator: 'always', participant: 'never', projector: 'never' },
  'cluster.add': { facilitator: 'always', participant: 'never', projector: 'never' },
  'cluster.update': { facilitator: 'always', participant: 'never', projector: 'never' },
  'cluster.delete': { facilitator: 'always', participant: 'never', projector: 'never' },
  'follow.set': { facilitator: 'always', participant: 'never', projector: 'never' },
  'template.insert': { facilitator: 'always', participant: 'never', projector: 'never' },
  'station.choose': { facilitator: 'never', participant: 'always', projector: 'never' },
};

/**
 * Commands a lock stops. A locked board stops them all for participants; a locked prompt stops
 * them for notes in it (and for notes added or moved into it). Facilitators are never locked out.
 */
export const LOCKABLE_COMMANDS: ReadonlySet<CommandType> = new Set([
  'note.add',
  'note.move',
  'note.update',
  'note.delete',
]);

/**
 * Whether `role` may run a command of `type`. `ownsTarget` says whether the caller created the
 * record the command targets (ignored where the grant is not `own`).
 */
export function isAllowed(role: Role, type: CommandType, ownsTarget: boolean): boolean {
  const grant = PERMISSIONS[type][role];
  return grant === 'always' || (grant === 'own' && ownsTarget);
}

/** Whether a role could run a command of `type` on at least some record (for showing UI). */
export function canEver(role: Role, type: CommandType): boolean {
  return PERMISSIONS[type][role] !== 'never';
}
