/* SPDX-License-Identifier: MIT */
/* The libc calls packetdrill makes on a socket without going through the function table:
 * before each `%{ ... }%` block it reads TCP_INFO, TCP_CC_INFO and SO_MEMINFO with plain
 * getsockopt(2) on the socket's fd (packetdrill's code.c, get_data), and a script's
 * sendfile() is libc's sendfile(2). Our fds are eventfds, so the kernel says ENOTSOCK or
 * EINVAL ("can't find getsockopt to get TCP info") before synack is ever asked.
 *
 * A shared object loaded with dlopen cannot interpose on the executable's calls (the
 * executable binds these to libc first), so at init the shim rewrites the executable's
 * own relocation slots for them (the GOT entries its PLT jumps through) to functions that
 * answer for our fds and pass every other fd to libc. Only
 * the main program is patched: libc's internal calls and other libraries are untouched.
 * At free the slots get their old values back, so an unloaded shim leaves no dangling
 * pointer behind.
 *
 * This is the one piece of process-wide state in the shim: libc's getsockopt has no
 * userdata argument, so the hook finds the live shim through a pointer. The last shim
 * created is the one it answers for. */
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pd_shim.h"

#if __SIZEOF_POINTER__ == 8
#define PD_R_SYM(i) ELF64_R_SYM(i)
#else
#define PD_R_SYM(i) ELF32_R_SYM(i)
#endif

/* Relocation slots naming a hooked function in one executable: PLT slots, GLOB_DATs. */
#define PD_HOOK_MAX_SLOTS 16

typedef struct pd_hook_slot {
    void **slot; /* where the executable looks up a hooked function */
    void *orig;  /* what it held before the hook */
    void *fn;    /* the hook */
    int relro;   /* the slot lies in PT_GNU_RELRO: read-only after start-up */
} pd_hook_slot;

static pd_shim *pd_hook_owner;
static pd_hook_slot pd_hook_slots[PD_HOOK_MAX_SLOTS];
static int pd_hook_nslots;

static int hooked_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    pd_shim *sh = __atomic_load_n(&pd_hook_owner, __ATOMIC_ACQUIRE);
    if (sh && pd_sock_owns(sh, fd))
        return pd_sock_getsockopt(sh, fd, level, name, val, len);
    return getsockopt(fd, level, name, val, len);
}

static ssize_t hooked_sendfile(int out_fd, int in_fd, off_t *offset, size_t count)
{
    pd_shim *sh = __atomic_load_n(&pd_hook_owner, __ATOMIC_ACQUIRE);
    if (sh && pd_sock_owns(sh, out_fd))
        return pd_sock_sendfile(sh, out_fd, in_fd, offset, count);
    return sendfile(out_fd, in_fd, offset, count);
}

/* The calls hooked, by the symbol name the executable imports them under. */
static const struct {
    const char *name;
    void *fn;
} pd_hooks[] = {
    {"getsockopt", (void *)hooked_getsockopt},
    {"sendfile", (void *)hooked_sendfile},
    {"sendfile64", (void *)hooked_sendfile}, /* the same call where off_t is 64-bit */
};

/* Writes v into slot, opening a RELRO page for the moment of the write. */
static void write_slot(pd_hook_slot *s, void *v)
{
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t page = (uintptr_t)s->slot & ~(uintptr_t)(pg - 1);
    if (s->relro && mprotect((void *)page, (size_t)pg, PROT_READ | PROT_WRITE) != 0)
        return;
    __atomic_store_n(s->slot, v, __ATOMIC_RELEASE);
    if (s->relro)
        mprotect((void *)page, (size_t)pg, PROT_READ);
}

/* d_ptr values: glibc relocates some in place, some loaders do not; an unrelocated one in
 * a position-independent executable is below the load address. */
static uintptr_t dyn_ptr(const struct dl_phdr_info *info, ElfW(Addr) v)
{
    return v < info->dlpi_addr ? info->dlpi_addr + v : v;
}

typedef struct pd_reloc_scan {
    const struct dl_phdr_info *info;
    const ElfW(Sym) * symtab;
    const char *strtab;
    uintptr_t relro_lo, relro_hi;
} pd_reloc_scan;

static void note_slot(pd_reloc_scan *sc, uintptr_t off, size_t sym)
{
    const char *name = sc->strtab + sc->symtab[sym].st_name;
    void *fn = NULL;
    for (size_t i = 0; i < sizeof(pd_hooks) / sizeof(pd_hooks[0]); i++) {
        if (strcmp(name, pd_hooks[i].name) == 0)
            fn = pd_hooks[i].fn;
    }
    if (!fn || pd_hook_nslots == PD_HOOK_MAX_SLOTS)
        return;
    uintptr_t at = sc->info->dlpi_addr + off;
    pd_hook_slot *s = &pd_hook_slots[pd_hook_nslots++];
    s->fn = fn;
    s->slot = (void **)at;
    s->orig = *s->slot;
    s->relro = at >= sc->relro_lo && at < sc->relro_hi;
}

static void scan_rela(pd_reloc_scan *sc, uintptr_t at, size_t bytes)
{
    const ElfW(Rela) *r = (const ElfW(Rela) *)at;
    for (size_t i = 0; i < bytes / sizeof(*r); i++)
        note_slot(sc, r[i].r_offset, PD_R_SYM(r[i].r_info));
}

static void scan_rel(pd_reloc_scan *sc, uintptr_t at, size_t bytes)
{
    const ElfW(Rel) *r = (const ElfW(Rel) *)at;
    for (size_t i = 0; i < bytes / sizeof(*r); i++)
        note_slot(sc, r[i].r_offset, PD_R_SYM(r[i].r_info));
}

/* dl_iterate_phdr visits the executable first: scan it and stop. */
static int scan_executable(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    (void)arg;
    pd_reloc_scan sc = {.info = info};
    const ElfW(Dyn) *dyn = NULL;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_DYNAMIC)
            dyn = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
        if (ph->p_type == PT_GNU_RELRO) {
            sc.relro_lo = info->dlpi_addr + ph->p_vaddr;
            sc.relro_hi = sc.relro_lo + ph->p_memsz;
        }
    }
    if (!dyn)
        return 1; /* a static executable: nothing to patch */
    uintptr_t jmprel = 0, rela = 0, rel = 0;
    size_t pltrelsz = 0, relasz = 0, relsz = 0;
    long pltrel = 0;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        switch (dyn->d_tag) {
        case DT_SYMTAB:
            sc.symtab = (const ElfW(Sym) *)dyn_ptr(info, dyn->d_un.d_ptr);
            break;
        case DT_STRTAB:
            sc.strtab = (const char *)dyn_ptr(info, dyn->d_un.d_ptr);
            break;
        case DT_JMPREL:
            jmprel = dyn_ptr(info, dyn->d_un.d_ptr);
            break;
        case DT_PLTRELSZ:
            pltrelsz = dyn->d_un.d_val;
            break;
        case DT_PLTREL:
            pltrel = (long)dyn->d_un.d_val;
            break;
        case DT_RELA:
            rela = dyn_ptr(info, dyn->d_un.d_ptr);
            break;
        case DT_RELASZ:
            relasz = dyn->d_un.d_val;
            break;
        case DT_REL:
            rel = dyn_ptr(info, dyn->d_un.d_ptr);
            break;
        case DT_RELSZ:
            relsz = dyn->d_un.d_val;
            break;
        default:
            break;
        }
    }
    if (!sc.symtab || !sc.strtab)
        return 1;
    if (jmprel && pltrel == DT_RELA)
        scan_rela(&sc, jmprel, pltrelsz);
    else if (jmprel && pltrel == DT_REL)
        scan_rel(&sc, jmprel, pltrelsz);
    if (rela)
        scan_rela(&sc, rela, relasz);
    if (rel)
        scan_rel(&sc, rel, relsz);
    return 1;
}

void pd_hook_install(pd_shim *sh)
{
    /* Under the loader's lock (dl_iterate_phdr), and only once per process: later shims
     * take the hook over by replacing the owner. */
    if (pd_hook_nslots == 0)
        dl_iterate_phdr(scan_executable, NULL);
    __atomic_store_n(&pd_hook_owner, sh, __ATOMIC_RELEASE);
    for (int i = 0; i < pd_hook_nslots; i++)
        write_slot(&pd_hook_slots[i], pd_hook_slots[i].fn);
}

void pd_hook_remove(pd_shim *sh)
{
    pd_shim *expected = sh;
    if (!__atomic_compare_exchange_n(&pd_hook_owner, &expected, NULL, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return; /* a newer shim owns the hook */
    for (int i = 0; i < pd_hook_nslots; i++)
        write_slot(&pd_hook_slots[i], pd_hook_slots[i].orig);
}
