// Drives Swagger UI at /docs of a running tutorial app in the system Chromium, as a user would:
// Authorize as johndoe (ticking the `me` and `items` scopes in the scopes variant), call
// GET /users/me/ with "Try it out" and "Execute" (200 and johndoe's JSON), log out, and call it
// again (401). Saves a screenshot of every step.
//
//   node run.mjs --url http://127.0.0.1:8000 --variant jwt|scopes [--server NAME]
//                [--screenshots DIR] [--chromium PATH]
//
// Exits 0 when every step passed, 1 on the first failure (with a screenshot of the page as it
// was), 2 on a bad command line. Playwright never downloads a browser here: it drives the
// Chromium at --chromium (default /usr/bin/chromium), in a fresh profile, with background
// networking off.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const SCHEME = 'OAuth2PasswordBearer';
const JOHNDOE = {
  username: 'johndoe',
  email: 'johndoe@example.com',
  full_name: 'John Doe',
  disabled: false,
};

function usage(message) {
  console.error(`${message}
usage: node run.mjs --url URL --variant jwt|scopes [--server NAME] [--screenshots DIR] [--chromium PATH]`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    server: 'app',
    screenshots: join(here, 'screenshots'),
    chromium: '/usr/bin/chromium',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) usage(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--url': opts.url = value().replace(/\/+$/, ''); break;
      case '--variant': opts.variant = value(); break;
      case '--server': opts.server = value(); break;
      case '--screenshots': opts.screenshots = value(); break;
      case '--chromium': opts.chromium = value(); break;
      case '-h': case '--help': usage('Swagger UI login test'); break;
      default: usage(`unknown argument ${arg}`);
    }
  }
  if (!opts.url) usage('--url is required');
  if (!['jwt', 'scopes'].includes(opts.variant)) usage('--variant must be jwt or scopes');
  if (!/^[A-Za-z0-9_.-]+$/.test(opts.server)) usage('--server must be a plain name');
  return opts;
}

class Failure extends Error {}

function check(condition, message) {
  if (!condition) throw new Failure(message);
}

function sameSet(a, b) {
  return a.length === b.length && a.every((x) => b.includes(x));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const label = `${opts.server}-${opts.variant}`;
  mkdirSync(opts.screenshots, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'tessera-chromium-'));
  // A persistent context is how Playwright takes a user data directory: a fresh one per run.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: opts.chromium,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 1400 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  const origin = new URL(opts.url).origin;
  const outside = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['data:', 'blob:'].includes(u.protocol) && u.origin !== origin) outside.push(r.url());
  });

  let step = 'start';
  let n = 0;
  const shot = async (name) => {
    n += 1;
    const file = join(opts.screenshots, `${label}-${String(n).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
  };
  const run = async (name, body) => {
    step = name;
    await body();
    await shot(name);
    console.log(`ok   ${label}: ${name}`);
  };

  const operation = page.locator('#operations-default-read_users_me');
  const meResponse = () =>
    page.waitForResponse((r) => new URL(r.url()).pathname === '/users/me/' && r.request().method() === 'GET');
  const liveStatus = operation.locator('.live-responses-table tr.response .response-col_status');
  const liveBody = operation.locator('.live-responses-table tr.response .response-col_description');

  try {
    await run('docs', async () => {
      const r = await page.goto(`${opts.url}/docs`, { waitUntil: 'load', timeout: 60_000 });
      check(r, 'GET /docs got no response');
      check(r.status() === 200, `GET /docs returned ${r.status()}`);
      check(new URL(page.url()).pathname === '/docs', `the page is at ${page.url()}, not /docs`);
      await page.locator('.swagger-ui .info .title').waitFor();
      await operation.waitFor();
      const lock = operation.locator('.authorization__btn');
      check(
        (await lock.getAttribute('aria-label')) === 'authorization button unlocked',
        'GET /users/me/ has no open lock before authorizing',
      );
    });

    let tokenRequest;
    await run('authorize-dialog', async () => {
      await page.locator('.scheme-container .auth-wrapper button.authorize').click();
      const modal = page.locator('.modal-ux');
      await modal.waitFor();
      check(
        (await modal.textContent()).includes(SCHEME),
        `the Authorize dialog does not show ${SCHEME}`,
      );
      await modal.locator('#oauth_username').fill('johndoe');
      await modal.locator('#oauth_password').fill('secret');
      const boxes = modal.locator('.scopes input[type="checkbox"]');
      if (opts.variant === 'scopes') {
        for (const scope of ['me', 'items']) {
          const id = `${scope}-password-checkbox-${SCHEME}`;
          await modal.locator(`label[for="${id}"]`).click();
          check(await modal.locator(`[id="${id}"]`).isChecked(), `the ${scope} box is not ticked`);
        }
        check((await boxes.count()) === 2, `${await boxes.count()} scope boxes, want 2`);
      } else {
        check((await boxes.count()) === 0, `${await boxes.count()} scope boxes in the jwt variant`);
      }
    });

    await run('authorized', async () => {
      const modal = page.locator('.modal-ux');
      const token = page.waitForResponse((r) => r.request().method() === 'POST');
      await modal.getByRole('button', { name: 'Apply given OAuth2 credentials' }).click();
      const r = await token;
      tokenRequest = r.request();
      const path = new URL(r.url()).pathname;
      // The relative tokenUrl "token" must resolve to /token from the page at /docs.
      check(path === '/token', `the token request went to ${path}, not /token`);
      check(r.status() === 200, `POST /token answered ${r.status()}: ${await r.text()}`);
      const form = new URLSearchParams(tokenRequest.postData() ?? '');
      check(form.get('grant_type') === 'password', `grant_type ${form.get('grant_type')}`);
      check(form.get('username') === 'johndoe', `username ${form.get('username')}`);
      const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      const want = opts.variant === 'scopes' ? ['me', 'items'] : [];
      check(sameSet(scopes, want), `requested scopes [${scopes}], want [${want}]`);
      const body = await r.json();
      check(typeof body.access_token === 'string' && body.access_token.length > 0, 'no access_token');
      await modal.getByRole('button', { name: 'Remove authorization' }).waitFor();
      check(
        !(await modal.locator('.errors').count()),
        `the dialog shows an error: ${await modal.locator('.errors').first().textContent().catch(() => '')}`,
      );
    });

    await run('dialog-closed', async () => {
      await page.locator('.modal-ux button.btn-done').click();
      await page.locator('.modal-ux').waitFor({ state: 'detached' });
      const lock = operation.locator('.authorization__btn');
      check(
        (await lock.getAttribute('aria-label')) === 'authorization button locked',
        'GET /users/me/ does not show a closed lock after authorizing',
      );
    });

    await run('me-200', async () => {
      await operation.locator('.opblock-summary').first().click();
      await operation.locator('button.try-out__btn').click();
      const response = meResponse();
      await operation.locator('button.execute').click();
      const r = await response;
      const auth = await r.request().headerValue('authorization');
      check(auth?.startsWith('Bearer '), `GET /users/me/ was sent with Authorization ${auth}`);
      check(r.status() === 200, `GET /users/me/ answered ${r.status()}: ${await r.text()}`);
      const body = await r.json();
      check(JSON.stringify(body) === JSON.stringify(JOHNDOE), `GET /users/me/ answered ${JSON.stringify(body)}`);
      await liveStatus.filter({ hasText: /^200$/ }).waitFor();
      const shown = await liveBody.textContent();
      for (const member of ['"username": "johndoe"', '"email": "johndoe@example.com"', '"disabled": false']) {
        check(shown.includes(member), `the response shown lacks ${member}: ${shown}`);
      }
    });

    await run('logged-out', async () => {
      await page.locator('.scheme-container .auth-wrapper button.authorize').click();
      const modal = page.locator('.modal-ux');
      await modal.waitFor();
      await modal.getByRole('button', { name: 'Remove authorization' }).click();
      await modal.getByRole('button', { name: 'Apply given OAuth2 credentials' }).waitFor();
      await modal.locator('button.btn-done').click();
      await modal.waitFor({ state: 'detached' });
      const lock = operation.locator('.authorization__btn');
      check(
        (await lock.getAttribute('aria-label')) === 'authorization button unlocked',
        'GET /users/me/ still shows a closed lock after logging out',
      );
    });

    await run('me-401', async () => {
      const response = meResponse();
      await operation.locator('button.execute').click();
      const r = await response;
      const auth = await r.request().headerValue('authorization');
      check(auth === null, `after logout GET /users/me/ was still sent with Authorization ${auth}`);
      check(r.status() === 401, `after logout GET /users/me/ answered ${r.status()}`);
      const body = await r.json();
      check(body.detail === 'Not authenticated', `after logout GET /users/me/ answered ${JSON.stringify(body)}`);
      await liveStatus.filter({ hasText: /^401$/ }).waitFor();
      check((await liveBody.textContent()).includes('Not authenticated'), 'the 401 body is not shown');
    });

    check(outside.length === 0, `the page fetched from elsewhere: ${outside.join(', ')}`);
    console.log(`PASS ${label}`);
    return 0;
  } catch (e) {
    const message = e instanceof Failure ? e.message : e.stack ?? String(e);
    console.error(`FAIL ${label}: ${step}: ${message}`);
    await page
      .screenshot({ path: join(opts.screenshots, `${label}-failed-${step}.png`), fullPage: true })
      .catch(() => {});
    return 1;
  } finally {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

process.exitCode = await main();
