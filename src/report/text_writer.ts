import { closeSync, openSync, writeSync } from 'node:fs';

/** Where a streaming writer sends its text. */
export interface TextWriter {
  write(text: string): void;
  close(): void;
}

/** Chunk size of file writes: large enough to be cheap, small enough to bound memory. */
const FLUSH_CHARS = 1 << 20;

/** A file written as it goes, in chunks, so a long trace never sits in memory whole. */
export class TextFile implements TextWriter {
  private readonly fd: number;
  private pending: string[] = [];
  private pending_chars = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  write(text: string): void {
    this.pending.push(text);
    this.pending_chars += text.length;
    if (this.pending_chars >= FLUSH_CHARS) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pending_chars = 0;
  }
}

/** A writer that keeps the text (tests, small outputs). */
export class TextBuffer implements TextWriter {
  private readonly parts: string[] = [];

  write(text: string): void {
    this.parts.push(text);
  }

  close(): void {}

  text(): string {
    return this.parts.join('');
  }
}
