/**
 * The table of command handlers: one entry per command type. Its type makes a command without a
 * handler a compile error, so a new command in `COMMAND_SCHEMAS` cannot be forgotten here.
 */
import type { CommandType } from '../commands.js';
import {
  boardReveal,
  boardRotateKey,
  boardUpdate,
  followSet,
  participantRemove,
  templateInsert,
} from './board.js';
import { notesMove, notesUpdate } from './bulk.js';
import { clusterAdd, clusterDelete, clusterUpdate } from './clusters.js';
import type { AnyHandler } from './handler.js';
import { noteAdd, noteDelete, noteHide, noteMove, noteUnhide, noteUpdate } from './notes.js';
import { promptAdd, promptDelete, promptUpdate } from './prompts.js';
import { reactionToggle } from './reactions.js';
import { stationChoose } from './stations.js';
import { timerAddTime, timerPause, timerSet, timerStart, timerStop } from './timer.js';
import { voteCast, voteEnd, voteRetract, voteStart } from './votes.js';

export const HANDLERS: { readonly [K in CommandType]: AnyHandler<K> } = {
  'note.add': noteAdd,
  'note.move': noteMove,
  'note.update': noteUpdate,
  'note.delete': noteDelete,
  'note.hide': noteHide,
  'note.unhide': noteUnhide,
  'prompt.add': promptAdd,
  'prompt.update': promptUpdate,
  'prompt.delete': promptDelete,
  'board.update': boardUpdate,
  'board.reveal': boardReveal,
  'board.rotateKey': boardRotateKey,
  'participant.remove': participantRemove,
  'timer.set': timerSet,
  'timer.start': timerStart,
  'timer.pause': timerPause,
  'timer.stop': timerStop,
  'timer.addTime': timerAddTime,
  'vote.start': voteStart,
  'vote.cast': voteCast,
  'vote.retract': voteRetract,
  'vote.end': voteEnd,
  'reaction.toggle': reactionToggle,
  'notes.move': notesMove,
  'notes.update': notesUpdate,
  'cluster.add': clusterAdd,
  'cluster.update': clusterUpdate,
  'cluster.delete': clusterDelete,
  'follow.set': followSet,
  'template.insert': templateInsert,
  'station.choose': stationChoose,
};
