// Loads libunicorn (a large library the dynamic loader must relocate) on a libuv pool
// thread, overlapping with parsing the command line and reading the images. The
// engine's own koffi.load() later finds it loaded or waits for the loader's lock; a
// library that fails to load fails again there, with its message.
import { dlopen, RTLD_NOW } from './libc.js';

export const LIBUNICORN = 'libunicorn.so.2';

let started = false;

/** Begins loading libunicorn in the background (once per process). */
export function preloadLibunicorn(): void {
  if (started) return;
  started = true;
  dlopen.async(LIBUNICORN, RTLD_NOW, () => {
    /* the engine's koffi.load reports any failure */
  });
}
