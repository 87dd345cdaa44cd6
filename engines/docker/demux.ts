// Docker's multiplexed exec stream (8-byte frame headers: stream, 0, 0, 0, length), demuxed
// incrementally into capped buffers: everything past the cap is read and dropped, so a
// command printing 100 MB costs the runner bandwidth, not memory.

import { Writable } from 'node:stream';

/**
 * Demuxes Docker's 8-byte-header frames into capped stdout/stderr buffers. Kept output is
 * held as views of the stream's own chunks (the socket hands out a fresh buffer per read),
 * so the only copy is the final concat; a header split across chunks is assembled in place.
 */
export class DemuxSink extends Writable {
  private readonly head = Buffer.alloc(8);
  private headLen = 0;
  private frameStream = 0;
  private frameLeft = 0;
  private readonly out: { chunks: Buffer[]; kept: number }[] = [
    { chunks: [], kept: 0 },
    { chunks: [], kept: 0 },
  ];
  private dropped = false;

  constructor(private readonly cap: number) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error) => void): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.frameLeft === 0) {
        const take = Math.min(8 - this.headLen, chunk.length - at);
        chunk.copy(this.head, this.headLen, at, at + take);
        this.headLen += take;
        at += take;
        if (this.headLen < 8) break;
        this.headLen = 0;
        this.frameStream = this.head[0]!;
        this.frameLeft = this.head.readUInt32BE(4);
        continue;
      }
      const take = Math.min(this.frameLeft, chunk.length - at);
      this.keep(this.frameStream, chunk.subarray(at, at + take));
      this.frameLeft -= take;
      at += take;
    }
    done();
  }

  private keep(stream: number, data: Buffer): void {
    if (stream !== 1 && stream !== 2) return; // stdin echo frames carry nothing for us
    const o = this.out[stream - 1]!;
    const room = this.cap - o.kept;
    if (room <= 0) {
      this.dropped = true;
      return;
    }
    const part = data.length <= room ? data : data.subarray(0, room);
    if (part.length < data.length) this.dropped = true;
    o.chunks.push(part);
    o.kept += part.length;
  }

  result(): { stdout: string; stderr: string; truncated: boolean } {
    const [stdout, stderr] = [this.out[0]!, this.out[1]!];
    return {
      stdout: Buffer.concat(stdout.chunks, stdout.kept).toString('utf8'),
      stderr: Buffer.concat(stderr.chunks, stderr.kept).toString('utf8'),
      truncated: this.dropped,
    };
  }
}
