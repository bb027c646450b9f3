// Ask the model for a prediction: POST ENDPOINT/predict.
// An ES module for Node.js 18+ or a browser (fetch, atob, btoa); no packages to install.

const ENDPOINT = "https://arena.example.com/deployments/pendulum-latent";
const API_KEY = "••••••••0000";

// Arrays travel as base64 .npy with a leading batch axis of 1: np.save's header, then
// the values' bytes. A header is fixed by the dtype and shape, so it is written here.
const NPY_FLOAT32_1X3 =
  "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo=";

// A header and a typed array (little-endian, as on x86 and ARM) as one base64 .npy.
function npy(header, values) {
  const { buffer, byteOffset, byteLength } = values;
  const bytes = new Uint8Array(buffer, byteOffset, byteLength);
  const text = Array.from(bytes, (byte) => String.fromCharCode(byte)).join("");
  return btoa(atob(header) + text);
}

// An array the deployment sent back, as { shape, values } without the batch axis.
const TYPED_ARRAYS = {
  "<f4": Float32Array,
  "<f8": Float64Array,
  "<i4": Int32Array,
  "<i8": BigInt64Array,
  "|i1": Int8Array,
  "|u1": Uint8Array,
  "|b1": Uint8Array,
};
function fromNpy(base64) {
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  const start = bytes.indexOf(10, 10) + 1; // all versions end the header in \n
  const header = new TextDecoder().decode(bytes.subarray(10, start));
  const descr = /'descr': '([^']+)'/.exec(header)[1];
  if (descr[0] === ">") throw new Error(`big-endian .npy dtype ${descr}`);
  if (header.includes(": True")) throw new Error(".npy in Fortran order");
  const Typed = Object.hasOwn(TYPED_ARRAYS, descr) && TYPED_ARRAYS[descr];
  if (!Typed) throw new Error(`unsupported .npy dtype ${descr}`);
  const shape = (header.split("'shape'")[1].match(/\d+/g) ?? []).map(Number);
  const values = new Typed(bytes.buffer, start);
  return { shape: shape.slice(1), values: Array.from(values, Number) };
}

const inputs = npy(NPY_FLOAT32_1X3, new Float32Array(3).fill(0));
const response = await fetch(`${ENDPOINT}/predict`, {
  method: "POST",
  headers: {
    Authorization: `Bearer ${API_KEY}`,
    "Content-Type": "application/json",
  },
  body: JSON.stringify({ inputs }),
  signal: AbortSignal.timeout(30000),
});
const text = await response.text();
const answer = response.ok ? JSON.parse(text) : null;
if (!answer || answer.success === false) {
  throw new Error(`POST ${response.url} failed: ${response.status} ${text}`);
}
console.log("results:", fromNpy(answer.results));
