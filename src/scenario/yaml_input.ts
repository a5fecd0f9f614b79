import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isAlias, isMap, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { ScenarioError, type ScenarioIssue } from './scenario_error.js';

/**
 * Reading scenario and sweep YAML as a hostile user may write it: every read is bounded,
 * every error is located at its line and column, and only plain data gets through (maps,
 * lists, strings, numbers, booleans, null), so that nothing a file says is silently dropped.
 */

/** A scenario or sweep file larger than this is not one (/dev/zero, a log given by mistake). */
export const YAML_BYTES_MAX = 1024 * 1024;
/** Alias expansions allowed in one document (the yaml package's guard against "billion laughs"). */
const ALIASES_MAX = 100;
const PLAIN_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

/** Reads at most `max_bytes` of a regular file (or a device or pipe), refusing a directory and anything larger. */
export function read_bounded(file: string, what: string, max_bytes = YAML_BYTES_MAX): string {
  const fd = openSync(file, 'r');
  try {
    if (fstatSync(fd).isDirectory()) throw new ScenarioError([{ where: file, path: '', message: `is a directory, not ${what}` }]);
    const buffer = Buffer.alloc(max_bytes + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > max_bytes) throw new ScenarioError([{ where: file, path: '', message: `larger than ${max_bytes} bytes: not ${what}` }]);
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

/** A parsed YAML document with what locates its nodes. */
export interface YamlInput {
  doc: Document;
  lines: LineCounter;
  /** Names the source in messages: a file, or "--set path=value". */
  source: string;
}

/** "source:line:col" of an offset in the text (only the source when it is a --set value). */
export function where_at(input: YamlInput, offset: number | undefined): string {
  if (input.source.startsWith('--set ') || offset === undefined) return input.source;
  const pos = input.lines.linePos(offset);
  return `${input.source}:${pos.line}:${pos.col}`;
}

/**
 * Parses YAML text into a document, or throws a ScenarioError listing each problem where it is:
 * syntax errors, duplicate keys, aliases without an anchor, tags other than the plain ones
 * (`!!omap`, `!!set`, a custom `!tag`), a `%YAML 1.1` document (its schema reads differently
 * and overrides would not apply), and `__proto__` keys (JavaScript would drop them).
 */
export function parse_yaml(text: string, source: string): YamlInput {
  const lines = new LineCounter();
  // uniqueKeys is checked below in linear time: the package's check is quadratic (a file of
  // 40,000 keys took 15 s).
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const input: YamlInput = { doc, lines, source };
  const issues: ScenarioIssue[] = doc.errors.map((error) => ({ where: where_at(input, error.pos[0]), path: '', message: `YAML: ${error.message.split('\n')[0] as string}` }));
  if (issues.length > 0) throw new ScenarioError(issues);
  if (doc.directives?.yaml.explicit === true && doc.directives.yaml.version !== '1.2') {
    issues.push({ where: where_at(input, 0), path: '', message: `a %YAML ${doc.directives.yaml.version} document: reclaimsim reads YAML 1.2 (remove the %YAML line)` });
  }
  const issue = (node: { range?: [number, number, number] | null }, message: string) => issues.push({ where: where_at(input, node.range?.[0]), path: '', message });
  // visit() calls Node only for kinds without their own visitor: each kind checks its tag.
  const plain_tag = (node: { tag?: string; range?: [number, number, number] | null }) => {
    if (node.tag !== undefined && !PLAIN_TAGS.has(node.tag)) issue(node, `YAML: the tag ${node.tag.replace('tag:yaml.org,2002:', '!!')} is not supported: write plain maps, lists and values`);
  };
  visit(doc, {
    Alias(_, node) {
      if (node.resolve(doc) === undefined) issue(node, `YAML: the alias *${node.source} has no anchor &${node.source} before it`);
    },
    Scalar: (_, node) => plain_tag(node),
    Seq: (_, node) => plain_tag(node),
    Map(_, map) {
      plain_tag(map);
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = pair.key;
        if (!isScalar(key)) {
          if (key !== null && !isAlias(key)) issue(key as { range?: [number, number, number] }, 'YAML: a key must be a plain name');
          continue;
        }
        const name = String(key.value);
        if (name === '__proto__') issue(key, 'YAML: "__proto__" cannot be a field name');
        if (seen.has(name)) issue(key, `YAML: the key "${name}" appears twice in this map`);
        seen.add(name);
      }
    },
  });
  if (issues.length > 0) throw new ScenarioError(issues);
  return input;
}

/** The document as plain data, with aliases expanded up to a bound; null for an empty document. */
export function yaml_value(input: YamlInput): unknown {
  try {
    return input.doc.toJS({ maxAliasCount: ALIASES_MAX });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    let first: number | undefined;
    visit(input.doc, {
      Alias(_, node) {
        first ??= node.range?.[0];
      },
    });
    throw new ScenarioError([{ where: where_at(input, first), path: '', message: `YAML: the aliases expand to too many nodes (at most ${ALIASES_MAX} per alias)` }]);
  }
}

/** The document's top level must be a map (or nothing, for all defaults). */
export function check_map_document(input: YamlInput, what: string): void {
  const contents = input.doc.contents;
  if (contents === null || isMap(contents)) return;
  const kind = isScalar(contents) ? (contents.value === null ? 'null' : typeof contents.value) : 'a list';
  throw new ScenarioError([{ where: where_at(input, contents.range?.[0]), path: '', message: `${what} is a map of fields (name: value), not ${kind}` }]);
}
