// The CLI's command table names commands without loading them: the names must be the
// commands' own, and every docker shortcut must lead somewhere.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { groups, topLevel } from '../../../src/cli/table';

describe('CLI command table', () => {
  it('names and aliases match the command modules', () => {
    for (const [group, refs] of Object.entries(groups)) {
      for (const ref of refs) {
        const cmd = ref.load();
        assert.ok(cmd, `${group} ${ref.name}: module export missing`);
        assert.equal(cmd.name, ref.name, `${group} ${ref.name}`);
        assert.deepEqual(cmd.aliases ?? [], ref.aliases ?? [], `${group} ${ref.name} aliases`);
        // a summary the table gives (so the help need not load the module) is the command's own
        if (ref.summary !== undefined) assert.equal(ref.summary, cmd.summary, `${group} ${ref.name} summary`);
      }
    }
  });

  it('every top-level shortcut resolves to one command', () => {
    const seen = new Set<string>();
    for (const [short, group, name] of topLevel) {
      assert.ok(!seen.has(short), `duplicate shortcut ${short}`);
      seen.add(short);
      assert.ok(
        groups[group]?.some((r) => r.name === name),
        `${short} -> ${group} ${name}`,
      );
    }
  });
});
