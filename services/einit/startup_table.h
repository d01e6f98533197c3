/*
 * The start-up table: what Einit starts, compiled at build time from an init description
 * (init.yaml) by the host tool einit-compile (services/einit/tools/). docs/init-yaml.md
 * describes the source format; this header is the contract between the generated C file and the
 * Einit program that reads it.
 *
 * Freestanding-safe: only <stdint.h> and <stddef.h>, no libc, no kernel headers, so the same
 * header compiles in Einit (user mode), in host tests, and in the tool's own checks.
 *
 * Invariants the compiler guarantees for every table it emits (einit_table_check() in
 * startup_table_check.h re-checks them at run time, for a defensive Einit):
 *   - magic == EINIT_TABLE_MAGIC and version == EINIT_TABLE_VERSION;
 *   - every string is non-NULL and NUL-terminated; task names are unique across entries;
 *   - every einit_connection.server and einit_listener.server is < nentries;
 *   - every einit_connection.listener is < nlisteners, and that listener has the same server;
 *   - (server, id) pairs are unique across listeners: clients that name the same id on the same
 *     server share one listener, which is how one server serves many clients on one channel;
 *   - within one entry, connection ids are unique, device names are unique C identifiers of at
 *     most EINIT_MAX_DEVICE_NAME bytes, and no handle name a device makes is a connection id;
 *   - every device's match is EINIT_DEVICE_BY_ID or EINIT_DEVICE_BY_BDF, and no device is
 *     named twice in the table (by the same id or the same bdf);
 *   - every limit is > 0 (defaults already applied: no "unset" value reaches Einit);
 *   - flags holds only EINIT_ENTRY_* bits, and at most one entry is the TEE partition;
 *   - a count of zero comes with a NULL array pointer.
 *
 * Start-up order: entries appear in file order. Einit must create every process first, then
 * create the listeners and connect the channels (a connection may point to a later entry, and
 * cycles are allowed), and only then resume the processes, in table order.
 */
#ifndef BASTION_EINIT_STARTUP_TABLE_H
#define BASTION_EINIT_STARTUP_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define EINIT_TABLE_MAGIC 0x54494E45u /* "ENIT" read as little-endian bytes */
#define EINIT_TABLE_VERSION 3u

/* Bastion limits on one description; the compiler refuses anything larger, so Einit may size
 * fixed buffers from them. */
#define EINIT_MAX_ENTRIES 96u
#define EINIT_MAX_NAME 63u  /* class name, task name, connection id, env name (bytes, no NUL) */
#define EINIT_MAX_PATH 255u /* ROMFS path, argument, env value (bytes, no NUL) */
#define EINIT_MAX_ARGS 32u
#define EINIT_MAX_ENV 32u
#define EINIT_MAX_CONNECTIONS 32u /* per entry */
#define EINIT_MAX_DEVICES 8u      /* per entry */
/* A device's name: "<name>.bar<N>", "<name>.irq" and "<name>_bdf" must fit EINIT_MAX_NAME. */
#define EINIT_MAX_DEVICE_NAME (EINIT_MAX_NAME - 5u)

/* Built-in defaults applied when neither the entry nor the file's top-level `limits:` sets one. */
#define EINIT_DEFAULT_KERNEL_MEMORY (1024u * 1024u) /* 1 MiB of kernel objects */
#define EINIT_DEFAULT_RAM (16u * 1024u * 1024u)     /* 16 MiB of user memory */

/* Per-process quotas, in bytes. The kernel charges every kernel object the
 * process causes to kernel_memory, and every committed user page to ram; reaching either returns
 * rcQuotaExceeded to the process. */
struct einit_limits {
    uint64_t kernel_memory;
    uint64_t ram;
};

/* One environment variable, passed to the process as "name=value". */
struct einit_env {
    const char *name;
    const char *value;
};

/* A listener: the server end of every channel named `id` that leads to entry `server`. Einit
 * creates one per table row and hands its handle to the server under the name `id`. */
struct einit_listener {
    const char *id;
    uint32_t server; /* index into einit_startup_table.entries */
};

/* A client end: the entry that owns it gets a client handle named `id`, connected to
 * listeners[listener], which belongs to entries[server]. */
struct einit_connection {
    const char *id;
    uint32_t server;   /* index into einit_startup_table.entries (the init.yaml `target`) */
    uint32_t listener; /* index into einit_startup_table.listeners */
};

/* A PCI function Einit hands to an entry (init.yaml `devices:`, docs/init-yaml.md). Einit finds
 * it in the kernel's PCI table (<bastion/pci_table.h>), registers each BAR (IO.RegisterMmio or
 * RegisterPort) and its legacy interrupt (IO.RegisterIrq), transfers the resource handles to the
 * process as "<name>.bar<N>" and "<name>.irq" (Task.TransferHandle), closes its own, and sets
 * the environment variable "<name>_bdf" to "bb:dd.f". */
#define EINIT_DEVICE_BY_ID 1u  /* vendor and device: the first function with that id */
#define EINIT_DEVICE_BY_BDF 2u /* bdf */
struct einit_device {
    const char *name; /* a C identifier of at most EINIT_MAX_DEVICE_NAME bytes */
    uint32_t match;   /* EINIT_DEVICE_BY_ID or EINIT_DEVICE_BY_BDF */
    uint16_t vendor, device;
    uint16_t bdf;
    uint32_t line; /* of the device in the init description */
};

/* One process to start. */
struct einit_entry {
    const char
        *class_name;       /* EDL name (init.yaml `name`), e.g. "echo.Server": the security class */
    const char *task_name; /* process name (init.yaml `task`, default: class_name); unique */
    const char *path;      /* executable in ROMFS (default: class_name after its last '.') */
    const char *const *args; /* startup parameters, argv[1..]; Einit supplies argv[0] = task_name */
    uint32_t nargs;
    const struct einit_env *env;
    uint32_t nenv;
    const struct einit_connection *connections; /* channels this process is the client of */
    uint32_t nconnections;
    const struct einit_device *devices; /* PCI functions handed to it */
    uint32_t ndevices;
    uint32_t line;  /* line of the entry in the init description, for Einit's messages */
    uint32_t flags; /* EINIT_ENTRY_* */
    struct einit_limits limits;
};

/* einit_entry.flags: init.yaml `tee: true`, the TEE partition (Task.Create with
 * BASTION_TASK_CREATE_TEE_PARTITION, docs/tee.md); at most one entry has it. */
#define EINIT_ENTRY_TEE_PARTITION 0x1u
/* einit_entry.flags: a server that keeps state per client (its class is one the compiler
 * knows, initcfg_classes.h: kl.VfsRamFs, kl.core.NameServer). Einit gives each connection to
 * it a server end of its own, bound to the client's task name, instead of the (server, id)
 * listener, whose row it leaves unused. */
#define EINIT_ENTRY_PER_CLIENT_SERVER 0x2u
#define EINIT_ENTRY_FLAGS (EINIT_ENTRY_TEE_PARTITION | EINIT_ENTRY_PER_CLIENT_SERVER)

struct einit_startup_table {
    uint32_t magic;
    uint32_t version;
    const struct einit_entry *entries;
    uint32_t nentries;
    const struct einit_listener *listeners;
    uint32_t nlisteners;
    const char *source; /* base name of the init description it was compiled from */
};

/* Defined by the C file einit-compile generates. */
extern const struct einit_startup_table einit_startup_table;

#endif
