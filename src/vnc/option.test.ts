import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseVncOption } from './option.js';

test('-vnc addresses: display numbers, hosts, IPv6, unix sockets, none', () => {
  assert.deepEqual(parseVncOption(':0'), { kind: 'tcp', host: '127.0.0.1', display: 0, lastDisplay: 0, maxClients: 32 });
  assert.deepEqual(parseVncOption('localhost:1'), { kind: 'tcp', host: 'localhost', display: 1, lastDisplay: 1, maxClients: 32 });
  assert.deepEqual(parseVncOption('0.0.0.0:5,to=9'), { kind: 'tcp', host: '0.0.0.0', display: 5, lastDisplay: 9, maxClients: 32 });
  assert.deepEqual(parseVncOption('[::1]:2'), { kind: 'tcp', host: '::1', display: 2, lastDisplay: 2, maxClients: 32 });
  assert.deepEqual(parseVncOption(':3,ipv6=on'), { kind: 'tcp', host: '::1', display: 3, lastDisplay: 3, family: 6, maxClients: 32 });
  assert.deepEqual(parseVncOption('unix:/tmp/a,,b.sock'), { kind: 'unix', path: '/tmp/a,b.sock', maxClients: 32 });
  assert.deepEqual(parseVncOption('none'), { kind: 'none', maxClients: 32 });
  assert.deepEqual(parseVncOption(':0,connections=2,share=force-shared,lossy=on,password=off,sasl=off'), { kind: 'tcp', host: '127.0.0.1', display: 0, lastDisplay: 0, maxClients: 2 });
});

test('-vnc mistakes and unsupported features are refused with a clear message', () => {
  const fails = (arg: string, re: RegExp): void => assert.throws(() => parseVncOption(arg), re, arg);
  fails(':0,password=on', /-vnc :0,password=on: password authentication for VNC is not supported by tkvm/);
  fails(':0,password', /password authentication/);
  fails(':0,tls-creds=tls0', /TLS for VNC is not supported/);
  fails(':0,sasl', /SASL/);
  fails(':0,websocket=5700', /websocket/);
  fails(':0,reverse=on', /reverse connections/);
  fails(':0,foo=1', /Invalid parameter 'foo'/);
  fails(':x', /display 'x' is not a number/);
  fails(':0,to=-1', /to '-1' is not a number/);
  fails('5', /is not \[host\]:display, unix:path or none/);
  fails('unix:', /needs a socket path/);
  fails(':0,share=nope', /share= option 'nope'/);
  fails(':0,lossy=maybe', /expects 'on' or 'off'/);
  fails(':70000', /out of range/);
});
