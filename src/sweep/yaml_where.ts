import type { Document, LineCounter } from 'yaml';

/**
 * "file:line:col" of the node at `path` in a parsed YAML document, or of its nearest parent
 * that exists (a missing field is reported where its map starts), so that every sweep error
 * points at the text to fix.
 */
export function yaml_where(doc: Document, lines: LineCounter, file: string, path: readonly (string | number)[]): string {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range !== undefined) {
      const pos = lines.linePos(range[0]);
      return `${file}:${pos.line}:${pos.col}`;
    }
  }
  return `${file}:1:1`;
}
