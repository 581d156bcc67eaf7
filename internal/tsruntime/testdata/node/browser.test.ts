// Two Chromium pages (Debian's /usr/bin/chromium, driven by
// playwright-core; no browser download) load the chat page of the real
// examples/chat server (PAGE_URL: its /chat/, as `go run ./examples/chat`
// serves it, with the committed bundle of the TypeScript chat client) and
// join room lobby: Ada's message shows on Bob's page, and once on hers.
// The Go test TestChromium starts the server and reads the screenshots
// from SHOT_DIR.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { chromium, type Page } from "playwright-core";

function need(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === "") throw new Error(name + " is not set: run this file through go test ./internal/tsruntime");
  return v;
}

// The lines members wrote, without the page's own notes (joined, disconnected).
const said = (page: Page) => page.locator("#log li:not(.system)").allTextContents();

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
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(name + ": console: " + m.text());
      });
      page.on("response", (r) => {
        if (r.status() >= 400) errors.push(name + ": " + r.status() + " " + r.url());
      });
      await page.goto(need("PAGE_URL"));
      await page.fill("#join [name=name]", name);
      await page.fill("#join [name=room]", "lobby");
      await page.click("#joinButton");
      await page.waitForSelector("body[data-state=connected]", { timeout: 15000 });
      return page;
    };
    const ada = await open("Ada");
    const bob = await open("Bob");
    await ada.fill("#send [name=message]", "Hello from Ada");
    await ada.click("#send button");
    await bob.waitForSelector("#log li:has-text('Ada: Hello from Ada')", { timeout: 15000 });
    // Bob answers, so that by the time Ada sees his line any copy of her
    // own message would have come back to her too.
    await bob.fill("#send [name=message]", "Hi Ada");
    await bob.click("#send button");
    await ada.waitForSelector("#log li:has-text('Bob: Hi Ada')", { timeout: 15000 });
    assert.deepEqual(await said(ada), ["Ada: Hello from Ada", "Bob: Hi Ada"]);
    assert.deepEqual(await said(bob), ["Ada: Hello from Ada", "Bob: Hi Ada"]);
    assert.deepEqual(await ada.locator("#log li.me").allTextContents(), ["Ada: Hello from Ada"]);
    await ada.screenshot({ path: join(need("SHOT_DIR"), "ada.png") });
    await bob.screenshot({ path: join(need("SHOT_DIR"), "bob.png") });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
