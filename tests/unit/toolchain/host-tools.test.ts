// The build's optional toolchains (toolchain/host-tools.ts): a missing one is named with
// the Debian package that brings it, so a skipped step says what to install.
import { describe, expect, it } from 'vitest';
import { command, missingTool } from '../../../toolchain/host-tools.js';

describe('missingTool', () => {
  it('is undefined when every tool answers', () => {
    expect(missingTool([command('sh', ['-c', 'true'], 'dash')])).toBeUndefined();
  });

  it('names the first missing tool and its package', () => {
    const line = missingTool([command('sh', ['-c', 'true'], 'dash'), command('unikv-no-such-compiler', ['--version'], 'unikv-no-such-package')]);
    expect(line).toBe("unikv-no-such-compiler not found (Debian's unikv-no-such-package; toolchain/install.sh --with-tests installs it)");
  });
});
