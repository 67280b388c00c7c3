/* SPDX-License-Identifier: MIT */
/* synack bench size — code size of the core library (src/wire, src/tcp, src/stack,
 * src/util; not src/host or src/sim, the host glue and the simulator) compiled with -Os,
 * read from the object files' ELF section headers. Beside it lwIP's, when Debian's liblwip
 * is installed. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_bench.h"

/* Section sizes of one ELF file. */
typedef struct elf_sizes {
    uint64_t text;   /* .text and .text.* (code) */
    uint64_t rodata; /* .rodata and .rodata.* (constants, tables, strings) */
    uint64_t data;   /* .data, .data.rel.ro and .bss */
} elf_sizes;

/* Reads a 64-bit little-endian ELF file's section headers; returns 0 or -1. */
static int elf_read_sizes(const char *path, elf_sizes *out)
{
    memset(out, 0, sizeof(*out));
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    int rc = -1;
    Elf64_Ehdr eh;
    Elf64_Shdr *sh = NULL;
    char *names = NULL;
    if (fread(&eh, sizeof eh, 1, f) != 1 || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_shentsize != sizeof(Elf64_Shdr) ||
        eh.e_shnum == 0 || eh.e_shstrndx >= eh.e_shnum)
        goto out;
    sh = calloc(eh.e_shnum, sizeof *sh);
    if (!sh || fseek(f, (long)eh.e_shoff, SEEK_SET) != 0 ||
        fread(sh, sizeof *sh, eh.e_shnum, f) != eh.e_shnum)
        goto out;
    const Elf64_Shdr *ns = &sh[eh.e_shstrndx];
    if (ns->sh_size == 0 || ns->sh_size > (1u << 24))
        goto out;
    names = malloc(ns->sh_size + 1);
    if (!names || fseek(f, (long)ns->sh_offset, SEEK_SET) != 0 ||
        fread(names, 1, ns->sh_size, f) != ns->sh_size)
        goto out;
    names[ns->sh_size] = '\0';
    for (unsigned i = 0; i < eh.e_shnum; i++) {
        if (sh[i].sh_name >= ns->sh_size || !(sh[i].sh_flags & SHF_ALLOC))
            continue;
        const char *n = names + sh[i].sh_name;
        if (strncmp(n, ".text", 5) == 0)
            out->text += sh[i].sh_size;
        else if (strncmp(n, ".rodata", 7) == 0)
            out->rodata += sh[i].sh_size;
        else if (strncmp(n, ".data", 5) == 0 || strncmp(n, ".bss", 4) == 0)
            out->data += sh[i].sh_size;
    }
    rc = 0;
out:
    free(names);
    free(sh);
    fclose(f);
    return rc;
}

/* The source tree: --src, else the directory three levels above this file. */
static void source_root(const bench_opts *o, char *buf, size_t cap)
{
    if (o->src) {
        snprintf(buf, cap, "%s", o->src);
        return;
    }
    snprintf(buf, cap, "%s", __FILE__);
    for (int up = 0; up < 3; up++) {
        char *slash = strrchr(buf, '/');
        if (!slash) {
            snprintf(buf, cap, ".");
            return;
        }
        *slash = '\0';
    }
    if (!buf[0])
        snprintf(buf, cap, "/");
}

/* Per-file result, for the breakdown. */
typedef struct file_size {
    char name[64]; /* dir/file.c */
    elf_sizes sz;  /* its sections */
} file_size;

#define MAX_FILES 128

/* Compiles every core file with `flags` into dir; fills files[] and totals. Returns the
 * number of files, or -1 when a compile failed (msg says which). */
static int build_core(const char *cc, const char *root, const char *flags, const char *tmp,
                      file_size *files, elf_sizes *total, char *msg, size_t msgcap)
{
    static const char *const dirs[] = {"wire", "tcp", "stack", "util"};
    int n = 0;
    memset(total, 0, sizeof(*total));
    for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/src/%s", root, dirs[d]);
        DIR *dp = opendir(path);
        if (!dp) {
            snprintf(msg, msgcap, "cannot open %.150s (use --src DIR)", path);
            return -1;
        }
        struct dirent *de;
        while ((de = readdir(dp)) != NULL) {
            size_t len = strlen(de->d_name);
            if (len < 3 || strcmp(de->d_name + len - 2, ".c") != 0 || n >= MAX_FILES)
                continue;
            char obj[1100], cmd[4096];
            snprintf(obj, sizeof obj, "%s/%d.o", tmp, n);
            snprintf(cmd, sizeof cmd,
                     "'%s' -std=c11 -D_GNU_SOURCE -DNDEBUG %s -I'%s/include' -I'%s/src' -c "
                     "'%s/%s' -o '%s' 2>/dev/null",
                     cc, flags, root, root, path, de->d_name, obj);
            if (system(cmd) != 0) {
                snprintf(msg, msgcap, "%.40s failed on src/%s/%.60s", cc, dirs[d], de->d_name);
                closedir(dp);
                return -1;
            }
            file_size *fs = &files[n++];
            snprintf(fs->name, sizeof fs->name, "%s/%.40s", dirs[d], de->d_name);
            if (elf_read_sizes(obj, &fs->sz) != 0) {
                snprintf(msg, msgcap, "cannot read %.150s", obj);
                closedir(dp);
                return -1;
            }
            unlink(obj);
            total->text += fs->sz.text;
            total->rodata += fs->sz.rodata;
            total->data += fs->sz.data;
        }
        closedir(dp);
    }
    return n;
}

/* lwIP's core for a TCP/IPv4-only configuration (no UDP, raw, DNS, DHCP, IPv6, sockets or
 * netconn; ARP and Ethernet kept, as synack has them; window scaling and timestamps on, as
 * synack offers them), the same compiler and -Os. */
static const char *const lwip_files[] = {
    "src/core/init.c",        "src/core/def.c",           "src/core/inet_chksum.c",
    "src/core/ip.c",          "src/core/mem.c",           "src/core/memp.c",
    "src/core/netif.c",       "src/core/pbuf.c",          "src/core/tcp.c",
    "src/core/tcp_in.c",      "src/core/tcp_out.c",       "src/core/timeouts.c",
    "src/core/ipv4/ip4.c",    "src/core/ipv4/ip4_addr.c", "src/core/ipv4/icmp.c",
    "src/core/ipv4/etharp.c", "src/netif/ethernet.c",
};

static const char lwip_opts[] =
    "#define NO_SYS 1\n#define SYS_LIGHTWEIGHT_PROT 0\n#define LWIP_IPV4 1\n"
    "#define LWIP_IPV6 0\n#define LWIP_TCP 1\n#define LWIP_UDP 0\n#define LWIP_RAW 0\n"
    "#define LWIP_ICMP 1\n#define LWIP_ARP 1\n#define LWIP_ETHERNET 1\n#define LWIP_DHCP 0\n"
    "#define LWIP_AUTOIP 0\n#define LWIP_IGMP 0\n#define LWIP_DNS 0\n#define LWIP_NETCONN 0\n"
    "#define LWIP_SOCKET 0\n#define LWIP_STATS 0\n#define IP_REASSEMBLY 0\n#define IP_FRAG 0\n"
    "#define LWIP_WND_SCALE 1\n#define TCP_RCV_SCALE 7\n#define LWIP_TCP_TIMESTAMPS 1\n"
    "#define LWIP_TCP_SACK_OUT 1\n#define TCP_MSS 1460\n#define TCP_WND (64 * 1024)\n"
    "#define TCP_SND_BUF (64 * 1024)\n#define MEMP_NUM_TCP_SEG 256\n#define MEM_SIZE (256 * 1024)\n"
    "#define PBUF_POOL_SIZE 64\n"
    "#define LWIP_NOASSERT 1\n";

static const char lwip_cc[] = "#include <stdint.h>\n#include <stdlib.h>\n"
                              "#define LWIP_PLATFORM_DIAG(x)\n"
                              "#define LWIP_PLATFORM_ASSERT(x) abort()\n"
                              "#define LWIP_RAND() ((u32_t)rand())\n";

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* Builds lwIP's TCP/IPv4 core from `src` into tmp; returns 0 and the totals, or -1. */
static int build_lwip(const char *cc, const char *src, const char *tmp, elf_sizes *total, char *msg,
                      size_t msgcap)
{
    memset(total, 0, sizeof(*total));
    char path[1100], obj[1100], cmd[4096];
    snprintf(path, sizeof path, "%s/arch", tmp);
    if (mkdir(path, 0700) != 0) {
        snprintf(msg, msgcap, "mkdir: %s", strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/lwipopts.h", tmp);
    int rc = write_file(path, lwip_opts);
    snprintf(obj, sizeof obj, "%s/arch/cc.h", tmp);
    rc |= write_file(obj, lwip_cc);
    for (size_t i = 0; rc == 0 && i < sizeof lwip_files / sizeof lwip_files[0]; i++) {
        snprintf(obj, sizeof obj, "%s/lwip.o", tmp);
        snprintf(cmd, sizeof cmd,
                 "'%s' -std=c11 -Os -I'%s' -I'%s/src/include' -c '%s/%s' -o '%s' 2>/dev/null", cc,
                 tmp, src, src, lwip_files[i], obj);
        elf_sizes one;
        if (system(cmd) != 0 || elf_read_sizes(obj, &one) != 0) {
            snprintf(msg, msgcap, "lwIP: %s failed on %s", cc, lwip_files[i]);
            rc = -1;
            break;
        }
        total->text += one.text;
        total->rodata += one.rodata;
        total->data += one.data;
        unlink(obj);
    }
    unlink(path);
    snprintf(path, sizeof path, "%s/arch/cc.h", tmp);
    unlink(path);
    snprintf(path, sizeof path, "%s/arch", tmp);
    rmdir(path);
    return rc;
}

static int by_text_desc(const void *a, const void *b)
{
    const file_size *x = a, *y = b;
    return x->sz.text < y->sz.text ? 1 : x->sz.text > y->sz.text ? -1 : 0;
}

int bench_size(const bench_opts *o, bench_report *r)
{
    char root[1024];
    source_root(o, root, sizeof root);
    const char *cc = o->cc ? o->cc : "cc";
    char tmp[] = "/tmp/synack-size.XXXXXX";
    if (!mkdtemp(tmp)) {
        bench_note(r, "mkdtemp: %s", strerror(errno));
        return -1;
    }
    static file_size files[MAX_FILES], files_o2[MAX_FILES];
    char msg[200] = "";
    elf_sizes os, o2;
    int n = build_core(cc, root, "-Os", tmp, files, &os, msg, sizeof msg);
    int n2 = n > 0 ? build_core(cc, root, "-O2", tmp, files_o2, &o2, msg, sizeof msg) : -1;
    elf_sizes lws;
    char lmsg[200] = "";
    int lwsrc = o->lwip_src ? build_lwip(cc, o->lwip_src, tmp, &lws, lmsg, sizeof lmsg) : -1;
    rmdir(tmp);
    r->other = "lwIP";
    if (n <= 0) {
        bench_note(r, "could not build the core: %s", msg);
        return -1;
    }

    /* lwIP: Debian's liblwip0 (what liblwip-dev links against), if installed. */
    static const char *const lwip_paths[] = {"/usr/lib/x86_64-linux-gnu/liblwip.so.0.0.0",
                                             "/usr/lib/x86_64-linux-gnu/liblwip.so",
                                             "/usr/lib/liblwip.so"};
    elf_sizes lw;
    const char *lwp = NULL;
    for (size_t i = 0; i < sizeof lwip_paths / sizeof lwip_paths[0] && !lwp; i++)
        if (access(lwip_paths[i], R_OK) == 0 && elf_read_sizes(lwip_paths[i], &lw) == 0)
            lwp = lwip_paths[i];

    /* The lwIP column: the like-for-like -Os build when --lwip-src was given, else the
     * installed library as Debian built it. */
    int same = lwsrc == 0;
    const elf_sizes *ref = same ? &lws : lwp ? &lw : NULL;
    bench_row *row = bench_row_add(r, "core .text at -Os", "KiB", (double)os.text / 1024,
                                   ref ? (double)ref->text / 1024 : NAN, BENCH_LOWER);
    bench_row_target(row, "synack <= 64 KiB", os.text <= 64 * 1024);
    bench_row_add(r, "core .text + .rodata at -Os", "KiB", (double)(os.text + os.rodata) / 1024,
                  ref ? (double)(ref->text + ref->rodata) / 1024 : NAN, BENCH_LOWER);
    bench_row_add(r, "core .data + .bss at -Os", "B", (double)os.data,
                  ref ? (double)ref->data : NAN, BENCH_LOWER);
    if (same && lwp)
        bench_row_add(r, "  lwIP as Debian built it (.text)", "KiB", NAN, (double)lw.text / 1024,
                      BENCH_LOWER);
    bench_row_add(r, "core .text at -O2 (for reference)", "KiB",
                  n2 > 0 ? (double)o2.text / 1024 : NAN, NAN, BENCH_LOWER);

    bench_note(r,
               "%d files of src/wire, src/tcp, src/stack, src/util from %s, each compiled "
               "with `%s -std=c11 -Os -c`, section sizes summed (no link, no "
               "--gc-sections)",
               n, root, cc);
    qsort(files, (size_t)n, sizeof files[0], by_text_desc);
    char line[200];
    size_t used = 0;
    line[0] = '\0';
    for (int i = 0; i < n && i < 8 && used + 1 < sizeof line; i++)
        used += (size_t)snprintf(line + used, sizeof line - used, "%s%s %.1f", i ? ", " : "",
                                 files[i].name, (double)files[i].sz.text / 1024);
    bench_note(r, "largest at -Os (KiB .text): %s", line);
    if (same) {
        bench_note(r,
                   "lwIP: %zu core files of %s at -Os, TCP/IPv4 only (no UDP/raw/DNS/DHCP/"
                   "IPv6/sockets; ARP, wscale, timestamps, SACK-out on)",
                   sizeof lwip_files / sizeof lwip_files[0], o->lwip_src);
        bench_note(r, "lwIP's .bss is its static heap and pools (MEM_SIZE 256 KiB, MEMP_*); "
                      "synack takes its memory from the allocator at run time");
    } else if (o->lwip_src)
        bench_note(r, "lwIP build from --lwip-src failed: %s", lmsg);
    if (lwp)
        bench_note(r,
                   "lwIP %s: %s, whole library as Debian built it (-O2; also IPv6, 6LoWPAN, "
                   "UDP, IGMP/MLD, netconn+sockets): not like-for-like; --lwip-src DIR is",
                   same ? "row" : "column", lwp);
    else if (!same)
        bench_note(r, "lwIP: no column (apt-get install liblwip-dev, or --lwip-src DIR)");
    return 0;
}
