# What `make cluster` and `make cluster-check` share: starting and stopping
# each piece of a cluster on loopback. Sourced, not run.
#
# The pieces: SurrealDB's own server on SurrealKV files, an S3-compatible
# store (s3s-fs, files on disk), three Sawda servers on that database and
# bucket (SAWDA_DB=ws://…, SAWDA_PHOTOS=s3://…: the same binary and code as
# the embedded default), and Debian's nginx in front. Everything lives under
# $CLUSTER (logs, data, pids) and listens on 127.0.0.1 only.

: "${CLUSTER:?CLUSTER must name the directory of the cluster}"
: "${CLUSTER_BASE:=8000}"        # ports: base (SurrealDB), +14 (S3), +80 (nginx), +1..+3 (Sawda)
SURREAL_PORT=$CLUSTER_BASE
S3_PORT=$((CLUSTER_BASE + 14))
NGINX_PORT=$((CLUSTER_BASE + 80))
SAWDA_PORTS=($((CLUSTER_BASE + 1)) $((CLUSTER_BASE + 2)) $((CLUSTER_BASE + 3)))
S3_KEY=sawda-cluster
S3_SECRET=sawda-cluster-secret
BUCKET=sawda-photos
DB_USER=root
DB_PASS=root-cluster

cluster_tools() {
  SURREAL_BIN=$(scripts/surreal-server.sh)
  S3_BIN=$(scripts/s3-server.sh)
  command -v nginx > /dev/null || { echo "nginx is missing: apt-get install nginx-light" >&2; return 1; }
  mkdir -p "$CLUSTER"/{db,s3/$BUCKET,pids,logs,nginx}
}

# Waits until `curl` of $1 answers 2xx, for up to $2 seconds.
wait_for() {
  local url=$1 seconds=${2:-60} started=$SECONDS
  until curl -fsS -o /dev/null --max-time 2 "$url" 2> /dev/null; do
    if (( SECONDS - started > seconds )); then echo "no answer from $url after ${seconds} s" >&2; return 1; fi
    sleep 0.3
  done
}

# Waits until something listens on port $1.
wait_for_port() {
  local port=$1 started=$SECONDS
  until (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; do
    if (( SECONDS - started > 60 )); then echo "nothing listens on $port after 60 s" >&2; return 1; fi
    sleep 0.2
  done
}

start_surreal() {
  SURREAL_ONLINE_VERSION_CHECK=false SURREAL_NO_BANNER=true "$SURREAL_BIN" start --bind "127.0.0.1:$SURREAL_PORT" \
    --username "$DB_USER" --password "$DB_PASS" --log warn "surrealkv://$CLUSTER/db?sync=every" \
    >> "$CLUSTER/logs/surreal.log" 2>&1 &
  echo $! > "$CLUSTER/pids/surreal"
  disown $!
  wait_for_port "$SURREAL_PORT"
}

start_s3() {
  "$S3_BIN" --host 127.0.0.1 --port "$S3_PORT" --access-key "$S3_KEY" --secret-key "$S3_SECRET" "$CLUSTER/s3" \
    >> "$CLUSTER/logs/s3.log" 2>&1 &
  echo $! > "$CLUSTER/pids/s3"
  disown $!
  wait_for_port "$S3_PORT"
}

# Sawda number $1 (1 to 3).
start_sawda() {
  local n=$1 port=${SAWDA_PORTS[$(($1 - 1))]}
  mkdir -p "$CLUSTER/sawda$n"
  SAWDA_ADDR="127.0.0.1:$port" SAWDA_DATA="$CLUSTER/sawda$n" SAWDA_SITE="$SITE" \
    SAWDA_DB="ws://127.0.0.1:$SURREAL_PORT" SAWDA_DB_USER="$DB_USER" SAWDA_DB_PASS="$DB_PASS" \
    SAWDA_PHOTOS="s3://$BUCKET" SAWDA_S3_ENDPOINT="http://127.0.0.1:$S3_PORT" \
    SAWDA_S3_ACCESS_KEY="$S3_KEY" SAWDA_S3_SECRET_KEY="$S3_SECRET" \
    SAWDA_TRUST_PROXY=true SAWDA_PUBLIC_URL="http://127.0.0.1:$NGINX_PORT" RUST_LOG="${RUST_LOG:-warn}" \
    "$SAWDA_BIN" >> "$CLUSTER/logs/sawda$n.log" 2>&1 &
  echo $! > "$CLUSTER/pids/sawda$n"
  disown $!
}

start_sawdas() {
  # The first migrates the database alone; the others start on a schema that is ready.
  start_sawda 1
  wait_for "http://127.0.0.1:${SAWDA_PORTS[0]}/healthz" 120
  start_sawda 2
  start_sawda 3
  wait_for "http://127.0.0.1:${SAWDA_PORTS[1]}/healthz" 60
  wait_for "http://127.0.0.1:${SAWDA_PORTS[2]}/healthz" 60
}

# nginx as scale-out-facts §5: passive health checks, a refused connection
# tried on the next server, never a POST that may have been applied; the
# pieces of one photo upload may reach any server (they are kept in the bucket).
# `$1` = "edge": take the client's address from X-Forwarded-For sent by a
# proxy on loopback (the load stands in for buyers' many addresses).
start_nginx() {
  local edge=${1:-} servers="" realip=""
  for port in "${SAWDA_PORTS[@]}"; do servers+="    server 127.0.0.1:$port max_fails=2 fail_timeout=5s;"$'\n'; done
  [ "$edge" = edge ] && realip="set_real_ip_from 127.0.0.1; real_ip_header X-Forwarded-For;"
  cat > "$CLUSTER/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $CLUSTER/nginx/nginx.pid;
error_log $CLUSTER/logs/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $CLUSTER/nginx/body;
  proxy_temp_path $CLUSTER/nginx/proxy;
  fastcgi_temp_path $CLUSTER/nginx/fastcgi;
  uwsgi_temp_path $CLUSTER/nginx/uwsgi;
  scgi_temp_path $CLUSTER/nginx/scgi;
  upstream sawda {
$servers    keepalive 32;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    client_max_body_size 1m;
    $realip
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$host;
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto \$scheme;
    proxy_connect_timeout 1s;
    proxy_read_timeout 35s;
    proxy_next_upstream error timeout http_502 http_503;
    proxy_next_upstream_tries 3;
    proxy_next_upstream_timeout 5s;
    location / { proxy_pass http://sawda; }
  }
}
EOF
  nginx -p "$CLUSTER/nginx" -c "$CLUSTER/nginx/nginx.conf" -g 'daemon off;' >> "$CLUSTER/logs/nginx.log" 2>&1 &
  echo $! > "$CLUSTER/pids/nginx"
  disown $!
  wait_for "http://127.0.0.1:$NGINX_PORT/healthz" 30
}

# Stops piece $1 (surreal, s3, sawda1…, nginx) with signal $2 (TERM by default).
stop_piece() {
  local file="$CLUSTER/pids/$1" signal=${2:-TERM}
  [ -f "$file" ] || return 0
  local pid
  pid=$(cat "$file")
  kill "-$signal" "$pid" 2> /dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2> /dev/null || true
  rm -f "$file"
}

stop_cluster() {
  # Front to back: nothing new comes in while the servers finish.
  stop_piece nginx
  for n in 1 2 3; do stop_piece "sawda$n"; done
  stop_piece s3
  stop_piece surreal
}
