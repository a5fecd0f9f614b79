// The instruction count of a bench case at a fraction of its size, under valgrind: with V8 on
// one thread, repeatable to 0.05 %, where wall and CPU times on a shared machine spread by ±5 %
// or more. Usage, from a built tree (npm run build):
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded bench/instructions.mjs [a|b]
// and read "I refs": (b) (the default) at a tenth of its size, (a) at a quarter. Without
// --single-threaded, V8's background compiler makes the count vary by tens of percent. (JIT
// frames are not symbolized: it says how much, not where.)
import { loadScenario, runScenario } from '../dist/index.js';

const CASES = {
  a: ['shootdown-64', ['pageout.size=256MiB']],
  b: ['madv-pageout', ['pageout.size=2GiB', 'swap.size=3GiB', 'machine.memory=8GiB']],
};
const [name, sets] = CASES[process.argv[2] ?? 'b'];
const result = runScenario(loadScenario(name, sets), { oracle: false });
console.log(`pswpout ${result.vmstat.pswpout}`);
