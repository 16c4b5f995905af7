/**
 * `noxbackup serve [--demo] [--data-dir DIR] [--port N]` — the web application with its backup queue and
 * nightly scheduler. `npm start` runs it in demo mode: Fortnox is the built-in simulator.
 */
import { loadConfig } from '../config.ts';
import { startWebServer } from '../web/start.ts';
import { intOption, parseCommandArgs, type Command } from './command.ts';

const USAGE = `noxbackup serve [--demo] [--data-dir DIR] [--port N] [--host H]

Serves the web application (default http://127.0.0.1:3000), runs manual backups and the nightly
schedule. --demo connects to a built-in Fortnox simulator (two companies and an empty one) instead of
Fortnox; otherwise FORTNOX_CLIENT_ID and FORTNOX_CLIENT_SECRET name our app at Fortnox.
Configuration comes from the environment: see README.md and docs/web.md.`;

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values } = parseCommandArgs('serve', args, {
      demo: { type: 'boolean' }, 'data-dir': { type: 'string' }, port: { type: 'string' }, host: { type: 'string' },
    });
    const env = { ...process.env };
    if (values.port !== undefined) env.NOX_WEB_PORT = String(intOption('serve', 'port', values.port, 3000, 0, 65535));
    if (values.host !== undefined) env.NOX_WEB_HOST = values.host;
    const config = loadConfig(env, values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] });
    const server = await startWebServer(config, { demo: values.demo === true });
    console.log(`Noxbackup is running at ${server.url}${values.demo === true ? ' (demo: Fortnox is the built-in simulator)' : ''}`);
    console.log(`Data directory ${config.dataDir}. Stop with Ctrl-C.`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    console.log('Stopping…');
    await server.close();
    return 0;
  },
};
