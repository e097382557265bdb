// Renders ZPL files with zpl-renderer-js (ingridhq/zebrash compiled to
// WebAssembly) into one PNG per ^XA…^XZ format, for readers_test.go. The
// WebAssembly module loads once for all jobs.
// usage: node render-zpl.cjs WIDTH_MM HEIGHT_MM JOB...
// where a JOB is IN.zpl:OUTPREFIX:DOTS_PER_MM and writes OUTPREFIX-1.png, …
const fs = require("node:fs");
const { ready } = require("zpl-renderer-js");

(async () => {
  const [w, h, ...jobs] = process.argv.slice(2);
  const { api } = await ready;
  for (const job of jobs) {
    const [inp, out, dpmm] = job.split(":");
    const pngs = await api.zplToBase64MultipleAsync(fs.readFileSync(inp, "utf8"), +w, +h, +dpmm);
    pngs.forEach((b64, i) => fs.writeFileSync(`${out}-${i + 1}.png`, Buffer.from(b64, "base64")));
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
