// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, for the UI tests and the
// UI benchmark: a fresh user data dir per launch, no network besides what the page asks for, and a
// helper that signs in through the real form. In CI (`CI=true`) a missing Chromium is an error.
// Also the UI tests' shared setup: the built UI, a tracerelay with an admin (and a viewer), a page that
// records requests leaving tracerelay, screenshots at 1440×900 and 390×844 (no horizontal scrolling on
// the narrow screen) and requests made exactly as the browser would make them.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { hashPassword } from "../lib/auth/users.ts";
import { buildUi } from "../scripts/ui/build.ts";
import { REPO_ROOT, startTracerelay, type Tracerelay } from "./harness/tracerelay.ts";

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

/** Signs the current user out through the top bar, then `email` in through the form. */
export async function switchUser(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("Email").waitFor();
  await signIn(page, baseUrl, email, password);
}

// ---------------------------------------------------------------- the UI tests' setup

export const ADMIN = { email: "admin@example.test", password: "admin-password-1" };
export const VIEWER = { email: "viewer@example.test", password: "viewer-password-1" };
export const SCREENSHOTS = join(REPO_ROOT, "artifacts", "screenshots");

/**
 * What a UI test file runs against: `tr`, a tracerelay whose admin (ADMIN) comes from the environment
 * (with `viewer`, VIEWER is written into `users.json` before start: the viewer then exists without the
 * Users page), and `page` in a fresh Chromium, signed in as `signInAs` when given; `external` collects
 * every request the page makes outside tracerelay (data: URLs aside). `close` stops both.
 */
export interface UiRun {
  tr: Tracerelay;
  browser: BrowserSession;
  page: Page;
  external: string[];
  close(): Promise<void>;
}

/** Starts a UI run; first, Chromium must be there (else an error, also outside CI), the UI is built and the screenshot folder made. */
export async function startUi(opts: { config?: string; viewer?: boolean; signInAs?: { email: string; password: string } } = {}): Promise<UiRun> {
  if (!chromiumAvailable()) throw new Error(`${CHROMIUM} is missing: run \`node scripts/chromium/install.ts\` (as root)`);
  buildUi();
  await mkdir(SCREENSHOTS, { recursive: true });
  let dataDir: string | undefined;
  if (opts.viewer) {
    dataDir = await mkdtemp(join(tmpdir(), "tracerelay-ui-"));
    const viewer = { id: "viewer0001", email: VIEWER.email, role: "viewer", password: await hashPassword(VIEWER.password), created_at: new Date().toISOString() };
    await writeFile(join(dataDir, "users.json"), JSON.stringify({ users: [viewer] }));
  }
  const tr = await startTracerelay({
    ...(dataDir ? { dataDir } : {}),
    ...(opts.config !== undefined ? { config: opts.config } : {}),
    env: { TRACERELAY_INIT_ADMIN_EMAIL: ADMIN.email, TRACERELAY_INIT_ADMIN_PASSWORD: ADMIN.password },
  });
  let browser: BrowserSession | undefined;
  const close = async () => {
    await browser?.close();
    await tr.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    browser = await launchBrowser();
    const page = await browser.context.newPage();
    const external: string[] = [];
    page.on("request", (r) => {
      const u = r.url();
      if (!u.startsWith(tr.url) && !u.startsWith("data:")) external.push(u);
    });
    if (opts.signInAs) await signIn(page, tr.url, opts.signInAs.email, opts.signInAs.password);
    return { tr, browser, page, external, close };
  } catch (e) {
    await close();
    throw e;
  }
}

export interface ShotOptions {
  /** The whole page (default) or the viewport only. */
  fullPage?: boolean;
  /** How long to let the layout settle after a resize; default 200 ms. */
  settleMs?: number;
  /** Fail when the narrow page scrolls sideways, naming the elements sticking out (default true). */
  checkWidth?: boolean;
  /** Runs at the narrow size before its screenshot. */
  narrow?: (page: Page) => Promise<void>;
}

/** Screenshots `<name>-1440x900.png` and `<name>-390x844.png` in SCREENSHOTS; the page is left at 1440×900. */
export async function screenshots(page: Page, name: string, opts: ShotOptions = {}): Promise<void> {
  const { fullPage = true, settleMs = 200, checkWidth = true } = opts;
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.waitForTimeout(settleMs);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-1440x900.png`), fullPage });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(settleMs);
  if (checkWidth) await expectNoHorizontalScroll(page, 390);
  if (opts.narrow) await opts.narrow(page);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-390x844.png`), fullPage });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.waitForTimeout(100);
}

/** Nothing wider than the screen: the page itself does not scroll sideways (the elements sticking out are named when it does). */
export async function expectNoHorizontalScroll(page: Page, width: number): Promise<void> {
  const wide = await page.evaluate<string[]>(
    `[...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > ${width + 1})
      .filter((e) => { for (let p = e.parentElement; p; p = p.parentElement) if (getComputedStyle(p).overflowX !== "visible") return false; return true; })
      .slice(0, 5)
      .map((e) => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))`,
  );
  const scrollWidth = await page.evaluate<number>("document.documentElement.scrollWidth");
  if (scrollWidth > width || wide.length > 0) throw new Error(`the page is wider than ${width}px: scrollWidth ${scrollWidth}, sticking out: ${JSON.stringify(wide)}`);
}

/** A request exactly as the browser would send it (its session cookie and the CSRF header). */
export async function fetchAsBrowser<T = unknown>(context: BrowserContext, baseUrl: string, method: string, path: string, body: string, contentType: string): Promise<{ status: number; json: T }> {
  const cookies = await context.cookies(baseUrl);
  const csrf = decodeURIComponent(cookies.find((c) => c.name === "tr_csrf")?.value ?? "");
  const r = await fetch(`${baseUrl}${path}`, { method, headers: { "content-type": contentType, "x-csrf-token": csrf, cookie: cookies.map((c) => `${c.name}=${c.value}`).join("; ") }, body });
  return { status: r.status, json: (await r.json()) as T };
}
