import { isDeepStrictEqual } from 'node:util';
import { Composer, CST, isAlias, isMap, isScalar, isSeq, LineCounter, parse, Parser } from 'yaml';
import type { Document, Node, Pair, ParsedNode, Scalar, YAMLMap } from 'yaml';
import { checkDuplicateKeys, checkNestingDepth, guardNesting, YAML_PARSE_OPTIONS, yamlParseError, yamlToJs } from '../../config/yaml-safe';
import { StackfitError } from '../../model';
import type { ConfigEdit, ConfigRef } from '../../model';

/**
 * The release-please-style updater for `Pulumi.<stack>.yaml`: a pure function from file text to
 * file text. It locates values through the `yaml` package's document and concrete syntax tree
 * (CST, which round-trips the source byte for byte) and splices new text in at the edited tokens'
 * offsets — whole lines only for added or removed keys — so comments, key order, quoting, blank
 * lines, indentation and line endings stay exactly as they were.
 */

/** A parsed stack config file: the composed document plus the CST tokens it came from. */
export interface ParsedStackConfig {
  where: string;
  text: string;
  doc: Document.Parsed;
  /** The CST the document was composed from (nodes' `srcToken`s point into it). */
  tokens: CST.Token[];
  lineCounter: LineCounter;
  /** The top-level `config:` map, when present and a map. */
  config?: YAMLMap<ParsedNode, ParsedNode | null>;
}

export interface StackConfigOptions {
  /**
   * Pulumi project name. With it, `proj:key` and the bare `key` are the same config key (Pulumi
   * gives bare keys the project's namespace), so a ref in either spelling finds either.
   */
  projectName?: string;
}

/** One scalar config value found by walking the file (secure values are never listed). */
export interface ConfigLeaf {
  ref: ConfigRef;
  value: string | number | boolean | null;
  line: number;
}

/** Parses a stack config file, keeping the CST. Throws StackfitError (file and line) on bad YAML. */
export function parseStackConfig(text: string, where: string): ParsedStackConfig {
  const lineCounter = new LineCounter();
  const tokens = guardNesting(where, 'YAML', () => Array.from(new Parser(lineCounter.addNewLine).parse(text)));
  const docs = guardNesting(where, 'YAML', () =>
    Array.from(new Composer({ keepSourceTokens: true, ...YAML_PARSE_OPTIONS }).compose(tokens, true, text.length)),
  );
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) throw yamlParseError(error.message, lineCounter.linePos(error.pos[0]), where);
  }
  if (docs.length !== 1) throw new StackfitError(`expected one YAML document, found ${docs.length}`, where);
  const doc = docs[0] as Document.Parsed;
  checkNestingDepth(doc, lineCounter, where);
  checkDuplicateKeys(doc, lineCounter, where);
  const root = doc.contents;
  if (root !== null && !isMap(root)) throw new StackfitError('a stack config file must be a YAML map (with a `config:` key)', where);
  const configNode = root ? root.get('config', true) : undefined;
  let config: ParsedStackConfig['config'];
  if (configNode !== undefined && configNode !== null) {
    if (!isMap(configNode)) {
      throw new StackfitError(`line ${lineOf(lineCounter, configNode)}: \`config:\` must be a map of config keys`, where);
    }
    config = configNode as YAMLMap<ParsedNode, ParsedNode | null>;
  }
  return { where, text, doc, tokens, lineCounter, config };
}

function lineOf(lineCounter: LineCounter, node: Node | null | undefined): number {
  return node?.range ? lineCounter.linePos(node.range[0]).line : 0;
}

/** `{secure: <ciphertext>}`: Pulumi's encrypted config value. Never read, never edited. */
export function isSecureValue(node: unknown): boolean {
  if (!isMap(node) || node.items.length !== 1) return false;
  const pair = node.items[0] as Pair<unknown, unknown>;
  return isScalar(pair.key) && pair.key.value === 'secure' && isScalar(pair.value);
}

/** Human form of a ref: `proj:key.path.0.size`. */
export function formatRef(ref: ConfigRef): string {
  return [ref.key, ...ref.path.map(String)].join('.');
}

/** The spellings a key may have in the file: itself, plus bare ↔ `project:` when the project is known. */
function keySpellings(key: string, projectName?: string): string[] {
  if (!projectName) return [key];
  if (!key.includes(':')) return [key, `${projectName}:${key}`];
  if (key.startsWith(`${projectName}:`)) return [key, key.slice(projectName.length + 1)];
  return [key];
}

/**
 * Finds the config key as spelled in the file. Returns undefined when absent; throws when both
 * spellings are present (Pulumi itself would reject such a file).
 */
export function findConfigKey(parsed: ParsedStackConfig, key: string, options: StackConfigOptions = {}): string | undefined {
  const present = keySpellings(key, options.projectName).filter((k) => parsed.config?.has(k));
  if (present.length > 1) {
    throw new StackfitError(`config key ${key} is set twice, as ${present.join(' and ')}`, parsed.where);
  }
  return present[0];
}

export type LocateResult =
  | { ok: true; key: string; node: Scalar<unknown>; ref: ConfigRef; line: number; inFlow: boolean }
  | { ok: false; reason: string; line?: number };

type WalkResult =
  | { ok: true; key: string; node: unknown; walked: (string | number)[]; inFlow: boolean; anchor?: { name: string; at: string } }
  | { ok: false; reason: string; line?: number };

/** Walks from a config key through object keys / list indexes; never into a secure value. */
function walk(parsed: ParsedStackConfig, ref: ConfigRef, options: StackConfigOptions): WalkResult {
  const key = findConfigKey(parsed, ref.key, options);
  if (key === undefined) return { ok: false, reason: `config key ${ref.key} is not set` };
  let node: unknown = parsed.config?.get(key, true);
  let inFlow = false;
  const walked: (string | number)[] = [];
  const here = (): string => formatRef({ key, path: walked });
  // The outermost anchored object or list on the way: an edit inside it changes its aliases too.
  let anchor: { name: string; at: string } | undefined;
  for (const segment of ref.path) {
    if (isSecureValue(node))
      return { ok: false, reason: `${here()} is a secure (encrypted) value`, line: lineOf(parsed.lineCounter, node as Node) };
    if (isAlias(node))
      return {
        ok: false,
        reason: `${here()} is a YAML alias (*${node.source}) of another value, which other entries may share`,
        line: lineOf(parsed.lineCounter, node),
      };
    if ((isMap(node) || isSeq(node)) && node.anchor && !anchor) anchor = { name: node.anchor, at: here() };
    if (isMap(node)) {
      inFlow ||= Boolean(node.flow);
      const name = String(segment);
      if (!node.has(name))
        return { ok: false, reason: `${here()} has no key ${JSON.stringify(name)}`, line: lineOf(parsed.lineCounter, node) };
      node = node.get(name, true);
      walked.push(name);
    } else if (isSeq(node)) {
      inFlow ||= Boolean(node.flow);
      const index = typeof segment === 'number' ? segment : /^\d+$/.test(segment) ? Number(segment) : NaN;
      if (!Number.isInteger(index) || index >= node.items.length) {
        return { ok: false, reason: `${here()} has no list item ${String(segment)}`, line: lineOf(parsed.lineCounter, node) };
      }
      node = node.items[index];
      walked.push(index);
    } else {
      return {
        ok: false,
        reason: `${here()} is not an object or list, cannot go into ${String(segment)}`,
        line: lineOf(parsed.lineCounter, node as Node),
      };
    }
  }
  if (isAlias(node))
    return {
      ok: false,
      reason: `${here()} is a YAML alias (*${node.source}) of another value, which other entries may share`,
      line: lineOf(parsed.lineCounter, node),
    };
  return { ok: true, key, node, walked, inFlow, ...(anchor && { anchor }) };
}

/**
 * Walks `ref` (key, then object keys / list indexes) to a scalar. Numeric-looking string segments
 * index lists, so a dotted mapping path `workloads.0.size` works. The returned `ref` has the key
 * as spelled in the file and list indexes as numbers.
 */
export function locateScalar(parsed: ParsedStackConfig, ref: ConfigRef, options: StackConfigOptions = {}): LocateResult {
  const found = walk(parsed, ref, options);
  if (!found.ok) return found;
  const { key, node, walked, inFlow, anchor } = found;
  const here = formatRef({ key, path: walked });
  const line = lineOf(parsed.lineCounter, node as Node);
  if (anchor)
    return {
      ok: false,
      reason: `${here} is inside the YAML anchor &${anchor.name} (at ${anchor.at}), which aliases (*${anchor.name}) repeat: an edit would change them too`,
      line,
    };
  if (isSecureValue(node)) return { ok: false, reason: `${here} is a secure (encrypted) value`, line };
  if (!isScalar(node)) return { ok: false, reason: `${here} is not a plain value (it is an object, a list or empty)`, line };
  if (node.srcToken?.type === 'block-scalar') return { ok: false, reason: `${here} is a block scalar (| or >)`, line };
  // Editing an anchored value would also change every alias (*name) of it.
  if (node.anchor) return { ok: false, reason: `${here} is a YAML anchor (&${node.anchor}) that other values may repeat`, line };
  return { ok: true, key, node, ref: { key, path: walked }, line, inFlow };
}

/**
 * Whether a key can be added to / removed from the object that holds `ref` (its parent): a block
 * (not flow) map. The example project's workload specs are; `{size: …, cloud: …}` is not.
 */
export function canAddOrRemoveAt(parsed: ParsedStackConfig, ref: ConfigRef, options: StackConfigOptions = {}): boolean {
  if (ref.path.length === 0) return parsed.config !== undefined && !parsed.config.flow;
  const parent = walk(parsed, { key: ref.key, path: ref.path.slice(0, -1) }, options);
  return (
    parent.ok &&
    !parent.inFlow &&
    !parent.anchor &&
    isMap(parent.node) &&
    !parent.node.flow &&
    !parent.node.anchor &&
    !isSecureValue(parent.node)
  );
}

/** Every scalar value under `config:` with its ref, skipping secure values (used to infer mappings). */
export function listConfigLeaves(parsed: ParsedStackConfig): ConfigLeaf[] {
  const leaves: ConfigLeaf[] = [];
  const walk = (node: unknown, key: string, path: (string | number)[]): void => {
    if (isSecureValue(node)) return;
    if (isScalar(node)) {
      const value = node.value;
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) {
        leaves.push({ ref: { key, path }, value, line: lineOf(parsed.lineCounter, node) });
      }
    } else if (isMap(node)) {
      for (const pair of node.items) {
        if (isScalar(pair.key)) walk(pair.value, key, [...path, String(pair.key.value)]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, key, [...path, index]));
    }
  };
  for (const pair of parsed.config?.items ?? []) {
    if (isScalar(pair.key)) walk(pair.value, String(pair.key.value), []);
  }
  return leaves;
}

/** Config values compare as text: Pulumi config is string-typed at the top level. */
export function sameConfigValue(a: unknown, b: unknown): boolean {
  return String(a) === String(b);
}

/** Whether `source` (a plain scalar) reads back as `value`: as that exact string if `asString`. */
function readsBackAs(source: string, value: string | number, asString: boolean): boolean {
  try {
    const back: unknown = parse(source);
    return asString ? back === String(value) : sameConfigValue(back, value);
  } catch {
    return false;
  }
}

/** A byte range of the input replaced by new text (an insertion when start === end). */
interface Splice {
  start: number;
  end: number;
  text: string;
  what: string;
}

/** The whole line(s) of a `key: value` pair, when nothing else shares them (a block-map entry). */
function pairLines(text: string, pair: Pair<ParsedNode, ParsedNode | null>): { start: number; end: number; indent: string } | undefined {
  const keyStart = pair.key.range?.[0];
  const valueEnd = pair.value?.range?.[1];
  if (keyStart === undefined || valueEnd === undefined) return undefined;
  const start = text.lastIndexOf('\n', keyStart - 1) + 1;
  const indent = text.slice(start, keyStart);
  if (!/^[ \t]*$/.test(indent) || text.slice(keyStart, valueEnd).includes('\n')) return undefined;
  const newline = text.indexOf('\n', valueEnd);
  const end = newline < 0 ? text.length : newline + 1;
  // Only spaces and a comment may follow the value on its line.
  if (!/^[ \t]*(#[^\n]*)?\r?\n?$/.test(text.slice(valueEnd, end))) return undefined;
  return { start, end, indent };
}

/** `key: value` as YAML, plain where that reads back exactly, double-quoted otherwise. */
function renderPair(key: string, value: string | number): string {
  const plainKey = readsBackAs(key, key, true) && !/[:#]/.test(key) ? key : JSON.stringify(key);
  if (typeof value === 'number') return `${plainKey}: ${value}`;
  const plain = `${plainKey}: ${value}`;
  try {
    const back = parse(plain) as Record<string, unknown> | null;
    if (back && Object.keys(back).length === 1 && back[key] === value) return plain;
  } catch {
    // fall through to quoting
  }
  return `${plainKey}: ${JSON.stringify(value)}`;
}

/**
 * Applies edits to the text of one `Pulumi.<stack>.yaml`. Only the edited values' bytes change;
 * each keeps its quoting style (a plain scalar is double-quoted only if the new text would
 * otherwise read back as another type). `remove` deletes exactly the key's line; `add` inserts one
 * line after the object's last one-line entry, with its indentation and line ending. Refuses —
 * with a StackfitError naming the file, key path and line — edits that land on or inside a
 * `secure:` value, on a missing key (or, for `add`, an existing one), or whose current value is
 * not `edit.from` (a stale plan). Nothing is returned half-edited.
 */
export function applyConfigEdits(text: string, edits: readonly ConfigEdit[], where?: string, options: StackConfigOptions = {}): string {
  const file = where ?? edits[0]?.file ?? 'Pulumi.<stack>.yaml';
  if (edits.length === 0) return text;
  const parsed = parseStackConfig(text, file);
  if (!parsed.config) throw new StackfitError('no `config:` map to edit', file);
  // Offsets into the CST must be offsets into the text: check the CST reproduces it exactly.
  if (parsed.tokens.map((t) => CST.stringify(t)).join('') !== text) {
    throw new StackfitError('the YAML parser could not round-trip this file byte for byte; refusing to edit it', file);
  }
  const fail = (edit: ConfigEdit, reason: string, line?: number): never => {
    throw new StackfitError(`cannot ${edit.op ?? 'set'} ${formatRef(edit.ref)}${line ? ` (line ${line})` : ''}: ${reason}`, file);
  };
  const splices: Splice[] = [];
  const done = new Map<string, ConfigEdit>();
  const applied: { edit: ConfigEdit; ref: ConfigRef }[] = [];

  for (const edit of edits) {
    const op = edit.op ?? 'set';
    if (op === 'add') {
      const parentRef = { key: edit.ref.key, path: edit.ref.path.slice(0, -1) };
      const name = edit.ref.path[edit.ref.path.length - 1];
      const parent = edit.ref.path.length === 0 ? undefined : walk(parsed, parentRef, options);
      if (parent && !parent.ok) fail(edit, parent.reason, parent.line);
      const map = parent?.ok ? parent.node : parsed.config;
      const keyName = name === undefined ? edit.ref.key : String(name);
      if (!isMap(map) || isSecureValue(map)) fail(edit, 'the parent is not an object');
      const block = map as YAMLMap<ParsedNode, ParsedNode | null>;
      if ((parent?.ok && parent.inFlow) || block.flow) fail(edit, 'keys can only be added to block (indented) objects, not {…}');
      const id = formatRef({ key: parent?.ok ? parent.key : edit.ref.key, path: [...(parent?.ok ? parent.walked : []), keyName] });
      if (done.has(id)) fail(edit, 'edited twice');
      const existing = edit.ref.path.length === 0 ? findConfigKey(parsed, edit.ref.key, options) : block.has(keyName) ? keyName : undefined;
      if (existing !== undefined) {
        const value = (block.get(existing, true) as Scalar<unknown> | undefined)?.value ?? null;
        throw new StackfitError(
          `stale plan: ${id} is already set (to ${JSON.stringify(value)}), the plan expected to add it; re-run stackfit`,
          file,
        );
      }
      let anchor: { start: number; end: number; indent: string } | undefined;
      for (const pair of block.items) {
        if (isScalar(pair.key) && isScalar(pair.value)) anchor = pairLines(text, pair) ?? anchor;
      }
      if (!anchor) fail(edit, 'the object has no one-line entry to add the key after');
      const at = anchor as { start: number; end: number; indent: string };
      const anchorLine = text.slice(at.start, at.end);
      const eol = anchorLine.endsWith('\r\n') ? '\r\n' : anchorLine.endsWith('\n') ? '\n' : text.includes('\r\n') ? '\r\n' : '\n';
      const line = `${at.indent}${renderPair(keyName, edit.to)}`;
      splices.push({ start: at.end, end: at.end, text: anchorLine.endsWith('\n') ? `${line}${eol}` : `${eol}${line}`, what: id });
      done.set(id, edit);
      applied.push({
        edit,
        ref: {
          key: parent?.ok ? parent.key : edit.ref.key,
          path: [...(parent?.ok ? parent.walked : []), ...(name === undefined ? [] : [keyName])],
        },
      });
      continue;
    }

    const found = locateScalar(parsed, edit.ref, options);
    if (!found.ok) return fail(edit, found.reason, found.line);
    const id = formatRef(found.ref);
    const previous = done.get(id);
    if (previous) {
      if ((previous.op ?? 'set') === op && sameConfigValue(previous.to, edit.to)) continue;
      fail(edit, `conflicting edits: ${previous.op ?? 'set'} ${String(previous.to)} and ${op} ${String(edit.to)}`, found.line);
    }
    if (!sameConfigValue(found.node.value, edit.from)) {
      throw new StackfitError(
        `stale plan: ${formatRef(found.ref)} (line ${found.line}) is ${JSON.stringify(found.node.value)}, the plan expected ${JSON.stringify(edit.from)}; re-run stackfit`,
        file,
      );
    }
    done.set(id, edit);
    applied.push({ edit, ref: found.ref });

    if (op === 'remove') {
      const last = found.ref.path[found.ref.path.length - 1];
      if (typeof last === 'number') fail(edit, 'list items are not removed (that would renumber the list)', found.line);
      const parent =
        found.ref.path.length === 0
          ? parsed.config
          : (walk(parsed, { key: found.key, path: found.ref.path.slice(0, -1) }, options) as { node: unknown }).node;
      if (!isMap(parent) || parent.flow || found.inFlow)
        fail(edit, 'keys can only be removed from block (indented) objects, not {…}', found.line);
      const map = parent as YAMLMap<ParsedNode, ParsedNode | null>;
      if (map.items.length < 2) fail(edit, 'it is the only key of its object', found.line);
      const pair = map.items.find((p) => p.value === found.node);
      const lines = pair ? pairLines(text, pair) : undefined;
      if (!lines) fail(edit, 'it shares its line with other values', found.line);
      splices.push({ start: lines!.start, end: lines!.end, text: '', what: id });
      continue;
    }

    const token = found.node.srcToken;
    if (!token || !CST.isScalar(token)) return fail(edit, 'no source token', found.line);
    const start = token.offset;
    const end = start + token.source.length;
    if (text.slice(start, end) !== token.source) fail(edit, 'source offsets do not match the text', found.line);
    const keepString = typeof found.node.value === 'string';
    const context = { inFlow: found.inFlow };
    CST.setScalarValue(token, String(edit.to), context);
    // A plain `true`/`123` would turn a string into a boolean/number: quote it instead.
    if (token.type === 'scalar' && !readsBackAs(token.source, edit.to, keepString)) {
      CST.setScalarValue(token, String(edit.to), { ...context, type: 'QUOTE_DOUBLE' });
    }
    splices.push({ start, end, text: token.source, what: id });
  }

  // Stable sort: insertions at one place keep the order of the edits.
  const ordered = splices.map((sp, i) => ({ sp, i })).sort((a, b) => a.sp.start - b.sp.start || a.i - b.i);
  let output = '';
  let pos = 0;
  for (const { sp } of ordered) {
    if (sp.start < pos) throw new StackfitError(`conflicting edits around ${sp.what}`, file);
    output += text.slice(pos, sp.start) + sp.text;
    pos = sp.end;
  }
  output += text.slice(pos);
  verifyOnlyEditedValuesChanged(parsed, output, applied, file, options);
  return output;
}

/** Re-reads the output: every edit must read back as intended, everything else as before. */
function verifyOnlyEditedValuesChanged(
  before: ParsedStackConfig,
  output: string,
  applied: readonly { edit: ConfigEdit; ref: ConfigRef }[],
  file: string,
  options: StackConfigOptions,
): void {
  const after = parseStackConfig(output, file);
  const expected = yamlToJs(before.doc, before.lineCounter, file);
  for (const { edit, ref } of applied) {
    const path = ['config', ref.key, ...ref.path];
    if (edit.op === 'remove') {
      deleteIn(expected, path);
      continue;
    }
    const found = locateScalar(after, ref, options);
    if (!found.ok || !sameConfigValue(found.node.value, edit.to)) {
      throw new StackfitError(`internal error: ${formatRef(ref)} did not read back as ${String(edit.to)}; file left unchanged`, file);
    }
    setIn(expected, path, found.node.value);
  }
  if (!isDeepStrictEqual(yamlToJs(after.doc, after.lineCounter, file), expected)) {
    throw new StackfitError('internal error: the edit changed values other than the edited ones; file left unchanged', file);
  }
}

function parentOf(target: unknown, path: (string | number)[]): Record<string | number, unknown> {
  let node = target as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>;
  return node;
}

function setIn(target: unknown, path: (string | number)[], value: unknown): void {
  parentOf(target, path)[path[path.length - 1] as string | number] = value;
}

function deleteIn(target: unknown, path: (string | number)[]): void {
  delete parentOf(target, path)[path[path.length - 1] as string | number];
}
