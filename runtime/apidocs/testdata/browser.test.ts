// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
// no browser download) opens the docs page of a real chat server
// (PAGE_URL, examples/chat's document) and drives its console: it connects
// to room lobby, sends ping and sees pong, and an edited new_chat_message
// with an empty message is refused in the page with the problems the
// server itself answers that frame with (fetched here over a plain
// WebSocket: SOCKET_URL) and never sent. The Go test TestConsoleInChromium
// starts the server, counts the frames it receives and reads the
// screenshot from SHOT_DIR.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { chromium } from "playwright-core";
import WebSocket from "ws";

function need(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === "") throw new Error(name + " is not set: run this file through go test ./runtime/apidocs");
  return v;
}

// serverProblems sends text to the server over a WebSocket of its own and
// returns the payload of the error frame it answers with.
function serverProblems(url: string, text: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on("open", () => ws.send(text));
    ws.on("message", (data) => {
      const f = JSON.parse(data.toString()) as { action: string; payload: unknown };
      if (f.action !== "error") return;
      ws.close();
      resolve(f.payload);
    });
    ws.on("error", reject);
  });
}

test("the console sends ping, shows pong, and refuses an invalid message as the server would", async () => {
  const browser = await chromium.launch({
    executablePath: need("CHROMIUM"),
    headless: true,
    args: JSON.parse(need("CHROMIUM_FLAGS")) as string[],
  });
  try {
    const errors: string[] = [];
    const page = await browser.newPage();
    page.on("pageerror", (err) => errors.push(err.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push("console: " + m.text());
    });
    page.on("response", (r) => {
      if (r.status() >= 400) errors.push(r.status() + " " + r.url());
    });
    await page.goto(need("PAGE_URL"));

    // The page renders the chat document.
    assert.equal(await page.title(), "chanx chat 1.0.0");
    await page.waitForSelector("section[id='/channels/chat'] code:has-text('/ws/chat/{room}')");
    await page.waitForSelector("section[id='/components/messages/new_chat_message'] >> text=Hello, room!");

    // The console, by keyboard where a user would use one: the room
    // parameter comes from the document's example.
    await page.waitForSelector("#console[data-ready=true]", { timeout: 15000 });
    assert.equal(await page.inputValue("#console-param-room"), "lobby");
    await page.fill("#console-param-room", "lobby");
    const socketURL = await page.textContent("#console-url");
    assert.equal(socketURL, need("SOCKET_URL"));
    await page.focus("#console-connect-button");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#console[data-state=connected]", { timeout: 15000 });

    // ping: its generated value, sent, and pong comes back, valid.
    await page.selectOption("#console-message", "ping");
    assert.deepEqual(JSON.parse(await page.inputValue("#console-frame")), { action: "ping", payload: null });
    await page.click("#console-send-button");
    await page.waitForSelector("#console-log li.out code:has-text('\"action\":\"ping\"')", { timeout: 15000 });
    await page.waitForSelector("#console-log li.in.valid code:has-text('\"action\":\"pong\"')", { timeout: 15000 });
    assert.match((await page.textContent("#console-log li.in.valid")) ?? "", /^\d\d:\d\d:\d\d\.\d\d\d ← received .*pong, valid$/);

    // new_chat_message: its example, edited to an empty message.
    await page.selectOption("#console-message", "new_chat_message");
    const example = JSON.parse(await page.inputValue("#console-frame")) as { payload: { message: string } };
    assert.equal(example.payload.message, "Hello, room!");
    example.payload.message = "";
    const invalid = JSON.stringify(example);
    await page.fill("#console-frame", invalid);
    await page.click("#console-send-button");
    await page.waitForSelector("#console-log li.refused", { timeout: 15000 });
    const shown = JSON.parse((await page.textContent("#console-problem-list")) ?? "null") as unknown;
    const fromServer = await serverProblems(need("SOCKET_URL"), invalid);
    assert.deepEqual(shown, fromServer);
    assert.deepEqual(shown, [{ type: "string_too_short", loc: ["payload", "message"], msg: "String should have at least 1 character" }]);
    // Not sent: the log holds the ping alone as sent.
    assert.equal(await page.locator("#console-log li.out").count(), 1);
    assert.equal(await page.locator("#console-log li.error").count(), 0);

    // A frame with an undeclared action is refused as the server would too.
    const unknown = '{"action":"shout"}';
    await page.fill("#console-frame", unknown);
    await page.click("#console-validate");
    const shownTag = JSON.parse((await page.textContent("#console-problem-list")) ?? "null") as unknown;
    assert.deepEqual(shownTag, await serverProblems(need("SOCKET_URL"), unknown));

    // So is a frame that is not JSON.
    await page.fill("#console-frame", "{\"action\": ");
    await page.click("#console-validate");
    const shownJSON = JSON.parse((await page.textContent("#console-problem-list")) ?? "null") as unknown;
    assert.deepEqual(shownJSON, await serverProblems(need("SOCKET_URL"), "{\"action\": "));

    await page.locator("#console").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(need("SHOT_DIR"), "console.png") });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
