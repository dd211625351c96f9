// Typed errors of @hsagent/selftest. `SelftestError` is what runSelfTest
// throws when no check can run at all (bad options, substrate unreachable);
// `CheckFailure` is thrown inside a check when an assertion does not hold and
// becomes that check's `error` text. Both carry a machine-readable `code`.

/** Machine-readable reasons of {@link SelftestError}. */
export type SelftestErrorCode = "INVALID_ARGUMENT" | "SUBSTRATE_UNREACHABLE";

/** runSelfTest could not run: invalid options, or nothing answers at the substrate URL. */
export class SelftestError extends Error {
  /** Machine-readable reason. */
  readonly code: SelftestErrorCode;

  constructor(message: string, code: SelftestErrorCode) {
    super(message);
    this.name = "SelftestError";
    this.code = code;
  }
}

/** An assertion of a check did not hold; `message` is the human reason shown in the report. */
export class CheckFailure extends Error {
  /** Always `"CHECK_FAILED"`. */
  readonly code = "CHECK_FAILED";

  constructor(message: string) {
    super(message);
    this.name = "CheckFailure";
  }
}

/** Throws a {@link CheckFailure} with `message` unless `condition` holds. */
export function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CheckFailure(message);
}

/** A check could not run because a prerequisite failed (e.g. no account after a failed login). */
export class NotRunError extends Error {
  /** Always `"NOT_RUN"`. */
  readonly code = "NOT_RUN";

  constructor(message: string) {
    super(message);
    this.name = "NotRunError";
  }
}
