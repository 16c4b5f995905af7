import { intOption, parseCommandArgs, type Command } from './command.ts';
import { UsageError } from '../errors.ts';
import type { SimulatorSize } from '../simulator/model.ts';

const USAGE = `Usage: noxbackup simulator [options]

Runs a Fortnox API simulator: OAuth under /oauth-v1, the API under /3, the control API under /__sim
(see docs/simulator.md). Runs until Ctrl-C.

Options:
  --port N              port to listen on (default 8787; 0 = any free port)
  --host HOST           address to listen on (default 127.0.0.1)
  --seed N              seed of the generated companies (default 42)
  --size small|medium|large   company size (default small)
  --companies N         companies with data (default 1)
  --empty-companies N   extra empty companies, for restore tests (default 0)
  --rate-limit N        requests per window per client and tenant (default 25)
  --rate-window-ms N    the rate window (default 5000)
  --time-scale N        divides the rate window, e.g. 10 (default 1)
  --client-id ID        OAuth client id (default noxbackup-sim)
  --client-secret S     OAuth client secret (default sim-secret)`;

const SIZES: readonly SimulatorSize[] = ['small', 'medium', 'large'];

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const name = 'simulator';
    const { values } = parseCommandArgs(name, args, {
      port: { type: 'string' }, host: { type: 'string' }, seed: { type: 'string' }, size: { type: 'string' }, companies: { type: 'string' },
      'empty-companies': { type: 'string' }, 'rate-limit': { type: 'string' }, 'rate-window-ms': { type: 'string' }, 'time-scale': { type: 'string' },
      'client-id': { type: 'string' }, 'client-secret': { type: 'string' },
    });
    const size = (values.size ?? 'small') as SimulatorSize;
    if (!SIZES.includes(size)) throw new UsageError(`${name}: --size must be one of ${SIZES.join(', ')}, got ${JSON.stringify(values.size)}`);
    const timeScale = Number(values['time-scale'] ?? 1);
    if (!Number.isFinite(timeScale) || timeScale <= 0) throw new UsageError(`${name}: --time-scale must be a positive number, got ${JSON.stringify(values['time-scale'])}`);
    for (const k of ['client-id', 'client-secret'] as const) {
      if (values[k] === '') throw new UsageError(`${name}: --${k} must not be empty`);
    }
    const { startSimulator } = await import('../simulator/server.ts');
    const running = await startSimulator({
      port: intOption(name, 'port', values.port, 8787, 0, 65535),
      host: values.host ?? '127.0.0.1',
      seed: intOption(name, 'seed', values.seed, 42, 0, 2 ** 32 - 1),
      size,
      companies: intOption(name, 'companies', values.companies, 1, 0, 1000),
      emptyCompanies: intOption(name, 'empty-companies', values['empty-companies'], 0, 0, 1000),
      rateLimit: intOption(name, 'rate-limit', values['rate-limit'], 25, 1, 1_000_000),
      rateWindowMs: intOption(name, 'rate-window-ms', values['rate-window-ms'], 5000, 1, 3_600_000),
      timeScale,
      ...(values['client-id'] === undefined ? {} : { clientId: values['client-id'] }),
      ...(values['client-secret'] === undefined ? {} : { clientSecret: values['client-secret'] }),
    });
    const first = running.tenants[0];
    console.log(`Fortnox simulator listening on ${running.url}`);
    console.log(`  API ${running.apiUrl}/3/…   OAuth ${running.authUrl}/oauth-v1/…   control ${running.url}/__sim/…`);
    console.log(`  client id ${running.clientId}, client secret ${running.clientSecret}`);
    console.log('Companies (every one has a service-account consent with all scopes):');
    for (const t of running.tenants) console.log(`  tenant ${t.tenantId}  ${t.orgNumber}  ${t.name}`);
    if (first !== undefined) {
      console.log('Get a token:');
      console.log(`  curl -s -u ${running.clientId}:${running.clientSecret} -H 'TenantId: ${first.tenantId}' -d grant_type=client_credentials ${running.authUrl}/oauth-v1/token`);
    }
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    console.log('Stopping the simulator…');
    await running.close();
    return 0;
  },
};
