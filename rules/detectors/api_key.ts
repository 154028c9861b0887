import { F } from "./features.ts";
import type { Detector } from "./types.ts";

// Secrets of common vendors, by their documented prefixes:
//  OpenAI sk-… / sk-proj-… · Anthropic sk-ant-… · AWS access key ids AKIA…/ASIA… · GitHub ghp_/gho_/
//  ghu_/ghs_/ghr_ and github_pat_… · Slack xoxa-/xoxb-/xoxp-/xoxr-… · Stripe sk_live_/rk_live_/
//  sk_test_/rk_test_… · Google API keys AIza… · Hugging Face hf_…
// Secrets without a recognisable shape (AWS secret access keys, passwords) are caught by key-name
// rules (`keys: ["*secret*", "*password*"]`) instead.
export const api_key: Detector = {
  name: "api_key",
  pattern:
    /(?<![\w-])(?:sk-ant-(?:api\d\d-)?[A-Za-z0-9_-]{20,}|sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}|(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}|xox[abpr]-[A-Za-z0-9-]{10,}|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35}|hf_[A-Za-z0-9]{30,})(?![\w-])/g,
  gate: F.API_KEY, // every alternative starts with one of the prefixes, after (?<![\w-])
  minLength: 15, // the shortest form: xox?- + 10
};
