#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The HTTPS listener (issue 4 items 1 and 8): TLS 1.2 and 1.3 only with
# AEAD ECDHE suites, the self-signed certificate made once and reused, a
# configured certificate served, the security headers, JSON errors for
# oversized and malformed requests with no state change, slowloris clients
# cut off after listen.timeout while others are served, and clear start
# errors for a bad certificate or an address in use.  sansod runs in a
# private network namespace; everything is on its loopback.
set -u
. "$(dirname "$0")/lib.sh"
cli_setup https

PORT=$((20000 + RANDOM % 20000))
URL=https://127.0.0.1:$PORT

settings() {
	cat >"$T/settings.yaml" <<EOF
listen:
  https: ["127.0.0.1:$PORT", "[::1]:$PORT"]
  body_max: 4k
  header_max: 2k
  timeout: 2s
$*
EOF
}

# req METHOD PATH [BODY-FILE] [CURL ARGS...]: status in $code, body in
# $T/body, headers in $T/headers.
req() {
	local method=$1 path=$2 args=(-sk -o "$T/body" -D "$T/headers" -w '%{http_code}')
	shift 2
	if [ $# -ge 1 ] && [ -f "$1" ]; then
		args+=(-H 'Content-Type: application/json' --data-binary "@$1")
		shift
	fi
	[ -n "${TOKEN:-}" ] && args+=(-H "Authorization: Bearer $TOKEN")
	code=$(nsx curl "${args[@]}" "$@" -X "$method" "$URL$path")
}

# unix METHOD PATH [BODY]: the control socket (root: no token needed).
unix() {
	curl -s --unix-socket "$T/s" -X "$1" ${3:+--data-binary "$3"} "http://sansod$2"
}

expect_error() {
	local got
	got=$(jq -r .error.code "$T/body" 2>/dev/null)
	if [ "$code" = "$1" ] && [ "$got" = "$2" ]; then
		pass "$3 ($code $got)"
	else
		fail "$3: got $code $got, expected $1 $2"
		sed 's/^/    | /' "$T/body" | head -10
	fi
}

# s_client [ARGS...]: one handshake, output in $T/tls.
s_client() {
	echo | timeout 10 ip netns exec "$NS" openssl s_client \
	    -connect "127.0.0.1:$PORT" "$@" >"$T/tls" 2>&1
}

# (s_client's status is no guide: the server answers its stray newline
# with a 400 and closes, which s_client reports as an error.)
handshake_ok() {
	s_client "$@"
	grep -q '^New, TLSv1\.[23], Cipher is ' "$T/tls"
}

handshake_refused() {
	s_client "$@"
	grep -q 'Cipher is (NONE)' "$T/tls" ||
	    grep -qE 'no cipher match|no ciphers available|alert' "$T/tls"
}

served_fingerprint() {
	echo | timeout 10 ip netns exec "$NS" openssl s_client \
	    -connect "127.0.0.1:$PORT" 2>/dev/null |
	    openssl x509 -noout -fingerprint -sha256 2>/dev/null | cut -d= -f2
}

file_fingerprint() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2
}

settings
"$SANSOD" -c "$T/policy.yaml" -s "$T/state" --settings "$T/settings.yaml" \
    --init-admin alice >"$T/admin" 2>&1
check "sansod starts with listen.https on 127.0.0.1:$PORT" \
    start_sansod --settings "$T/settings.yaml"
check "it says it listens on https" grep -q "listening on https://127.0.0.1:$PORT" "$T/sansod.log"
check "and on IPv6 [::1]" test "$(nsx curl -sk -o /dev/null -w '%{http_code}' "https://[::1]:$PORT/api/v1/status")" = 401

# -- protocols and suites.
check "TLS 1.3 is accepted" handshake_ok -tls1_3
check "TLS 1.2 is accepted, with an ECDHE AEAD suite" \
    eval 'handshake_ok -tls1_2 && grep -qE "Cipher is ECDHE-ECDSA-(AES(128|256)-GCM|CHACHA20)" "$T/tls"'
check "TLS 1.2 without compression" grep -q '^Compression: NONE' "$T/tls"
check "TLS 1.1 is refused" handshake_refused -tls1_1 -cipher 'DEFAULT@SECLEVEL=0'
check "TLS 1.0 is refused" handshake_refused -tls1 -cipher 'DEFAULT@SECLEVEL=0'
for c in AES128-SHA ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-AES128-SHA256 \
    AES128-GCM-SHA256 ECDHE-ECDSA-AES256-SHA384; do
	check "TLS 1.2 suite $c (CBC, SHA-1 or RSA key exchange) is refused" \
	    handshake_refused -tls1_2 -cipher "$c"
done
check "the server's suite order wins" \
    eval 'handshake_ok -tls1_2 -cipher "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256" && grep -q "Cipher is ECDHE-ECDSA-AES128-GCM-SHA256" "$T/tls"'
(echo R; sleep 1) | timeout 10 ip netns exec "$NS" openssl s_client \
    -connect "127.0.0.1:$PORT" -tls1_2 >"$T/tls" 2>&1
check "renegotiation is refused" grep -q 'no renegotiation' "$T/tls"

# -- the self-signed certificate.
cert=$T/state/tls/cert.pem
check "a self-signed certificate is made in STATEDIR/tls" test -s "$cert"
check "its key is mode 0600" test "$(stat -c %a "$T/state/tls/key.pem")" = 600
openssl x509 -in "$cert" -noout -text >"$T/x509" 2>&1
check "it is an EC P-256 key" grep -q 'NIST CURVE: P-256' "$T/x509"
check "it names the listen addresses and the hostname" \
    eval 'grep -q "IP Address:127.0.0.1" "$T/x509" && grep -q "IP Address:0:0:0:0:0:0:0:1" "$T/x509" && grep -q "DNS:$(hostname)" "$T/x509"'
days=$(( ($(date -d "$(openssl x509 -in "$cert" -noout -enddate | cut -d= -f2)" +%s) - $(date +%s)) / 86400 ))
check "it is valid for two years ($days days)" test "$days" -ge 728 -a "$days" -le 731
fp=$(file_fingerprint "$cert")
check "its SHA-256 fingerprint is logged" grep -qF "fingerprint $fp" "$T/sansod.log"
check "it is the certificate served" test "$(served_fingerprint)" = "$fp"

# -- every response's headers; no credentials: a JSON 401.
req GET /api/v1/status
expect_error 401 unauthenticated "no credentials"
check "HSTS max-age=31536000" grep -qi '^Strict-Transport-Security: max-age=31536000' "$T/headers"
check "Cache-Control: no-store" grep -qi '^Cache-Control: no-store' "$T/headers"
check "X-Content-Type-Options: nosniff" grep -qi '^X-Content-Type-Options: nosniff' "$T/headers"
check "a CSP with frame-ancestors 'none'" grep -qi "^Content-Security-Policy: default-src 'none'; frame-ancestors 'none'" "$T/headers"
check "JSON, not HTML" grep -qi '^Content-Type: application/json' "$T/headers"

# A token for the authenticated checks, made over the control socket
# for the administrator made before the first start.
TOKEN=$(unix POST /api/v1/tokens '{"name": "https-test", "user": "alice", "scope": ["status.read", "tokens.read", "tokens.write"]}' | jq -r '.token // empty')
check "an API token for the test" test -n "$TOKEN"
req GET /api/v1/status
check "with a bearer token, GET /api/v1/status is 200" test "$code" = 200
check "the token's response has the headers too" \
    eval 'grep -qi "^Strict-Transport-Security: max-age=31536000" "$T/headers" && grep -qi "^Cache-Control: no-store" "$T/headers"'

# -- oversized and malformed requests change nothing.
isolations() { unix GET /api/v1/isolations | jq -r .count; }
tokens() { unix GET /api/v1/tokens | jq -r .count; }
before_iso=$(isolations)
before_tok=$(tokens)
table=$(kernel_table)
jq -n --arg pad "$(head -c 6000 /dev/zero | tr '\0' x)" \
    '{target: "10.20.0.99", reason: $pad}' >"$T/big.json"
req POST /api/v1/isolations "$T/big.json"
expect_error 413 payload_too_large "a body over listen.body_max (4k)"
check "the 413 names listen.body_max" grep -q 'listen.body_max (4096 bytes)' "$T/body"
check "the 413 carries the security headers" grep -qi '^Strict-Transport-Security' "$T/headers"
jq -n --arg pad "$(head -c 6000 /dev/zero | tr '\0' x)" \
    '{name: $pad, scope: ["status.read"]}' >"$T/bigtok.json"
req POST /api/v1/tokens "$T/bigtok.json"
expect_error 413 payload_too_large "an oversized token request, authenticated"
req GET /api/v1/status -H "X-Padding: $(head -c 3000 /dev/zero | tr '\0' y)"
expect_error 400 bad_request "a header block over listen.header_max (2k)"
check "the 400 names listen.header_max" grep -q 'listen.header_max' "$T/body"
curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' --unix-socket "$T/s" \
    -H "X-Padding: $(head -c 70000 /dev/zero | tr '\0' z)" http://sansod/api/v1/status >"$T/code"
code=$(cat "$T/code")
expect_error 400 bad_request "the control socket's refusal of huge headers is JSON too"
head -c $((33 * 1024 * 1024)) /dev/zero | tr '\0' ' ' |
    curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$T/s" \
    -H 'Content-Type: application/json' --data-binary @- \
    http://sansod/api/v1/isolations >"$T/code"
code=$(cat "$T/code")
expect_error 413 payload_too_large "the control socket's 413 (over 32M) is JSON too"
printf '{"name": "x", "scope": ' >"$T/trunc.json"
req POST /api/v1/tokens "$T/trunc.json"
expect_error 400 bad_json "truncated JSON"
printf '["name", "scope"]' >"$T/array.json"
req POST /api/v1/tokens "$T/array.json"
expect_error 400 bad_json "JSON that is not an object"
check "no isolation was made" test "$(isolations)" = "$before_iso"
check "no token was made" test "$(tokens)" = "$before_tok"
check "the kernel table is unchanged" test "$(kernel_table)" = "$table"
req GET /api/v1/status
check "the listener still serves after the refusals" test "$code" = 200

# -- slowloris: one header byte a second is cut off after timeout (2s),
# while a normal client is served meanwhile.
cat >"$T/slow.py" <<'EOF'
import socket, ssl, sys, time
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
t0 = time.monotonic()
req = b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 30
try:
    for b in req:
        s.send(bytes([b]))
        time.sleep(1)
        s.settimeout(0.01)
        try:
            if s.recv(1) == b"":
                break
        except (socket.timeout, ssl.SSLWantReadError):
            pass
        if time.monotonic() - t0 > 10:
            print("open 10.0")
            sys.exit(0)
except (ConnectionError, ssl.SSLError, OSError):
    pass
print("closed %.1f" % (time.monotonic() - t0))
EOF
ip netns exec "$NS" python3 "$T/slow.py" "$PORT" >"$T/slow.out" 2>&1 &
slow=$!
sleep 1
req GET /api/v1/status
check "a normal client is served while the slow one dribbles" test "$code" = 200
wait "$slow"
read -r state secs <"$T/slow.out"
check "the slowloris client is cut off after about 2s ($state ${secs}s)" \
    eval '[ "$state" = closed ] && awk "BEGIN { exit !($secs >= 1.5 && $secs <= 4) }"'

# -- restart: the same certificate, no new one made.
stop_sansod
check "sansod restarts" start_sansod --settings "$T/settings.yaml"
check "the self-signed certificate is kept (same fingerprint)" \
    test "$(served_fingerprint)" = "$fp"
check "it was made once (one 'created' line)" \
    test "$(grep -c 'created a self-signed certificate' "$T/sansod.log")" = 1
stop_sansod

# -- listen.connections_max: beyond it new clients wait until one closes
# (here: until the idle ones are cut at listen.timeout).
settings "  connections_max: 2"
check "sansod starts with connections_max 2" start_sansod --settings "$T/settings.yaml"
for _ in 1 2; do
	(sleep 4 | ip netns exec "$NS" openssl s_client -connect "127.0.0.1:$PORT" \
	    -quiet) >/dev/null 2>&1 &
	CLI_PIDS+=("$!")
done
sleep 0.5
req GET /api/v1/status --max-time 1
check "a third client is not served while two connections are open" test "$code" = 000
check "the pause is logged" grep -q 'listen.connections_max: not accepting more' "$T/sansod.log"
sleep 2
req GET /api/v1/status --max-time 5
check "once the idle ones are cut, clients are served again" test "$code" = 200
stop_sansod

# -- a listen address the certificate does not name: a new one is made.
sed -i "s/\[::1\]:$PORT/127.0.0.2:$PORT/" "$T/settings.yaml"
check "sansod starts on a new address, 127.0.0.2" start_sansod --settings "$T/settings.yaml"
check "the old certificate is replaced, and why is logged" \
    grep -q 'replacing the self-signed certificate: it does not name every listen address' "$T/sansod.log"
check "the new one names 127.0.0.2" eval 'openssl x509 -in "$cert" -noout -text | grep -q "IP Address:127.0.0.2"'
check "its new fingerprint is logged" \
    eval 'test "$(file_fingerprint "$cert")" != "$fp" && grep -qF "fingerprint $(file_fingerprint "$cert")" "$T/sansod.log"'
stop_sansod

# -- a configured certificate (RSA, to tell it apart).
openssl req -x509 -newkey rsa:2048 -nodes -days 10 -subj /CN=sanso-test \
    -addext "subjectAltName=IP:127.0.0.1" -keyout "$T/site.key" \
    -out "$T/site.crt" >/dev/null 2>&1
settings "  certificate: $T/site.crt
  key: $T/site.key"
check "sansod starts with listen.certificate and listen.key" \
    start_sansod --settings "$T/settings.yaml"
check "the configured certificate is served" \
    test "$(served_fingerprint)" = "$(file_fingerprint "$T/site.crt")"
check "its near expiry is logged" grep -q "listen.certificate $T/site.crt expires within 30 days" "$T/sansod.log"
check "with an RSA key, ECDHE-RSA AEAD is accepted" \
    handshake_ok -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
check "with an RSA key, RSA key exchange is refused" \
    handshake_refused -tls1_2 -cipher AES256-GCM-SHA384
check "with an RSA key, ECDHE-RSA-AES128-SHA (CBC, SHA-1) is refused" \
    handshake_refused -tls1_2 -cipher ECDHE-RSA-AES128-SHA
stop_sansod

# -- start errors name the file or the address.
echo "not a certificate" >"$T/bad.crt"
settings "  certificate: $T/bad.crt
  key: $T/site.key"
check "a bad certificate stops sansod" eval '! start_sansod --settings "$T/settings.yaml"'
check "the error names the certificate file" grep -q "listen.certificate $T/bad.crt: cannot load" "$T/sansod.log"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/other.key" 2>/dev/null
settings "  certificate: $T/site.crt
  key: $T/other.key"
check "a key that does not match stops sansod" eval '! start_sansod --settings "$T/settings.yaml"'
check "the error names both files" grep -q "listen.key $T/other.key does not match listen.certificate $T/site.crt" "$T/sansod.log"
settings "  certificate: $T/site.crt"
check "a certificate without a key is a settings error" eval '! start_sansod --settings "$T/settings.yaml"'
check "the settings error says they go together" grep -q 'certificate and key go together' "$T/sansod.log"
settings
# (ip netns exec execs python: $! is the squatter itself, killed below.)
ip netns exec "$NS" python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(30)' "$PORT" >/dev/null 2>&1 &
squatter=$!
CLI_PIDS+=("$squatter")
for _ in $(seq 1 50); do
	nsx ss -Hltn "sport = :$PORT" | grep -q LISTEN && break
	sleep 0.1
done
check "an address in use stops sansod" eval '! start_sansod --settings "$T/settings.yaml"'
check "the error names the address" grep -q "listen.https 127.0.0.1:$PORT: cannot bind: Address already in use" "$T/sansod.log"
kill "$squatter" 2>/dev/null

check_sansod_log_clean
summary
