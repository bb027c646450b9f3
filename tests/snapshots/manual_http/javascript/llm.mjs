// Generate a completion: POST ENDPOINT/generate.
// An ES module for Node.js 18+ or a browser (fetch); no packages to install.

const ENDPOINT = "https://arena.example.com/deployments/gsm8k-grpo";
const API_KEY = "••••••••0000";
const PROMPT = "Write a haiku about reinforcement learning.";

const response = await fetch(`${ENDPOINT}/generate`, {
  method: "POST",
  headers: {
    Authorization: `Bearer ${API_KEY}`,
    "Content-Type": "application/json",
  },
  body: JSON.stringify({
    prompts: [PROMPT],
    params: {
      max_new_tokens: 100,
      temperature: 0.7,
      top_p: 0.9,
      do_sample: true,
    },
  }),
  signal: AbortSignal.timeout(30000),
});
const text = await response.text();
const answer = response.ok ? JSON.parse(text) : null;
if (!answer || answer.success === false) {
  throw new Error(`POST ${response.url} failed: ${response.status} ${text}`);
}
console.log(answer.results[0].completion);
