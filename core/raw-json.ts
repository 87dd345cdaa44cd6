// JSON that is already serialised, such as a request body exactly as the proxy forwarded it:
// a transcript writes its bytes as they are, instead of parsing and serialising an agent's
// whole history again for each call; anything else that stringifies it gets the value.

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

export class RawJson {
  /** `bytes` must be one valid JSON value in UTF-8 (the proxy has parsed and checked it, or serialised it itself). */
  constructor(readonly bytes: Buffer) {}

  toJSON(): unknown {
    return JSON.parse(this.bytes.toString('utf8'));
  }

  /**
   * The bytes on one line. Valid JSON holds a line break only as whitespace between tokens
   * (inside a string it must be escaped), so a space in its place keeps the value the same.
   */
  oneLine(): Buffer {
    if (this.bytes.indexOf(LF) < 0 && this.bytes.indexOf(CR) < 0) return this.bytes;
    const out = Buffer.from(this.bytes);
    for (let i = 0; i < out.length; i++) if (out[i] === LF || out[i] === CR) out[i] = SPACE;
    return out;
  }
}
