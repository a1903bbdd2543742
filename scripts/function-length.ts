/**
 * No function in src/ or policies/ over 150 lines (part of `npm run lint`). Measured with the
 * TypeScript compiler API: every function declaration, method, accessor, constructor, function
 * expression and arrow function with a block body, from its first to its last line (comments
 * above it not counted). A nested function counts inside its parent too.
 *
 *   tsx scripts/function-length.ts [--max N] [--top K] [dir…]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface FunctionLength {
  file: string;
  name: string;
  line: number;
  lines: number;
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  const named = node as { name?: ts.Node };
  if (named.name) return named.name.getText(source);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
    return parent.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  return '(anonymous)';
}

/** Every function-like node with a body in one source text, with its length in lines. */
export function functionLengths(file: string, text: string): FunctionLength[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: FunctionLength[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body && ts.isBlock(node.body)) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      out.push({ file, name: nameOf(node, source), line: first + 1, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'bin' || entry.name === 'catalog' ? [] : tsFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function main(argv: string[]): number {
  let max = 150;
  let top = 5;
  const dirs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--max' || arg === '--top') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1) {
        console.error(`function-length: ${arg} takes a whole number ≥ 1`);
        return 2;
      }
      if (arg === '--max') max = value;
      else top = value;
    } else dirs.push(arg);
  }
  const root = path.resolve(__dirname, '..');
  const all = (dirs.length ? dirs : ['src', 'policies'])
    .flatMap((dir) => tsFiles(path.resolve(root, dir)))
    .flatMap((file) => functionLengths(path.relative(root, file), readFileSync(file, 'utf8')))
    .sort((a, b) => b.lines - a.lines);
  const over = all.filter((f) => f.lines > max);
  for (const f of over) console.error(`${f.file}:${f.line}: ${f.name} is ${f.lines} lines (limit ${max}): split it`);
  if (over.length === 0) {
    const longest = all.slice(0, top).map((f) => `${f.name} ${f.lines} (${f.file}:${f.line})`);
    console.log(`function-length: ${all.length} functions, none over ${max} lines; longest: ${longest.join(', ')}`);
  }
  return over.length ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
