// Issue 17 item 9: `kova build --k8s` for a stateless app on PostgreSQL writes a Deployment,
// Service, PodDisruptionBudget and HorizontalPodAutoscaler that validate against the Kubernetes
// API's JSON schemas (shipped by the kubernetes-models package: nothing is fetched at test time),
// and refuses apps whose data is in the embedded store.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { Service } from "kubernetes-models/v1";
import { EXAMPLES, kovaSync, tempApp } from "./e2e/harness.js";

const SHOP = `
CONNECT db USING postgres(env("DATABASE_URL"))

ENTITY Product {
  name: text
  price: number
}

GET /products {
  RESPOND SELECT * FROM Product ORDER_BY id
}
`;

function manifests(dir: string): Record<string, any> {
  const out: Record<string, any> = {};
  for (const file of ["deployment.json", "service.json", "pdb.json", "hpa.json"]) out[file] = JSON.parse(readFileSync(join(dir, "dist", "k8s", file), "utf8"));
  return out;
}

test("kova build --k8s: Deployment, Service, PDB and HPA valid against the Kubernetes schemas", (t) => {
  const dir = tempApp(t, { "shop.kova": SHOP });
  const result = kovaSync(["build", "--k8s", "--image", "registry.example.com/shop:1.4.2", dir]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /wrote .*k8s\/ \(Deployment, Service, PodDisruptionBudget, HorizontalPodAutoscaler for image registry\.example\.com\/shop:1\.4\.2\) — apply with: kubectl apply -f .*k8s\//);
  assert.ok(existsSync(join(dir, "dist", "Dockerfile")), "--k8s writes the image's Dockerfile too");
  const m = manifests(dir);

  // The schemas of the Kubernetes API (apps/v1, v1, policy/v1, autoscaling/v2): validate() throws on any mismatch.
  new Deployment(m["deployment.json"]).validate();
  new Service(m["service.json"]).validate();
  new PodDisruptionBudget(m["pdb.json"]).validate();
  new HorizontalPodAutoscaler(m["hpa.json"]).validate();

  const deployment = m["deployment.json"];
  const container = deployment.spec.template.spec.containers[0];
  assert.equal(container.image, "registry.example.com/shop:1.4.2");
  assert.equal(container.livenessProbe.httpGet.path, "/_kova/health");
  assert.equal(container.readinessProbe.httpGet.path, "/_kova/ready");
  assert.equal(container.startupProbe.httpGet.path, "/_kova/health");
  assert.deepEqual(container.envFrom, [{ secretRef: { name: `${deployment.metadata.name}-env` } }]);
  assert.ok(container.env.some((e: { name: string; value: string }) => e.name === "KOVA_METRICS_PORT" && e.value === "9464"));
  assert.equal(deployment.spec.selector.matchLabels["app.kubernetes.io/name"], deployment.metadata.name);
  // Every object selects the Deployment's pods.
  assert.deepEqual(m["service.json"].spec.selector, deployment.spec.selector.matchLabels);
  assert.deepEqual(m["pdb.json"].spec.selector, deployment.spec.selector);
  assert.equal(m["hpa.json"].spec.scaleTargetRef.name, deployment.metadata.name);

  // The validation is real: a manifest with a wrong field type is rejected.
  const broken = structuredClone(deployment);
  broken.spec.template.spec.containers[0].ports[0].containerPort = "three thousand";
  assert.throws(() => new Deployment(broken).validate(), /containerPort must be integer/);
});

test("kova build --k8s refuses the embedded store (one host), and TASKs without Redis", (t) => {
  const todo = tempApp(t, join(EXAMPLES, "todo"));
  const refused = kovaSync(["build", "--k8s", todo]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /^kova build --k8s: data source "default" is the embedded store, a file on one host: pods cannot share it/);
  assert.equal(existsSync(join(todo, "dist", "k8s")), false);

  const tasks = tempApp(t, { "jobs.kova": `${SHOP}\nTASK tidy() WITH { attempts: 2 } {\n  DELETE FROM Product WHERE price < 0\n}\n` });
  const noRedis = kovaSync(["build", "--k8s", tasks]);
  assert.equal(noRedis.status, 1, noRedis.stdout);
  assert.match(noRedis.stderr, /the app has TASKs and no Redis data source/);
});
