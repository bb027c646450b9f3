// Ask the model for a prediction: POST ENDPOINT/predict.
// An ES module for Node.js 18 or newer (global fetch); no packages to install.

const ENDPOINT = "https://arena.example.com/deployments/pendulum-latent";
const API_KEY = "••••••••0000";
const TIMEOUT_MS = 30000;

// POST a JSON body with the Bearer token; on failure, print the server's answer and exit.
async function post(path, body) {
  const response = await fetch(`${ENDPOINT}/${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${API_KEY}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) {
    console.error(`POST ${path} failed: ${response.status} ${response.statusText}\n${text}`);
    process.exit(1);
  }
  const answer = JSON.parse(text);
  if (answer.success === false) {
    console.error(`POST ${path} answered success=false:\n${text}`);
    process.exit(1);
  }
  return answer;
}

// ---- NumPy arrays on the wire: base64 of a .npy file, with a leading batch axis of 1.

// ndarray(dtype, nested lists) and full(dtype, shape, value) stand in for np.array and np.full.
class NdArray {
  constructor(dtype, data) {
    if (!(dtype in DTYPES)) throw new Error(`unsupported dtype: ${dtype}`);
    this.dtype = dtype;
    this.data = data; // a number (0-d), or nested arrays of numbers
  }
}

function ndarray(dtype, data) {
  return new NdArray(dtype, data);
}

function full(dtype, shape, value) {
  const fill = (dims) =>
    dims.length === 0 ? value : Array.from({ length: dims[0] }, () => fill(dims.slice(1)));
  return ndarray(dtype, fill(shape));
}

// dtype: [.npy type code, bytes per item, DataView accessor]. .npy data here is little-endian.
const DTYPES = {
  bool: ["|b1", 1, "Uint8"],
  int8: ["|i1", 1, "Int8"],
  uint8: ["|u1", 1, "Uint8"],
  int16: ["<i2", 2, "Int16"],
  uint16: ["<u2", 2, "Uint16"],
  int32: ["<i4", 4, "Int32"],
  uint32: ["<u4", 4, "Uint32"],
  int64: ["<i8", 8, "BigInt64"],
  uint64: ["<u8", 8, "BigUint64"],
  float16: ["<f2", 2, "Float16"],
  float32: ["<f4", 4, "Float32"],
  float64: ["<f8", 8, "Float64"],
};

// Trees: objects for Dict spaces and agents, arrays for Tuple spaces, null stays null.
function toWire(tree) {
  if (tree === null) return null;
  if (tree instanceof NdArray) return toNpy(tree);
  if (typeof tree !== "object") throw new Error(`wrap ${tree} in ndarray(dtype, data)`);
  if (Array.isArray(tree)) return tree.map(toWire);
  return Object.fromEntries(Object.entries(tree).map(([key, value]) => [key, toWire(value)]));
}

function fromWire(tree) {
  if (tree === null) return null;
  if (typeof tree === "string") return fromNpy(tree);
  if (Array.isArray(tree)) return tree.map(fromWire);
  return Object.fromEntries(Object.entries(tree).map(([key, value]) => [key, fromWire(value)]));
}

function toNpy(array) {
  const [code, size, accessor] = DTYPES[array.dtype];
  const shape = [1, ...shapeOf(array.data)];
  const values = [array.data].flat(Infinity);
  const dict = `{'descr': '${code}', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  // Magic, version 1.0, header length, then the header padded with spaces as np.save pads it.
  const dataStart = (Math.floor((dict.length + 31) / 64) + 1) * 64;
  const header = dict.padEnd(dataStart - 11) + "\n";
  const bytes = Buffer.alloc(dataStart + values.length * size);
  bytes.write("\x93NUMPY\x01\x00", 0, "latin1");
  bytes.writeUInt16LE(header.length, 8);
  bytes.write(header, 10, "latin1");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  values.forEach((value, i) => {
    const offset = dataStart + i * size;
    if (accessor === "Float16") view.setUint16(offset, float16Bits(value), true);
    else if (accessor.startsWith("Big")) view[`set${accessor}`](offset, BigInt(value), true);
    else view[`set${accessor}`](offset, Number(value), true);
  });
  return bytes.toString("base64");
}

function fromNpy(base64) {
  const bytes = Buffer.from(base64, "base64");
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.toString("latin1", 10, 10 + headerLength);
  const code = /'descr': '([^']+)'/.exec(header)[1];
  const shape = (/'shape': \(([^)]*)\)/.exec(header)[1].match(/\d+/g) ?? []).map(Number);
  const dtype = Object.keys(DTYPES).find((name) => DTYPES[name][0] === code);
  if (!dtype) throw new Error(`unsupported .npy type: ${code}`);
  const [, size, accessor] = DTYPES[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const values = [];
  for (let offset = 10 + headerLength; offset < bytes.length; offset += size) {
    let value;
    if (accessor === "Float16") value = float16Value(view.getUint16(offset, true));
    else value = view[`get${accessor}`](offset, true);
    if (dtype === "bool") value = value !== 0;
    // 64-bit integers arrive as BigInt: plain numbers where no digit is lost.
    if (typeof value === "bigint" && Number.isSafeInteger(Number(value))) value = Number(value);
    values.push(value);
  }
  return ndarray(dtype, nest(values, shape.slice(1))); // without the batch axis
}

function shapeOf(data) {
  return Array.isArray(data) ? [data.length, ...shapeOf(data[0])] : [];
}

function nest(values, shape) {
  if (shape.length === 0) return values[0];
  const step = values.length / shape[0];
  return Array.from({ length: shape[0] }, (_, i) =>
    nest(values.slice(i * step, (i + 1) * step), shape.slice(1)),
  );
}

// float16 has no DataView accessor before Node.js 24: round to its bits by hand,
// half to even as NumPy does.
function float16Bits(value) {
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const x = Math.abs(value);
  if (Number.isNaN(x)) return 0x7e00;
  if (x >= 65520) return sign | 0x7c00; // rounds to infinity
  if (x < 2 ** -14) return sign | roundHalfEven(x * 2 ** 24); // subnormal
  let exponent = Math.floor(Math.log2(x));
  if (2 ** exponent > x) exponent -= 1;
  // A fraction that rounds up to 1024 carries into the exponent, as it should.
  return sign | (((exponent + 15) << 10) + roundHalfEven((x / 2 ** exponent - 1) * 1024));
}

function roundHalfEven(x) {
  const rounded = Math.round(x);
  return rounded - x === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded;
}

function float16Value(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const inputs = full("float32", [3], 0.0);
const answer = await post("predict", { inputs: toWire(inputs) });
console.log("results:", fromWire(answer.results));
