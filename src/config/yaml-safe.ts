import { isAlias, isMap, isNode, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { StackfitError } from '../model';

/**
 * Guards shared by every YAML reader (stackfit.yaml, Pulumi.yaml, Pulumi.<stack>.yaml), for the
 * hostile-input cases of issue 13.
 *
 * - The `yaml` package checks duplicate keys by comparing each new key with every earlier key of
 *   its map: a config map of 40k keys took 200 s. Parse with `uniqueKeys: false` and check here
 *   with one Set per map (linear), with the same rule (two scalar keys with equal values).
 * - `toJS()` throws a bare ReferenceError "Excessive alias count…" on an alias bomb; here it
 *   becomes a StackfitError with the file and the first alias's line and column.
 * - Nesting is bounded (MAX_YAML_DEPTH): deeper is refused with file, line, column and the limit,
 *   whether the `yaml` parser itself overflowed (it reports "Maximum call stack size exceeded" as
 *   a document error) or the document parsed and a later recursive step (toJS, zod, the
 *   updaters' walks) would have.
 */

/** Parse options every reader passes to the `yaml` parser (duplicate keys are checked by `checkDuplicateKeys`). */
export const YAML_PARSE_OPTIONS = { uniqueKeys: false, prettyErrors: false } as const;

/** Nodes are visited without recursion, so nesting depth cannot overflow the stack here. */
function* nodesOf(root: unknown): Generator<Node> {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const item = stack.pop();
    if (!isNode(item)) continue;
    yield item;
    if (isMap(item) || isSeq(item)) {
      for (const child of item.items) {
        if (isPair(child)) stack.push(child.value, child.key);
        else stack.push(child);
      }
    }
  }
}

function at(lineCounter: LineCounter | undefined, node: Node): string {
  if (!lineCounter || !node.range) return '';
  const pos = lineCounter.linePos(node.range[0]);
  return ` at line ${pos.line}, column ${pos.col}`;
}

/** Refuses a map that has the same key twice (what the `yaml` package's own check refuses). */
export function checkDuplicateKeys(doc: Document, lineCounter: LineCounter | undefined, where: string): void {
  for (const node of nodesOf(doc.contents)) {
    if (!isMap(node)) continue;
    const seen = new Set<unknown>();
    for (const pair of node.items) {
      const key = pair.key;
      if (!isScalar(key)) continue;
      if (seen.has(key.value)) {
        throw new StackfitError(
          `invalid YAML${at(lineCounter, key)}: duplicate key "${String(key.value)}" (a key may appear once per map)`,
          where,
        );
      }
      seen.add(key.value);
    }
  }
}

/** Aliases a document may expand to in total before it is refused (the `yaml` package's default is 100). */
const MAX_ALIAS_COUNT = 100;

/** `doc.toJS()` with a clear, located error for an alias bomb or impossible nesting. */
export function yamlToJs(doc: Document, lineCounter: LineCounter | undefined, where: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError && /alias count/i.test(err.message)) {
      let first: Node | undefined;
      for (const node of nodesOf(doc.contents)) {
        if (isAlias(node) && node.range && (!first || node.range[0] < first.range![0])) first = node;
      }
      throw new StackfitError(
        `YAML aliases expand too much${first ? at(lineCounter, first) : ''}: a small file whose aliases repeat each other (an "alias bomb") is refused`,
        where,
      );
    }
    if (err instanceof RangeError) throw new StackfitError('YAML nested too deeply to read', where);
    throw err;
  }
}

/** Runs a parse step, turning a stack overflow on absurd nesting into a message naming the file. */
export function guardNesting<T>(where: string, what: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof RangeError && /call stack/i.test(err.message)) throw new StackfitError(`${what} nested too deeply to read`, where);
    throw err;
  }
}

/**
 * Deepest YAML nesting read (maps and sequences, block or flow). Real stack configs and
 * stackfit.yaml nest under 10 levels; the `yaml` parser overflows the stack somewhere past 800
 * (flow) or 1,000 (block) levels depending on the stack already in use, so the limit sits well
 * below that. JSON's is 512 (src/stack/inventory.ts), where the parser does not recurse.
 */
export const MAX_YAML_DEPTH = 256;

function tooDeep(where: string, pos: { line: number; col: number } | undefined): StackfitError {
  return new StackfitError(
    `YAML nested more than ${MAX_YAML_DEPTH} levels deep${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: refused (stackfit reads at most ${MAX_YAML_DEPTH} levels)`,
    where,
  );
}

/**
 * The error for a parse error the `yaml` package reported: its own stack overflow on deep
 * nesting becomes the depth-limit message; anything else stays "invalid YAML" with its place.
 */
export function yamlParseError(message: string, pos: { line: number; col: number } | undefined, where: string): StackfitError {
  if (/maximum call stack/i.test(message)) return tooDeep(where, pos);
  return new StackfitError(`invalid YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${message.split('\n')[0]}`, where);
}

/** Refuses a parsed document nested deeper than MAX_YAML_DEPTH (walked without recursion). */
export function checkNestingDepth(doc: Document, lineCounter: LineCounter | undefined, where: string): void {
  const stack: [unknown, number][] = [[doc.contents, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (!isMap(item) && !isSeq(item)) continue;
    if (depth > MAX_YAML_DEPTH) throw tooDeep(where, lineCounter && item.range ? lineCounter.linePos(item.range[0]) : undefined);
    for (const child of item.items) {
      if (isPair(child)) stack.push([child.value, depth + 1], [child.key, depth + 1]);
      else stack.push([child, depth + 1]);
    }
  }
}
