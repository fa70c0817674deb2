/** The activity charts' colours on the dark theme: the seen line in the theme's blue, unusual slots in
 * orange (blue and orange stay apart for the common colour-vision deficiencies; their shape differs too),
 * the expected band and its middle in greys. Each reads at least 3:1 against the panel #17202a. */
export const OBSERVED = "#4ea1ff";
export const UNUSUAL = "#ff8a65";
export const BAND = "#7f93a8";
export const MID = "#c3cfdb";
