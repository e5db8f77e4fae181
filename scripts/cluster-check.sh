#!/usr/bin/env bash
# `make cluster-check`: the same load against the cluster (three Sawda servers
# on SurrealDB's server, photos in an S3-compatible store, nginx in front) with
# faults during it, then against one Sawda on the embedded database; prints
# the figures of both. Loopback only; each run is bounded (SECONDS of load,
# 60 s by default, plus the checks) and stops everything it started.
#
# Faults, from the load's start (at 60 s of load): 15 s, a Sawda server killed
# (SIGKILL), back at 20 s; 30 s, SurrealDB's server stopped and started again;
# 45 s, the S3 store stopped and started again.
set -euo pipefail
cd "$(dirname "$0")/.."
PHONES=${PHONES:-500}
BUYERS=${BUYERS:-100}
SHOPS=${SHOPS:-40}
LOAD_SECONDS=${LOAD_SECONDS:-60}
CLUSTER=${SAWDA_CLUSTER_CHECK:-$HOME/.cache/sawda/cluster-check}
CLUSTER_BASE=${CLUSTER_BASE:-18000}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/sawda/target}
SAWDA_BIN=${SAWDA_BIN:-$CARGO_TARGET_DIR/release/sawda}
SITE=${SAWDA_SITE:-$PWD/target/site}
# shellcheck source=scripts/cluster-lib.sh
source scripts/cluster-lib.sh

load() { nice -n 2 cargo bench --quiet -p sawda-server --bench load -- "$@"; }

echo "==> the cluster's tools and the load (built once; the first time is long)"
cluster_tools
cargo bench --quiet -p sawda-server --bench load --no-run
rm -rf "$CLUSTER"
mkdir -p "$CLUSTER"/{db,s3/$BUCKET,pids,logs,nginx,embedded}
trap 'stop_cluster; stop_piece embedded' EXIT
trap 'exit 130' INT TERM

echo "==> the cluster: SurrealDB, the S3 store, three Sawda servers, nginx (ports from $CLUSTER_BASE)"
# The first Sawda starts before its database: it waits for it, then serves.
start_sawda 1
sleep 3
start_surreal
wait_for "http://127.0.0.1:${SAWDA_PORTS[0]}/healthz" 60
echo "    Sawda 1 started 3 s before SurrealDB: tried $(grep -c 'not up yet' "$CLUSTER/logs/sawda1.log") time(s) in vain, then served"
SAWDA_DB_USER=$DB_USER SAWDA_DB_PASS=$DB_PASS load seed --db "ws://127.0.0.1:$SURREAL_PORT" \
  --out "$CLUSTER/seed.json" --phones "$PHONES" --shops "$SHOPS"
start_s3
start_sawda 2
start_sawda 3
wait_for "http://127.0.0.1:${SAWDA_PORTS[1]}/healthz" 60
wait_for "http://127.0.0.1:${SAWDA_PORTS[2]}/healthz" 60
start_nginx edge

echo "==> $PHONES phones and $BUYERS buyers for $LOAD_SECONDS s through nginx, with faults"
started=$SECONDS
load run --url "http://127.0.0.1:$NGINX_PORT" --seed "$CLUSTER/seed.json" --seconds "$LOAD_SECONDS" \
  --buyers "$BUYERS" --label "cluster (3 Sawda, SurrealDB server, S3, nginx)" > "$CLUSTER/cluster.txt" 2>&1 &
load_pid=$!
at() { while (( SECONDS - started < $1 )); do sleep 0.2; done; }
fault() { echo "    $(( SECONDS - started )) s: $*"; }
faults=()
at $((LOAD_SECONDS / 4)); fault "Sawda 2 killed (SIGKILL)"; stop_piece sawda2 KILL
at $((LOAD_SECONDS / 3)); fault "Sawda 2 started again"; start_sawda 2
at $((LOAD_SECONDS / 2)); fault "SurrealDB's server stopped (for 5 s)"; stop_piece surreal
sleep 5; start_surreal; fault "SurrealDB's server answers again"
at $((LOAD_SECONDS * 3 / 4)); fault "the S3 store stopped (for 5 s)"; stop_piece s3
sleep 5; start_s3; fault "the S3 store answers again"
cluster_ok=0
wait "$load_pid" || cluster_ok=$?
cat "$CLUSTER/cluster.txt"
for n in 1 2 3; do
  starts=$(grep -c "Sawda is running" "$CLUSTER/logs/sawda$n.log" || true)
  lost=$(grep -c "does not answer" "$CLUSTER/logs/sawda$n.log" || true)
  back=$(grep -c "answers again" "$CLUSTER/logs/sawda$n.log" || true)
  echo "    sawda$n: started $starts time(s); saw the database go $lost time(s) and come back $back time(s)"
done

echo "==> what the database handle costs over ws (make bench PARTS=handle, against this SurrealDB server)"
SAWDA_BENCH_WS="ws://127.0.0.1:$SURREAL_PORT" SAWDA_DB_USER=$DB_USER SAWDA_DB_PASS=$DB_PASS \
  cargo bench --quiet -p sawda-server --bench bench -- handle

echo "==> sawda backup of the SurrealDB server and the bucket, restored into a new database and bucket"
sawda_on() {  # $1 = database name, $2 = bucket; then the command
  local name=$1 bucket=$2
  shift 2
  SAWDA_DATA="$CLUSTER/sawda1" SAWDA_DB="ws://127.0.0.1:$SURREAL_PORT" SAWDA_DB_USER="$DB_USER" \
    SAWDA_DB_PASS="$DB_PASS" SAWDA_DB_NAME="$name" SAWDA_PHOTOS="s3://$bucket" \
    SAWDA_S3_ENDPOINT="http://127.0.0.1:$S3_PORT" SAWDA_S3_ACCESS_KEY="$S3_KEY" SAWDA_S3_SECRET_KEY="$S3_SECRET" \
    "$SAWDA_BIN" "$@"
}
counts() {  # the rows of the tables that matter, in database $1
  curl -fsS -u "$DB_USER:$DB_PASS" -H "surreal-ns: sawda" -H "surreal-db: $1" -H "accept: application/json" \
    -d "RETURN [count(SELECT id FROM account), count(SELECT id FROM sync_record), count(SELECT id FROM approved_product), count(SELECT id FROM photo)];" \
    "http://127.0.0.1:$SURREAL_PORT/sql" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["result"])'
}
mkdir -p "$CLUSTER/s3/sawda-restored"
sawda_on main "$BUCKET" backup "$CLUSTER/backup"
sawda_on restored sawda-restored restore "$CLUSTER/backup"
before=$(counts main); after=$(counts restored)
echo "    accounts, synced records, approved products, photos: $before in the cluster, $after restored"
photos_kept=$(find "$CLUSTER/s3/$BUCKET/photos" -name kept | wc -l)
photos_restored=$(find "$CLUSTER/s3/sawda-restored/photos" -name kept | wc -l)
echo "    photos in the bucket: $photos_kept kept, $photos_restored restored"
backup_ok=0
[ "$before" = "$after" ] && [ "$photos_kept" = "$photos_restored" ] || backup_ok=1
stop_cluster

echo "==> the same load against one Sawda on the embedded database"
export CLUSTER_EMBEDDED_PORT=$((CLUSTER_BASE + 90))
load seed --db "surrealkv://$CLUSTER/embedded/db" --out "$CLUSTER/seed-embedded.json" --phones "$PHONES" --shops "$SHOPS"
SAWDA_ADDR="127.0.0.1:$CLUSTER_EMBEDDED_PORT" SAWDA_DATA="$CLUSTER/embedded" SAWDA_SITE="$SITE" \
  SAWDA_TRUST_PROXY=true SAWDA_PUBLIC_URL="http://127.0.0.1:$CLUSTER_EMBEDDED_PORT" RUST_LOG=warn \
  "$SAWDA_BIN" >> "$CLUSTER/logs/embedded.log" 2>&1 &
echo $! > "$CLUSTER/pids/embedded"
wait_for "http://127.0.0.1:$CLUSTER_EMBEDDED_PORT/healthz" 60
embedded_ok=0
load run --url "http://127.0.0.1:$CLUSTER_EMBEDDED_PORT" --seed "$CLUSTER/seed-embedded.json" \
  --seconds "$LOAD_SECONDS" --buyers "$BUYERS" --label "one Sawda, embedded database, no faults" || embedded_ok=$?
stop_piece embedded

if (( cluster_ok != 0 || embedded_ok != 0 || backup_ok != 0 )); then
  echo "!! a run lost or failed something (see above; logs in $CLUSTER/logs)" >&2
  exit 1
fi
echo "==> both runs: no sync failed after retries, no copy differs, no acknowledged order request or photo missing; the restored copy has every row and photo"
