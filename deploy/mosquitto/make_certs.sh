#!/bin/sh
# The store's private CA and the broker's TLS certificate, with openssl.
#
#   deploy/mosquitto/make_certs.sh OUT_DIR HOST [HOST...]
#   e.g. deploy/mosquitto/make_certs.sh /etc/mosquitto/certs broker.store-042.lan 10.42.0.5
#
# Writes into OUT_DIR:
#   ca.crt      the store CA: install it on every reader, BLE node and the edge (FITROOM_MQTT_CA_FILE)
#   ca.key      the CA's private key (mode 600): keep it off the broker once the certificates are made
#   broker.crt  the broker's certificate, signed by the CA, valid for every HOST given (DNS names or
#               IP addresses, as subjectAltName: clients check the name they connect to against it)
#   broker.key  the broker's private key (mode 640; chown it to the broker's user, e.g. mosquitto)
# An existing CA in OUT_DIR is reused, so re-running with new names re-issues only the broker's
# certificate and devices keep trusting the same ca.crt. Environment: DAYS (825) for the broker
# certificate, CA_DAYS (3650) for a new CA, OWNER (a user, UID or UID:GID to chown broker.key and
# broker.crt to: mosquitto on a host, 1883 for the eclipse-mosquitto image).
set -eu

if [ $# -lt 2 ]; then
    echo "usage: $0 OUT_DIR HOST [HOST...]   (HOST: the broker's DNS names and IP addresses)" >&2
    exit 2
fi
out=$1
shift
days=${DAYS:-825}
ca_days=${CA_DAYS:-3650}
command -v openssl >/dev/null 2>&1 || { echo "$0: openssl not found (apt-get install openssl)" >&2; exit 2; }

san=""
for host in "$@"; do
    case $host in
        *[!0-9.]*) case $host in *:*) entry="IP:$host" ;; *) entry="DNS:$host" ;; esac ;;
        *) entry="IP:$host" ;;
    esac
    san="${san:+$san,}$entry"
done

umask 077
mkdir -p "$out"
if [ ! -s "$out/ca.key" ] || [ ! -s "$out/ca.crt" ]; then
    openssl req -x509 -new -newkey rsa:3072 -nodes -sha256 -days "$ca_days" \
        -keyout "$out/ca.key" -out "$out/ca.crt" -subj "/CN=fitroom store CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        2>/dev/null
    echo "wrote $out/ca.crt and $out/ca.key (a new CA)"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/ext.cnf" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$san
EOF
openssl req -new -newkey rsa:2048 -nodes -keyout "$out/broker.key" -out "$tmp/broker.csr" \
    -subj "/CN=$1" 2>/dev/null
openssl x509 -req -in "$tmp/broker.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
    -sha256 -days "$days" -extfile "$tmp/ext.cnf" -out "$out/broker.crt" 2>/dev/null
rm -f "$out/ca.srl"
chmod 644 "$out/ca.crt" "$out/broker.crt"
chmod 640 "$out/broker.key"
chmod 600 "$out/ca.key"
if [ -n "${OWNER:-}" ]; then
    case $OWNER in
        *:*) owner=$OWNER ;;                       # UID:GID or user:group
        *[!0-9]*) owner="$OWNER:$(id -gn "$OWNER")" ;;  # a user name: with its primary group
        *) owner="$OWNER:$OWNER" ;;                # a bare UID (a container's user, e.g. 1883)
    esac
    chown "$owner" "$out/broker.key" "$out/broker.crt"
fi
echo "wrote $out/broker.crt and $out/broker.key for $san"
