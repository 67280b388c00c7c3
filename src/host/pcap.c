/* SPDX-License-Identifier: MIT */
/* synack — classic libpcap capture writer (link-layer tooling: uses stdio). */
#include "synack/pcap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct synack_pcap {
    /* The open capture file. */
    FILE *f;
    /* First error met while writing (negative errno), 0 if none. */
    int err;
};

/* Stores v little-endian at p. */
static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* Writes n bytes, returning 0 or a negative errno (EIO if stdio gave none). */
static int write_all(FILE *f, const void *buf, size_t n)
{
    if (n == 0)
        return 0;
    errno = 0;
    if (fwrite(buf, 1, n, f) == n)
        return 0;
    return errno ? -errno : -EIO;
}

synack_pcap *synack_pcap_open(const char *path, int linktype)
{
    if (!path || linktype < 0) {
        errno = EINVAL;
        return NULL;
    }
    synack_pcap *p = malloc(sizeof *p);
    if (!p)
        return NULL;
    p->err = 0;
    p->f = fopen(path, "wb");
    if (!p->f) {
        free(p);
        return NULL;
    }
    /* Global header: magic, version 2.4, thiszone 0 (times are UTC), sigfigs
     * 0, snaplen, link type. Written little-endian; readers detect the byte
     * order from the magic. */
    uint8_t h[24];
    put_le32(h + 0, 0xa1b2c3d4u);
    put_le16(h + 4, 2);
    put_le16(h + 6, 4);
    put_le32(h + 8, 0);
    put_le32(h + 12, 0);
    put_le32(h + 16, SYNACK_PCAP_SNAPLEN);
    put_le32(h + 20, (uint32_t)linktype);
    int rc = write_all(p->f, h, sizeof h);
    if (rc != 0) {
        (void)fclose(p->f); /* the write error is the one to report */
        free(p);
        errno = -rc;
        return NULL;
    }
    return p;
}

int synack_pcap_write(synack_pcap *p, uint64_t t_us, const void *frame, size_t len)
{
    if (!p || (!frame && len > 0) || len > UINT32_MAX)
        return -EINVAL;
    const uint64_t sec = t_us / 1000000u;
    if (sec > UINT32_MAX)
        return -ERANGE;
    if (p->err)
        return p->err;
    const size_t kept = len < SYNACK_PCAP_SNAPLEN ? len : SYNACK_PCAP_SNAPLEN;
    /* Record header: seconds, microseconds, bytes kept, bytes on the wire. */
    uint8_t h[16];
    put_le32(h + 0, (uint32_t)sec);
    put_le32(h + 4, (uint32_t)(t_us % 1000000u));
    put_le32(h + 8, (uint32_t)kept);
    put_le32(h + 12, (uint32_t)len);
    int rc = write_all(p->f, h, sizeof h);
    if (rc == 0)
        rc = write_all(p->f, frame, kept);
    if (rc != 0)
        p->err = rc;
    return rc;
}

int synack_pcap_close(synack_pcap *p)
{
    if (!p)
        return 0;
    int rc = p->err;
    errno = 0;
    if (fclose(p->f) != 0 && rc == 0)
        rc = errno ? -errno : -EIO;
    free(p);
    return rc;
}
