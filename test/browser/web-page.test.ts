/**
 * The web page in a real browser: Debian's Chromium driven by
 * playwright-core, two browser contexts (two people) on one server with its
 * own Redis. They sign up, chat in the public channel and privately; an
 * unread badge appears and clears when the conversation is opened; typing
 * and read receipts show; scrolling up loads older messages; and after the
 * server is restarted the page reconnects by itself and shows every message
 * once. Elements are found by their accessible names, as people and screen
 * readers find them. Screenshots go to a temporary folder.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { ChatClient as TestClient } from '../helpers/client.js';
import { stopNode } from '../helpers/nodes.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** Debian's package; CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WAIT_MS = 10_000;
const OLD_MESSAGES = 80;
const SHOTS = mkdtempSync(join(tmpdir(), 'wschat-web-'));

const log = (page: Page) => page.getByRole('log', { name: 'Messages' });
const conversation = (page: Page, name: string) =>
  page.getByRole('list', { name: 'Conversations' }).getByRole('listitem', { name, exact: true });

/** How many messages in the open conversation read exactly `text`. */
const countOf = (page: Page, text: string) =>
  log(page)
    .locator('.message .text')
    .filter({ hasText: new RegExp(`^${text}$`) })
    .count();

async function signUp(page: Page, url: string, username: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill('password1');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await conversation(page, 'Public').waitFor({ timeout: WAIT_MS });
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await log(page).getByText(text, { exact: true }).waitFor({ timeout: WAIT_MS });
}

describe('the web page in Chromium: two people chatting', { timeout: 120_000 }, () => {
  let redis: TestRedis;
  let server: TestServer;
  let browser: Browser;
  let alice: Page;
  let bob: Page;
  let url: string;
  const names = { alice: `alice${process.pid}`, bob: `bob${process.pid}` };

  before(async () => {
    redis = await startTestRedis();
    server = await startServer(redis.url);
    url = `http://127.0.0.1:${server.port}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
    alice = await (await browser.newContext()).newPage();
    bob = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  });

  after(async () => {
    await browser?.close();
    if (server !== undefined) await stopNode(server);
    await redis?.cleanup();
  });

  it('signs both up and shows a message in the public channel to the other', async () => {
    await signUp(alice, url, names.alice);
    await signUp(bob, url, names.bob);
    await say(alice, 'hello everyone');
    await log(bob).getByText('hello everyone', { exact: true }).waitFor({ timeout: WAIT_MS });
    assert.equal(await countOf(bob, 'hello everyone'), 1);
  });

  it('opens a private chat from the users list; the other gets an unread badge that clears when opened', async () => {
    await bob.getByRole('list', { name: 'Users' }).getByRole('button', { name: names.alice, exact: true }).click();
    await bob.getByRole('heading', { name: names.alice, exact: true }).waitFor({ timeout: WAIT_MS });
    await say(bob, 'hi alice');
    const badge = conversation(alice, names.bob).getByText('1 unread', { exact: true });
    await badge.waitFor({ timeout: WAIT_MS });
    await alice.screenshot({ path: join(SHOTS, 'unread.png') });
    await conversation(alice, names.bob).getByRole('button').click();
    await log(alice).getByText('hi alice', { exact: true }).waitFor({ timeout: WAIT_MS });
    await conversation(alice, names.bob)
      .getByText(/unread/)
      .waitFor({ state: 'detached', timeout: WAIT_MS });
  });

  it('shows the read receipt to the sender once the other has opened the chat', async () => {
    await log(bob).getByText('Seen', { exact: true }).waitFor({ timeout: WAIT_MS });
  });

  it('shows “is typing…” to the other while one types', async () => {
    await alice.getByLabel('Message', { exact: true }).pressSequentially('on my way', { delay: 20 });
    await bob.getByText(`${names.alice} is typing…`).waitFor({ timeout: WAIT_MS });
    await alice.getByRole('button', { name: 'Send' }).click();
    await log(bob).getByText('on my way', { exact: true }).waitFor({ timeout: WAIT_MS });
    await bob.screenshot({ path: join(SHOTS, 'private-phone.png') });
    await bob.getByLabel('Message', { exact: true }).pressSequentially('see you', { delay: 20 });
    await alice.getByText(`${names.bob} is typing…`).waitFor({ timeout: WAIT_MS });
    await alice.screenshot({ path: join(SHOTS, 'private-desktop.png') });
  });

  it('loads older messages when the conversation is scrolled up', async () => {
    const seeder = await TestClient.signedUp(server.url, `seeder${process.pid}`);
    for (let i = 0; i < OLD_MESSAGES; i++) {
      await seeder.authed({ type: 'channelMessage', channelMessage: { recipientUUID: 0, message: `old ${i}` } });
    }
    seeder.close();
    await conversation(alice, 'Public').getByRole('button').click();
    await log(alice)
      .getByText(`old ${OLD_MESSAGES - 1}`, { exact: true })
      .waitFor({ timeout: WAIT_MS });
    assert.equal(await countOf(alice, 'old 0'), 0, 'the first page holds only the newest');
    for (let i = 0; i < 20 && (await countOf(alice, 'old 0')) === 0; i++) {
      await log(alice).evaluate((element) => {
        element.scrollTop = 0;
      });
      await alice.waitForTimeout(250);
    }
    for (const i of [0, 1, OLD_MESSAGES / 2, OLD_MESSAGES - 1]) {
      assert.equal(await countOf(alice, `old ${i}`), 1, `old ${i} shown once`);
    }
    assert.equal(await countOf(alice, 'hello everyone'), 1);
    await log(alice).getByText(`seeder${process.pid}`).first().waitFor({ timeout: WAIT_MS });
  });

  it('reconnects by itself after the server restarts and shows every message once', async () => {
    const port = server.port;
    await stopNode(server);
    await alice.getByRole('status').getByText('Reconnecting…').waitFor({ timeout: WAIT_MS });
    server = await startServer(redis.url, { PORT: String(port) });
    // Sent as soon as the node is back, most likely before the page has reconnected: the rejoin catches it up.
    const seeder = await TestClient.connect(server.url);
    await seeder.signIn(`seeder${process.pid}`);
    await seeder.authed({
      type: 'channelMessage',
      channelMessage: { recipientUUID: 0, message: 'while you were away' },
    });
    seeder.close();
    await alice.getByRole('status').waitFor({ state: 'hidden', timeout: 30_000 });
    await conversation(bob, 'Public').getByRole('button').click();
    await say(bob, 'after the restart');
    await log(alice).getByText('after the restart', { exact: true }).waitFor({ timeout: 30_000 });
    for (const text of ['hello everyone', 'while you were away', 'after the restart', `old ${OLD_MESSAGES - 1}`]) {
      assert.equal(await countOf(alice, text), 1, `${text} once`);
    }
    await alice.screenshot({ path: join(SHOTS, 'after-restart.png') });
  });
});
