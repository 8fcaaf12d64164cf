// koffi through its CommonJS entry: Node 20 loads it about 7 ms faster than the
// ES-module one, and every VMM start pays for it. (The same module instance as
// vmm/engine/koffi.ts's: both resolve to the one node_modules/koffi.)
import { createRequire } from 'node:module';

const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
export default koffi;
