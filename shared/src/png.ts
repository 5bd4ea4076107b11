/**
 * A PNG written as a stream of rows: the image is never held whole, so a picture of any size
 * costs the memory of one strip of tiles. Compression is the platform's own zlib (Node's zlib
 * on the server, CompressionStream in the browser), passed in; this file frames what PNG defines
 * (signature, IHDR, IDAT, IEND) around it.
 */

const SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Rows handed to the compressor at a time, so no full-strip copy is made. */
const ROWS_PER_WRITE = 64;

/** A zlib-format (RFC 1950) compressor that gives its output to the `onData` it was made with. */
export interface ZlibStream {
  write(raw: Uint8Array): Promise<void>;
  /** Flushes the rest; resolves once every byte has been given to `onData`. */
  finish(): Promise<void>;
}
export type ZlibFactory = (onData: (compressed: Uint8Array) => void) => ZlibStream;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const p of parts)
    for (let i = 0; i < p.length; i++) c = CRC_TABLE[(c ^ p[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  const name = new Uint8Array([...type].map((c) => c.charCodeAt(0)));
  out.set(name, 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32([name, data]));
  return out;
}

/** Writes an 8-bit RGB PNG of `width` × `height` from RGBA rows, top to bottom. */
export class PngStreamWriter {
  private readonly zlib: ZlibStream;
  private rowsWritten = 0;

  constructor(
    readonly width: number,
    readonly height: number,
    private readonly emit: (bytes: Uint8Array) => void,
    zlib: ZlibFactory,
  ) {
    const ihdr = new Uint8Array(13);
    const v = new DataView(ihdr.buffer);
    v.setUint32(0, width);
    v.setUint32(4, height);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 2; // colour type: RGB
    emit(SIGNATURE);
    emit(chunk('IHDR', ihdr));
    this.zlib = zlib((data) => {
      if (data.length > 0) emit(chunk('IDAT', data));
    });
  }

  /** Appends `rows` rows of RGBA pixels (`width` × 4 bytes each); alpha is dropped. */
  async writeRows(rgba: Uint8Array | Uint8ClampedArray, rows: number): Promise<void> {
    if (this.rowsWritten + rows > this.height) throw new RangeError('more rows than the image has');
    const line = this.width * 3 + 1;
    for (let first = 0; first < rows; first += ROWS_PER_WRITE) {
      const n = Math.min(ROWS_PER_WRITE, rows - first);
      const out = new Uint8Array(line * n);
      for (let r = 0; r < n; r++) {
        let o = r * line;
        out[o++] = 0; // filter: none
        let i = (first + r) * this.width * 4;
        for (let x = 0; x < this.width; x++, i += 4) {
          out[o++] = rgba[i]!;
          out[o++] = rgba[i + 1]!;
          out[o++] = rgba[i + 2]!;
        }
      }
      await this.zlib.write(out);
    }
    this.rowsWritten += rows;
  }

  /** Ends the image; every row must have been written. */
  async end(): Promise<void> {
    if (this.rowsWritten !== this.height)
      throw new RangeError(`${this.rowsWritten} of ${this.height} rows written`);
    await this.zlib.finish();
    this.emit(chunk('IEND', new Uint8Array(0)));
  }
}
