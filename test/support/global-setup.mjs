// Jest loads global setup outside its module system, so TypeScript is loaded through tsx here.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { prepareDatabase } = await tsImport('./prepare-database.ts', import.meta.url);
  await prepareDatabase();
}
