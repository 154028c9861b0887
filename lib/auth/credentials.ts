// Reads credentials from request headers in every form DESIGN.md allows:
//   Authorization: Basic base64(pk:sk)   (Langfuse SDKs)
//   Authorization: Bearer sk-tr-…        x-api-key: sk-tr-…
import { TracerelayError } from "../errors.ts";
import type { KeyStore, Principal } from "./keys.ts";

export function authenticate(keys: KeyStore, headers: Record<string, string | string[] | undefined>): Principal {
  const auth = header(headers, "authorization");
  const apiKey = header(headers, "x-api-key");
  if (auth) {
    const [scheme, value = ""] = auth.split(/\s+/, 2);
    if (/^basic$/i.test(scheme)) {
      const decoded = Buffer.from(value, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon < 0) throw new TracerelayError("TR_AUTH_INVALID", "Basic credentials must be base64(public_key:secret_key)");
      const principal = keys.verifyPair(decoded.slice(0, colon), decoded.slice(colon + 1));
      if (!principal) throw new TracerelayError("TR_AUTH_INVALID", "unknown public key or wrong secret key");
      return principal;
    }
    if (/^bearer$/i.test(scheme)) return bySecret(keys, value);
    throw new TracerelayError("TR_AUTH_INVALID", `unsupported Authorization scheme "${scheme}"; use Basic or Bearer`);
  }
  if (apiKey) return bySecret(keys, apiKey);
  throw new TracerelayError("TR_AUTH_MISSING", "missing credentials: send Authorization: Bearer sk-tr-…, x-api-key, or Basic pk:sk");
}

function bySecret(keys: KeyStore, secret: string): Principal {
  const principal = keys.verifySecret(secret.trim());
  if (!principal) throw new TracerelayError("TR_AUTH_INVALID", "unknown secret key");
  return principal;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
