/*
 * AF_PACKET TPACKET_V3 capture for poolwatch live: one socket with a memory-mapped
 * ring of blocks, a BPF filter compiled by libpcap on a dead handle, optional
 * PACKET_FANOUT membership. The whole ring is also a Buffer: next() gives the
 * offset of the oldest block the kernel handed over, JavaScript walks its
 * tpacket3_hdr records in place (src/capture/afpacket/walker.ts), and release()
 * hands it back: no copy. read() instead copies whole blocks into a Buffer and
 * releases them at once (for tools and tests). Nothing here runs per packet.
 *
 * Every call is synchronous and meant for one worker thread per set of sockets:
 * wait() blocks in poll(2) with a timeout, so the caller decides how long.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define LINKTYPE_ETHERNET 1
#define LINKTYPE_LINUX_SLL 113
#define MAX_RINGS 64

typedef struct {
  int fd;
  uint8_t *map;
  size_t map_len;
  uint32_t block_size;
  uint32_t block_nr;
  uint32_t cur;
  /* PACKET_STATISTICS resets the kernel's counters on every read: the totals live here. */
  uint64_t packets;
  uint64_t drops;
  uint64_t freezes;
  /* Set once the ring is handed to JavaScript as a Buffer: its finalizer unmaps it, not close(). */
  int shared;
} ring_t;

typedef struct {
  uint8_t *map;
  size_t len;
} mapping_t;

static void mapping_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  mapping_t *m = (mapping_t *)hint;
  munmap(m->map, m->len);
  free(m);
}

static void ring_close(ring_t *r) {
  if (r->map != NULL && !r->shared) munmap(r->map, r->map_len);
  r->map = NULL;
  if (r->fd >= 0) close(r->fd);
  r->fd = -1;
}

static void ring_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  ring_t *r = (ring_t *)data;
  ring_close(r);
  free(r);
}

/* Throws an Error whose code is the errno name (or FILTER), message as libpcap words it where it has one. */
static napi_value fail(napi_env env, const char *code, const char *message) {
  napi_throw_error(env, code, message);
  return NULL;
}

static napi_value fail_errno(napi_env env, const char *what, int err) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  const char *code = err == EPERM ? "EPERM" : err == EACCES ? "EACCES" : err == ENODEV ? "ENODEV" : err == ENXIO ? "ENXIO" : err == ENETDOWN ? "ENETDOWN" : err == ENOMEM ? "ENOMEM" : "EOTHER";
  return fail(env, code, msg);
}

static int get_prop_u32(napi_env env, napi_value obj, const char *name, uint32_t *out) {
  napi_value v;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok) return 0;
  return napi_get_value_uint32(env, v, out) == napi_ok;
}

static int get_prop_bool(napi_env env, napi_value obj, const char *name, int *out) {
  napi_value v;
  bool b = false;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok) return 0;
  if (napi_get_value_bool(env, v, &b) != napi_ok) return 0;
  *out = b ? 1 : 0;
  return 1;
}

static int get_prop_string(napi_env env, napi_value obj, const char *name, char *buf, size_t len) {
  napi_value v;
  size_t got = 0;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok) return 0;
  return napi_get_value_string_utf8(env, v, buf, len, &got) == napi_ok;
}

static void set_u32(napi_env env, napi_value obj, const char *name, uint32_t value) {
  napi_value v;
  napi_create_uint32(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

static void set_double(napi_env env, napi_value obj, const char *name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

static void set_bool(napi_env env, napi_value obj, const char *name, int value) {
  napi_value v;
  napi_get_boolean(env, value != 0, &v);
  napi_set_named_property(env, obj, name, v);
}

static ring_t *ring_of(napi_env env, napi_value v) {
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "not a capture ring");
    return NULL;
  }
  return (ring_t *)data;
}

/*
 * open({device, snaplen, blockSize, blockCount, retireMs, filter, promisc, fanout, ignoreOutgoing})
 * -> {ring, linkType, ifindex, loopback}
 * The socket is bound (and so receives) only once its filter and ring are in place,
 * so no packet ever enters unfiltered or before the ring exists.
 */
static napi_value af_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) return fail(env, "EINVAL", "open needs an options object");
  char device[IFNAMSIZ + 1] = {0};
  char filter[8192] = {0};
  uint32_t snaplen = 65535, block_size = 1 << 20, block_nr = 64, retire_ms = 10, fanout = 0;
  int promisc = 1, ignore_outgoing = 0;
  if (!get_prop_string(env, argv[0], "device", device, sizeof device) || !get_prop_u32(env, argv[0], "snaplen", &snaplen) ||
      !get_prop_u32(env, argv[0], "blockSize", &block_size) || !get_prop_u32(env, argv[0], "blockCount", &block_nr) ||
      !get_prop_u32(env, argv[0], "retireMs", &retire_ms) || !get_prop_string(env, argv[0], "filter", filter, sizeof filter) ||
      !get_prop_bool(env, argv[0], "promisc", &promisc) || !get_prop_u32(env, argv[0], "fanout", &fanout) ||
      !get_prop_bool(env, argv[0], "ignoreOutgoing", &ignore_outgoing)) {
    return fail(env, "EINVAL", "open: bad options");
  }
  int any = strcmp(device, "any") == 0;
  int ifindex = 0;
  if (!any) {
    ifindex = (int)if_nametoindex(device);
    if (ifindex == 0) return fail(env, "ENODEV", "No such device exists");
  }
  int fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0) return fail_errno(env, "socket", errno);
  int cooked = any;
  int loopback = 0;
  if (!any) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, device, strnlen(device, IFNAMSIZ - 1));
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
      int e = errno;
      close(fd);
      return fail_errno(env, "SIOCGIFFLAGS", e);
    }
    if ((ifr.ifr_flags & IFF_UP) == 0) {
      close(fd);
      return fail(env, "ENETDOWN", "That device is not up");
    }
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
      int e = errno;
      close(fd);
      return fail_errno(env, "SIOCGIFHWADDR", e);
    }
    int hatype = ifr.ifr_hwaddr.sa_family;
    loopback = hatype == ARPHRD_LOOPBACK;
    /* Ethernet and loopback frames carry an Ethernet header; anything else is read cooked, as libpcap does. */
    cooked = !(hatype == ARPHRD_ETHER || hatype == ARPHRD_LOOPBACK);
  }
  if (cooked) {
    close(fd);
    fd = socket(AF_PACKET, SOCK_DGRAM, 0);
    if (fd < 0) return fail_errno(env, "socket", errno);
  }
  ring_t *r = (ring_t *)calloc(1, sizeof(ring_t));
  if (r == NULL) {
    close(fd);
    return fail(env, "ENOMEM", "out of memory");
  }
  r->fd = fd;
  int version = TPACKET_V3;
  if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) < 0) {
    int e = errno;
    ring_close(r);
    free(r);
    return fail_errno(env, "PACKET_VERSION TPACKET_V3", e);
  }
  /* Room before the link header for a VLAN tag put back (the kernel leaves more than this already). */
  unsigned reserve = 4;
  setsockopt(fd, SOL_PACKET, PACKET_RESERVE, &reserve, sizeof reserve);
  if (ignore_outgoing || loopback) {
    /* On loopback every packet is seen leaving and arriving: keep one (older kernels lack it; the caller checks). */
    int one = 1;
    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  }

  /* The filter: libpcap compiles it (an empty one too: its return value is the snap length). */
  pcap_t *dead = pcap_open_dead(cooked ? DLT_RAW : DLT_EN10MB, (int)snaplen);
  if (dead == NULL) {
    ring_close(r);
    free(r);
    return fail(env, "ENOMEM", "pcap_open_dead failed");
  }
  struct bpf_program prog;
  if (pcap_compile(dead, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
    char msg[700];
    snprintf(msg, sizeof msg, "%s", pcap_geterr(dead));
    pcap_close(dead);
    ring_close(r);
    free(r);
    return fail(env, "FILTER", msg);
  }
  struct sock_fprog fprog;
  fprog.len = (unsigned short)prog.bf_len;
  fprog.filter = (struct sock_filter *)prog.bf_insns;
  int attached = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog);
  int attach_err = errno;
  pcap_freecode(&prog);
  pcap_close(dead);
  if (attached < 0) {
    ring_close(r);
    free(r);
    return fail_errno(env, "SO_ATTACH_FILTER", attach_err);
  }

  struct tpacket_req3 req;
  memset(&req, 0, sizeof req);
  req.tp_block_size = block_size;
  req.tp_block_nr = block_nr;
  /* TPACKET_V3 packs frames of any size into a block; the frame size only has to divide it. */
  req.tp_frame_size = 2048;
  req.tp_frame_nr = (block_size / 2048) * block_nr;
  req.tp_retire_blk_tov = retire_ms;
  if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) {
    int e = errno;
    ring_close(r);
    free(r);
    return fail_errno(env, "PACKET_RX_RING", e);
  }
  r->block_size = block_size;
  r->block_nr = block_nr;
  r->map_len = (size_t)block_size * block_nr;
  /* Populated now: otherwise the first pass through the ring takes a page fault per page read, on the capture path. */
  void *map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
  if (map == MAP_FAILED) {
    int e = errno;
    r->map = NULL;
    ring_close(r);
    free(r);
    return fail_errno(env, "mmap", e);
  }
  r->map = (uint8_t *)map;

  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = ifindex;
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
    int e = errno;
    ring_close(r);
    free(r);
    return fail_errno(env, "bind", e);
  }
  if (promisc && !any) {
    struct packet_mreq mr;
    memset(&mr, 0, sizeof mr);
    mr.mr_ifindex = ifindex;
    mr.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) {
      int e = errno;
      ring_close(r);
      free(r);
      return fail_errno(env, "PACKET_ADD_MEMBERSHIP", e);
    }
  }
  if (fanout != 0) {
    /* Hash mode over a symmetric flow hash: both directions of a connection reach one socket; fragments are joined first. */
    int arg = (int)((fanout & 0xffff) | ((PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16));
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) < 0) {
      int e = errno;
      ring_close(r);
      free(r);
      return fail_errno(env, "PACKET_FANOUT", e);
    }
  }

  napi_value result, ext;
  napi_create_object(env, &result);
  if (napi_create_external(env, r, ring_finalize, NULL, &ext) != napi_ok) {
    ring_close(r);
    free(r);
    return fail(env, "ENOMEM", "cannot wrap the ring");
  }
  napi_set_named_property(env, result, "ring", ext);
  /* The whole ring as one Buffer, for walking blocks in place (next/release): no copy. */
  mapping_t *m = (mapping_t *)malloc(sizeof(mapping_t));
  napi_value mapbuf;
  if (m != NULL) {
    m->map = r->map;
    m->len = r->map_len;
    if (napi_create_external_buffer(env, r->map_len, r->map, mapping_finalize, m, &mapbuf) == napi_ok) {
      r->shared = 1;
      napi_set_named_property(env, result, "map", mapbuf);
    } else {
      free(m);
    }
  }
  set_u32(env, result, "blockSize", block_size);
  set_u32(env, result, "blockCount", block_nr);
  set_u32(env, result, "linkType", cooked ? LINKTYPE_LINUX_SLL : LINKTYPE_ETHERNET);
  set_u32(env, result, "ifindex", (uint32_t)ifindex);
  set_bool(env, result, "loopback", loopback);
  set_bool(env, result, "cooked", cooked);
  return result;
}

/*
 * read(ring, buffer) -> bytes: copies every retired block that fits, in ring order, each whole
 * (its block descriptor, then its packets, blk_len bytes), and returns them to the kernel.
 * 0 when no block is ready. Never blocks.
 */
static napi_value af_read(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  ring_t *r = argc >= 1 ? ring_of(env, argv[0]) : NULL;
  if (r == NULL) return NULL;
  uint8_t *buf = NULL;
  size_t len = 0;
  if (argc < 2 || napi_get_buffer_info(env, argv[1], (void **)&buf, &len) != napi_ok) return fail(env, "EINVAL", "read needs a Buffer");
  size_t off = 0;
  if (r->map != NULL) {
    for (uint32_t n = 0; n < r->block_nr; n++) {
      struct tpacket_block_desc *bd = (struct tpacket_block_desc *)(r->map + (size_t)r->cur * r->block_size);
      uint32_t status = __atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
      if ((status & TP_STATUS_USER) == 0) break;
      uint32_t blk_len = bd->hdr.bh1.blk_len;
      if (blk_len > r->block_size) blk_len = r->block_size;
      if (off + blk_len > len) break;
      memcpy(buf + off, bd, blk_len);
      off += blk_len;
      __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
      r->cur = (r->cur + 1) % r->block_nr;
    }
  }
  napi_value out;
  napi_create_uint32(env, (uint32_t)off, &out);
  return out;
}

/* next(ring) -> byte offset in the ring of the oldest block the kernel has handed over, or -1. */
static napi_value af_next(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  ring_t *r = argc >= 1 ? ring_of(env, argv[0]) : NULL;
  if (r == NULL) return NULL;
  int64_t at = -1;
  if (r->map != NULL && r->fd >= 0) {
    struct tpacket_block_desc *bd = (struct tpacket_block_desc *)(r->map + (size_t)r->cur * r->block_size);
    if ((__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) != 0) at = (int64_t)r->cur * r->block_size;
  }
  napi_value out;
  napi_create_int64(env, at, &out);
  return out;
}

/* release(ring): the block next() gave back to the kernel; the one after it is next. */
static napi_value af_release(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  ring_t *r = argc >= 1 ? ring_of(env, argv[0]) : NULL;
  if (r == NULL) return NULL;
  if (r->map != NULL && r->fd >= 0) {
    struct tpacket_block_desc *bd = (struct tpacket_block_desc *)(r->map + (size_t)r->cur * r->block_size);
    if ((__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) != 0) {
      __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
      r->cur = (r->cur + 1) % r->block_nr;
    }
  }
  napi_value out;
  napi_get_undefined(env, &out);
  return out;
}

/*
 * wait(rings[], timeoutMs) -> n >= 0 rings readable (0: timed out or interrupted by a signal),
 * or -1 - i when ring i reports a socket error (interface down or gone: see error()).
 */
static napi_value af_wait(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t count = 0;
  int32_t timeout = 0;
  if (argc < 2 || napi_get_array_length(env, argv[0], &count) != napi_ok || napi_get_value_int32(env, argv[1], &timeout) != napi_ok) {
    return fail(env, "EINVAL", "wait needs an array of rings and a timeout");
  }
  if (count > MAX_RINGS) return fail(env, "EINVAL", "too many rings");
  struct pollfd fds[MAX_RINGS];
  for (uint32_t i = 0; i < count; i++) {
    napi_value v;
    napi_get_element(env, argv[0], i, &v);
    ring_t *r = ring_of(env, v);
    if (r == NULL) return NULL;
    fds[i].fd = r->fd;
    fds[i].events = POLLIN;
    fds[i].revents = 0;
  }
  int n = poll(fds, count, timeout);
  int result = n < 0 ? 0 : n;
  for (uint32_t i = 0; n > 0 && i < count; i++) {
    if ((fds[i].revents & (POLLERR | POLLNVAL)) != 0) {
      result = -1 - (int)i;
      break;
    }
  }
  napi_value out;
  napi_create_int32(env, result, &out);
  return out;
}

/* error(ring) -> {code, message} of the socket's pending error (SO_ERROR), or null. */
static napi_value af_error(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  ring_t *r = argc >= 1 ? ring_of(env, argv[0]) : NULL;
  if (r == NULL) return NULL;
  int err = 0;
  socklen_t len = sizeof err;
  napi_value out;
  if (r->fd < 0 || getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err == 0) {
    napi_get_null(env, &out);
    return out;
  }
  napi_create_object(env, &out);
  napi_value code, message;
  const char *name = err == ENETDOWN ? "ENETDOWN" : err == ENODEV ? "ENODEV" : err == ENXIO ? "ENXIO" : "EOTHER";
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, strerror(err), NAPI_AUTO_LENGTH, &message);
  napi_set_named_property(env, out, "code", code);
  napi_set_named_property(env, out, "message", message);
  return out;
}

/* stats(ring) -> {packets, drops, freezes}: totals since open (packets includes drops, as the kernel counts). */
static napi_value af_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  ring_t *r = argc >= 1 ? ring_of(env, argv[0]) : NULL;
  if (r == NULL) return NULL;
  if (r->fd >= 0) {
    struct tpacket_stats_v3 st;
    socklen_t len = sizeof st;
    memset(&st, 0, sizeof st);
    if (getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) {
      r->packets += st.tp_packets;
      r->drops += st.tp_drops;
      r->freezes += st.tp_freeze_q_cnt;
    }
  }
  napi_value out;
  napi_create_object(env, &out);
  set_double(env, out, "packets", (double)r->packets);
  set_double(env, out, "drops", (double)r->drops);
  set_double(env, out, "freezes", (double)r->freezes);
  return out;
}

static napi_value af_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  ring_t *r = argc >= 1 ? ring_of(env, argv[0]) : NULL;
  if (r == NULL) return NULL;
  ring_close(r);
  napi_value out;
  napi_get_undefined(env, &out);
  return out;
}

/* cpu() -> {userMs, systemMs} of the calling thread alone (getrusage RUSAGE_THREAD); process.cpuUsage() counts the whole process. */
static napi_value af_cpu(napi_env env, napi_callback_info info) {
  (void)info;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  getrusage(RUSAGE_THREAD, &ru);
  napi_value out;
  napi_create_object(env, &out);
  set_double(env, out, "userMs", ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3);
  set_double(env, out, "systemMs", ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3);
  return out;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"open", NULL, af_open, NULL, NULL, NULL, napi_default, NULL},
      {"read", NULL, af_read, NULL, NULL, NULL, napi_default, NULL},
      {"next", NULL, af_next, NULL, NULL, NULL, napi_default, NULL},
      {"release", NULL, af_release, NULL, NULL, NULL, napi_default, NULL},
      {"wait", NULL, af_wait, NULL, NULL, NULL, napi_default, NULL},
      {"error", NULL, af_error, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, af_stats, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, af_close, NULL, NULL, NULL, napi_default, NULL},
      {"cpu", NULL, af_cpu, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
