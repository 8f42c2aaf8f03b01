#!/usr/bin/env bash
# Capture files written by real libpcap and Wireshark code, for the robustness
# corpus: ordinary traffic made here (HTTP, TLS, DNS, NTP, node RPC, Electrum,
# Bitcoin P2P, Levin, SSH, SMTP) recorded by tcpdump and dumpcap, then turned
# into other variants by editcap and mergecap.
#
#   pcaps/corpus/real-tools.sh OUTDIR
#
# Everything runs inside a network namespace of its own (unshare -n), so the
# traffic cannot leave the machine and nobody else's traffic gets recorded.
# Writes OUTDIR/manifest.tsv: name, kind (ordinary | exotic | not-capture |
# damaged), packets (or -), warning offset (or -).
# Exits 3 with a message on stderr when a tool is missing.
set -uo pipefail

out=${1:?usage: real-tools.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
for t in tcpdump dumpcap editcap mergecap capinfos tshark python3 openssl curl unshare ip; do
  command -v "$t" >/dev/null 2>&1 || { echo "real-tools: $t not installed, skipping real tool captures" >&2; exit 3; }
done
if [ "${PW_REAL_TOOLS_NETNS:-}" != 1 ]; then
  unshare -n true 2>/dev/null || { echo "real-tools: cannot create a network namespace (needs root or user namespaces), skipping" >&2; exit 3; }
  exec unshare -n env PW_REAL_TOOLS_NETNS=1 bash "$0" "$out"
fi

set -e
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip link set lo up
ip addr add 127.0.0.53/8 dev lo 2>/dev/null || true

# ---------------------------------------------------------------- servers
mkdir -p "$work/www"
cat >"$work/www/index.html" <<'EOF'
<!doctype html><html><head><title>Pool supplies and coin news</title></head>
<body><h1>Chlorine, pumps and the mining museum</h1><p>Bitcoin price, stratum of rock, hashrate of the pump.</p></body></html>
EOF
echo '{"bitcoin":{"usd":97123},"monero":{"usd":160},"pool":"carpool","login":"alice"}' >"$work/www/api.json"
head -c 100000 /dev/urandom >"$work/www/big.bin"
(cd "$work/www" && exec python3 -m http.server 8000 --bind 127.0.0.1 >/dev/null 2>&1) &
pids+=($!)
(cd "$work/www" && exec python3 -m http.server 8001 --bind ::1 >/dev/null 2>&1) &
pids+=($!)
python3 "$here/real-services.py" serve >"$work/services.log" 2>&1 &
pids+=($!)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=coindesk.com -days 2 \
  -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
openssl s_server -accept 4433 -www -cert "$work/cert.pem" -key "$work/key.pem" -quiet >/dev/null 2>&1 &
pids+=($!)

# ---------------------------------------------------------------- captures
caps=()
capture() { "$@" >/dev/null 2>&1 & caps+=($!); }
capture tcpdump -i lo -U -w "$work/lo-eth.pcap"
capture tcpdump -i lo -U --time-stamp-precision=nano -w "$work/lo-eth-nsec.pcap"
capture tcpdump -i any -U -y LINUX_SLL -w "$work/any-sll.pcap"
capture tcpdump -i any -U -y LINUX_SLL2 -w "$work/any-sll2.pcap"
capture tcpdump -i lo -U -s 96 -w "$work/lo-snap96.pcap"
capture dumpcap -q -n -i lo --capture-comment "ordinary loopback traffic" -w "$work/dumpcap-lo.pcapng"
capture dumpcap -q -n -i lo -i any -w "$work/dumpcap-two-ifaces.pcapng"
capture dumpcap -q -P -i lo -w "$work/dumpcap-lo-libpcap.pcap"
for _ in $(seq 50); do
  python3 - <<'EOF' && break
import socket, sys
for port in (8000, 4433, 8332, 50001):
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
    except OSError:
        sys.exit(1)
EOF
  sleep 0.1
done
sleep 1

# ---------------------------------------------------------------- traffic
curl -s -o /dev/null -b 'coinpref=btc; pool=carpool' http://127.0.0.1:8000/
curl -s -o /dev/null -H 'Accept: application/json' http://127.0.0.1:8000/api.json
curl -s -o /dev/null -g 'http://[::1]:8001/index.html'
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' --data '{"jsonrpc":"2.0","method":"user.login","params":{"username":"Admin","password":"zabbix"},"id":1}' http://127.0.0.1:8000/api_jsonrpc.php || true
curl -s -o /dev/null http://127.0.0.1:8000/big.bin
for sni in coindesk.com poolsuppliesplus.com carpool.example; do
  echo | timeout 5 openssl s_client -connect 127.0.0.1:4433 -servername "$sni" >/dev/null 2>&1 || true
done
echo | timeout 5 openssl s_client -tls1_2 -connect 127.0.0.1:4433 -servername pool.ntp.org >/dev/null 2>&1 || true
timeout 20 python3 "$here/real-services.py" clients
curl -s -o /dev/null http://127.0.0.1:8000/index.html
sleep 1
for p in "${caps[@]}"; do kill -INT "$p" 2>/dev/null || true; done
for p in "${caps[@]}"; do wait "$p" 2>/dev/null || true; done

# ---------------------------------------------------------------- variants
mkdir -p "$out/captured" "$out/converted" "$out/other" "$out/damaged"
cp "$work"/*.pcap "$work"/*.pcapng "$out/captured/"
c=$out/captured
v=$out/converted
editcap -F pcapng "$c/lo-eth.pcap" "$v/lo-eth-to-pcapng.pcapng"
editcap -F nsecpcap "$c/any-sll2.pcap" "$v/any-sll2-nsec.pcap"
editcap -F pcap "$c/dumpcap-lo.pcapng" "$v/dumpcap-lo-to-pcap.pcap"
editcap -F modpcap "$c/lo-eth.pcap" "$v/lo-eth-modified.pcap"
editcap -s 64 "$c/any-sll.pcap" "$v/any-sll-snap64.pcap"
editcap -s 200 -F pcapng "$c/dumpcap-two-ifaces.pcapng" "$v/two-ifaces-snap200.pcapng"
editcap --seed 7 -E 0.02 "$c/lo-eth.pcap" "$v/lo-eth-bit-errors.pcap"
editcap --seed 8 -E 0.05 "$c/dumpcap-two-ifaces.pcapng" "$v/two-ifaces-bit-errors.pcapng"
editcap -t 3600 "$c/lo-eth-nsec.pcap" "$v/lo-eth-nsec-plus-1h.pcap"
editcap -t -86400 -F pcapng "$c/any-sll2.pcap" "$v/any-sll2-minus-1d.pcapng"
editcap -T user0 "$c/lo-eth.pcap" "$v/lo-eth-as-user0.pcap"
editcap -T rawip "$c/any-sll2.pcap" "$v/any-sll2-labelled-rawip.pcap"
editcap -D 10 "$c/lo-eth.pcap" "$v/lo-eth-dedup.pcap" >/dev/null 2>&1
editcap -c 150 "$c/lo-eth.pcap" "$v/lo-eth-part.pcap"
editcap -r "$c/lo-eth.pcap" "$v/lo-eth-first20.pcap" 1-20
mergecap -F pcapng -w "$v/merged-eth-sll2.pcapng" "$c/lo-eth.pcap" "$c/any-sll2.pcap"
editcap -t -7200 "$c/lo-eth-nsec.pcap" "$work/earlier.pcap"
mergecap -a -F pcap -w "$v/concatenated-unordered.pcap" "$c/lo-eth.pcap" "$work/earlier.pcap"
mergecap -a -F pcapng -w "$v/concatenated-mixed-links.pcapng" "$c/dumpcap-lo.pcapng" "$c/any-sll.pcap" "$c/lo-eth-nsec.pcap"
editcap -a '3:pool party saturday' -a '7:coin laundry' "$c/dumpcap-lo.pcapng" "$v/dumpcap-lo-comments.pcapng"
tshark -r "$c/any-sll2.pcap" -F pcapng -w "$v/any-sll2-by-tshark.pcapng" 2>/dev/null
tshark -r "$c/lo-eth.pcap" -Y 'tcp.port == 4433 or udp' -F pcap -w "$v/lo-eth-tls-and-udp.pcap" 2>/dev/null
gzip -c "$c/dumpcap-two-ifaces.pcapng" >"$v/dumpcap-two-ifaces.pcapng.gz"
gzip -c "$c/lo-eth.pcap" >"$v/lo-eth.pcap.gz"
# Formats of the old pcap variants: poolwatch may read them or refuse them, but must not crash.
for f in nokiapcap rh6_1pcap suse6_3pcap; do editcap -F "$f" "$c/lo-eth.pcap" "$out/other/lo-eth-$f.pcap" || true; done
# Other capture formats a folder may hold: not pcap, must be refused cleanly.
for f in snoop erf netmon2 5views; do editcap -F "$f" "$c/lo-eth.pcap" "$out/other/lo-eth.$f" 2>/dev/null || true; done

# One file cut short inside its last record (a capture copied while still being written).
python3 - "$c/lo-eth.pcap" "$out/damaged/lo-eth-cut.pcap" "$out/damaged/expect.tsv" <<'EOF'
import struct, sys
src, dst, expect = sys.argv[1:4]
b = open(src, "rb").read()
offsets = []
o = 24
while o + 16 <= len(b):
    offsets.append(o)
    o += 16 + struct.unpack("<I", b[o + 8:o + 12])[0]
last = offsets[-1]
cap = struct.unpack("<I", b[last + 8:last + 12])[0]
open(dst, "wb").write(b[:last + 16 + cap // 2])
open(expect, "w").write("damaged/lo-eth-cut.pcap\tdamaged\t%d\t%d\n" % (len(offsets) - 1, last))
EOF

# ---------------------------------------------------------------- manifest
{
  for f in "$out"/captured/* "$out"/converted/*; do
    rel=${f#"$out"/}
    n=$(capinfos -c -M -T -r "$f" | cut -f2)
    printf '%s\tordinary\t%s\t-\n' "$rel" "$n"
  done
  for f in "$out"/other/*; do
    rel=${f#"$out"/}
    case "$f" in
      *.pcap) printf '%s\texotic\t-\t-\n' "$rel" ;;
      *) printf '%s\tnot-capture\t-\t-\n' "$rel" ;;
    esac
  done
  cat "$out/damaged/expect.tsv"
} >"$out/manifest.tsv"
rm -f "$out/damaged/expect.tsv"
echo "real-tools: $(wc -l <"$out/manifest.tsv") files in $out"
