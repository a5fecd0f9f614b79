/** Entry point of a pool thread (piscina calls the default export once per task). */
import { execute_run } from './execute.js';

export default execute_run;
