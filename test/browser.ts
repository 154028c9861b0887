// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, for the UI tests and the
// UI benchmark: a fresh user data dir per launch, no network besides what the page asks for, and a
// helper that signs in through the real form. In CI (`CI=true`) a missing Chromium is an error.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const chromiumAvailable = (): boolean => existsSync(CHROMIUM);
/** Skip the browser tests only outside CI; in CI a missing Chromium must fail. */
export const skipBrowserTests = (): boolean => !chromiumAvailable() && process.env.CI !== "true";

export interface BrowserSession {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A persistent context on a fresh temp user data dir (removed by `close`). */
export async function launchBrowser(viewport = { width: 1440, height: 900 }): Promise<BrowserSession> {
  if (!chromiumAvailable()) throw new Error(`${CHROMIUM} is missing: run \`node scripts/chromium/install.ts\` (as root)`);
  const userDataDir = await mkdtemp(join(tmpdir(), "tracerelay-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    timezoneId: "UTC",
    locale: "en-US",
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Signs in through the form at `/login`; resolves once the app shell shows the user. */
export async function signIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("user-email").waitFor({ state: "attached" });
}
