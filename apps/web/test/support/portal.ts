import { freePort } from '@wa-fleet/devstack';
import { TEST_PORTAL_KEY, TEST_SESSION_SECRET } from './keys.ts';
import { NEXT_BIN, WEB_DIR } from './paths.ts';
import { startProcess, waitForHttp, type RunningProcess } from './processes.ts';

export interface RunningPortal {
  url: string;
  process: RunningProcess;
}

/** The built portal (`next start`) on a free port, talking to `controlPlaneUrl`; resolves once it answers. */
export async function startPortal(controlPlaneUrl: string): Promise<RunningPortal> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const portal = startProcess(process.execPath, [NEXT_BIN, 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: WEB_DIR,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      CONTROL_PLANE_URL: controlPlaneUrl,
      PORTAL_INTERNAL_KEY: TEST_PORTAL_KEY,
      SESSION_SECRET: TEST_SESSION_SECRET,
    },
  });
  try {
    await waitForHttp('portal', `${url}/login`, portal);
  } catch (err) {
    await portal.stop();
    throw err;
  }
  return { url, process: portal };
}
