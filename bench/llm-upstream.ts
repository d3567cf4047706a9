// The fake upstream of bench/llm.ts, run in its own process (forked by it) so the upstream's
// work does not share the event loop being measured. Sends its base URL over IPC and exits
// when the parent goes away.
import { startFakeLlm } from '../test/support/fake-llm.js';

const fake = await startFakeLlm({ tokenCount: 20, firstTokenDelayMs: 10, tokenIntervalMs: 10 });
process.send?.(fake.baseURL);
process.once('disconnect', () => void fake.close().then(() => process.exit(0)));
