// Check `login`: the substrate can provision an account with a random
// username and password (as HSAgent_2 does), a separate login with those
// credentials works, `me` names the same account, and a wrong password is
// refused with 401. Sets `ctx.primary`, which the substrate checks use.

import { ApiError } from "@hsagent/substrate-client";
import { Ledger } from "../context.js";
import { CheckFailure, expect } from "../errors.js";
import type { CheckFn } from "./types.js";

/** The `login` check (sets `ctx.primary`). */
export const loginCheck: CheckFn = async (ctx) => {
  const creds = ctx.newCredentials();
  const registering = ctx.newClient(creds);
  const registered = await registering.register(creds.username, creds.password);
  expect(registered.username === creds.username, "register: `me` names another account");
  expect(/^[0-9]+$/.test(registered.id), "register: account id is not a decimal id");

  const client = ctx.newClient(creds);
  const account = await client.login();
  expect(account.id === registered.id, "login: `me` answered another account id than register");
  expect(account.username === creds.username, "login: `me` answered another username");
  const again = await client.me();
  expect(again.id === account.id && again.username === account.username, "me: answers changed between calls");
  ctx.primary = { ...creds, client, ledger: new Ledger() };

  const wrong = ctx.newClient();
  try {
    await wrong.login({ username: creds.username, password: `${creds.password}x` });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    throw error;
  }
  throw new CheckFailure("login with a wrong password was accepted (expected 401)");
};
