/**
 * Splits a server-sent-events byte stream, as it arrives in chunks, into the JSON payloads of its
 * `data:` frames. Frames end with a blank line; a frame cut across chunks waits for its end, so the
 * payloads come out whole and in order. Frames without data (comments, keep-alives) are skipped.
 * What our own readers of /events use (the dashboard bench and tests); the page uses EventSource.
 */
export class SseFrameReader {
  private buffer = '';

  /** Appends a chunk and returns the payloads of the frames it completed, parsed as JSON. */
  push(chunk: string): unknown[] {
    this.buffer += chunk;
    const payloads: unknown[] = [];
    for (let end = this.buffer.indexOf('\n\n'); end >= 0; end = this.buffer.indexOf('\n\n')) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      if (frame.startsWith('data: ')) payloads.push(JSON.parse(frame.slice(6)));
    }
    return payloads;
  }
}
