// Provider names in canonical form: the OTel GenAI well-known `gen_ai.provider.name` values
// (openai, anthropic, aws.bedrock, azure.ai.openai, azure.ai.inference, gcp.gemini, gcp.vertex_ai,
// gcp.gen_ai, cohere, deepseek, groq, ibm.watsonx.ai, mistral_ai, perplexity, x_ai, …).
//
// Sources spell them differently: the deprecated `gen_ai.system` values (az.ai.openai, vertex_ai, xai),
// OpenInference `llm.provider` / `llm.system` (azure, google, aws, vertexai, mistralai), Vercel AI SDK
// provider ids with an API suffix (openai.chat, anthropic.messages, google.vertex.chat, amazon-bedrock).
// Matching is by exact name or by prefix followed by "." or "-", longest prefixes first; unknown
// providers pass through lowercased.
const BY_PREFIX: ReadonlyArray<readonly [string, string]> = [
  ["google.vertex", "gcp.vertex_ai"],
  ["google-vertex", "gcp.vertex_ai"],
  ["google.generative-ai", "gcp.gemini"],
  ["gcp.vertex_ai", "gcp.vertex_ai"],
  ["gcp.gemini", "gcp.gemini"],
  ["gcp.gen_ai", "gcp.gen_ai"],
  ["vertex_ai", "gcp.vertex_ai"],
  ["vertexai", "gcp.vertex_ai"],
  ["gemini", "gcp.gemini"],
  ["google", "gcp.gemini"],
  ["aws.bedrock", "aws.bedrock"],
  ["amazon-bedrock", "aws.bedrock"],
  ["bedrock", "aws.bedrock"],
  ["amazon", "aws.bedrock"],
  ["aws", "aws.bedrock"],
  ["azure.ai.openai", "azure.ai.openai"],
  ["azure.ai.inference", "azure.ai.inference"],
  ["az.ai.openai", "azure.ai.openai"],
  ["az.ai.inference", "azure.ai.inference"],
  ["azure-openai", "azure.ai.openai"],
  // Vercel's `azure` provider and OpenInference's `azure` host are Azure OpenAI deployments.
  ["azure", "azure.ai.openai"],
  ["ibm.watsonx.ai", "ibm.watsonx.ai"],
  ["watsonx", "ibm.watsonx.ai"],
  ["mistral_ai", "mistral_ai"],
  ["mistralai", "mistral_ai"],
  ["mistral", "mistral_ai"],
  ["x_ai", "x_ai"],
  ["x-ai", "x_ai"],
  ["xai", "x_ai"],
  ["together_ai", "together_ai"],
  ["togetherai", "together_ai"],
  ["together", "together_ai"],
  ["openai", "openai"],
  ["anthropic", "anthropic"],
  ["cohere", "cohere"],
  ["deepseek", "deepseek"],
  ["groq", "groq"],
  ["perplexity", "perplexity"],
];

const cache = new Map<string, string>();

export function normalizeProvider(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const hit = cache.get(raw);
  if (hit !== undefined) return hit;
  const lower = raw.trim().toLowerCase();
  let out = lower;
  for (const [prefix, canonical] of BY_PREFIX) {
    if (lower === prefix || lower.startsWith(`${prefix}.`) || lower.startsWith(`${prefix}-`)) {
      out = canonical;
      break;
    }
  }
  if (cache.size < 1000) cache.set(raw, out);
  return out;
}
