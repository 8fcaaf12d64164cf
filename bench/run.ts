// `npm run bench`: every benchmark of the project, one after the other. Each prints
// its own table; charts go to bench/results/.
import { benchBoot } from './boot.js';
import { benchFrontDoor } from './front-door.js';
import { benchPostmark } from './postmark.js';
import { benchKv } from './kv.js';
import { benchSmp } from './smp.js';
import { benchPrograms } from './programs.js';
import { benchS3Hang } from './s3-hang.js';

await benchBoot();
await benchFrontDoor();
await benchSmp();
await benchPostmark();
await benchKv();
await benchPrograms();
await benchS3Hang();
