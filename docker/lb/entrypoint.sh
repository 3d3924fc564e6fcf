#!/bin/sh
# Renders the upstream list and listen port from TOLK_BACKENDS / TOLK_LB_PORT, then runs nginx.
set -eu
: "${TOLK_BACKENDS:=backend:50051}" "${TOLK_LB_PORT:=8080}"
{
  echo "upstream tolk_backends {"
  echo "    least_conn;"
  for backend in $TOLK_BACKENDS; do
    echo "    server $backend max_fails=1 fail_timeout=10s;"
  done
  echo "}"
} > /etc/nginx/tolk-upstream.conf
echo "listen $TOLK_LB_PORT http2;" > /etc/nginx/tolk-listen.conf
nginx -t -q
exec nginx -g 'daemon off;'
