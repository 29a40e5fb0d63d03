// system dial-stdio: proxies stdin/stdout to the daemon's socket. It is what
// `docker -H ssh://host` and `berth -H ssh://host` run on the far side, so one
// ssh session carries one API connection. Half-closes travel both ways.
import type { Command } from '../command';

export const dialStdioCommand: Command = {
  name: 'dial-stdio',
  usage: '',
  summary: 'Proxy the stdio stream to the daemon connection. Should not be invoked manually.',
  maxArgs: 0,
  flags: [],
  async run(ctx) {
    const api = await ctx.api();
    const conn = await api.connectRaw();
    await new Promise<void>((resolve) => {
      let outDone = false;
      const finish = () => {
        if (outDone) return;
        outDone = true;
        resolve();
      };
      process.stdin.pipe(conn);
      conn.pipe(process.stdout);
      // the daemon closed its side: everything it sent is on stdout
      conn.on('end', () => process.stdout.write('', finish));
      conn.on('close', finish);
      conn.on('error', finish);
      process.stdout.on('error', () => {
        conn.destroy();
        finish();
      });
    });
  },
};
