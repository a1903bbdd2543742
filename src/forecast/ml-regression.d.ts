// ml-regression 6 ships no type declarations; this covers the part stackfit uses (the trend's slope).
declare module 'ml-regression' {
  export class TheilSenRegression {
    constructor(x: ArrayLike<number>, y: ArrayLike<number>);
    slope: number;
    intercept: number;
    predict(x: number): number;
  }
}
