// koffi through its CommonJS entry, which Node loads faster than the ES-module one
// (every VMM start pays for it; docs/history.md). The project's one way to koffi:
// c.ts binds the C library with it and exports it for the engine's own bindings.
import { createRequire } from 'node:module';

const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
export default koffi;
