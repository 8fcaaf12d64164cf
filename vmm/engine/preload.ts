// Start-up: loading libunicorn (a 19 MB library; the dynamic loader relocates it)
// takes 10 to 15 ms on these machines. preloadLibunicorn() starts that dlopen on a
// libuv pool thread (koffi's asynchronous call) so that it overlaps with parsing
// the command line and reading the images on the main thread. The engine's own
// koffi.load() later finds the library loaded, or waits for the loader's lock
// until the pool thread is done; either way nothing runs twice and no error is
// lost (a library that fails to load fails again, with its message, there).
import { dlopen, RTLD_NOW } from './libc.js';

export const LIBUNICORN = 'libunicorn.so.2';

let started = false;

/** Begins loading libunicorn in the background (once per process). */
export function preloadLibunicorn(): void {
  if (started) return;
  started = true;
  dlopen.async(LIBUNICORN, RTLD_NOW, () => { /* the engine's koffi.load reports any failure */ });
}
