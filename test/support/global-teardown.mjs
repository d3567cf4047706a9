import { tsImport } from 'tsx/esm/api';

export default async function globalTeardown() {
  const { teardownDatabase } = await tsImport('./teardown-database.ts', import.meta.url);
  await teardownDatabase();
}
