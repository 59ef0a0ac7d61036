#!/usr/bin/env node
// Writes the JSON Schemas that manifests.spec.ts validates the rendered overlays against, so the
// test needs no network. Run again when a manifest starts using another kind:
//   node tools/k8s/vendor-schemas.js <kubernetes swagger.json> <datreeio/CRDs-catalog checkout>
// The Kubernetes schemas are cut from the API's OpenAPI v2 document (the kinds below and what
// they reference), made strict as kubeconform's "-strict" schemas are: an object lists every
// field it may have, so a misspelt field fails. The CRD schemas are copied as the catalog has them.
const fs = require('fs');
const path = require('path');

const KINDS = {
  'v1/Namespace': 'io.k8s.api.core.v1.Namespace',
  'v1/ConfigMap': 'io.k8s.api.core.v1.ConfigMap',
  'v1/Secret': 'io.k8s.api.core.v1.Secret',
  'v1/Service': 'io.k8s.api.core.v1.Service',
  'apps/v1/Deployment': 'io.k8s.api.apps.v1.Deployment',
  'policy/v1/PodDisruptionBudget': 'io.k8s.api.policy.v1.PodDisruptionBudget',
  'networking.k8s.io/v1/NetworkPolicy': 'io.k8s.api.networking.v1.NetworkPolicy',
};
const CRDS = {
  'keda.sh/v1alpha1/ScaledObject': 'keda.sh/scaledobject_v1alpha1.json',
  'keda.sh/v1alpha1/TriggerAuthentication': 'keda.sh/triggerauthentication_v1alpha1.json',
  'kafka.strimzi.io/v1/KafkaTopic': 'kafka.strimzi.io/kafkatopic_v1.json',
  'kafka.strimzi.io/v1/KafkaUser': 'kafka.strimzi.io/kafkauser_v1.json',
  'monitoring.coreos.com/v1/PrometheusRule': 'monitoring.coreos.com/prometheusrule_v1.json',
};

function strict(schema) {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description' || key === 'format' || key.startsWith('x-kubernetes-')) continue;
    out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strict(v)])) : strict(value);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

const SPECIAL = {
  // Both are strings or numbers in YAML (port: http or port: 3001; cpu: "1" or cpu: 1).
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: ['string', 'integer'] },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: ['string', 'number'] },
};

function refsOf(schema, found = new Set()) {
  if (Array.isArray(schema)) schema.forEach((s) => refsOf(s, found));
  else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref') found.add(value.replace('#/definitions/', ''));
      else refsOf(value, found);
    }
  }
  return found;
}

function kubernetesSchemas(swaggerFile) {
  const { definitions } = JSON.parse(fs.readFileSync(swaggerFile, 'utf8'));
  const wanted = new Set(Object.values(KINDS));
  const queue = [...wanted];
  while (queue.length) {
    const name = queue.pop();
    if (SPECIAL[name]) continue;
    for (const ref of refsOf(definitions[name])) if (!wanted.has(ref)) (wanted.add(ref), queue.push(ref));
  }
  const kept = {};
  for (const name of [...wanted].sort()) kept[name] = SPECIAL[name] ?? strict(definitions[name]);
  for (const [gvk, name] of Object.entries(KINDS)) {
    const [kind, ...rest] = gvk.split('/').reverse();
    kept[name].required = [...new Set([...(kept[name].required ?? []), 'apiVersion', 'kind', 'metadata'])];
    kept[name].properties.apiVersion = { enum: [rest.reverse().join('/')] };
    kept[name].properties.kind = { enum: [kind] };
  }
  return { $id: 'kubernetes', definitions: kept, kinds: KINDS };
}

const [swagger, catalog] = process.argv.slice(2);
if (!swagger || !catalog) throw new Error('usage: vendor-schemas.js <swagger.json> <CRDs-catalog dir>');
const dir = path.join(__dirname, 'schemas');
fs.writeFileSync(path.join(dir, 'kubernetes.json'), JSON.stringify(kubernetesSchemas(swagger)) + '\n');
for (const [gvk, file] of Object.entries(CRDS)) {
  fs.copyFileSync(path.join(catalog, file), path.join(dir, gvk.replace(/\//g, '_') + '.json'));
}
