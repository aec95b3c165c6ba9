/** The Chromium binary, installing Debian's package first when needed (as root). */
export function ensureChromium(): { path: string; error?: undefined } | { path?: undefined; error: string };
