// Stream a completion: POST ENDPOINT/generate_stream; chunks print as they arrive.
// An ES module for Node.js 18+ or a browser (fetch); no packages to install.

const ENDPOINT = "https://arena.example.com/deployments/gsm8k-grpo";
const API_KEY = "••••••••0000";
const PROMPT = "Write a haiku about reinforcement learning.";

const response = await fetch(`${ENDPOINT}/generate_stream`, {
  method: "POST",
  headers: {
    Authorization: `Bearer ${API_KEY}`,
    "Content-Type": "application/json",
  },
  body: JSON.stringify({
    prompt: PROMPT,
    params: {
      max_new_tokens: 100,
      temperature: 0.7,
      top_p: 0.9,
      do_sample: true,
    },
  }),
});
if (!response.ok) {
  const text = await response.text();
  throw new Error(`POST ${response.url} failed: ${response.status} ${text}`);
}
// Node.js writes each chunk as it arrives; a browser logs one line per chunk.
const write = globalThis.process ? (t) => process.stdout.write(t) : console.log;
const reader = response.body.getReader();
const decoder = new TextDecoder();
while (true) {
  const { done, value } = await reader.read();
  if (done) break;
  const chunk = decoder.decode(value, { stream: true });
  // "\n[ERROR:" starts the deployment's message when it fails mid-stream.
  const error = chunk.indexOf("\n[ERROR:");
  if (error >= 0) {
    write(chunk.slice(0, error));
    throw new Error(chunk.slice(error).trim());
  }
  write(chunk);
}
write("\n");
