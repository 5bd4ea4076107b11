/** Who is acting on a board: the server-side identity behind a connection. */
import type { Role } from '@pajataulu/shared';

export interface Session {
  boardId: string;
  code: string;
  role: Role;
  /** Set for participants only. */
  participantId?: string;
}

/**
 * The key under which applied command ids are remembered. Facilitators share one key: they use the
 * same secret, and their command ids are random.
 */
export function actorKey(s: Session): string {
  return s.role === 'participant' ? `participant:${s.participantId ?? ''}` : s.role;
}
