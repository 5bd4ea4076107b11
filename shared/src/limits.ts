/**
 * Every bound the system enforces, in one place. The server enforces them; the client reads them
 * to stop the user early (e.g. a counter under the note editor). Changing one is a protocol change
 * only when it tightens what a client may send.
 */

/** Longest note text, in UTF-16 code units, both as sent and after NFC (see `text.ts`); all text limits count so. */
export const MAX_NOTE_TEXT_LENGTH = 1_000;
/** Longest prompt (frame) title. */
export const MAX_PROMPT_TITLE_LENGTH = 200;
/** Longest board title. */
export const MAX_BOARD_TITLE_LENGTH = 120;
/** Longest display name a participant may choose. */
export const MAX_DISPLAY_NAME_LENGTH = 60;

/** Notes one board may hold. */
export const MAX_NOTES_PER_BOARD = 20_000;
/** Prompts (titled areas) one board may hold. */
export const MAX_PROMPTS_PER_BOARD = 200;

/** Canvas coordinates are kept within ±this many units, so nothing can be placed out of reach. */
export const MAX_COORDINATE = 1_000_000;
/** Smallest and largest prompt side, in canvas units. */
export const MIN_PROMPT_SIZE = 120;
export const MAX_PROMPT_SIZE = 20_000;

/** A note's side, in canvas units. Notes are squares of a fixed size so text wraps the same everywhere. */
export const NOTE_SIZE = 160;

/** Largest socket.io message (a command envelope) the server reads; larger ones close the socket. */
export const MAX_COMMAND_MESSAGE_BYTES = 16 * 1024;
/** Largest y-websocket frame the server reads; larger ones close the connection (code 1009). */
export const MAX_SYNC_MESSAGE_BYTES = 64 * 1024;
/** Largest JSON body the HTTP API reads. */
export const MAX_HTTP_BODY_BYTES = 16 * 1024;

/** Client-made command ids: this many characters at least and at most. */
export const MIN_COMMAND_ID_LENGTH = 8;
export const MAX_COMMAND_ID_LENGTH = 64;

/** Role groups a board may define, and the length of a group's label. */
export const MAX_GROUPS_PER_BOARD = 12;
export const MAX_GROUP_LABEL_LENGTH = 40;
/** Bounds of K, the members a group needs before its tag is shown. */
export const MIN_GROUP_THRESHOLD = 2;
export const MAX_GROUP_THRESHOLD = 50;

/** Longest countdown a timer may be set to. */
export const MAX_TIMER_MS = 4 * 60 * 60 * 1000;
/** Dots one participant may have in a voting round. */
export const MAX_DOTS_PER_ROUND = 20;
/** Vote rounds one board may hold. */
export const MAX_ROUNDS_PER_BOARD = 50;
/** Notes one bulk command may touch (by id): 500 ids take about 11.5 KB, within a command message. */
export const MAX_BULK_NOTES = 500;
/**
 * Moves one `notes.move` may carry. A move with the longest id and coordinates takes 88 bytes of
 * JSON, so 150 of them (13.2 KB) fit in {@link MAX_COMMAND_MESSAGE_BYTES} with room for the
 * envelope; 500 did not, and the socket closed on a valid command. Clients split larger moves.
 */
export const MAX_MOVES_PER_COMMAND = 150;
/** Room kept in a command message for the socket.io framing around the envelope (event name, ack id). */
export const COMMAND_FRAME_MARGIN_BYTES = 1024;
/** Longest cluster or round label. */
export const MAX_LABEL_LENGTH = 80;
/** Clusters one board may hold. */
export const MAX_CLUSTERS_PER_BOARD = 500;
/** Zoom bounds of a follow-me view. */
export const MIN_ZOOM = 0.02;
export const MAX_ZOOM = 8;

/** Image export scales offered in the menu (image pixels per board unit). */
export const EXPORT_SCALES = [1, 2, 4] as const;
/** Bounds of the scale the export API accepts. */
export const MIN_EXPORT_SCALE = 0.1;
export const MAX_EXPORT_SCALE = 4;
/** Largest image an export renders, in pixels; above it the export is refused with the scale that fits. */
export const MAX_EXPORT_PIXELS = 200_000_000;
/** Largest side of an exported image. */
export const MAX_EXPORT_SIDE = 60_000;
/** Side of the square tiles an image is drawn in: well under every browser's canvas limit. */
export const EXPORT_TILE_SIZE = 2048;
/**
 * Memory for one strip of rows of an image being drawn (RGBA); wide images get shorter strips.
 * Drawing a 3,000-note board (10,280 × 8,724 px) peaked 57 MB lower at 8 MiB than at 32 MiB, in the
 * same time: each tile draws only the notes it meets, so more, shorter tiles cost little.
 */
export const EXPORT_STRIP_BYTES = 8 * 1024 * 1024;

/**
 * The finest time a note, or the board itself, carries anywhere another person can read it: the
 * document, the offstage notes, every export. A note written in the open carries the minute it was
 * written in; a note written during private writing carries the minute of its reveal, the same for
 * every note of one reveal. Finer times would let an export or a later reader line notes up against
 * who was seen writing when.
 */
export const NOTE_TIME_RESOLUTION_MS = 60_000;
