// Two Chromium pages (Debian's /usr/bin/chromium, driven by
// playwright-core; no browser download) join room lobby through the
// bundled chat client: Ada's message shows on Bob's page, once on hers.
// The Go test TestChromium serves the page (PAGE_URL) in front of the
// real chat server and reads the screenshots from SHOT_DIR.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { chromium, type Page } from "playwright-core";

function need(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === "") throw new Error(name + " is not set: run this file through go test ./internal/tsruntime");
  return v;
}

test("Ada's message shows on Bob's page and once on hers", async () => {
  const browser = await chromium.launch({
    executablePath: need("CHROMIUM"),
    headless: true,
    args: JSON.parse(need("CHROMIUM_FLAGS")) as string[],
  });
  try {
    const errors: string[] = [];
    const open = async (name: string): Promise<Page> => {
      const page = await browser.newPage();
      page.on("pageerror", (err) => errors.push(name + ": " + err.message));
      await page.goto(need("PAGE_URL") + "/?room=lobby&name=" + name);
      await page.waitForSelector("body[data-state=connected]", { timeout: 15000 });
      return page;
    };
    const ada = await open("Ada");
    const bob = await open("Bob");
    await ada.fill("#message", "Hello from Ada");
    await ada.click("button");
    await bob.waitForSelector("li.theirs:has-text('Ada: Hello from Ada')", { timeout: 15000 });
    // Bob answers, so that by the time Ada sees his line any copy of her
    // own message would have come back to her too.
    await bob.fill("#message", "Hi Ada");
    await bob.click("button");
    await ada.waitForSelector("li.theirs:has-text('Bob: Hi Ada')", { timeout: 15000 });
    assert.deepEqual(await ada.locator("li").allTextContents(), ["Ada: Hello from Ada", "Bob: Hi Ada"]);
    assert.deepEqual(await bob.locator("li").allTextContents(), ["Ada: Hello from Ada", "Bob: Hi Ada"]);
    await ada.screenshot({ path: join(need("SHOT_DIR"), "ada.png") });
    await bob.screenshot({ path: join(need("SHOT_DIR"), "bob.png") });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
