# shellcheck shell=bash
# The optional SASL_SSL listener of the local broker (KAFKA_SASL_SSL_PORT set): a CA, a broker
# certificate for 127.0.0.1/localhost and a client certificate made with openssl, one user
# known to SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN, and a client.env that points keypool's
# clients at it. Sourced by up.sh after lib.sh; everything lives in $RUN_DIR/tls.

TLS_DIR="$RUN_DIR/tls"
KAFKA_STACK_SASL_USER="${KAFKA_STACK_SASL_USER:-keypool}"
# Marks storage formatted with the SCRAM user: KRaft takes SCRAM credentials at format time.
SCRAM_MARKER="$DATA_DIR/.keypool-scram-user"

sasl_ssl_enabled() { [ -n "${KAFKA_SASL_SSL_PORT:-}" ]; }

# Certificates and the password are made once per run dir and kept, so clients configured
# with them keep working across restarts; down.sh --wipe makes new ones.
sasl_ssl_prepare() {
  command -v openssl >/dev/null || die "openssl is required for KAFKA_SASL_SSL_PORT (apt-get install -y openssl)"
  [[ "$KAFKA_STACK_SASL_USER" =~ ^[A-Za-z0-9._-]+$ ]] || die "KAFKA_STACK_SASL_USER may hold only letters, digits, '.', '_' and '-'"
  mkdir -p "$TLS_DIR"
  chmod 700 "$TLS_DIR"
  if [ ! -f "$TLS_DIR/ca.pem" ]; then
    log "making a CA and broker/client certificates in ${TLS_DIR#"$REPO_ROOT"/}"
    local ossl_log="$TLS_DIR/openssl.log"
    {
      openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=keypool local Kafka CA" \
        -keyout "$TLS_DIR/ca.key" -out "$TLS_DIR/ca.pem"
      sign_certificate broker "/CN=localhost" "subjectAltName=DNS:localhost,IP:127.0.0.1"
      sign_certificate client "/CN=$KAFKA_STACK_SASL_USER" "extendedKeyUsage=clientAuth"
    } >"$ossl_log" 2>&1 || { tail -n 20 "$ossl_log" >&2; die "openssl could not make the certificates (see $ossl_log)"; }
    # Kafka's PEM keystore: the PKCS#8 private key followed by the certificate chain.
    cat "$TLS_DIR/broker.key" "$TLS_DIR/broker.pem" "$TLS_DIR/ca.pem" >"$TLS_DIR/broker-keystore.pem"
  fi
  if [ ! -f "$TLS_DIR/sasl-password" ]; then
    (umask 077 && node -e "process.stdout.write(require('crypto').randomBytes(18).toString('hex'))" >"$TLS_DIR/sasl-password")
  fi
  SASL_PASSWORD="$(cat "$TLS_DIR/sasl-password")"
  (umask 077 && cat >"$TLS_DIR/client.env" <<EOF
KAFKA_BROKERS=$KAFKA_HOST:$KAFKA_SASL_SSL_PORT
KAFKA_SSL=true
KAFKA_SSL_CA_FILE=$TLS_DIR/ca.pem
KAFKA_SASL_MECHANISM=scram-sha-512
KAFKA_SASL_USERNAME=$KAFKA_STACK_SASL_USER
KAFKA_SASL_PASSWORD=$SASL_PASSWORD
EOF
  )
}

sign_certificate() {
  local name="$1" subject="$2" extension="$3"
  openssl req -newkey rsa:2048 -nodes -subj "$subject" -keyout "$TLS_DIR/$name.key" -out "$TLS_DIR/$name.csr"
  printf '%s\n' "$extension" >"$TLS_DIR/$name.ext"
  openssl x509 -req -days 825 -in "$TLS_DIR/$name.csr" -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca.key" -CAcreateserial \
    -extfile "$TLS_DIR/$name.ext" -out "$TLS_DIR/$name.pem"
  rm -f "$TLS_DIR/$name.csr" "$TLS_DIR/$name.ext"
}

# Appended to server.properties. Clients may present a certificate (mTLS) but need not;
# SASL authenticates them either way.
sasl_ssl_properties() {
  cat <<EOF

# SASL_SSL listener (KAFKA_SASL_SSL_PORT), made by tools/stack/sasl-ssl.sh
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$TLS_DIR/broker-keystore.pem
listener.name.sasl_ssl.ssl.truststore.type=PEM
listener.name.sasl_ssl.ssl.truststore.location=$TLS_DIR/ca.pem
listener.name.sasl_ssl.ssl.client.auth=requested
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_STACK_SASL_USER="$SASL_PASSWORD";
EOF
}

# The SCRAM user goes into the metadata log when storage is formatted.
sasl_ssl_format_args() {
  printf '%s\n' --add-scram "SCRAM-SHA-512=[name=$KAFKA_STACK_SASL_USER,password=$SASL_PASSWORD]" \
    --add-scram "SCRAM-SHA-256=[name=$KAFKA_STACK_SASL_USER,password=$SASL_PASSWORD]"
}

sasl_ssl_check_formatted() {
  if [ -f "$DATA_DIR/meta.properties" ] && [ "$(cat "$SCRAM_MARKER" 2>/dev/null)" != "$KAFKA_STACK_SASL_USER" ]; then
    die "storage in ${DATA_DIR#"$REPO_ROOT"/} was formatted without the SCRAM user $KAFKA_STACK_SASL_USER; run KAFKA_PORT=$KAFKA_PORT npm run stack:down -- --wipe, then up again"
  fi
}
