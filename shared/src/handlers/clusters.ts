/** Handlers of clusters: a facilitator groups notes under a label, renames and removes groups. */
import { clustersMap, notesMap } from '../board.js';
import { MAX_CLUSTERS_PER_BOARD } from '../limits.js';
import { ErrorCode } from '../protocol.js';
import { createdAt } from './board-doc.js';
import { defineHandler, plan, refuse } from './handler.js';

export const clusterAdd = defineHandler('cluster.add', {
  check(doc, c, ctx) {
    const clusters = clustersMap(doc);
    if (clusters.has(c.id)) return refuse(ErrorCode.AlreadyExists, 'cluster id is taken');
    if (clusters.size >= MAX_CLUSTERS_PER_BOARD)
      return refuse(ErrorCode.LimitReached, `at most ${MAX_CLUSTERS_PER_BOARD} clusters`);
    const notes = notesMap(doc);
    for (const id of c.noteIds)
      if (!notes.has(id)) return refuse(ErrorCode.NotFound, `no such note ${id}`);
    return plan({
      cluster: { id: c.id, label: c.label, createdAt: createdAt(ctx.now) },
      noteIds: c.noteIds,
    });
  },
  apply(doc, { cluster, noteIds }) {
    clustersMap(doc).set(cluster.id, cluster);
    for (const id of noteIds) notesMap(doc).get(id)!.set('cluster', cluster.id);
  },
});

export const clusterUpdate = defineHandler('cluster.update', {
  check(doc, c) {
    const cluster = clustersMap(doc).get(c.id);
    if (!cluster) return refuse(ErrorCode.NotFound, 'no such cluster');
    return plan({ ...cluster, label: c.label });
  },
  apply(doc, cluster) {
    clustersMap(doc).set(cluster.id, cluster);
  },
});

export const clusterDelete = defineHandler('cluster.delete', {
  check(doc, c) {
    if (!clustersMap(doc).has(c.id)) return refuse(ErrorCode.NotFound, 'no such cluster');
    return plan(c.id);
  },
  apply(doc, id) {
    clustersMap(doc).delete(id);
    notesMap(doc).forEach((n) => {
      if (n.get('cluster') === id) n.set('cluster', null);
    });
  },
});
