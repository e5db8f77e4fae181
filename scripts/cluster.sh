#!/usr/bin/env bash
# `make cluster`: Sawda as several servers, on this machine's loopback only:
# SurrealDB's server on SurrealKV files, an S3-compatible store, three Sawda
# servers on them, and nginx in front. Ctrl-C stops all of them. The data
# stays in $SAWDA_CLUSTER (default ~/.cache/sawda/cluster) for the next start.
set -euo pipefail
cd "$(dirname "$0")/.."
CLUSTER=${SAWDA_CLUSTER:-$HOME/.cache/sawda/cluster}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/sawda/target}
SAWDA_BIN=${SAWDA_BIN:-$CARGO_TARGET_DIR/release/sawda}
SITE=${SAWDA_SITE:-$PWD/target/site}
# shellcheck source=scripts/cluster-lib.sh
source scripts/cluster-lib.sh

echo "==> the cluster's tools: SurrealDB's server, s3s-fs, nginx (built once; the first time is long)"
cluster_tools
trap 'echo; echo "==> stopping the cluster"; stop_cluster; exit 0' INT TERM
trap 'stop_cluster' EXIT
echo "==> starting SurrealDB (127.0.0.1:$SURREAL_PORT, files in $CLUSTER/db)"
start_surreal
echo "==> starting the S3-compatible store (127.0.0.1:$S3_PORT, files in $CLUSTER/s3)"
start_s3
echo "==> starting three Sawda servers (127.0.0.1:${SAWDA_PORTS[*]})"
start_sawdas
echo "==> starting nginx"
start_nginx
echo
echo "Sawda is running at http://127.0.0.1:$NGINX_PORT/ on three servers (Ctrl-C stops everything)."
echo "Logs: $CLUSTER/logs. An admin: SAWDA_DB=ws://127.0.0.1:$SURREAL_PORT SAWDA_DB_USER=$DB_USER SAWDA_DB_PASS=$DB_PASS $SAWDA_BIN admin create --phone … --name …"
# Waits for Ctrl-C; a piece that dies is said so.
while sleep 5; do
  for piece in surreal s3 sawda1 sawda2 sawda3 nginx; do
    if [ -f "$CLUSTER/pids/$piece" ] && ! kill -0 "$(cat "$CLUSTER/pids/$piece")" 2> /dev/null; then
      echo "!! $piece stopped; see $CLUSTER/logs" >&2
      rm -f "$CLUSTER/pids/$piece"
    fi
  done
done
