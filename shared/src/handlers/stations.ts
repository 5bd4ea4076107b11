/** Stations (small groups): a participant picks one, or joins one by the board's rule. */
import type * as Y from 'yjs';
import { listPrompts, promptsMap, readMeta } from '../board.js';
import type { PrivateView } from '../private-state.js';
import { ErrorCode } from '../protocol.js';
import { defineHandler, plan, refuse } from './handler.js';

export const stationChoose = defineHandler('station.choose', {
  check(doc, c, ctx) {
    if (readMeta(doc).stationAssignment !== 'self')
      return refuse(ErrorCode.Forbidden, 'stations are assigned by the facilitator');
    const p = promptsMap(doc).get(c.promptId);
    if (!p || typeof p.get('station') !== 'number')
      return refuse(ErrorCode.NotFound, 'no such station');
    return plan({ participantId: ctx.actor.participantId ?? '', promptId: c.promptId });
  },
  apply(_doc, { participantId, promptId }, ctx) {
    ctx.emit({ kind: 'station', participantId, promptId });
  },
});

/**
 * The station a newly joined participant goes to, by the board's rule: `balanced` fills the
 * emptiest station; `mixed` spreads each role group evenly across stations; `self` assigns none.
 */
export function assignStation(
  doc: Y.Doc,
  view: PrivateView,
  group: string | null,
): string | undefined {
  const mode = readMeta(doc).stationAssignment;
  if (!mode || mode === 'self') return undefined;
  const stations = listPrompts(doc).filter((p) => p.station !== null);
  if (stations.length === 0) return undefined;
  const { total, byGroup } = view.stationCounts();
  let best = stations[0]!;
  let bestKey = [Infinity, Infinity];
  for (const s of stations) {
    const all = total.get(s.id) ?? 0;
    const same = mode === 'mixed' ? (byGroup.get(s.id)?.get(group ?? '') ?? 0) : 0;
    const key = [same, all];
    if (key[0]! < bestKey[0]! || (key[0] === bestKey[0] && key[1]! < bestKey[1]!)) {
      best = s;
      bestKey = key;
    }
  }
  return best.id;
}
