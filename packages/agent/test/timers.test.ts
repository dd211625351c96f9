import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeadlineError, OneShot, PeerTimers, RegisterBroadcast, withDeadline } from "../src/timers.js";

describe("runtime timers (fake clock)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("OneShot: a start while pending is ignored; cancel stops it", () => {
    const fired: string[] = [];
    const t = new OneShot();
    t.start(100, () => fired.push("first"));
    t.start(10, () => fired.push("second"));
    vi.advanceTimersByTime(99);
    expect(t.pending).toBe(true);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(["first"]);
    expect(t.pending).toBe(false);
    t.start(10, () => fired.push("third"));
    t.cancel();
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(["first"]);
  });

  it("PeerTimers: re-arming replaces a machine timer; detached sends survive cancelAll until cancelDetached", () => {
    const fired: string[] = [];
    const timers = new PeerTimers();
    timers.arm("retransmit", 100, () => fired.push("old"));
    timers.arm("retransmit", 200, () => fired.push("retransmit"));
    timers.arm("session", 50, () => fired.push("session"));
    timers.cancel("session");
    timers.detached(300, () => fired.push("close 2"));
    timers.detached(600, () => fired.push("close 3"));
    vi.advanceTimersByTime(300);
    expect(fired).toEqual(["retransmit", "close 2"]);
    timers.arm("session", 10, () => fired.push("late"));
    timers.cancelAll();
    timers.cancelDetached();
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual(["retransmit", "close 2"]);
  });

  it("RegisterBroadcast: one at once, then every interval ±20%, none after stop", () => {
    let sent = 0;
    const broadcast = new RegisterBroadcast(1000, () => sent++);
    broadcast.start(0);
    vi.advanceTimersByTime(0);
    expect(sent).toBe(1);
    vi.advanceTimersByTime(1200);
    expect(sent).toBe(2);
    broadcast.stop();
    broadcast.start(0);
    vi.advanceTimersByTime(5000);
    expect(sent).toBe(2);
  });

  it("withDeadline: the promise's outcome, or a DeadlineError once the time is up", async () => {
    await expect(withDeadline(Promise.resolve(7), 10)).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error("boom")), 10)).rejects.toThrow("boom");
    const late = withDeadline(new Promise(() => {}), 50);
    vi.advanceTimersByTime(50);
    await expect(late).rejects.toBeInstanceOf(DeadlineError);
  });
});
