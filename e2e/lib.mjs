// What the browser tests and the screenshot script share: Debian's Chromium driven by
// playwright-core, and logging in through the login form.
import { createHmac } from "node:crypto";
import { chromium } from "playwright-core";

export const base = process.env.REPATRIA_URL;
if (!base) throw new Error("REPATRIA_URL is not set (the address of a running `repatria demo`)");

/** role → { username, password }, from `account ROLE USERNAME PASSWORD` lines. */
export const accounts = JSON.parse(process.env.REPATRIA_ACCOUNTS || "{}");

export async function launch() {
  return chromium.launch({
    executablePath: process.env.REPATRIA_CHROMIUM || "/usr/bin/chromium",
    // Root in containers and CI has no user namespaces for Chromium's sandbox.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

/** A new browser context logged in as `role` through the login form. */
export async function loginAs(browser, role, options = {}) {
  const account = accounts[role];
  if (!account) throw new Error(`no demo account for the role ${role}`);
  return loginWith(browser, account.username, account.password, options);
}

/** A new browser context logged in with a user name and password (and a one-time code);
 * `options.viewport` and `options.hasTouch` make it a tablet. */
export async function loginWith(browser, username, password, options = {}) {
  const context = await browser.newContext({
    viewport: options.viewport || { width: 1280, height: 860 },
    hasTouch: !!options.hasTouch,
    locale: options.locale || "en-GB",
  });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel(/User name|Ім'я користувача/).fill(username);
  await page.getByLabel(/^Password|^Пароль/).fill(password);
  if (options.code) await page.getByLabel("One-time code").fill(options.code);
  await page.keyboard.press("Enter");
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  return { context, page };
}

/** Calls the JSON API with a bearer token of `role` (for a scenario's preconditions). */
export async function api(role, method, path, body) {
  const account = accounts[role];
  if (!api.tokens) api.tokens = {};
  if (!api.tokens[role]) {
    const login = await fetch(`${base}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: account.username, password: account.password }),
    });
    if (!login.ok) throw new Error(`API login as ${role}: ${login.status}`);
    api.tokens[role] = (await login.json()).token;
  }
  const answer = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${api.tokens[role]}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/** The RFC 6238 code (HMAC-SHA1, 6 digits, 30 s) of a base32 `secret` for `step`. */
export function totpCode(secret, step) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "").toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1000000;
  return String(value).padStart(6, "0");
}
