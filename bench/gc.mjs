// A gc() function for heap measurements: global.gc under --expose-gc, else one made
// through v8/vm, else null. Shared by the Node net and plain-JS-model heap figures.
import v8 from 'node:v8';
import vm from 'node:vm';

export function findGc() {
  if (typeof globalThis.gc === 'function') return { gc: globalThis.gc, how: 'global' };
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    if (typeof gc === 'function') return { gc, how: 'vm' };
  } catch { /* fall through */ }
  return { gc: null, how: 'none' };
}
