import { describe, expect, it } from "vitest";
import { type Config, DEFAULTS } from "../../lib/config/index.ts";
import { checkRoles, ROLE_NAMES } from "./compose.ts";
import { busConfigFrom } from "./context.ts";

const config = (bus: Partial<Config["bus"]> = {}): Config => ({ ...structuredClone(DEFAULTS), bus: { ...DEFAULTS.bus, ...bus } });
const logger = { info() {}, warn() {}, error() {}, debug() {}, child: () => logger } as never;

describe("roles", () => {
  it("every role together runs on the embedded bus; a lone role or a subset is refused there", () => {
    expect(checkRoles(config(), ROLE_NAMES)).toBeUndefined();
    for (const role of ROLE_NAMES) expect(checkRoles(config(), [role])).toMatch(/embedded bus is a single-process log/);
    expect(checkRoles(config(), ["deliver", "explorer"])).toMatch(/bus\.kind: kafka/);
  });

  it("on Kafka any combination runs; unknown and empty role lists are refused", () => {
    const kafka = config({ kind: "kafka", brokers: ["k:9092"] });
    for (const role of ROLE_NAMES) expect(checkRoles(kafka, [role])).toBeUndefined();
    expect(checkRoles(kafka, ["deliver", "explorer"])).toBeUndefined();
    expect(checkRoles(kafka, [])).toBe("no role to run");
    expect(checkRoles(kafka, ["gateway" as never])).toMatch(/unknown role "gateway"/);
  });

  it("maps the bus section to the bus options", () => {
    expect(busConfigFrom(config(), "/d", logger)).toMatchObject({ kind: "embedded", dir: "/d/bus", partitions: 4, retentionMs: 72 * 3600_000 });
    const kafka = busConfigFrom(
      config({ kind: "kafka", brokers: ["a:1", "b:2"], client_id: "c", topic_prefix: "p.", replication_factor: 3, create_topics: false, ssl: true, sasl: { mechanism: "plain", username: "u", password: "pw" } }),
      "/d",
      logger,
    );
    expect(kafka).toMatchObject({ kind: "kafka", brokers: ["a:1", "b:2"], clientId: "c", topicPrefix: "p.", partitions: 4, replicationFactor: 3, createTopics: false, ssl: true, sasl: { mechanism: "plain", username: "u", password: "pw" } });
    expect(() => busConfigFrom(config({ kind: "kafka" }), "/d", logger)).toThrow(/bus\.brokers is empty/);
  });
});
