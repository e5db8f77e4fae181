// Lighthouse's mobile performance score of the home page and sign-in
// (`make bench PARTS=lighthouse`): a judge nobody here wrote, in its default
// mobile setting (a simulated slow 4G link and a CPU 4x slower), on Debian's
// Chromium. Each page's median of RUNS runs against the budget of 90, with
// total blocking time and bytes downloaded. Sawda runs on loopback and stops
// by itself; Lighthouse is installed outside the clone by
// `scripts/install-tools.sh --bench` (LIGHTHOUSE names it).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSawda, CHROMIUM_FLAGS } from '../tests/support.mjs';

const RUNS = Number(process.env.RUNS ?? 3);
const BUDGET = 90;
const lighthouse = process.env.LIGHTHOUSE;
if (!lighthouse) throw new Error('LIGHTHOUSE must name the lighthouse command (make bench sets it)');

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function audit(url) {
  const dir = mkdtempSync(join(tmpdir(), 'sawda-lighthouse-'));
  try {
    const report = join(dir, 'report.json');
    execFileSync(lighthouse, [
      url, '--only-categories=performance', '--output=json', `--output-path=${report}`, '--quiet',
      `--chrome-flags=${CHROMIUM_FLAGS.join(' ')}`,
    ], { env: { ...process.env, CHROME_PATH: '/usr/bin/chromium' }, timeout: 180_000, stdio: ['ignore', 'ignore', 'inherit'] });
    const result = JSON.parse(readFileSync(report, 'utf8'));
    return {
      score: Math.round(result.categories.performance.score * 100),
      blocking: result.audits['total-blocking-time'].numericValue,
      bytes: result.audits['total-byte-weight'].numericValue,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sawda = await startSawda({ seconds: 900 });
try {
  console.log(`Lighthouse ${execFileSync(lighthouse, ['--version'], { encoding: 'utf8' }).trim()}, mobile (simulated slow 4G, CPU 4x slower), median of ${RUNS}:`);
  for (const [name, path] of [['home', '/'], ['sign-in', '/sign-in']]) {
    const runs = Array.from({ length: RUNS }, () => audit(`${sawda.url}${path}`));
    const score = median(runs.map((r) => r.score));
    console.log(`  ${name.padEnd(8)} performance ${score} (budget ≥ ${BUDGET}${score >= BUDGET ? '' : ': OVER'}); `
      + `runs ${runs.map((r) => r.score).join(', ')}; total blocking time ${Math.round(median(runs.map((r) => r.blocking)))} ms; `
      + `${Math.round(median(runs.map((r) => r.bytes)) / 1024)} KiB downloaded`);
  }
} finally {
  await sawda.stop();
}
