#!/usr/bin/env bash
# By-hand check of failover with the CLI: a 3-node NATS cluster (routes) and a substrate on free
# loopback ports, `hsagent run --name alpha --relay nats://<node1>` and `--name beta --relay
# nats://<node2>` (one account), sessions counted for 30 s, then `kill -9` of beta's node and
# sessions counted for the next 40 s. Needs `pnpm build` and the nats-server binary.
# Usage: bash packages/transport-nats/examples/cluster-demo.sh   (from the repository root)
set -euo pipefail
ROOT=$(pwd)
WORK=$(mktemp -d /tmp/hsagent-nats-demo.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_line() { # file pattern -> first match (20 s)
  for _ in $(seq 200); do grep -m1 -oE "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1" >&2; exit 1
}

node_start() { # name [routes] -> starts a node logging to $WORK/<name>.log
  local args=(-a 127.0.0.1 -p -1 --cluster_name demo --cluster nats://127.0.0.1:-1 -l "$WORK/$1.log")
  [ -n "${2:-}" ] && args+=(--routes "$2")
  nats-server "${args[@]}" & PIDS+=($!); eval "PID_$1=$!"
}
node_start n1
ROUTE=nats://$(wait_line "$WORK/n1.log" 'route connections on [0-9.:]+' | awk '{print $NF}')
node_start n2 "$ROUTE"; node_start n3 "$ROUTE"
N1=$(wait_line "$WORK/n1.log" 'client connections on [0-9.:]+' | awk '{print $NF}')
N2=$(wait_line "$WORK/n2.log" 'client connections on [0-9.:]+' | awk '{print $NF}')
for n in n1 n2 n3; do until [ "$(grep -c 'Route connection created' "$WORK/$n.log")" -ge 2 ]; do sleep 0.1; done; done
echo "cluster: n1=$N1 n2=$N2 (routes formed)"

node apps/cli/bin/run.js substrate serve --port 0 --db "sqlite:$WORK/substrate.db" >"$WORK/substrate.out" 2>&1 & PIDS+=($!)
SUB=$(wait_line "$WORK/substrate.out" 'http://[0-9.:]+')
export HSAGENT_SUBSTRATE_URL=$SUB HSAGENT_USERNAME=demo$RANDOM HSAGENT_PASSWORD=demo-password-1234
export HSAGENT_VAULT_PASSPHRASE=demo-passphrase HSAGENT_LOG_FORMAT=json
node apps/cli/bin/run.js run --name alpha --relay "nats://$N1" --skip-selftest >"$WORK/alpha.log" 2>&1 & PIDS+=($!)
sleep 1 # alpha registers the account first
node apps/cli/bin/run.js run --name beta --relay "nats://$N2" --skip-selftest >"$WORK/beta.log" 2>&1 & PIDS+=($!)
BETA=$!
wait_line "$WORK/beta.log" '"event":"started"' >/dev/null
closed() { grep -c '"event":"closed"' "$WORK/beta.log" || true; }
T0=$(date +%s); sleep 30
BEFORE=$(closed)
echo "sessions completed by beta in the first 30 s: $BEFORE"
kill -9 "$PID_n2"; echo "kill -9 of beta's node n2 ($N2)"
sleep 40
AFTER=$(closed)
echo "sessions completed by beta in the 40 s after the kill: $((AFTER - BEFORE))"
grep -o '"notice":"[^"]*"' "$WORK/beta.log" | tail -2 || true
kill -0 "$BETA" && echo "beta still running (not restarted); logs in $WORK"
