// The instruction count of case (b) at a tenth of its size, under valgrind: with V8 on one
// thread, repeatable to 0.05 %, where wall and CPU times on a shared machine spread by ±5 %
// or more. Usage, from a built tree (npm run build):
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded bench/instructions.mjs
// and read "I refs". Without --single-threaded, V8's background compiler makes the count vary
// by tens of percent. (JIT frames are not symbolized: it says how much, not where.)
import { loadScenario, runScenario } from '../dist/index.js';

const scenario = loadScenario('madv-pageout', ['pageout.size=2GiB', 'swap.size=3GiB', 'machine.memory=8GiB']);
const result = runScenario(scenario, { oracle: false });
console.log(`pswpout ${result.vmstat.pswpout}`);
