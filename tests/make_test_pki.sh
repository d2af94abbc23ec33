#!/bin/sh
# Makes the TLS tests' certificates in DIR (tests/tls_test_pki.hpp), once per
# build tree: a CA, a server certificate for localhost (DNS:localhost,
# IP:127.0.0.1, IP:::1), a client certificate, and the bad ones the refusal
# tests need (another CA and a client of it, an expired server certificate,
# one for another name). EC P-256 keys: quick to make, and NNG's mbedTLS
# takes them. Valid for ten years, so that a build tree does not age out of
# its tests; the expired one ended yesterday.
#
#   make_test_pki.sh DIR
set -eu
dir=$1
work=$dir.new.$$
rm -rf "$work"
mkdir -p "$work"
cd "$work"
ec='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'
ca() { openssl req -x509 $ec -keyout $1.key -out $1.pem -days 3650 -subj /CN=$1; }
leaf() {  # name CN SAN CA days [key]
  if [ -n "${6:-}" ]; then openssl req -new -key $6 -out $1.csr -subj /CN=$2
  else openssl req $ec -keyout $1.key -out $1.csr -subj /CN=$2; fi
  printf 'subjectAltName=%s\n' "$3" > $1.ext
  openssl x509 -req -in $1.csr -CA $4.pem -CAkey $4.key -CAcreateserial -out $1.pem \
    -days $5 -extfile $1.ext
}
{
  ca ca && ca other-ca &&
  leaf srv localhost 'DNS:localhost,IP:127.0.0.1,IP:::1' ca 3650 &&
  leaf cli client 'DNS:client' ca 3650 &&
  leaf other-cli client 'DNS:client' other-ca 3650 &&
  leaf expired localhost 'DNS:localhost,IP:127.0.0.1,IP:::1' ca -1 srv.key &&
  leaf wrong-name wrong.example 'DNS:wrong.example' ca 3650 srv.key &&
  cat srv.pem srv.key > srv-with-key.pem
} > log 2>&1 || { cat log >&2; exit 1; }
# Whole or not at all: a test never sees a half-made directory.
cd ..
rm -rf "$dir"
mv "$work" "$dir"
