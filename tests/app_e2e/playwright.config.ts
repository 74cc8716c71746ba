/**
 * Runs the mobile app's own end-to-end specs (its e2e/*.spec.ts, unchanged) against this
 * backend instead of the app's former one. run.sh copies this file into the app's checkout
 * (so that @playwright/test resolves from the app's node_modules) and starts our server;
 * here Playwright starts only the app's Expo web build, pointed at our /api.
 */
import { defineConfig, devices } from '@playwright/test';

const API_BASE_URL = process.env.E2E_API_URL ?? 'http://localhost:3100/api';
const WEB_PORT = Number(process.env.E2E_WEB_PORT ?? 8181);
const WEB_BASE_URL = `http://localhost:${WEB_PORT}`;
process.env.E2E_API_URL = API_BASE_URL;

export default defineConfig({
  testDir: './e2e',
  testMatch: /.*\.spec\.ts/,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: process.env.E2E_REPORT ?? 'padmakara-e2e-report.json' }]],
  timeout: 90_000,
  expect: { timeout: 15_000 },
  use: {
    baseURL: WEB_BASE_URL,
    trace: 'off',
    screenshot: 'only-on-failure',
    launchOptions: { executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium' },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
  webServer: {
    command: `npx expo start --web --port ${WEB_PORT}`,
    env: { EXPO_PUBLIC_API_URL: API_BASE_URL, CI: '1', BROWSER: 'none' },
    url: WEB_BASE_URL,
    reuseExistingServer: true,
    timeout: 600_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
