// The in-memory Transport used by upper layers' unit tests behaves like the real relay:
// delivery to every other participant in order, notices separate, failures typed.

import { describe, expect, it } from "vitest";
import { createMemoryBus, type RelayMessage, type Transport } from "../src/index.js";
import { eventually } from "./helpers.js";

describe("createMemoryBus", () => {
  it("delivers each payload to every other participant, in order, never back to the sender", async () => {
    const bus = createMemoryBus();
    const ts: Transport[] = [bus.connect(), bus.connect(), bus.connect()];
    const inbox: RelayMessage[][] = ts.map(() => []);
    ts.forEach((t, i) => {
      t.onMessage((m) => inbox[i]!.push(m));
    });
    for (let k = 0; k < 3; k++) for (let i = 0; i < 3; i++) await ts[i]!.send({ from: i, k });
    await eventually(() => inbox.every((b) => b.length === 6));
    for (let j = 0; j < 3; j++) {
      expect(inbox[j]!.some((m) => m.payload.from === j)).toBe(false);
      for (let i = 0; i < 3; i++) {
        if (i === j) continue;
        expect(inbox[j]!.filter((m) => m.payload.from === i).map((m) => m.payload.k)).toEqual([0, 1, 2]);
      }
    }
    const addrs = new Set(inbox[0]!.map((m) => m.remoteAddr));
    expect(addrs.size).toBe(2);
    expect(bus.sentLines[0]).toBe(
      '{"_version": "1.1.1", "_payload": {"from": 0, "k": 0}, "_type": {"from": "int", "k": "int"}}\n',
    );
    await bus.close();
  });

  it("routes notices to onNotice only, and unsubscribes", async () => {
    const bus = createMemoryBus();
    const a = bus.connect();
    const notices: string[] = [];
    const messages: RelayMessage[] = [];
    const off = a.onNotice((n) => notices.push(n));
    a.onMessage((m) => messages.push(m));
    bus.notice("Warning: Server is shutting down.");
    await eventually(() => notices.length === 1);
    off();
    bus.notice("Warning: again");
    await new Promise((r) => setTimeout(r, 20));
    expect(notices).toEqual(["Warning: Server is shutting down."]);
    expect(messages).toEqual([]);
  });

  it("rejects with typed errors: CLOSED, LINE_TOO_LONG, INVALID_PAYLOAD", async () => {
    const bus = createMemoryBus({ maxLineBytes: 200 });
    const a = bus.connect();
    await expect(a.send({ x: "y".repeat(300) })).rejects.toMatchObject({ code: "LINE_TOO_LONG" });
    await expect(a.send({ x: Number.POSITIVE_INFINITY })).rejects.toMatchObject({ code: "INVALID_PAYLOAD" });
    await a.close();
    await expect(a.send({ x: 1 })).rejects.toMatchObject({ code: "CLOSED" });
  });
});
