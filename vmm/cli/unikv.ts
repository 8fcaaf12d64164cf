// `unikv COMMAND ...` without the start-up snapshot: the same program as cli.ts, which
// tells the package's command from `npm run vm` by this file's name (front-door.ts).
// bin/unikv starts the snapshot with this name instead.
import './main.js';
