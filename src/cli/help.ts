/**
 * `tkvm -h`: the options tkvm implements, laid out like qemu-system-x86_64 -h so QEMU users
 * find them where they expect. Options QEMU has and tkvm lacks are rejected, not listed.
 */

/** The usage text printed by -h / -help (ends with a newline). */
export function helpText(program = 'tkvm'): string {
  return `usage: ${program} [options] [disk_image]

'disk_image' is a raw hard disk image for IDE hard disk 0

Standard options:
-h or -help     display this help and exit
-version        display version information and exit
-machine [type=]pc[,accel=accel1[:accel2[:...]]][,acpi=on|off|auto]
                selects emulated machine: only 'pc' ('-machine help' for list)
                acpi=off is the same as -no-acpi
-M              same as -machine
-cpu cpu        select CPU model: host, max or qemu64 ('-cpu help' for list)
-accel [accel=]accelerator
                select accelerator: kvm, or tcg/emu for tkvm's software CPU
                (repeat to give fallbacks; 'help' for a list)
-enable-kvm     same as -machine accel=kvm
-smp [[cpus=]n][,maxcpus=maxcpus][,sockets=sockets][,dies=dies][,cores=cores][,threads=threads]
                set the number of initial CPUs to 'n' [default=1], at most 255
-m [size=]megs  configure guest RAM [default=128M]; suffixes k, M, G, T
-name string1[,debug-threads=on|off]
                set the name of the guest
-no-acpi        disable ACPI

Block device options:
-hda/-hdb file  use 'file' as hard disk 0/1 image
-hdc/-hdd file  use 'file' as hard disk 2/3 image
-cdrom file     use 'file' as CD-ROM image (hard disk 2's slot)
-drive file=file[,if=ide][,bus=n][,unit=m][,media=disk|cdrom][,index=i]
       [,format=raw|qcow2|qcow][,readonly=on|off][,snapshot=on|off]
       [,cache=writethrough|writeback|none|directsync|unsafe][,aio=threads|native|io_uring]
                use 'file' as a drive image
-snapshot       write to temporary files instead of disk image files
-boot [order=]drives[,menu=on|off]
                'drives': floppy (a), hard disk (c), CD-ROM (d), network (n)
                'menu=on' shows SeaBIOS's boot menu prompt

Display options:
-display none   no display
-nographic      disable graphical output and redirect serial I/Os to console
-vga [std|none] select video card type

Boot options:
-bios file      set the filename for the BIOS
                (default: Debian's SeaBIOS, /usr/share/seabios/bios-256k.bin;
                without -kernel tkvm boots this firmware)
-kernel bzImage use 'bzImage' as kernel image
-append cmdline use 'cmdline' as kernel command line
-initrd file    use 'file' as initial ram disk

Character devices and debugging:
-serial dev     redirect the next serial port (COM1..COM4) to char device 'dev':
                stdio, mon:stdio, null, none, file:path,
                unix:path[,server=on|off][,wait=on|off]
-chardev null|stdio|file|socket,id=id[,path=path][,server=on|off][,wait=on|off]
                a character device for -device isa-debugcon
-debugcon dev   debug console on ports 0xe9 and 0x402 (SeaBIOS's log), same devices as -serial
-monitor none   no monitor
-nodefaults     don't create the default serial port and monitor
-device isa-debug-exit[,iobase=0x501][,iosize=0x2]
                a port whose writes of V end tkvm with status (V << 1) | 1
-device isa-debugcon,chardev=id[,iobase=0xe9]
                a debug console port (SeaBIOS logs to iobase=0x402)
-no-reboot      exit instead of rebooting

During emulation, the following keys are useful:
When using -nographic, press 'ctrl-a h' to get some help.
`;
}
