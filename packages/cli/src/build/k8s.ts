/**
 * `kova build --k8s`: Kubernetes manifests for running the app as a stateless service on several
 * pods, written as JSON (what `kubectl apply -f dist/k8s/` reads) beside the `--docker` image:
 *
 *   deployment.json  the pods: probes on /_kova/health (liveness, start-up) and /_kova/ready
 *                    (readiness), metrics on their own port 9464, a preStop pause so the Service
 *                    stops routing before SIGTERM drains, non-root and a read-only filesystem;
 *                    the program's env("…") variables come from the Secret `<name>-env`
 *   service.json     a ClusterIP Service on port 80 → the pods' port 3000
 *   pdb.json         a PodDisruptionBudget: a node drain keeps at least one pod serving
 *   hpa.json         a HorizontalPodAutoscaler (autoscaling/v2) on CPU, 2 to 10 pods
 *
 * Only an app whose every data source is a server (PostgreSQL, MySQL, …) can run on several pods:
 * the embedded store is one file on one host, and so is the embedded task queue. `k8sRefusal`
 * says why an app cannot, and the build then writes no manifests.
 */
import type { AppModel as App } from "@kova/compiler";

export const METRICS_PORT = 9464;

export interface K8sOptions {
  /** The Kubernetes name of every object (the package name). */
  name: string;
  /** The container image, e.g. registry.example.com/shop:1.4.2. */
  image: string;
}

/** Why the app cannot run as several stateless pods, or undefined when it can. */
export function k8sRefusal(app: App): string | undefined {
  const embedded = app.dataSources.filter((d) => d.driver === "embedded" || d.driver === "sqlite");
  if (embedded.length > 0) {
    const which = embedded.map((d) => `"${d.name}"`).join(", ");
    return `data source ${which} is the embedded store, a file on one host: pods cannot share it. CONNECT the entities to PostgreSQL (or another server) for --k8s; on one host, use --docker with a volume instead`;
  }
  if (app.tasks.length > 0 && !app.dataSources.some((d) => d.driver === "redis")) {
    return "the app has TASKs and no Redis data source: its job queue would be a file in each pod, and jobs would be lost with the pod. CONNECT a Redis data source (the queue then runs on BullMQ) for --k8s";
  }
  return undefined;
}

type Manifest = Record<string, unknown>;

export function k8sManifests(app: App, options: K8sOptions): Record<string, Manifest> {
  const { name, image } = options;
  const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "kova" };
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: "http" }, periodSeconds, timeoutSeconds: 3, failureThreshold,
  });
  const deployment: Manifest = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: { "app.kubernetes.io/name": name } },
      // One new pod at a time, none taken away before its replacement is ready.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels, annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": String(METRICS_PORT), "prometheus.io/path": "/_kova/metrics" } },
        spec: {
          // The runtime drains for up to shutdownTimeoutMs (10 s) after SIGTERM; this leaves room.
          terminationGracePeriodSeconds: 30,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
          containers: [{
            name,
            image,
            ports: [{ name: "http", containerPort: 3000 }, { name: "metrics", containerPort: METRICS_PORT }],
            env: [
              { name: "PORT", value: "3000" },
              { name: "HOST", value: "0.0.0.0" },
              { name: "KOVA_METRICS_PORT", value: String(METRICS_PORT) },
              { name: "KOVA_METRICS_HOST", value: "0.0.0.0" },
            ],
            // Every env("…") of the program: DATABASE_URL, secrets, … (see docs/operations.md).
            ...(app.env.length > 0 ? { envFrom: [{ secretRef: { name: `${name}-env` } }] } : {}),
            startupProbe: probe("/_kova/health", 2, 30),
            livenessProbe: probe("/_kova/health", 10, 3),
            readinessProbe: probe("/_kova/ready", 5, 2),
            // The endpoint leaves the Service while the pod still serves; then SIGTERM drains.
            lifecycle: { preStop: { sleep: { seconds: 5 } } },
            resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
          }],
        },
      },
    },
  };
  const service: Manifest = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, labels },
    spec: { type: "ClusterIP", selector: { "app.kubernetes.io/name": name }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
  };
  const pdb: Manifest = {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name, labels },
    spec: { minAvailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": name } } },
  };
  const hpa: Manifest = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name, labels },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
    },
  };
  return { "deployment.json": deployment, "service.json": service, "pdb.json": pdb, "hpa.json": hpa };
}
