// A known id.v1 identity vault (HSAgent_2's format) with its passphrase and
// the identity inside: the \`vault\` check's known-answer test. Copied from the
// project's shared test vectors (vault-id-v1.json); public test data, not a secret.

import type { IdentityRecord, IdentityVaultV1 } from "@hsagent/crypto";

/** The known vault, its passphrase, a wrong passphrase and the identity it holds. */
export const VAULT_VECTOR: {
  readonly passphrase: string;
  readonly wrong_passphrase: string;
  readonly vault: IdentityVaultV1;
  readonly identity: IdentityRecord;
} = {
  passphrase: "correct horse battery staple",
  wrong_passphrase: "Tr0ub4dor&3",
  vault: {
    v: "id.v1",
    kdf: "scrypt",
    salt: "tJS5az8pSlhnPfAfGEOhTA==",
    nonce: "LPPVdjhhecpBqsqA",
    aad: "SFNBZ2VudC5pZGVudGl0eS52MQ==",
    ciphertext:
      "8PSLrkl61NOZ3eAHCWustqFBFrDqe00y4gR3/t48daA7oR7KPM5qKQnmeNa83wPvJ+FAhSnXNSr7zlKxM5QdZpSz1r+vZ90G5ZsNni9uoRyeelEmQmGGuz1nmbwwjSXcMhDvh41HFLFKDqkH1Ex9utZdCGCtLUxeWnkSzcEtOA1eBKdcLZrIqeRJ6JOtXwUdTMHPtlcRQPMDLuPfEE4nm44LZnhJZq3VyglamUnopZBCQnWu8bWdtO4aqim0HSv9os7gC88+1DbNqwNP8hiIvofQFHB/G0xvpk4IfE7AnHXEULjUaTY1RyFf802FwSFLK70t7tDEDdy86rzwrgFepXxXKDyO3Wp8McVeWXEqVbSyPvRFbRJw22dwhvXM/1jyuDSKnxiYdWQk+iiRSMfUSH6DL8A2IzwmOEa1tHxHzNFllYnUPOIZPDe1kREVtSNerWuB+amHe8qhtw5OLgr2",
  },
  identity: {
    my_id: "6f9a3c1e-2b4d-4e8f-9a1b-3c5d7e9f1a2b",
    created_at: "2026-11-27T04:40:00+00:00",
    kx_priv_b64: "zX9w+Lbqzbdnyy6BcLlRCwHi2jGGuNkUonhVXbJJ45E=",
    kx_pub_b64: "1f7H39WzubAfTmSsknzNbhjz0/9sVmRiYatOq9zpR0c=",
    sign_priv_b64: "S7JG8q62kxjct+EHIgogXgKqZfbAe8V5uh30Hb0fYn0=",
    sign_pub_b64: "zgFg0xfpR6s+P3vZu+mdeJUcMWPO5teWzY2vjAnnU3E=",
  },
};
