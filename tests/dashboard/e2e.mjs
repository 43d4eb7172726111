// Drives the dashboard in headless Chromium. dashboard_test.go starts the cluster, passes the
// expectations in the environment, and answers "READY" on stdin once it has added one more grain.
import { chromium } from "playwright-core";
import { createInterface } from "node:readline";
import { mkdirSync } from "node:fs";

const env = (k) => {
  if (!process.env[k]) throw new Error(`missing ${k}`);
  return process.env[k];
};
const base = env("DASHBOARD_URL");
const artifacts = env("ARTIFACTS");
const grains = Number(env("EXPECT_GRAINS"));
mkdirSync(artifacts, { recursive: true });

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const step = (s) => console.log(`step: ${s}`);

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
const text = (sel) => page.locator(sel).first().innerText();
const waitText = async (sel, want) => {
  await page.waitForFunction(([s, w]) => document.querySelector(s)?.innerText.trim() === w, [sel, String(want)], { timeout: 20000 })
    .catch(async () => { throw new Error(`${sel}: "${await text(sel).catch(() => "(absent)")}", want "${want}"`); });
};
const waitCount = async (sel, want) => {
  await page.waitForFunction(([s, w]) => document.querySelectorAll(s).length === w, [sel, want], { timeout: 20000 })
    .catch(async () => { throw new Error(`${await page.locator(sel).count()} × ${sel}, want ${want}`); });
};

try {
  step("overview shows every member and grain");
  await page.goto(base + "/dashboard/");
  await waitText("[data-testid=total-members]", env("EXPECT_MEMBERS"));
  await waitCount("[data-testid=member-row]", Number(env("EXPECT_MEMBERS")));
  await waitText("[data-testid=total-grains]", grains);
  const perMember = await page.locator("[data-testid=member-grains]").allInnerTexts();
  if (perMember.reduce((a, b) => a + Number(b), 0) !== grains) throw new Error(`member grain counts ${perMember} do not add up to ${grains}`);
  await waitText("[data-testid=total-unsynced]", env("EXPECT_UNSYNCED"));
  await page.screenshot({ path: `${artifacts}/overview.png`, fullPage: true });

  step("live update without reload");
  await page.evaluate(() => { window.__sameDocument = true; });
  console.log("READY");
  await lines.next(); // the test added a grain
  await waitText("[data-testid=total-grains]", grains + 1);
  if (!(await page.evaluate(() => window.__sameDocument === true))) throw new Error("the page reloaded");

  step("search by job UID");
  await page.click("[data-testid=nav-grains]");
  await page.fill("[data-testid=search]", env("SEARCH_UID"));
  await page.press("[data-testid=search]", "Enter");
  await waitCount("[data-testid=grain-row]", 1);
  const uid = await page.locator("[data-testid=grain-row]").getAttribute("data-uid");
  if (uid !== env("SEARCH_UID")) throw new Error(`search found ${uid}`);

  step("search by user");
  await page.fill("[data-testid=search]", env("SEARCH_USER"));
  await page.press("[data-testid=search]", "Enter");
  await waitCount("[data-testid=grain-row]", Number(env("EXPECT_USER_GRAINS")));

  step("grain detail with its timeline");
  await page.fill("[data-testid=search]", env("SEARCH_UID"));
  await page.press("[data-testid=search]", "Enter");
  await waitCount("[data-testid=grain-row]", 1);
  await page.click("[data-testid=grain-link]");
  await waitText("[data-testid=grain-state]", env("EXPECT_STATE"));
  await waitCount("[data-testid=timeline-row]", Number(env("EXPECT_TIMELINE")));
  const states = await page.locator("[data-testid=timeline-row] td:first-child").allInnerTexts();
  if (states.join(",") !== env("EXPECT_TIMELINE_STATES")) throw new Error(`timeline ${states}`);
  await page.screenshot({ path: `${artifacts}/grain.png`, fullPage: true });

  step("jobs not in sync, with the reason");
  await page.click("[data-testid=nav-unsynced]");
  await waitCount("[data-testid=grain-row]", Number(env("EXPECT_UNSYNCED")));
  const row = page.locator(`[data-testid=grain-row][data-uid="${env("UNSYNCED_UID")}"]`);
  if (!(await row.innerText()).includes(env("UNSYNCED_REASON"))) throw new Error(`unsynced row: ${await row.innerText()}`);
  await page.screenshot({ path: `${artifacts}/unsynced.png`, fullPage: true });
  console.log("dashboard e2e: ok");
} catch (e) {
  await page.screenshot({ path: `${artifacts}/failure.png`, fullPage: true }).catch(() => {});
  console.error("dashboard e2e failed:", e.message);
  process.exitCode = 1;
} finally {
  await browser.close();
  process.exit(process.exitCode ?? 0);
}
