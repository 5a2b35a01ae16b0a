import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { emitProto, PROTO_FILE } from "@kova/compiler";
import { join, relative } from "node:path";
import { buildApp } from "../build/build-app.js";
import { reportBuildFailure } from "../build/report.js";
import { k8sManifests, k8sRefusal } from "../build/k8s.js";
import { UsageError } from "../args.js";
import { ExitCode, shouldColor } from "../command.js";
import { defineCommand } from "../define-command.js";
import { dockerfile, dockerignore } from "../dist-files.js";
import { packageName } from "../init-project.js";
import { reportInstallProblems, withInstallHint } from "../installed.js";

export const buildCommand = defineCommand({
  name: "build",
  summary: "Compile a Kova app to a self-contained dist/ that runs with plain node",
  usage: `Usage: kova build [options] [PATH]

Checks the program at PATH (a .kova file, or a folder holding one program; default ".") and
writes PATH/dist: app.js (+ source map), server.js and a package.json naming only the Kova runtime
and the drivers the program uses, pinned to this Kova's version. The folder runs anywhere:
  cd dist && npm install --omit=dev && node server.js

Options:
  --out <DIR>            Output folder (default: <app folder>/dist)
  --docker               Also write dist/Dockerfile (multi-stage, non-root, HEALTHCHECK on
                         /_kova/health) and dist/.dockerignore: docker build -t my-app dist
  --k8s                  Also write dist/k8s/: a Deployment (probes on /_kova/health and
                         /_kova/ready, metrics port), Service, PodDisruptionBudget and
                         HorizontalPodAutoscaler: kubectl apply -f dist/k8s/ (implies --docker;
                         the app's data must be on a server such as PostgreSQL, not embedded)
  --image <IMAGE>        The image the Deployment runs (default: <app name>:latest)
  --emit <js|ir|proto>   js (default) writes dist/; ir prints the app model (IR) as JSON on
                         stdout and writes nothing (see docs/ir.md); proto writes only the
                         gRPC service description, <out>/app.proto (see docs/grpc.md)
  --target <js|bytecode> bytecode also compiles the handlers for the metered VM: dist/app.kbc,
                         signed with KOVA_SIGNING_KEY or .kova/keys/ (made on first use), its
                         public key dist/app.kbc.pub.pem, and a server.js that runs the
                         handlers on the VM (see docs/bytecode.md)
  --no-bundle            Leave the server's runtime in node_modules instead of bundling it
                         into dist/server/ (the bundle starts faster; see docs/operations.md)
  --color, --no-color    Force colour on or off in diagnostics
  -h, --help             Show this help

Exit status: 0 built, 1 the program has errors, 2 bad command line.
`,
  options: { out: { type: "string" }, emit: { type: "string" }, target: { type: "string" }, docker: { type: "boolean" }, k8s: { type: "boolean" }, image: { type: "string" }, "no-bundle": { type: "boolean" }, color: { type: "boolean" }, "no-color": { type: "boolean" } },
  async execute({ values, positionals }, context) {
    const emit = String(values.emit ?? "js");
    if (emit !== "js" && emit !== "ir" && emit !== "proto") throw new UsageError(`unknown --emit '${emit}' (expected js, ir or proto)`);
    const target = String(values.target ?? "js");
    if (target !== "js" && target !== "bytecode") throw new UsageError(`unknown --target '${target}' (expected js or bytecode)`);
    if (reportInstallProblems("build", context.stderr)) return ExitCode.problems;
    const result = await buildApp({ entry: positionals[0] ?? ".", outDir: values.out === undefined ? undefined : String(values.out), irOnly: emit === "ir" || emit === "proto", bytecode: target === "bytecode" && emit === "js", bundle: values["no-bundle"] !== true });
    if (!result.ok) {
      result.errors = result.errors.map((e) => withInstallHint(e));
      reportBuildFailure(result, context.stderr, shouldColor({ color: values.color === true, noColor: values["no-color"] === true }, context.stderr, context.env));
      return ExitCode.problems;
    }
    if (values.k8s === true && result.ir !== null) {
      // Before anything is written for it: an app that cannot run on several pods gets no manifests.
      const refusal = k8sRefusal(result.ir);
      if (refusal !== undefined) {
        context.stderr.write(`kova build --k8s: ${refusal}\n`);
        return ExitCode.problems;
      }
    }
    if (emit === "ir") {
      context.stdout.write(`${JSON.stringify(result.ir, null, 2)}\n`);
      return ExitCode.ok;
    }
    if (emit === "proto") {
      const proto = emitProto(result.ir!);
      mkdirSync(result.outDir, { recursive: true });
      writeFileSync(join(result.outDir, PROTO_FILE), proto.text);
      context.stdout.write(`wrote ${relative(process.cwd(), join(result.outDir, PROTO_FILE))}: service ${proto.package}.${proto.service}, ${proto.methods.length} rpc${proto.methods.length === 1 ? "" : "s"}\n`);
      return ExitCode.ok;
    }
    const out = relative(process.cwd(), result.outDir) || ".";
    if (values.docker === true || values.k8s === true) {
      const manifest = JSON.parse(readFileSync(join(result.outDir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
      const driverPackages = Object.keys(manifest.dependencies ?? {}).filter((p) => p.startsWith("@kova/driver-"));
      writeFileSync(join(result.outDir, "Dockerfile"), dockerfile({ driverPackages }));
      writeFileSync(join(result.outDir, ".dockerignore"), dockerignore());
      context.stdout.write(`wrote ${out}/Dockerfile — build and run it with: docker build -t ${packageName(result.appDir)} ${out}\n`);
    }
    if (values.k8s === true && result.ir !== null) {
      const name = packageName(result.appDir);
      const image = values.image === undefined ? `${name}:latest` : String(values.image);
      mkdirSync(join(result.outDir, "k8s"), { recursive: true });
      for (const [file, manifest] of Object.entries(k8sManifests(result.ir, { name, image }))) {
        writeFileSync(join(result.outDir, "k8s", file), `${JSON.stringify(manifest, null, 2)}\n`);
      }
      context.stdout.write(`wrote ${out}/k8s/ (Deployment, Service, PodDisruptionBudget, HorizontalPodAutoscaler for image ${image}) — apply with: kubectl apply -f ${out}/k8s/\n`);
    }
    if (result.bytecodeHash !== undefined) context.stdout.write(`wrote ${out}/app.kbc (sha256 ${result.bytecodeHash}) and its public key ${out}/app.kbc.pub.pem\n`);
    context.stdout.write(`built ${result.routes.length} route${result.routes.length === 1 ? "" : "s"} into ${out} in ${result.ms.toFixed(0)} ms — start it with: node ${out}/server.js\n`);
    return ExitCode.ok;
  },
});
