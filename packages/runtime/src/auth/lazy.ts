/**
 * `fast-jwt`, `jose` and `@node-rs/argon2` are loaded on first use: an app without AUTH (and every
 * worker process of one) starts without paying for them (~0.3 s and ~0.2 s to import on a busy machine).
 */
let fastJwt: Promise<typeof import("fast-jwt")> | undefined;
let jose: Promise<typeof import("jose")> | undefined;
let argon2: Promise<typeof import("@node-rs/argon2")> | undefined;

export const loadFastJwt = (): Promise<typeof import("fast-jwt")> => (fastJwt ??= import("fast-jwt"));
export const loadJose = (): Promise<typeof import("jose")> => (jose ??= import("jose"));
export const loadArgon2 = (): Promise<typeof import("@node-rs/argon2")> => (argon2 ??= import("@node-rs/argon2"));
