// koffi through its CommonJS entry, which Node loads faster than the ES-module one
// (every VMM start pays for it; docs/history.md).
import { createRequire } from 'node:module';

const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
export default koffi;
