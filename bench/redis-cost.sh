#!/usr/bin/env bash
# Redis CPU per post and one worker's posts/s, on the single Redis or on the Redis Cluster.
#   bash bench/redis-cost.sh 60000            # the single Redis at REDIS_URL (default 127.0.0.1:16379)
#   REDIS_CLUSTER_NODES=127.0.0.1:17001,... bash bench/redis-cost.sh 60000
# Publishes N synthetic posts to a topic of its own, then runs one worker (`modstream run`, every
# stage) over them; Redis CPU is INFO cpu (user + sys) summed over the primaries, before and after.
# `npm run bench -- e2e --redis-cluster` measures the same and more (bytes by key family, command
# stats, scoring alone); this script stays as a quick check of `modstream run` itself.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-60000}
ID="rc$(date +%s)"
FILE=$(mktemp --suffix=.yaml)
sed -e "s/groupId: modstream-workers/groupId: g-$ID/" \
  -e "s/    posts: posts /    posts: posts-$ID /" -e "s/    reports: reports /    reports: reports-$ID /" \
  -e "s/port: 9464/port: 0/" pipelines/default.yaml >"$FILE"
export MODSTREAM_PIPELINE="$FILE" MODSTREAM_PREFIX="$ID" KAFKAJS_NO_PARTITIONER_WARNING=1 LOG_LEVEL=warn

if [ -n "${REDIS_CLUSTER_NODES:-}" ]; then
  first=${REDIS_CLUSTER_NODES%%,*}
  primaries=$(redis-cli -h "${first%:*}" -p "${first#*:}" cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ {split($2, a, "@"); print a[1]}')
else
  url=${REDIS_URL:-redis://127.0.0.1:16379}
  primaries=${url#redis://}
fi
cpu() {
  local total=0
  for hp in $primaries; do
    total=$(redis-cli -h "${hp%:*}" -p "${hp#*:}" info cpu | awk -F: -v t="$total" \
      '/^used_cpu_(user|sys):/ {t += $2} END {printf "%.6f", t}')
  done
  echo "$total"
}
counted() {
  local sum=0
  for hp in $primaries; do
    for k in $(redis-cli -h "${hp%:*}" -p "${hp#*:}" --scan --pattern "$ID:{stream:all}:b:*"); do
      sum=$((sum + $(redis-cli -h "${hp%:*}" -p "${hp#*:}" hget "$k" posts)))
    done
  done
  echo "$sum"
}

node bin/modstream.js replay --synthetic "$N" >/dev/null
before=$(cpu)
t0=$(date +%s.%N)
node bin/modstream.js run 2>/dev/null &
worker=$!
while [ "$(counted)" -lt "$N" ]; do sleep 0.5; done
t1=$(date +%s.%N)
after=$(cpu)
kill -TERM "$worker"
wait "$worker" || true
awk -v n="$N" -v t0="$t0" -v t1="$t1" -v b="$before" -v a="$after" -v c="${REDIS_CLUSTER_NODES:+true}" 'BEGIN {
  printf "{\"posts\":%d,\"redisCluster\":%s,\"seconds\":%.1f,\"postsPerSec\":%d,\"redisCpuUsPerPost\":%.1f}\n",
    n, c == "true" ? "true" : "false", t1 - t0, n / (t1 - t0), (a - b) * 1e6 / n }'
rm -f "$FILE"
