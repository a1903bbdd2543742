/**
 * The real `mermaid` library in a real headless browser: Debian's Chromium, driven by
 * playwright-core (which downloads no browser), loading mermaid's own dist bundle from
 * node_modules over a loopback HTTP server. What GitHub does with a PR body's Mermaid blocks.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Installed by `.ci/run` (scripts/ci/install-chromium.sh); STACKFIT_CHROMIUM overrides. */
export const CHROMIUM_PATH = process.env.STACKFIT_CHROMIUM ?? '/usr/bin/chromium';

const MERMAID_JS = require.resolve('mermaid/dist/mermaid.min.js');

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><script src="/mermaid.min.js"></script></head>
<body style="margin:0;background:#fff"><div id="shot" style="width:760px;padding:8px;background:#fff"></div></body></html>`;

export interface RenderResult {
  ok: boolean;
  svg?: string;
  error?: string;
}

export interface SvgFacts {
  parseError?: string;
  texts: string[];
  chartTitle?: string;
  barsPerPlot: number[];
  linePlots: number;
  elements: string[];
}

export interface MermaidBrowser {
  /** Parses then renders each definition with mermaid's own API; errors are reported, not thrown. */
  render(definitions: readonly string[]): Promise<RenderResult[]>;
  /** Renders one definition into the page and writes a PNG screenshot of it. */
  screenshot(definition: string, file: string): Promise<void>;
  /**
   * Parses an SVG with the browser's XML parser: its parse error if any, every `<text>`'s
   * content, and for a Mermaid xychart the plots it drew (bar rectangles per bar plot, line plots).
   */
  inspectSvg(svg: string): Promise<SvgFacts>;
  close(): Promise<void>;
}

export async function startMermaidBrowser(): Promise<MermaidBrowser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} not found: install Debian's Chromium (scripts/ci/install-chromium.sh, run by .ci/run)`);
  }
  const server = http.createServer((req, res) => {
    if (req.url === '/mermaid.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      fs.createReadStream(MERMAID_JS).pipe(res);
    } else if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stackfit-chromium-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1000, height: 800 },
      deviceScaleFactor: 2,
    });
    const page: Page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => typeof (globalThis as { mermaid?: unknown }).mermaid === 'object');
    await page.evaluate(() => {
      const m = (globalThis as unknown as { mermaid: { initialize(c: object): void } }).mermaid;
      // As GitHub renders: strict security (no HTML labels, no click handlers).
      m.initialize({ startOnLoad: false, securityLevel: 'strict' });
    });
    const ctx = context;
    return {
      render: (definitions) =>
        page.evaluate(
          async (defs) => {
            const m = (
              globalThis as unknown as {
                mermaid: { parse(t: string): Promise<unknown>; render(id: string, t: string): Promise<{ svg: string }> };
              }
            ).mermaid;
            const out: { ok: boolean; svg?: string; error?: string }[] = [];
            for (let i = 0; i < defs.length; i++) {
              try {
                await m.parse(defs[i]!);
                const { svg } = await m.render(`chart${i}`, defs[i]!);
                out.push({ ok: true, svg });
              } catch (err) {
                out.push({ ok: false, error: err instanceof Error ? err.message : String(err) });
              }
            }
            return out;
          },
          [...definitions],
        ),
      screenshot: async (definition, file) => {
        await page.evaluate(async (def) => {
          const m = (globalThis as unknown as { mermaid: { render(id: string, t: string): Promise<{ svg: string }> } }).mermaid;
          const { svg } = await m.render('shotchart', def);
          (globalThis as unknown as { document: { getElementById(id: string): { innerHTML: string } } }).document.getElementById(
            'shot',
          ).innerHTML = svg;
        }, definition);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        await page.locator('#shot').screenshot({ path: file });
      },
      inspectSvg: (svg) =>
        page.evaluate((text) => {
          type El = {
            textContent: string | null;
            tagName: string;
            querySelectorAll(q: string): ArrayLike<El>;
            querySelector(q: string): El | null;
          };
          const g = globalThis as unknown as { DOMParser: new () => { parseFromString(t: string, type: string): El } };
          const doc = new g.DOMParser().parseFromString(text, 'image/svg+xml');
          const error = doc.querySelector('parsererror');
          const all = Array.from(doc.querySelectorAll('*'));
          return {
            ...(error && { parseError: error.textContent ?? 'parse error' }),
            texts: Array.from(doc.querySelectorAll('text')).map((t) => t.textContent ?? ''),
            chartTitle: doc.querySelector('.chart-title text')?.textContent ?? undefined,
            barsPerPlot: Array.from(doc.querySelectorAll('[class^="bar-plot"]')).map((p) => p.querySelectorAll('rect').length),
            linePlots: doc.querySelectorAll('[class^="line-plot"]').length,
            elements: [...new Set(all.map((e) => e.tagName.toLowerCase()))].sort(),
          };
        }, svg),
      close: async () => {
        await ctx.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        fs.rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await context?.close().catch(() => {});
    server.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
}

/** The ```mermaid blocks of a Markdown text, in order. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((m) => m[1]!);
}
