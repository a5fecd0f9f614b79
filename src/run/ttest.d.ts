/** The part of the `ttest` package (Welch's and Student's t-tests) that reclaimsim uses. */
declare module 'ttest' {
  interface TTestOptions {
    mu?: number;
    varEqual?: boolean;
    alpha?: number;
    alternative?: 'less' | 'greater' | 'not equal';
  }
  interface TTest {
    testValue(): number;
    pValue(): number;
    confidence(): [number, number];
    valid(): boolean;
    freedom(): number;
  }
  function ttest(a: readonly number[], b: readonly number[], options?: TTestOptions): TTest;
  export default ttest;
}
