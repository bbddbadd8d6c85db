// Where the text of an SVG lies (tests only): types of svg-text.js.
/**
 * Where the text of an SVG lies (tests only): each <text>'s anchor point from the
 * nested translate()s of its groups, its extent estimated at 0.6 × font size per
 * character (sans-serif averages about 0.55), rotated text turned on its side.
 */
export interface TextBox {
  readonly text: string;
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
}
export declare function svgSize(svg: string): {
  width: number;
  height: number;
};
export declare function textBoxes(svg: string): TextBox[];
/** Texts whose box leaves the picture (empty when every label is inside). */
export declare function textOutside(svg: string): string[];
/**
 * Every plot in a CLI output directory: each NAME.svg has its NAME.vl.json
 * beside it and no text outside the picture. Returns the problems (empty when none).
 */
export declare function plotProblems(dir: string): string[];
