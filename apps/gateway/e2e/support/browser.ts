import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, installed by `tools/setup`; nothing here ever downloads a browser. */
export const CHROMIUM = process.env['DDS_LLM_CHROMIUM'] ?? '/usr/bin/chromium';

/** Headless Chromium with the flags that keep it quiet and self-contained on a CI machine. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: run \`bash tools/setup\` (Debian's chromium)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}
