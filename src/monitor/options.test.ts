import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChardevOption, parseMonitorOption, parseMonOption, parseQmpOption } from './options.js';

test('-qmp accepts QEMU\'s spellings of a listening unix or tcp socket', () => {
  const unix = { mode: 'control', endpoint: { kind: 'unix', path: '/tmp/q.sock', wait: false } };
  assert.deepEqual(parseQmpOption('unix:/tmp/q.sock,server,nowait'), unix);
  assert.deepEqual(parseQmpOption('unix:/tmp/q.sock,server=on,wait=off'), unix);
  assert.deepEqual(parseQmpOption('unix:path=/tmp/q.sock,server=on,wait=off'), unix);
  assert.deepEqual(parseQmpOption('unix:/tmp/q.sock,server'), { mode: 'control', endpoint: { kind: 'unix', path: '/tmp/q.sock', wait: true } });
  assert.deepEqual(parseQmpOption('tcp:127.0.0.1:4444,server,nowait'), { mode: 'control', endpoint: { kind: 'tcp', host: '127.0.0.1', port: 4444, wait: false } });
  assert.deepEqual(parseQmpOption('tcp::4444,server=on,wait=off'), { mode: 'control', endpoint: { kind: 'tcp', host: '0.0.0.0', port: 4444, wait: false } });
  assert.deepEqual(parseQmpOption('stdio'), { mode: 'control', endpoint: { kind: 'stdio' } });
  assert.equal(parseQmpOption('none'), undefined);
});

test('-qmp and -monitor mistakes give QEMU-style messages', () => {
  assert.throws(() => parseQmpOption('bogus:x'), /-qmp bogus:x: 'bogus:x' is not a valid char driver/);
  assert.throws(() => parseQmpOption('unix:/tmp/q.sock,server,nowait,foo=1'), /Invalid parameter 'foo'/);
  assert.throws(() => parseQmpOption('unix:/tmp/q.sock,wait=off'), /'wait' option is incompatible with socket in client connect mode/);
  assert.throws(() => parseQmpOption('unix:/tmp/q.sock'), /only listen/);
  assert.throws(() => parseQmpOption('tcp:127.0.0.1,server,nowait'), /parse error/);
  assert.throws(() => parseMonitorOption('vc'), /not supported/);
});

test('-monitor stdio and sockets are human monitors', () => {
  assert.deepEqual(parseMonitorOption('stdio'), { mode: 'readline', endpoint: { kind: 'stdio' } });
  assert.deepEqual(parseMonitorOption('unix:/tmp/m.sock,server,nowait'), { mode: 'readline', endpoint: { kind: 'unix', path: '/tmp/m.sock', wait: false } });
  assert.equal(parseMonitorOption('none'), undefined);
});

test('-chardev socket and -mon combine as in QEMU', () => {
  const devs = [
    parseChardevOption('socket,id=qmp0,path=/tmp/q.sock,server=on,wait=off'),
    parseChardevOption('socket,id=hmp0,host=127.0.0.1,port=5555,server=on,wait=off'),
    parseChardevOption('stdio,id=s'),
  ];
  assert.deepEqual(parseMonOption('chardev=qmp0,mode=control,pretty=on', devs), { mode: 'control', endpoint: { kind: 'unix', path: '/tmp/q.sock', wait: false }, pretty: true });
  assert.deepEqual(parseMonOption('chardev=hmp0', devs), { mode: 'readline', endpoint: { kind: 'tcp', host: '127.0.0.1', port: 5555, wait: false } });
  assert.deepEqual(parseMonOption('s,mode=readline', devs), { mode: 'readline', endpoint: { kind: 'stdio' } });
  assert.throws(() => parseMonOption('chardev=nope', devs), /-mon chardev=nope: chardev "nope" not found/);
  assert.throws(() => parseMonOption('chardev=qmp0,mode=bogus', devs), /Parameter 'mode' does not accept value 'bogus'/);
  assert.throws(() => parseChardevOption('socket,path=/tmp/x'), /Parameter 'id' is missing/);
});
