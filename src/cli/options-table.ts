/**
 * Every option qemu-system-x86_64 7.2 accepts, with whether it takes an argument (probed one by
 * one against the real binary: `-X` alone prints "-X: requires an argument" exactly for these).
 * tkvm needs the whole table, not just what it implements, so that it can tell a QEMU option it
 * does not support yet ("-vnc: not supported yet") from a typo ("-vnx: invalid option"), and so
 * that a missing argument is reported before anything else, as QEMU's first pass does.
 */

/** QEMU options that take an argument (`-m 256`). */
const WITH_ARG = `
D L accel acpitable action add-fd append audio audiodev bios blockdev boot cdrom chardev chroot
compat cpu d debugcon device dfilter display drive dtb dump-vmstate echr fda fdb fsdev fw_cfg gdb
global hda hdb hdc hdd icount incoming initrd iscsi k kernel loadvm m machine M mem-path mon
monitor msg mtdblock name net netdev nic numa object option-rom overcommit parallel pflash pidfile
plugin qmp qmp-pretty readconfig rotate rtc runas sandbox sd seed serial set smbios smp spice
tpmdev trace usbdevice uuid vga virtfs vnc watchdog-action xen-domid qtest qtest-log`;

/** QEMU options that are flags (`-nographic`). */
const FLAGS = `
h help version S async-teardown audio-help daemonize enable-kvm enable-sync-profile full-screen
mem-prealloc no-acpi no-fd-bootchk no-hpet no-reboot no-shutdown no-user-config nodefaults
nographic only-migratable portrait preconfig s singlestep snapshot usb win2k-hack xen-attach
xen-domid-restrict`;

/** Option name (without dash) -> takes an argument. */
export const QEMU_OPTIONS: ReadonlyMap<string, boolean> = new Map([
  ...WITH_ARG.trim().split(/\s+/).map((n) => [n, true] as const),
  ...FLAGS.trim().split(/\s+/).map((n) => [n, false] as const),
]);
