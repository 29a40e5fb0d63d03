// The image services live in ./images/; this file keeps `./images` resolving to
// them (and overwrites the compiled images.js of the single-file version).
export * from './images/index';
