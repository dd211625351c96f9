// The relay's listening socket: plain TCP (the default, as Summoner's relays) or TLS when a
// certificate and key are given. Both hand the connection handler a socket with the same API.

import net from "node:net";
import tls from "node:tls";

/** TLS settings of the relay server (PEM text or bytes; never logged). */
export interface RelayTlsOptions {
  /** Certificate chain, PEM. */
  cert: string | Buffer;
  /** Private key, PEM. */
  key: string | Buffer;
  /** Longest a client may take to finish the TLS handshake, ms (default 10000). */
  handshakeTimeoutMs?: number;
}

/**
 * Create the listening server: `tls.createServer` (handler runs after the TLS handshake) when
 * `options` is given, else `net.createServer`. Failed TLS handshakes are dropped silently.
 */
export function createListener(
  options: RelayTlsOptions | undefined,
  onConnection: (socket: net.Socket) => void,
): net.Server | tls.Server {
  if (options === undefined) return net.createServer({ noDelay: true }, onConnection);
  const server = tls.createServer(
    {
      cert: options.cert,
      key: options.key,
      handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
      noDelay: true,
    },
    onConnection,
  );
  server.on("tlsClientError", () => {
    // A client that fails the handshake (wrong CA, plain TCP, junk) is simply disconnected.
  });
  return server;
}
