import { spawnSync } from 'node:child_process';

/**
 * Whether the promtool checks of the metrics test run: `run` where promtool is installed;
 * where it is not, `missing` (the checks fail, saying why) when promtool is required, else
 * `skip` (they are skipped, saying so). It is required under CI: `.ci/run` exports
 * REQUIRE_PROMTOOL=1, and any CI that sets `CI` requires it unless REQUIRE_PROMTOOL=0. So a
 * failed install of Debian's prometheus package fails the suite instead of passing unchecked.
 */
export type PromtoolStatus = 'run' | 'skip' | 'missing';

export function promtoolStatus(
  env: Readonly<Record<string, string | undefined>> = process.env,
  installed: () => boolean = () => spawnSync('promtool', ['--version']).status === 0,
): PromtoolStatus {
  if (installed()) return 'run';
  const ci = Boolean(env.CI) && !/^(0|false)$/i.test(env.CI ?? '');
  const required = env.REQUIRE_PROMTOOL === undefined ? ci : env.REQUIRE_PROMTOOL === '1';
  return required ? 'missing' : 'skip';
}

export const PROMTOOL_MISSING =
  'promtool is required here (REQUIRE_PROMTOOL=1, or CI) but is not installed: ' +
  'apt-get install --no-install-recommends prometheus';
