// Formats a peer address the way the relay reports it in `remote_addr`: IPv4 (including
// IPv4-mapped IPv6) as `a.b.c.d:port`, other IPv6 as `[addr]:port`.

const MAPPED_V4 = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/** Format `ip` and `port` as `IP:PORT` (IPv4-mapped IPv6 shown as plain IPv4). */
export function formatRemoteAddr(ip: string, port: number): string {
  const mapped = MAPPED_V4.exec(ip);
  if (mapped) return `${mapped[1]}:${port}`;
  if (ip.includes(":")) return `[${ip}]:${port}`;
  return `${ip}:${port}`;
}
