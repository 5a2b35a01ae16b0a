/**
 * Start-up failures read as one sentence: a driver's own "cannot connect data source …" message is
 * not wrapped in a second one (issue 10 item 17), and a bare failure still names the data source.
 */
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { test } from "node:test";
import { provideDriverPackage, type Dialect, type Driver } from "@kova/query";
import { connectDataSources, StartupError, type AppDefinition } from "../src/index.js";

const dialect: Dialect = { name: "refusing", compile: (plan) => ({ dialect: "refusing", plan }) };

function refusingDriver(message: string): Driver {
  return {
    dialect,
    connect: () => Promise.reject(new Error(message)),
    migrate: () => Promise.resolve(),
    execute: () => Promise.reject(new Error("not connected")),
    transaction: () => Promise.reject(new Error("not connected")),
    health: () => Promise.resolve({ ok: false, detail: "down" }),
    close: () => Promise.resolve(),
  };
}

function appUsing(driver: string): AppDefinition {
  return { name: "t", env: [], dataSources: [{ name: "db", driver, options: () => ({}), entities: [] }], routes: [] } as unknown as AppDefinition;
}

test("a driver's message that already names the data source is not repeated", async () => {
  provideDriverPackage({ names: ["refusing-named"], dialect, createDriver: () => refusingDriver('cannot connect data source "db" to x:1: refused') });
  await assert.rejects(connectDataSources(appUsing("refusing-named"), tmpdir(), {}), (error: unknown) => {
    assert.ok(error instanceof StartupError);
    assert.equal(error.message, 'cannot connect data source "db" to x:1: refused');
    return true;
  });
});

test("a bare connect failure is prefixed with the data source and its driver", async () => {
  provideDriverPackage({ names: ["refusing-bare"], dialect, createDriver: () => refusingDriver("ECONNREFUSED") });
  await assert.rejects(connectDataSources(appUsing("refusing-bare"), tmpdir(), {}), /cannot connect data source "db" \(refusing-bare\): ECONNREFUSED/);
});
