// The browser the web tests drive: Debian's Chromium, installed by this script when it is missing
// (as root, through apt; browser downloads from vendor sites are not reachable on the project's
// machines, Debian's package is). CHROMIUM_PATH overrides it.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const log = (msg) => process.stderr.write(`[browser] ${msg}\n`);

const found = () => [process.env.CHROMIUM_PATH, ...CANDIDATES].find((p) => p && existsSync(p)) ?? null;

function apt(args) {
  // Another installer (a second test run on the machine) holding dpkg's lock is waited for, not failed on.
  const r = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return r.status === 0 ? null : (r.stderr?.toString().trim().split('\n').slice(-3).join(' ') ?? `apt-get ${args[0]} failed`);
}

/** The Chromium binary, installing it first when needed: { path } or { error } saying why there is none. */
export function ensureChromium() {
  const existing = found();
  if (existing) return { path: existing };
  if (process.getuid?.() !== 0)
    return { error: 'Chromium is not installed (as root, the test set-up installs Debian’s chromium package; or set CHROMIUM_PATH)' };
  if (spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).error)
    return { error: 'Chromium is not installed and apt-get is not available (set CHROMIUM_PATH)' };
  log('installing Debian chromium (first run on this machine only)');
  const t0 = Date.now();
  const install = ['install', '-y', '--no-install-recommends', 'chromium'];
  const failed = apt(install) && (apt(['update', '-qq']) ?? apt(install));
  const path = found();
  if (!path) return { error: `installing chromium failed: ${failed ?? 'no binary after install'}` };
  log(`chromium ready at ${path} (${Math.round((Date.now() - t0) / 1000)} s)`);
  return { path };
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const result = ensureChromium();
  if (result.error) {
    console.error(result.error);
    process.exit(1);
  }
  console.log(result.path);
}
