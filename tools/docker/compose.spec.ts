// docker-compose.yml, .env.example and the Dockerfile, read without Docker: the rules issue 13
// set for them. (tools/docker/prove.sh runs them on an engine; this spec is in every run.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_SCHEMA, load, mergeTag } from 'js-yaml';

const root = join(__dirname, '../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  volumes?: string[];
}
const compose = load(read('docker-compose.yml'), { schema: CORE_SCHEMA.withTags(mergeTag) }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const APPS = ['pool-service', 'order-fulfillment-service', 'notification-service'];
const KEYPOOL = [...APPS, 'sendgrid-sink', 'console', 'demo'];
const LONG_RUNNING = [...APPS, 'sendgrid-sink', 'console', 'kafka', 'postgres'];

/** Compose's ${NAME}, ${NAME:-default}, ${NAME:?message} references in a value. */
const references = (value: string) => [...value.matchAll(/\$\{(\w+)(:?[-?])?([^}]*)\}/g)].map((m) => ({ name: m[1], op: m[2] ?? '', rest: m[3] }));

describe('docker-compose.yml', () => {
  it('builds the keypool image once and runs it in every keypool service', () => {
    const builders = Object.entries(services).filter(([, s]) => s.build !== undefined);
    expect(builders.map(([name]) => name)).toEqual(['image']);
    const image = builders[0][1].image;
    expect(image).toBeDefined();
    for (const name of KEYPOOL) {
      expect({ name, image: services[name].image }).toEqual({ name, image });
      // Started only once the image service (the build) has finished.
      expect(services[name].depends_on?.['image']).toEqual({ condition: 'service_completed_successfully' });
    }
  });

  it('runs the Kafka version the tests run (tools/stack/lib.sh)', () => {
    const version = /^KAFKA_VERSION="\$\{KAFKA_VERSION:-([\w.-]+)\}"/m.exec(read('tools/stack/lib.sh'))?.[1];
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(services['kafka'].image).toBe(`apache/kafka:${version}`);
  });

  it('checks the health of every long-running service, the keypool ones on their readiness endpoint', () => {
    for (const name of LONG_RUNNING) expect({ name, checks: (services[name].healthcheck?.test.length ?? 0) > 1 }).toEqual({ name, checks: true });
    for (const [name, variable] of [...APPS.map((app) => [app, 'PORT']), ['console', 'CONSOLE_PORT']]) {
      const port = services[name].environment?.[variable];
      expect(port).toBeDefined();
      expect(services[name].healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${port}/health/ready`);
    }
  });

  it('starts each service after what it needs is healthy, and the demo after everything', () => {
    for (const name of APPS) {
      expect(services[name].depends_on).toMatchObject({ kafka: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' } });
    }
    expect(services['notification-service'].depends_on?.['sendgrid-sink']).toEqual({ condition: 'service_healthy' });
    for (const name of [...APPS, 'sendgrid-sink']) expect(services['demo'].depends_on?.[name]).toEqual({ condition: 'service_healthy' });
    expect(services['demo'].command?.join(' ')).toContain('dist/tools/demo/compose-demo.js');
    for (const name of ['kafka', ...APPS]) expect(services['console'].depends_on?.[name]).toEqual({ condition: 'service_healthy' });
  });

  it('runs the console against the compose services, listening beyond its container, linked from the PoolLow e-mail', () => {
    const env = services['console'].environment!;
    expect(env['SERVICE']).toBe('console');
    expect(env['CONSOLE_HOST']).toBe('0.0.0.0');
    const urls = { POOL_URL: 'pool-service', FULFILLMENT_URL: 'order-fulfillment-service', NOTIFICATION_URL: 'notification-service' };
    for (const [variable, name] of Object.entries(urls)) expect(env[variable]).toBe(`http://${name}:${services[name].environment?.['PORT']}`);
    expect(env['KAFKA_BROKERS']).toBe('kafka:9092');
    expect(env['API_KEYS']).toBe(services['pool-service'].environment?.['API_KEYS']);
    const [published] = services['console'].ports ?? [];
    const hostPort = /^127\.0\.0\.1:(\$\{\w+:-\d+\}):(\d+)$/.exec(published ?? '');
    expect(hostPort?.[2]).toBe(String(env['CONSOLE_PORT']));
    // The link in a PoolLow e-mail is opened on this host: the console's published port.
    expect(services['notification-service'].environment?.['CONSOLE_URL']).toBe(`http://localhost:${hostPort?.[1]}`);
  });

  it('gives each notification container its own EMAIL_SENDER_ID (its hostname), never one fixed name', () => {
    const notification = services['notification-service'];
    expect(notification.environment?.['EMAIL_SENDER_ID']).toBeUndefined();
    const command = notification.command ?? [];
    expect(command.slice(0, 2)).toEqual(['sh', '-c']);
    // Compose turns $$ into $: the shell in the container expands HOSTNAME, which Docker sets.
    expect(command[2]).toMatch(/^EMAIL_SENDER_ID="\$\$HOSTNAME" exec node -r tsconfig-paths\/register dist\/apps\/notification-service\/src\/main\.js$/);
  });

  it('keeps Kafka and PostgreSQL data in named volumes', () => {
    expect(services['kafka'].volumes).toContain('kafkadata:/var/lib/kafka/data');
    expect(services['kafka'].environment?.['KAFKA_LOG_DIRS']).toBe('/var/lib/kafka/data');
    expect(services['postgres'].volumes).toContain('pgdata:/var/lib/postgresql/data');
    expect(Object.keys(compose.volumes).sort()).toEqual(['kafkadata', 'pgdata']);
  });

  it('gives Kafka a listener for this host, advertised on the port it publishes', () => {
    const env = services['kafka'].environment!;
    const advertised = String(env['KAFKA_ADVERTISED_LISTENERS']).split(',');
    expect(advertised).toContain('PLAINTEXT://kafka:9092');
    const external = advertised.find((l) => l.startsWith('EXTERNAL://'));
    expect(external).toBe('EXTERNAL://${KAFKA_HOST_NAME:-localhost}:${KAFKA_HOST_PORT:-29092}');
    expect(String(env['KAFKA_LISTENERS'])).toContain('EXTERNAL://:29092');
    expect(String(env['KAFKA_LISTENER_SECURITY_PROTOCOL_MAP'])).toContain('EXTERNAL:PLAINTEXT');
    expect(services['kafka'].ports).toEqual(['127.0.0.1:${KAFKA_HOST_PORT:-29092}:29092']);
  });

  it('publishes ports on 127.0.0.1 only, none of them a local stack port', () => {
    const localStack = [5432, 9092, 9093, 3001, 3002, 3003, 3090];
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(published.length).toBeGreaterThanOrEqual(6);
    for (const port of published) {
      const match = /^127\.0\.0\.1:\$\{\w+:-(\d+)\}:\d+$/.exec(port);
      expect({ port, bound: match !== null }).toEqual({ port, bound: true });
      expect(localStack).not.toContain(Number(match![1]));
    }
  });

  it('commits no secret: every key, password and API key comes from .env with no default', () => {
    const secretName = /KEY|PASSWORD|SECRET|TOKEN/;
    let checked = 0;
    for (const [name, service] of Object.entries(services)) {
      for (const [variable, value] of Object.entries(service.environment ?? {})) {
        if (!secretName.test(variable) && !/:\/\/[^@/]*@/.test(String(value))) continue;
        checked++;
        const refs = references(String(value));
        // A secret is all references, and each one fails the start when unset (${NAME:?...}).
        expect({ name, variable, refs: refs.length > 0, required: refs.every((r) => r.op === ':?') }).toEqual({ name, variable, refs: true, required: true });
        if (!variable.includes('URL')) expect(String(value)).toMatch(/^\$\{\w+:\?[^}]*\}$/);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(12);
  });

  it('names in .env.example every variable it requires, and .env.example and git keep no value of a secret', () => {
    const required = new Set(
      Object.values(services)
        .flatMap((s) => Object.values(s.environment ?? {}))
        .flatMap((v) => references(String(v)))
        .filter((r) => r.op === ':?')
        .map((r) => r.name),
    );
    const example = read('.env.example');
    const assigned = new Map([...example.matchAll(/^(\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    for (const name of required) expect({ name, listed: assigned.has(name) }).toEqual({ name, listed: true });
    // Secret values are empty or <placeholders>: a copied .env.example starts nothing that works.
    for (const [name, value] of assigned) {
      if (!/KEY|PASSWORD|SECRET|TOKEN/.test(name)) continue;
      expect({ name, value: value.replace(/<[\w-]+>/g, '') }).toEqual({ name, value: expect.stringMatching(/^[=,:\w]*$/) as string });
      expect(value).not.toMatch(/[A-Za-z0-9+/_-]{20,}/);
    }
    expect(read('.gitignore').split('\n')).toContain('.env');
    expect(read('.dockerignore').split('\n')).toContain('.env');
  });
});

describe('Dockerfile', () => {
  it('bases the image on a Node LTS line that package.json engines accept', () => {
    const dockerfile = read('Dockerfile');
    const major = Number(/^ARG NODE_IMAGE=node:(\d+)-/m.exec(dockerfile)?.[1]);
    expect(major % 2).toBe(0); // even majors become LTS
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const [, low, high] = /^>=(\d+) <(\d+)$/.exec(engines) ?? [];
    expect(major).toBeGreaterThanOrEqual(Number(low));
    expect(major).toBeLessThan(Number(high));
    expect(dockerfile.match(/^FROM \$\{NODE_IMAGE\}/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER \d+:\d+$/m);
  });

  it('holds the console: its pages where the compiled server looks, and uPlot kept by the prune', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/apps\/console\/public dist\/apps\/console\/public$/m);
    expect(dockerfile).toMatch(/^RUN npm run build && npm prune --omit=dev$/m);
    const build = JSON.parse(read('tsconfig.build.json')) as { include: string[]; exclude: string[] };
    expect(build.include).toContain('apps/**/*.ts');
    expect(build.exclude.some((pattern) => pattern.startsWith('apps/console'))).toBe(false);
    // server.ts reads <dirname>/../public, and uPlot's dist from node_modules.
    expect(read('apps/console/src/server.ts')).toContain("join(__dirname, '../public')");
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies['uplot']).toBeDefined();
  });
});
