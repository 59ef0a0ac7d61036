import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';

/**
 * Renders every overlay with `kubectl kustomize` (offline) and checks the result against the
 * vendored Kubernetes and CRD schemas (tools/k8s/schemas, made by vendor-schemas.js), then
 * against what the README promises: secrets only by reference, probes that outlast a start
 * waiting for Kafka, a restricted pod, per-service PDB, spread and lag scaling capped at the
 * partitions, every topic and DLQ declared, and the README's ACL table exactly.
 */
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [field: string]: unknown };
// Tests read deep into rendered YAML; a typed model of every kind would be longer than the test.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const ROOT = join(__dirname, '..', '..');
const SCHEMAS = join(__dirname, 'schemas');
const OVERLAYS = readdirSync(join(ROOT, 'k8s', 'overlays'));
const SERVICES = ['pool-service', 'order-fulfillment-service', 'notification-service'];
const OBJECT_META = 'kubernetes#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const DAY_MS = 86_400_000;

/** CRD patterns are Go regular expressions: an inline (?i) is JavaScript's i flag. */
const goRegExp = Object.assign(
  (pattern: string, flags: string): RegExp => (pattern.includes('(?i)') ? new RegExp(pattern.replace('(?i)', ''), `${flags}i`) : new RegExp(pattern, flags)),
  { code: 'goRegExp' },
);

function schemaValidators(): Map<string, ValidateFunction> {
  const ajv = new Ajv({ allErrors: true, strict: false, code: { regExp: goRegExp } });
  addFormats(ajv);
  // The OpenAPI integer formats the CRD schemas use.
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) <= 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  const kubernetes = JSON.parse(readFileSync(join(SCHEMAS, 'kubernetes.json'), 'utf8'));
  ajv.addSchema(kubernetes);
  const validators = new Map<string, ValidateFunction>();
  for (const [gvk, definition] of Object.entries(kubernetes.kinds as Record<string, string>)) {
    validators.set(gvk, ajv.compile({ $ref: `kubernetes#/definitions/${definition}` }));
  }
  for (const file of readdirSync(SCHEMAS).filter((name) => name !== 'kubernetes.json' && name.endsWith('.json'))) {
    const crd = JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8'));
    const gvk = file
      .replace(/\.json$/, '')
      .split('_')
      .join('/');
    const [group, version, kind] = gvk.split('/');
    // The catalog's CRD schemas leave metadata open; Kubernetes' own ObjectMeta closes it.
    validators.set(
      gvk,
      ajv.compile({
        allOf: [
          crd,
          {
            required: ['apiVersion', 'kind', 'metadata', 'spec'],
            properties: { apiVersion: { const: `${group}/${version}` }, kind: { const: kind }, metadata: { $ref: OBJECT_META }, spec: {} },
            additionalProperties: false,
          },
        ],
      }),
    );
  }
  return validators;
}

const validators = schemaValidators();

/** Schema problems of the documents, one line each, naming the object and the field. */
function schemaProblems(manifests: Manifest[]): string[] {
  return manifests.flatMap((manifest) => {
    const validate = validators.get(`${manifest.apiVersion}/${manifest.kind}`);
    const name = `${manifest.kind}/${manifest.metadata?.name}`;
    if (!validate) return [`${name}: no vendored schema for ${manifest.apiVersion} ${manifest.kind}`];
    if (validate(manifest)) return [];
    return (validate.errors ?? []).map((error) => `${name}${error.instancePath}: ${error.message} ${JSON.stringify(error.params)}`);
  });
}

function kustomize(dir: string): string {
  try {
    return execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('kubectl (with kustomize v5) is not on the PATH; it renders the overlays');
    const { stderr, message } = error as Error & { stderr?: string };
    throw new Error(`kubectl kustomize ${dir} failed: ${stderr ?? message}`);
  }
}

/** Renders an overlay from a copy of k8s/, with its secrets.env made from the committed example. */
function render(overlay: string, options: { withSecrets: boolean } = { withSecrets: true }): Manifest[] {
  const copy = mkdtempSync(join(tmpdir(), 'keypool-k8s-'));
  try {
    cpSync(join(ROOT, 'k8s'), join(copy, 'k8s'), { recursive: true, filter: (source) => !source.endsWith('/secrets.env') });
    const dir = join(copy, 'k8s', 'overlays', overlay);
    if (options.withSecrets) cpSync(join(dir, 'secrets.env.example'), join(dir, 'secrets.env'));
    return loadAll(kustomize(dir)) as Manifest[];
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

function byKind(manifests: Manifest[], kind: string): Loose[] {
  return manifests.filter((manifest) => manifest.kind === kind);
}

function named(manifests: Manifest[], kind: string, name: string): Loose {
  const found = manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} is not rendered`);
  return found;
}

function envFile(file: string): Map<string, string> {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line));
  return new Map(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

/** The README's "Kafka security" ACL rows: principal -> topics it reads and writes, group prefix. */
function readmeAcls(): Map<string, { read: string[]; write: string[]; groupPrefix: string }> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Kafka security'), readme.indexOf('## Threat model'));
  const rows = new Map<string, { read: string[]; write: string[]; groupPrefix: string }>();
  for (const service of SERVICES) {
    const row = section.split('\n').find((line) => line.startsWith(`| ${service} |`));
    if (!row) throw new Error(`README "Kafka security" has no ACL row for ${service}`);
    const [, , read, write, group] = row.split('|');
    const topics = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
    rows.set(service, { read: topics(read), write: topics(write), groupPrefix: topics(group)[0] });
  }
  return rows;
}

/** The README's "Kafka security" row of the console: topics it reads and writes, group prefixes. */
function readmeConsoleAcl(): { read: string[]; write: string[]; groupPrefixes: string[] } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Kafka security'), readme.indexOf('## Threat model'));
  const row = section.split('\n').find((line) => line.startsWith('| console |'));
  if (!row) throw new Error('README "Kafka security" has no ACL row for the console');
  const [, , read, write, group] = row.split('|');
  const topics = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
  return { read: topics(read), write: topics(write), groupPrefixes: topics(group) };
}

function aclsOf(user: Loose, operation: string, type: string): string[] {
  return user.spec.authorization.acls
    .filter((acl: Loose) => acl.resource.type === type && acl.operations.includes(operation))
    .map((acl: Loose) => acl.resource.name)
    .sort();
}

describe('the Kubernetes manifests', () => {
  it('have a dev and a prod overlay', () => {
    expect(OVERLAYS.sort()).toEqual(['dev', 'prod']);
  });

  it('catch an invalid manifest: a misspelt field, a wrong type, a missing required field, an unknown kind', () => {
    const manifests = render('prod');
    const deployment = structuredClone(named(manifests, 'Deployment', 'pool-service'));
    deployment.spec.template.spec.containers[0].livenessProbe.httpGet.paht = '/health/live';
    deployment.spec.template.spec.securityContext.runAsUser = 'node';
    const topic = structuredClone(named(manifests, 'KafkaTopic', 'order-paid'));
    topic.spec.replicas = 'three';
    const scaledObject = structuredClone(named(manifests, 'ScaledObject', 'pool-service'));
    delete scaledObject.spec.scaleTargetRef;
    const rule = structuredClone(named(manifests, 'PrometheusRule', 'keypool'));
    rule.metadata.lables = rule.metadata.labels;
    const unknown = { apiVersion: 'v1', kind: 'Pood', metadata: { name: 'x' } };

    const problems = schemaProblems([deployment, topic, scaledObject, rule, unknown]).join('\n');

    expect(problems).toContain(
      'Deployment/pool-service/spec/template/spec/containers/0/livenessProbe/httpGet: must NOT have additional properties {"additionalProperty":"paht"}',
    );
    expect(problems).toContain('Deployment/pool-service/spec/template/spec/securityContext/runAsUser: must be integer');
    expect(problems).toContain('KafkaTopic/order-paid/spec/replicas: must be integer');
    expect(problems).toContain("ScaledObject/pool-service/spec: must have required property 'scaleTargetRef'");
    expect(problems).toContain('PrometheusRule/keypool/metadata: must NOT have additional properties {"additionalProperty":"lables"}');
    expect(problems).toContain('Pood/x: no vendored schema for v1 Pood');
  });

  it('refuse to render without the git-ignored secrets.env, and commit no Secret', () => {
    for (const overlay of OVERLAYS) expect(() => render(overlay, { withSecrets: false })).toThrow(/secrets\.env/);
    const committed = execFileSync('git', ['ls-files', 'k8s'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
    expect(committed.filter((file) => file.endsWith('secrets.env'))).toEqual([]);
    const base = readFileSync(join(ROOT, 'k8s', 'base', 'kustomization.yaml'), 'utf8');
    expect(base).not.toMatch(/secretGenerator|kind: Secret/);
    for (const file of readdirSync(join(ROOT, 'k8s', 'base'))) {
      expect(`${file}: ${readFileSync(join(ROOT, 'k8s', 'base', file), 'utf8')}`).not.toMatch(/kind: Secret\b/);
    }
  });

  it('includes the PrometheusRule files of k8s/ in the base', () => {
    const rules = readdirSync(join(ROOT, 'k8s', 'base')).filter((file) => file.startsWith('prometheus-rule'));
    const base = readFileSync(join(ROOT, 'k8s', 'base', 'kustomization.yaml'), 'utf8');
    for (const file of rules) expect(base).toContain(`- ${file}`);
    expect(byKind(render('prod'), 'PrometheusRule')).toHaveLength(rules.length);
  });

  describe.each(OVERLAYS)('rendered as %s', (overlay) => {
    const manifests = render(overlay);
    const config = byKind(manifests, 'ConfigMap')[0];
    const partitions = Number(config.data.KAFKA_TOPIC_PARTITIONS);

    it('is valid against the Kubernetes, KEDA, Strimzi and Prometheus Operator schemas', () => {
      expect(schemaProblems(manifests)).toEqual([]);
      expect(new Set(manifests.map((manifest) => manifest.metadata.namespace ?? 'keypool'))).toEqual(new Set(['keypool']));
    });

    it('takes every secret from the generated Secret or from Strimzi, each key present, never inline', () => {
      const secret = byKind(manifests, 'Secret')[0];
      const example = envFile(join(ROOT, 'k8s', 'overlays', overlay, 'secrets.env.example'));
      expect(secret.metadata.name).toMatch(/^keypool-secrets-[a-z0-9]{10}$/);
      expect(Object.keys(secret.data).sort()).toEqual([...example.keys()].sort());
      for (const service of SERVICES) {
        const container = named(manifests, 'Deployment', service).spec.template.spec.containers[0];
        for (const env of container.env) {
          const ref = env.valueFrom?.secretKeyRef;
          if (!ref) continue;
          if (ref.name === secret.metadata.name) expect(`${env.name}: ${Object.keys(secret.data).includes(ref.key)}`).toBe(`${env.name}: true`);
          else expect(`${env.name} from ${ref.name}/${ref.key}`).toBe(`KAFKA_SASL_PASSWORD from ${service}/password`);
        }
        const keys = container.env.filter((env: Loose) => env.name === 'DATA_ENCRYPTION_KEYS').map((env: Loose) => env.valueFrom.secretKeyRef.key);
        const prefix = { 'pool-service': 'POOL', 'order-fulfillment-service': 'FULFILLMENT', 'notification-service': 'NOTIFICATION' }[service];
        expect(keys).toEqual([`${prefix}_DATA_ENCRYPTION_KEYS`]);
      }
    });

    it('sets the notification sender and keeps EMAIL_SENDER_ID from the pod name', () => {
      expect(config.data.MAIL_FROM).toMatch(/^[^\s@]+@[^\s@]+\.[^\s@]+$/);
      expect(config.data.MAIL_FROM).not.toBe('licenses@keypool.local');
      const env = named(manifests, 'Deployment', 'notification-service').spec.template.spec.containers[0].env;
      expect(env.find((entry: Loose) => entry.name === 'EMAIL_SENDER_ID').valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
      expect(env.find((entry: Loose) => entry.name === 'MAIL_FROM').valueFrom.configMapKeyRef.name).toBe(config.metadata.name);
    });

    it.each(SERVICES)('runs %s restricted, probed past a start that waits for Kafka, spread, with a PDB', (service) => {
      const pod = named(manifests, 'Deployment', service).spec.template.spec;
      const container = pod.containers[0];
      const startup = container.startupProbe;
      expect(startup.httpGet.path).toBe('/health/live');
      expect(startup.periodSeconds * startup.failureThreshold * 1000).toBeGreaterThan(Number(config.data.KAFKA_STARTUP_WAIT_MS));
      expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(container.livenessProbe.httpGet.path).toBe('/health/live');
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      expect(container.securityContext).toEqual({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      const tmp = container.volumeMounts.find((mount: Loose) => mount.mountPath === '/tmp');
      expect(pod.volumes.find((volume: Loose) => volume.name === tmp.name).emptyDir).toBeDefined();
      expect(container.resources.requests.cpu).toBeDefined();
      expect(container.resources.limits.memory).toBeDefined();
      expect(pod.topologySpreadConstraints.map((constraint: Loose) => constraint.topologyKey).sort()).toEqual([
        'kubernetes.io/hostname',
        'topology.kubernetes.io/zone',
      ]);
      expect(named(manifests, 'PodDisruptionBudget', service).spec.selector.matchLabels).toEqual({ app: service });
      expect(byKind(manifests, 'Namespace')[0].metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    });

    it("scales each service on its consumer groups' lag, at most to the partition count", () => {
      for (const service of SERVICES) {
        const scaled = named(manifests, 'ScaledObject', service);
        expect(scaled.spec.scaleTargetRef.name).toBe(service);
        expect(named(manifests, 'Deployment', service).spec.replicas).toBeUndefined();
        expect(scaled.spec.maxReplicaCount).toBe(partitions);
        const groupPrefix = readmeAcls().get(service)?.groupPrefix;
        for (const trigger of scaled.spec.triggers) {
          expect(trigger.type).toBe('kafka');
          expect(trigger.metadata.consumerGroup).toBe(`${groupPrefix}${trigger.metadata.topic}`);
          expect(named(manifests, 'KafkaTopic', trigger.metadata.topic).spec.partitions).toBe(partitions);
          expect(named(manifests, 'TriggerAuthentication', trigger.authenticationRef.name)).toBeDefined();
        }
      }
      // One per consumed topic: pool-service 4, order-fulfillment 6, notification 2.
      expect(byKind(manifests, 'ScaledObject').flatMap((scaled) => scaled.spec.triggers).length).toBe(12);
    });

    it('declares every topic and DLQ: 3 replicas, min.insync.replicas 2, DLQs kept 90 days', () => {
      const topics = byKind(manifests, 'KafkaTopic');
      const names = topics.map((topic) => topic.metadata.name);
      const consumed = byKind(manifests, 'ScaledObject').flatMap((scaled) => scaled.spec.triggers.map((trigger: Loose) => trigger.metadata.topic));
      expect(names.filter((name) => name.endsWith('.dlq')).sort()).toEqual([...new Set(consumed)].map((topic) => `${topic}.dlq`).sort());
      expect(names).toContain('order-fulfilled');
      for (const topic of topics) {
        expect(topic.spec).toMatchObject({ partitions, replicas: Number(config.data.KAFKA_REPLICATION_FACTOR), config: { 'min.insync.replicas': 2 } });
        expect(topic.spec.config['retention.ms']).toBe(topic.metadata.name.endsWith('.dlq') ? 90 * DAY_MS : 7 * DAY_MS);
      }
    });

    it('runs the console: one restricted, probed pod with a PDB, calling the three Services, its own Kafka user', () => {
      const deployment = named(manifests, 'Deployment', 'console');
      // Sessions live in the console's memory: a second replica would not know them.
      expect(deployment.spec.replicas).toBe(1);
      const pod = deployment.spec.template.spec;
      const container = pod.containers[0];
      expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(container.livenessProbe.httpGet.path).toBe('/health/live');
      expect(container.startupProbe.httpGet.path).toBe('/health/live');
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      expect(container.securityContext).toEqual({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(container.resources.requests.cpu).toBeDefined();
      expect(container.resources.limits.memory).toBeDefined();
      expect(named(manifests, 'PodDisruptionBudget', 'console').spec.selector.matchLabels).toEqual({ app: 'console' });
      const service = named(manifests, 'Service', 'console');
      expect(service.spec.selector).toEqual({ app: 'console' });
      const env = new Map<string, Loose>(container.env.map((entry: Loose) => [entry.name, entry]));
      expect(env.get('SERVICE').value).toBe('console');
      expect(env.get('CONSOLE_HOST').value).toBe('0.0.0.0');
      expect(Number(env.get('CONSOLE_PORT').value)).toBe(container.ports[0].containerPort);
      expect(service.spec.ports[0].port).toBe(container.ports[0].containerPort);
      // Each URL names a rendered Service on the port it serves.
      const urls = { POOL_URL: 'pool-service', FULFILLMENT_URL: 'order-fulfillment-service', NOTIFICATION_URL: 'notification-service' };
      for (const [variable, name] of Object.entries(urls)) {
        expect(env.get(variable).value).toBe(`http://${name}:${named(manifests, 'Service', name).spec.ports[0].port}`);
      }
      const secret = byKind(manifests, 'Secret')[0];
      expect(env.get('API_KEYS').valueFrom.secretKeyRef).toEqual({ name: secret.metadata.name, key: 'API_KEYS' });
      expect(env.get('KAFKA_SASL_USERNAME').value).toBe('keypool-console');
      expect(env.get('KAFKA_SASL_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'keypool-console', key: 'password' });
      expect(container.envFrom).toEqual([{ configMapRef: { name: config.metadata.name } }]);
      // notification-service's PoolLow e-mails link to the console (config.env reaches every pod).
      expect(config.data.CONSOLE_URL).toMatch(/^https:\/\/[^\s/]+$/);
    });

    it('lets the console reach DNS, the three services and Kafka only, and be reached from the ingress controller only', () => {
      const policies = byKind(manifests, 'NetworkPolicy').filter((policy) => {
        const selector = policy.spec.podSelector;
        return (
          selector.matchLabels?.app === 'console' ||
          Object.keys(selector).length === 0 ||
          (selector.matchExpressions ?? []).some((match: Loose) => match.values.includes('console'))
        );
      });
      const egress = policies.filter((policy) => policy.spec.policyTypes.includes('Egress')).flatMap((policy) => policy.spec.egress ?? []);
      // Every rule names where it goes: none opens the console to any address.
      for (const rule of egress) expect(rule.to?.length ?? 0).toBeGreaterThan(0);
      const services = egress.find((rule: Loose) => rule.to.some((peer: Loose) => peer.podSelector));
      expect(services.to[0].podSelector.matchExpressions[0].values.sort()).toEqual([...SERVICES].sort());
      expect(
        egress.some(
          (rule: Loose) =>
            rule.to.some((peer: Loose) => peer.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'kafka') && rule.ports[0].port === 9093,
        ),
      ).toBe(true);
      const ingress = policies.filter((policy) => policy.spec.policyTypes.includes('Ingress')).flatMap((policy) => policy.spec.ingress ?? []);
      expect(ingress.flatMap((rule: Loose) => rule.from)).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]);
      // The services' own policy lets the console in (pods of the namespace).
      const servicesIn = named(manifests, 'NetworkPolicy', 'keypool-http-in');
      expect(servicesIn.spec.ingress[0].from).toContainEqual({ podSelector: {} });
    });

    it("grants the console exactly the README's ACL row", () => {
      const row = readmeConsoleAcl();
      const user = named(manifests, 'KafkaUser', 'keypool-console');
      expect({
        read: aclsOf(user, 'Read', 'topic'),
        write: aclsOf(user, 'Write', 'topic'),
        groups: aclsOf(user, 'Read', 'group'),
        deletes: aclsOf(user, 'Delete', 'group'),
      }).toEqual({ read: [...row.read].sort(), write: [...row.write].sort(), groups: [...row.groupPrefixes].sort(), deletes: [...row.groupPrefixes].sort() });
      // Its reads are pool-low and every declared DLQ; its writes, the originals of those DLQs.
      const dlqs = byKind(manifests, 'KafkaTopic')
        .map((topic) => topic.metadata.name)
        .filter((name: string) => name.endsWith('.dlq'))
        .sort();
      expect(row.read.filter((topic) => topic !== 'pool-low').sort()).toEqual(dlqs);
      expect([...row.write].sort()).toEqual(dlqs.map((dlq: string) => dlq.replace(/\.dlq$/, '')).sort());
    });

    it("grants each service exactly the README's ACL row", () => {
      for (const [service, row] of readmeAcls()) {
        const user = named(manifests, 'KafkaUser', service);
        expect({ service, read: aclsOf(user, 'Read', 'topic'), write: aclsOf(user, 'Write', 'topic'), groups: aclsOf(user, 'Read', 'group') }).toEqual({
          service,
          read: [...row.read].sort(),
          write: [...new Set(row.write)].sort(),
          groups: [row.groupPrefix],
        });
        const env = named(manifests, 'Deployment', service).spec.template.spec.containers[0].env;
        expect(env.find((entry: Loose) => entry.name === 'KAFKA_SASL_USERNAME').value).toBe(service);
      }
    });
  });
});
